"""Calibration: calm breathing for depth and rate, then slow breaths with the light for the polarity.

One procedure for both places it runs: `breathcue calibrate` on its own,
and the daemon asked to calibrate while it keeps running.  The caller feeds
samples and draws ``guide`` on the ring; everything else is decided here.

First ``calm_seconds`` of ordinary breathing through a cold detector (so no
older baseline leaks in): the median depth and rate of the breaths found.
Then ``GUIDED_BREATHS`` slow breaths at 6 a minute, "breathe in as it
brightens": the strap's polarity from how the signal follows the guide
(core/guided.py).  A polarity the guide does not show for certain is not
saved; the result says why.  A calm part that gave no usable baseline ends
the calibration at once, without the guided breaths.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .detector import Baseline, BreathDetector
from .guided import GuidedPolarity, Verdict
from .pacing import PacedSession, Pattern
from .types import Event, Sample

if TYPE_CHECKING:
    from ..config import DetectorConfig

GUIDE = Pattern(4.0, 0.0, 6.0, 0.0)  # 6 breaths a minute: slower than almost anyone's own pace at rest
GUIDED_BREATHS = 4
MIN_SWING_V = 0.08  # a guided breath of a snug strap moves it by 0.2-0.5 V; a loose one by 0.05 V or less
MIN_BREATHS = 4  # breaths of the calm part needed for a depth and a rate (three intervals)
MAX_BAD_SHARE = 0.2  # the calm part fails when the signal is lost or disturbed more of the time than this
QUIET_SECONDS = 15.0  # no breath after this long into the calm part: say the strap may not pick it up


class CalibrationError(Exception):
    """The strap signal could not give a baseline; the message says why and what to try."""


@dataclass(frozen=True, slots=True)
class Progress:
    """Where a calibration is, for a progress line: ``quality`` says whether the strap picks up breathing."""

    phase: str  # "calm", "guided", "done"; "failed" when the calm part gave no baseline
    seconds: float  # since the calibration began
    left: float  # seconds until it ends (0 once it has ended)
    breaths: int  # breaths found in the calm part
    quality: str  # "starting", "good", "quiet", "hold", "moving", "lost"; "following" or "not_following" when guided
    guide: str | None  # "in" or "out" during the guided breaths

    def describe(self) -> str:
        """One line for people (under 80 columns with "calibrating: "): what to do, time left, what the strap picks up."""
        if self.phase == "guided":
            what = "breathe in as it brightens" if self.guide == "in" else "breathe out as it dims"
        elif self.phase == "calm":
            what = "breathe normally"
        elif self.phase == "failed":  # neither done nor any time left: the reason comes with the error
            return f"failed, nothing saved; {QUALITY_TEXT[self.quality]}"
        else:
            what = "done"
        return f"{what}, {self.left:.0f} s left; {QUALITY_TEXT[self.quality]}"

    def to_json_dict(self) -> dict[str, Any]:
        return {
            "phase": self.phase,
            "seconds": round(self.seconds, 1),
            "left": round(self.left, 1),
            "breaths": self.breaths,
            "quality": self.quality,
            "guide": self.guide,
        }


QUALITY_TEXT = {
    "starting": "listening to the strap",
    "good": "the strap picks up your breathing",
    "quiet": "no breaths yet: is the strap snug?",
    "hold": "don't hold your breath",
    "moving": "movement: sit still",
    "lost": "no signal: is the strap plugged in?",
    "following": "you follow the light",
    "not_following": "not following the light yet",
}


@dataclass(frozen=True, slots=True)
class Result:
    """A finished calibration: the baseline to save (its polarity None when the guide was not sure) and why."""

    baseline: Baseline
    breaths: int
    seconds: float
    verdict: Verdict

    def info(self) -> dict[str, Any]:
        """What baseline.json keeps beside the baseline itself (docs/formats.md)."""
        return {"breaths": self.breaths, "seconds": round(self.seconds, 1), "guided": self.verdict.to_json_dict()}

    def describe(self, unit: str = "V") -> str:
        """The result in plain words, with units."""
        b = self.baseline
        head = f"ready: {b.rate_bpm:.0f} breaths a minute; your breaths move the strap by {b.depth:.2g} {unit}".rstrip()
        if b.polarity is None:
            return f"{head}; which way a breath moves the signal is not saved: {self.verdict.why}"
        way = "up" if b.polarity == "normal" else "down"
        return f"{head}; a breath in pulls the signal {way}"


class Calibration:
    """One calibration from clock time ``start``: feed it every sample with ``update``; ``done`` says when to stop."""

    def __init__(self, config: "DetectorConfig", rate_hz: float, calm_seconds: float, start: float = 0.0, min_swing: float = MIN_SWING_V) -> None:
        self.start = start
        self.calm_end = start + calm_seconds
        self.session = PacedSession(GUIDE, GUIDED_BREATHS * GUIDE.period / 60.0)
        self.end = self.calm_end + (self.session.duration or 0.0)
        self._detector = BreathDetector(config, rate_hz)
        self._guided = GuidedPolarity(rate_hz, min_swing)
        self._events: list[Event] = []
        self._read = self._bad = 0
        self._last_t = start
        self.error: str | None = None
        self.result: Result | None = None
        self._calm: tuple[Baseline, int] | None = None

    @property
    def phase(self) -> str:
        if self.error is not None:
            return "failed"
        if self.result is not None:
            return "done"
        return "calm" if self._calm is None else "guided"

    @property
    def done(self) -> bool:
        """Over, with a result or an error."""
        return self.phase in ("done", "failed")

    def guide(self, t: float) -> float | None:
        """The guide's lung volume (0-1) at clock time ``t`` during the guided breaths, else None."""
        if self.phase != "guided":
            return None
        return self.session.guide(t - self.calm_end).volume

    def update(self, sample: Sample) -> None:
        t = self._last_t = sample.t
        if self.phase == "calm":
            self._events.extend(self._detector.update(sample))
            self._read += 1
            if self._detector.status.state in ("signal_lost", "artifact"):
                self._bad += 1
            if t + 1e-9 >= self.calm_end:
                self._finish_calm(t)
        elif self.phase == "guided":
            self._guided.update(sample.value, self.session.guide(t - self.calm_end).volume)
            if t + 1e-9 >= self.end:
                verdict = self._guided.verdict()
                baseline, breaths = self._calm  # type: ignore[misc]
                baseline = Baseline(baseline.depth, baseline.rate_bpm, verdict.polarity)
                self.result = Result(baseline, breaths, t - self.start, verdict)

    def _finish_calm(self, t: float) -> None:
        events = self._events + self._detector.finish(t, guess=True)  # depth and rate need no polarity: the guide gives it
        breaths = [e for e in events if e.name == "breath"]
        seconds = t - self.start
        if self._read and self._bad / self._read > MAX_BAD_SHARE:
            reasons = sorted({e.get("reason") for e in events if e.name == "signal_lost"} | ({"motion"} if any(e.name == "artifact_start" for e in events) else set()))
            self.error = (
                f"the strap signal was unusable {100 * self._bad / self._read:.0f}% of the time ({', '.join(reasons) or 'lost'}): "
                "check the strap is on and plugged in, sit still, and try again"
            )
        elif len(breaths) < MIN_BREATHS:
            self.error = (
                f"only {len(breaths)} breaths found in {seconds:.0f} s (at least {MIN_BREATHS} needed): "
                "breathe calmly and normally, make sure the strap is snug, or calibrate for longer (--seconds)"
            )
        elif any(e.name == "hold_start" for e in events):
            self.error = "a breath hold came up during calibration: breathe calmly and normally, and try again"
        else:
            peaks = [e.get("peak") for e in breaths]
            intervals = [b - a for a, b in zip(peaks, peaks[1:])]
            depth = statistics.median(e.get("depth") for e in breaths)
            self._calm = (Baseline(depth, 60.0 / statistics.median(intervals), None), len(breaths))

    def outcome(self) -> Result:
        """The finished calibration; CalibrationError when the calm part gave no baseline (or it is not done)."""
        if self.error is not None:
            raise CalibrationError(self.error)
        if self.result is None:
            raise CalibrationError(f"stopped {self._last_t - self.start:.0f} s into a calibration of {self.end - self.start:.0f} s")
        return self.result

    def progress(self, t: float) -> Progress:
        phase = self.phase
        breaths = self._calm[1] if self._calm is not None else sum(1 for e in self._events if e.name == "breath")
        guide = None
        if phase == "guided":
            guide = "in" if self.session.guide(t - self.calm_end).phase in ("inhale", "hold_in") else "out"
            rows = self._guided.correlations()
            following = self._guided.cycles >= 1 and max(abs(r) for _, r in rows) >= 0.6
            quality = "following" if following else "not_following"
        else:
            quality = self._calm_quality(t, breaths)
        left = 0.0 if phase == "failed" else max(0.0, self.end - t)  # a failed calm part skips the guided breaths
        return Progress(phase, t - self.start, left, breaths, quality, guide)

    def _calm_quality(self, t: float, breaths: int) -> str:
        state = self._detector.status.state
        if state == "signal_lost":
            return "lost"
        if state == "artifact":
            return "moving"
        if state == "hold":
            return "hold"
        if breaths:
            return "good"
        return "quiet" if t - self.start >= QUIET_SECONDS else "starting"
