"""BreathDetector: one sample in, zero or more events out, through a short pipeline of stages.

1. conditioning.py: the breathing band, a cardiac-free band, the movement
   over two seconds, a stuck sensor.
2. segmenter.py: turning points of the breathing band by hysteresis, with
   where each extreme was reached and left; three turns make a breath.
3. polarity.py: which way an inhale moves the signal, from steepness, the
   end-expiratory dwell and the way held chests sag; it abstains (breaths
   wait) until the evidence is clear.  Nothing else waits for it.
4. holds.py and rhythm.py: a hold is the absence of breaths after normal
   breathing, wherever the held chest sags or wobbles; small regular swings
   are breathing too small to trust (a loose strap: "weak", after
   WEAK_SECONDS of it).
5. patterns.py: shallow and rapid breathing, and the baseline.

This module joins them and adds what needs all of them: motion artefacts,
lost signal, and the events of the contract in docs/formats.md.
Everything is causal, looks back a bounded time, and lives in explicit
state, so feeding a recording in chunks gives exactly the events of feeding
it whole.  See docs/detection.md for the method and its validation.
"""

from __future__ import annotations

import dataclasses
import math
import statistics
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .conditioning import FLAT_SECONDS, MOVE_WINDOW_SECONDS, Conditioner
from .filters import SlidingRange
from .holds import HoldTracker, Stop
from .patterns import SIGH_SHARE, Baseline, BreathPatterns
from .polarity import PolarityVote
from .rhythm import HELD_TURNS, RHYTHM_TURNS, SmallRhythm
from .segmenter import Segmenter, Turn
from .types import Event, Sample

if TYPE_CHECKING:
    from ..config import DetectorConfig

__all__ = ["Baseline", "BreathDetector", "DetectorStatus", "MAX_INTERVAL_SECONDS"]

# Segmentation and breaths.
TURN_SHARE = 0.3  # a turning point needs a swing back of this share of the typical depth
MIN_HALF_SECONDS = 0.5  # the shortest inhale or exhale...
MIN_BREATH_SECONDS = 1.5  # ...and breath (40 a minute): a cardiac ripple is quicker
MIN_BREATH_SHARE = 0.3  # a breath shallower than this share of the typical swing is a wobble
DEPTH_SWINGS = 6  # the typical depth is the median of this many recent swings
RATE_INTERVALS = 5  # the rate is the median of this many recent breath intervals
MAX_INTERVAL_SECONDS = 30.0  # a longer gap between breaths is no breathing interval
SLOWEST_PERIOD_SECONDS = 15.0  # 4 a minute: no one breathes slower, however slow the turns
READY_SWINGS = 3  # consistent swings needed after a (re)start before a hold or artefact can be called
MOTION_SHARE = 0.3  # a swing whose jerk (RMS) passed this share of it was someone moving, not a breath...
SHAKEN_SHARE = 0.2  # ...one whose jerk passed this share of it was no half of a breath either...
MOTION_TIMES = 10.0  # ...and one whose jerk passed this many times the calmest of the last FLOOR_SECONDS...
MOTION_FLOOR_SHARE = 0.15  # ...and this share of the swing (a breath's own band leaves a few hundredths in the jerk)...
FAR_MOTION_TIMES = 20.0  # ...or this many times it and this share (breaths after a hold, deeper and quicker, reach
FAR_MOTION_SHARE = 0.1  # 10-17 times with a tenth)
FLOOR_SECONDS = 30.0  # (the calmest while breathing: a still or held chest says nothing of breathing's)
FLOOR_SETTLE_SECONDS = 2.0  # the jerk's average needs this long after a start before its floor means anything
RECENT_SECONDS = 8.0  # the range over this window is the depth before any swing, and caps the turning threshold
RECENT_STEP_SECONDS = 0.2  # ...updated this often: a coarse scale needs no more
KEPT_TURNS = 64  # turns kept while the polarity is unknown
# Stillness and holds.
STILL_SHARE = 0.2  # the chest is still while its movement stays under this share of the depth
CALM_SHARE = 1.2  # stillness is judged on at most this many baselines (sighs inflate the typical depth)
BREATH_HALF_SHARE = 0.8  # a last swing this share of the one before is a half breath, a smaller one a sag...
SAG_DEPTHS = 0.9  # ...unless it is this many typical depths or more (a held chest sags by 75 % at most)
ONWARD_SHARE = 0.25  # a stop's half breath going on (or, after an exhale, an inhale) this far and this quick
SAG_PACE = 0.5  # a half breath under this share of its way's usual steepest slope is a held chest sagging, not breath
HALF_PACE = 0.6  # ...and one at this share of it, or quicker, is half a breath, however small against the one before
QUICK_WAY = 0.8  # ...when that way's usual pace is at least this share of the other way's
PACE_SWINGS = 4  # the usual slope is the median of this many recent swings each way
TINY_SHARE = 0.3  # ...and one under this share no half breath at all
LAST_BREATH_SECONDS = 8.0  # a hold starts at most this long before the chest went still
SMALL_SHARE = 0.04  # small swings: this share of the depth, on the quiet band
APNEA_SHARE = 0.1  # swings under this share of the depth after breathing stopped are no breathing (the clinical 90 % drop)
WEAK_SHARE = 0.2  # breathing in swings under this share of the baseline depth is too small to trust...
WEAK_SECONDS = 30.0  # ...and after this long of it the signal is lost ("weak")
# Artefacts and lost signal.
ARTIFACT_SHARE = 3.0  # movement this many usual depths is a motion artefact...
STEP_SHARE_PER_SECOND = 8.0  # ...and so is a jump between samples this fast
ARTIFACT_CALM_SECONDS = 3.0  # an artefact ends after this long within...
ARTIFACT_CALM_SHARE = 2.0  # ...this many typical depths of movement
ARTIFACT_RESCALE_SECONDS = 20.0  # an artefact this long means the strap moved: relearn the depth
FOUND_SHARE = 0.35  # a lost signal that was still (or weak) is back at a movement of this share of a depth
WATCHED = ("flat-hold", "weak")  # lost while the detector keeps filtering, waiting for breathing to move the signal


@dataclass(frozen=True, slots=True)
class DetectorStatus:
    """What the detector believes now, for the ring, the cue policy and the status file."""

    state: str  # "starting", "breathing", "hold", "shallow", "rapid", "artifact", "signal_lost"
    rate_bpm: float | None
    depth: float | None
    rel_depth: float | None
    breaths: int = 0
    polarity: str | None = None


class BreathDetector:
    """Feed samples in time order; read events from ``update`` and the present from ``status``."""

    def __init__(self, config: "DetectorConfig", rate_hz: float, baseline: Baseline | None = None) -> None:
        if not 5.0 <= rate_hz <= 200.0:
            raise ValueError(f"rate {rate_hz} Hz: the detector runs at 5-200 samples a second")
        self.config = config  # pragma: no mutate
        self.rate_hz = rate_hz
        self._cond = Conditioner(rate_hz)
        self._fast_delay = self._cond.fast_delay
        self._slow_delay = self._cond.slow_delay
        self._seg = Segmenter(self._fast_delay)
        self._holds = HoldTracker(config.hold_seconds, config.max_hold_seconds)
        self._rhythm = SmallRhythm()
        self._patterns = BreathPatterns(config, baseline)
        if config.polarity != "auto":
            self._vote = PolarityVote(1 if config.polarity == "normal" else -1, learning=False)
        elif baseline is not None and baseline.polarity in ("normal", "inverted"):
            self._vote = PolarityVote(1 if baseline.polarity == "normal" else -1, learning=False)
        else:
            self._vote = PolarityVote()
        self._held_turns: deque[Turn] = deque(maxlen=KEPT_TURNS)  # turns kept back while the polarity is unknown
        self._recent_range = SlidingRange(RECENT_SECONDS)
        self._jerk_floor = SlidingRange(FLOOR_SECONDS)  # its low: breathing's own jerk (the sensor, the heart)
        self._floor_due = 0.0  # pragma: no mutate
        self._step_limit = STEP_SHARE_PER_SECOND / rate_hz  # in typical depths per sample
        self._depths: deque[float] = deque(maxlen=DEPTH_SWINGS)
        self._paces = (deque(maxlen=PACE_SWINGS), deque(maxlen=PACE_SWINGS))  # steepest slopes of falls, of rises
        self._typical: float | None = None
        self._intervals: deque[float] = deque(maxlen=RATE_INTERVALS)
        self._rate: float | None = None
        self._cycles: deque[float] = deque(maxlen=RATE_INTERVALS)  # from turn to turn of a kind: the period, polarity or not
        self._halves: deque[float] = deque(maxlen=RATE_INTERVALS)  # from turn to turn: half breaths, before any period
        self._last_peak_t: float | None = None  # pragma: no mutate
        self._held_until = -math.inf  # where the last hold ended: no breathing period spans it
        self._breaths = 0
        self._lost: tuple[str, float] | None = None
        self._started = False
        self._pinned: Turn | None = None  # the trough a hold at end-expiration began at  # pragma: no mutate
        self._small_since: float | None = None  # small regular breathing since then (a loose strap?)  # pragma: no mutate
        self._artifact_start: float | None = None
        self._calm_since = 0.0  # pragma: no mutate
        self._turns: list[Turn] = []  # pragma: no mutate
        self.status = DetectorStatus("starting", None, None, None)

    @property
    def baseline(self) -> Baseline | None:
        return self._patterns.baseline

    # --- the per-sample path ----------------------------------------------

    def update(self, sample: Sample) -> list[Event]:
        """Take one sample; return the events it completes, in order."""
        t = sample.t
        value = sample.value
        events: list[Event] = []
        cond = self._cond
        if value is None:
            cond.stuck_for(t, None)  # the first value after the gap is news, whatever it is
            self._lose(t, sample.fault or "i2c_error", events)
            return events
        if cond.stuck_for(t, value) > 0.0:
            if t - cond.stuck_since >= FLAT_SECONDS:
                self._lose(t, "flat", events, since=cond.stuck_since)
            if self._lost is not None:
                return events
        if not self._started or (self._lost is not None and self._lost[0] not in WATCHED):
            self._restart(t, value, events)
            return events

        y, z, q, dy, move = cond.step(t, value)
        jerk = cond.jerk
        if jerk > self._jerk_peak:  # pragma: no mutate
            self._jerk_peak = jerk
        if t >= self._recent_due:  # coarse scales: five updates a second are plenty
            self._recent_due = t + RECENT_STEP_SECONDS
            self._recent_depth = self._recent_range.push(t, y)
        recent = self._recent_depth
        typical = self._typical
        if typical is None:
            typical = recent if recent > 0.0 else 1e-12

        if self._lost is not None:  # a "hold" too long to be one, or weak breathing: wait for real movement
            if move > FOUND_SHARE * self._usual(typical):
                self._found(t, events)
            return events
        if self._artifact_start is not None:
            self._artifact(t, move, self._usual(typical), events)
            return events
        if (move > ARTIFACT_SHARE * typical or abs(dy) > self._step_limit * typical) and self._ready:
            usual = self._usual(typical)
            if move > ARTIFACT_SHARE * usual or abs(dy) > self._step_limit * usual:
                self._begin_artifact(t, events)
                return events

        holds = self._holds
        stop = holds.stop
        baseline = self._patterns.baseline
        if baseline is not None and typical > SIGH_SHARE * baseline.depth:
            typical = SIGH_SHARE * baseline.depth  # sighs inflate the typical depth
        # Before a baseline, the depth may have been learnt from motion: breathing smaller than that
        # still moves (the range of the last seconds caps the scale); with one, stillness is judged
        # on calm breaths.  Smaller breathing still turns.  A hold keeps the scale it began with: a
        # held chest's wobbles are no turning points.
        if stop is not None:
            depth = turn_scale = still_scale = stop.depth
        else:
            capped = min(recent, typical) if recent > 0.0 else typical
            depth = capped if baseline is None else typical
            still_scale = capped if baseline is None else min(typical, CALM_SHARE * baseline.depth)
            turn_scale = capped
        still = move < STILL_SHARE * still_scale
        if not still and stop is None and t >= self._floor_due:  # a held chest's sag is slow movement, no breathing's jerk
            self._floor_due = t + RECENT_STEP_SECONDS
            self._jerk_floor.push(t, jerk)
        turn_at = TURN_SHARE * turn_scale
        sign = self._vote.sign
        seg = self._seg
        turn = seg.step(t, y, dy, turn_at, depth, not still, None if sign is None else sign < 0)
        if holds.held and seg.rising == (stop.swing > 0) and abs(stop.swing) >= BREATH_HALF_SHARE * stop.depth:
            seg.pin(stop.start)  # drift past a full chest's extreme moves no peak into the hold (half way up, the peak is still to come)
        if turn is not None:
            self._turn(turn, t, events)
            if holds.stop is not None and holds.turn():
                self._resume(t, events)

        if self._rhythm.step(t, q, SMALL_SHARE * depth) and (holds.stop is not None or self._small_since is not None):
            self._small(t, events)
        if self._small_since is not None:
            if not still or self._lost is not None:
                return events
            if t - self._small_since >= WEAK_SECONDS and self._weak():
                self._lose(t, "weak", events, since=self._small_since)
            return events

        if holds.stop is None:
            if still and self._ready_for_hold():
                self._begin_stop(t, z, typical)
            return events
        if holds.candidate and self._moved(depth, jerk):
            holds.clear()  # someone moving is no held breath
            return events
        if holds.candidate and move > ONWARD_SHARE * depth:
            # Breathing went on: the half breath was not over (the chest moves on its way), or, a stop
            # at the end of an exhale, the next inhale began.  A sag goes back the other way.
            stop = holds.stop
            way = 1 if stop.swing > 0 else -1
            if (z - stop.level) * way > ONWARD_SHARE * depth:
                holds.onward = way
            elif (z - stop.level) * way < -ONWARD_SHARE * depth and (sign is not None and way != sign or self._brisk(-way)):
                holds.onward = -way
        if holds.onward:
            if still:
                self._reanchor(t, holds.onward)
            return events
        what = holds.step(t, z, move, still, self._slow_delay)
        if what == "declare":
            self._declare(t, z, events)
        elif what == "resume":
            self._resume(t, events)
        elif what == "too_long":
            self._hold_too_long(t, events)
        return events

    def finish(self, t: float, guess: bool = False) -> list[Event]:
        """The recording ended at ``t``: report breaths still held back, and a last one cut off mid-exhale.

        With ``guess``, breaths are reported even when the polarity is still
        undecided, in the light of the way the evidence leans: their count,
        rate and depth are the same either way (calibration's calm part,
        whose polarity comes from the guided breaths after it).
        """
        events: list[Event] = []
        if self._lost is not None or self._artifact_start is not None or not self._started:
            return events
        if self._vote.last_word() or guess and self._vote.guess():
            self._verdict(t, events)
        sign = self._vote.sign
        if sign is None:
            return events  # no verdict: the breaths are not known, only the holds
        seg = self._seg
        turns = self._turns
        if not self._holds.held and len(turns) >= 2 and turns[-1].high == (sign > 0) and seg.rising is not None:
            onset, peak = turns[-2], turns[-1]
            end = seg.extreme
            if abs(peak.value - end.value) >= 0.5 * abs(peak.value - onset.value):
                self._breath_from([onset, peak, end], t, events)
        return events

    # --- starting, and the depth before any breath --------------------------

    def _restart(self, t: float, value: float, events: list[Event]) -> None:
        """Start tracking afresh at ``value``: at the first sample, and after a lost signal."""
        if self._lost is not None:
            events.append(Event("signal_ok", t, {"start": self._lost[1]}))
            self._lost = None
        self._started = True
        self._cond.start(t, value)
        self._recent_range.clear()
        self._jerk_floor.clear()
        self._floor_due = t + FLOOR_SETTLE_SECONDS
        self._recent_due = t
        self._recent_depth = 0.0  # pragma: no mutate
        self._reset_segments(t)
        self._set_state()

    def _reset_segments(self, t: float) -> None:
        """Forget turning points: after a start, a lost signal or an artefact no breath spans the gap."""
        y = self._cond.y
        self._epoch = t
        self._epoch_value = y
        self._seg.reset(t, y)
        self._rhythm.reset(y)
        self._turns = []
        self._swings = 0
        self._clean = 0  # swings in a row free of motion: a hold needs breathing before it, not someone moving
        self._jerk_peak = 0.0  # the largest jerk since the last turn
        self._ready = False
        self._last_peak_t = None
        self._holds.clear()
        self._small_since = None

    def _ready_for_hold(self) -> bool:
        """Enough consistent swings to know the depth; or, after two breaths of a cold start, the half into the stillness.

        Either way the last READY_SWINGS swings were breaths, free of motion.
        """
        if self._ready and self._clean >= READY_SWINGS:
            return True
        turns = self._turns
        ext = self._seg.extreme
        if ext is None or not turns or self._clean + 1 < READY_SWINGS or turns[-1].t + self._fast_delay <= self._epoch:
            return False
        depths = [*self._depths, abs(ext.value - turns[-1].value)]
        typical = statistics.median(depths)
        return sum(1 for d in depths if 0.5 * typical <= d <= 2.0 * typical) >= READY_SWINGS

    def _moved(self, swing: float, peak: float | None = None) -> bool:
        """Was the jerk since the last turn (or ``peak``) someone moving rather than breathing, for a swing this size?

        Large against the swing, or far above breathing's own of late: a bend
        can be many breaths deep, with a sway small against it but large against a breath.
        """
        if peak is None:
            peak = self._jerk_peak
        if peak > (MOTION_SHARE * swing) ** 2:
            return True
        floor = self._jerk_floor
        if not floor:
            return False
        low = floor.low
        if peak > MOTION_TIMES**2 * low and peak > (MOTION_FLOOR_SHARE * swing) ** 2:
            return True
        return peak > FAR_MOTION_TIMES**2 * low and peak > (FAR_MOTION_SHARE * swing) ** 2

    def _slow(self, slope: float, rising: bool) -> bool:
        """Is a half breath this steep far slower than the person's of late, the same way: a sag?"""
        paces = self._paces[1 if rising else 0]
        return len(paces) >= 2 and slope < SAG_PACE * statistics.median(paces)

    def _brisk(self, way: int) -> bool:
        """Is the chest moving ``way`` now at breathing's pace (a half breath, not a sag)?"""
        seg = self._seg
        ext = seg.extreme
        return ext is not None and seg.rising == (way > 0) and self._at_pace(ext.slope, way > 0, SAG_PACE)

    def _at_pace(self, slope: float, rising: bool, share: float) -> bool:
        """Is a half breath this steep at least ``share`` of the person's usual pace that way, and that way not the slow one?

        Only where that way is not the person's slow one can pace tell a sag from
        breath: a stretch cord's exhale is as slow as a sag.
        """
        this, other = self._paces[1 if rising else 0], self._paces[0 if rising else 1]
        if not this or not other:
            return False
        usual = statistics.median(this)
        return slope >= share * usual and usual >= QUICK_WAY * statistics.median(other)

    # --- turning points and breaths ---------------------------------------

    def _turn(self, turn: Turn, now: float, events: list[Event]) -> None:
        turns = self._turns
        if not turns:
            self._jerk_peak = 0.0
            if turn.t + self._fast_delay > self._epoch:  # where tracking began stands for the other extreme,
                turns.append(Turn(not turn.high, self._epoch - self._fast_delay, self._epoch_value))
                if self._vote.sign is None:  # so a first breath already under way is not lost
                    self._held_turns.append(turns[0])
        elif turns[-1].t + self._fast_delay > self._epoch:  # the epoch is no measured extreme: no depth from it
            last = turns[-1]
            swing = abs(turn.value - last.value)
            if turn.t - last.t < MIN_HALF_SECONDS:
                return  # a wobble, not half a breath: the older extreme stands
            typical = self._typical
            held = self._holds.held  # a declared hold's wobbles are no half breaths
            moved = self._moved(swing if typical is None else max(swing, 0.5 * typical))  # a small swing beside a steep one takes its jerk
            if moved:
                self._clean = 0  # someone moving: no depth, no polarity and no hold from this swing...
                if self._jerk_peak > (SHAKEN_SHARE * swing) ** 2:
                    turn = dataclasses.replace(turn, moved=True)  # ...and, moving hard against it, no breath
            elif not held:
                self._clean += 1
            self._jerk_peak = 0.0
            if not held and not moved and (typical is None or 0.5 * typical <= swing <= 2.0 * typical):
                if self._vote.half(turn.high, turn.slope, swing, turn.dwell):
                    self._verdict(now, events)
            if not held and not moved:
                self._depths.append(swing)
                self._paces[1 if turn.high else 0].append(turn.slope)
                if len(turns) >= 2 and turns[-2].t + self._fast_delay > max(self._epoch, self._held_until) and turn.t - turns[-2].t <= MAX_INTERVAL_SECONDS:
                    self._cycles.append(turn.t - turns[-2].t)
                if turns[-1].t + self._fast_delay > max(self._epoch, self._held_until):
                    self._halves.append(turn.t - turns[-1].t)
                ordered = sorted(self._depths)
                typical = self._typical = statistics.median(ordered)
                self._swings += 1
                consistent = sum(1 for d in ordered if 0.5 * typical <= d <= 2.0 * typical)
                self._ready = self._swings >= READY_SWINGS and consistent >= READY_SWINGS
                if swing >= 0.5 * typical:
                    self._small_since = None  # breathing of the usual size: no loose strap
        turns.append(turn)
        if len(turns) > 3:
            del turns[0]
        if self._vote.sign is None:
            self._held_turns.append(turn)
        elif len(turns) == 3:
            self._breath_from(turns, now, events)

    def _verdict(self, now: float, events: list[Event]) -> None:
        """The polarity was decided (or turned over): report the breaths kept back, in its light."""
        self._last_peak_t = None
        held = list(self._held_turns)
        self._held_turns.clear()
        for i in range(2, len(held)):
            self._breath_from(held[i - 2 : i + 1], now, events)
        self._set_state()

    def _breath_from(self, turns: list[Turn], now: float, events: list[Event]) -> None:
        onset, peak, end = turns[-3], turns[-2], turns[-1]
        sign = self._vote.sign
        if peak.high != (sign > 0):
            return  # these three turns make an exhale-inhale, not a breath
        if peak.moved or end.moved:
            self._last_peak_t = None
            return  # an inhale or exhale that was someone moving: no breath to count, and no interval across it
        depth = sign * (peak.value - 0.5 * (onset.value + end.value))
        if (self._typical is not None and depth < MIN_BREATH_SHARE * self._typical) or end.t - onset.t < MIN_BREATH_SECONDS:
            return  # a ripple on a pause, not a breath
        if self._last_peak_t is not None and self._last_peak_t < self._held_until < peak.t:
            self._last_peak_t = None  # breaths kept back until a verdict: no interval spans a hold
        if self._last_peak_t is not None and 0.0 < peak.t - self._last_peak_t <= MAX_INTERVAL_SECONDS:
            self._intervals.append(peak.t - self._last_peak_t)
            self._rate = 60.0 / statistics.median(self._intervals)
        inst = 60.0 / (peak.t - self._last_peak_t) if self._last_peak_t is not None and peak.t > self._last_peak_t else None
        self._last_peak_t = peak.t
        self._breaths += 1
        rel = self._patterns.relative(depth, self._rate, self.polarity)
        # A breath runs from the start of its inhale to the start of the next: where the signal left each trough.
        start = min(onset.left, peak.t)
        stop = end.left
        events.append(
            Event(
                "breath",
                now,
                {
                    "onset": start,
                    "peak": peak.t,
                    "end": stop,
                    "depth": depth,
                    "rel_depth": rel,
                    "rate_bpm": self._rate,
                    "inhale": peak.t - start,
                    "exhale": stop - peak.t,
                    "inst_rate_bpm": inst,
                },
            )
        )
        self._patterns.breath(now, start, stop, depth, rel, self._rate, self._artifact_start is None, events)
        self._set_state()

    @property
    def polarity(self) -> str | None:
        sign = self._vote.sign
        return None if sign is None else ("normal" if sign > 0 else "inverted")

    def set_polarity(self, polarity: str) -> None:
        """Take the polarity from outside evidence (guided calibration, a paced session); stop guessing it."""
        if polarity not in ("normal", "inverted"):
            raise ValueError(f"polarity {polarity!r}: expected 'normal' or 'inverted'")
        sign = 1 if polarity == "normal" else -1
        self._vote.settle()
        if sign != self._vote.sign:
            self._vote.sign = sign
            self._held_turns.clear()
            self._last_peak_t = None
        self.status = dataclasses.replace(self.status, polarity=polarity)

    # --- holds ----------------------------------------------------------------

    def _begin_stop(self, t: float, z: float, typical: float) -> None:
        """The chest went still: find where breathing stopped, before any sag, and watch for a hold from there."""
        ext = self._seg.extreme
        turns = self._turns
        if ext is None or not turns:
            return
        last = turns[-1]
        before = turns[-2].value if len(turns) >= 2 else None
        swing = ext.value - last.value
        previous = last.value - before if before is not None else -swing
        # A last swing much smaller than the half breath before it is a full chest sagging, not an
        # exhale (or an inhale stopped half way, when the polarity says it went the inhale's way):
        # breathing stopped where that half breath arrived.  Unless it came at the person's quick
        # pace that way: then it was half a breath, if a short one.  One as large, but far slower
        # than their pace, is a sag too.  A last swing far smaller is no half breath at all (the
        # creep of an empty chest).
        tiny = abs(swing) < TINY_SHARE * abs(previous)
        partial = abs(swing) < BREATH_HALF_SHARE * abs(previous) and abs(swing) < SAG_DEPTHS * typical
        partial = partial and (tiny or not self._at_pace(ext.slope, swing > 0, HALF_PACE))
        sagged = not partial and abs(swing) <= abs(previous) and self._slow(ext.slope, swing > 0)
        sign = self._vote.sign
        inhale_way = sign is not None and (swing > 0) == (sign > 0) and not tiny
        if (partial or sagged) and not inhale_way and before is not None:
            start, level, into = last.reached, last.value, previous
            if partial and not self._slow(ext.slope, swing > 0):
                start = 0.5 * (last.reached + ext.reached)  # as quick as a breath's half that way, as small as a sag: either, so half way
        else:
            start, level, into = ext.reached, ext.value, swing
        start = max(start, self._epoch)
        if abs(into) < TINY_SHARE * typical or t - self._slow_delay - start > LAST_BREATH_SECONDS:
            return  # no breath led here: a ripple on a pause, or stillness long after the last breath
        if self._moved(abs(into)):
            return  # someone moving led here: the strap settling after it is no held breath
        self._holds.begin(Stop(start, level, into, typical, sagged, self._hold_period()), t - self._slow_delay)
        self._rhythm.reset(self._cond.y)

    def _reanchor(self, t: float, way: int) -> None:
        """Still again after breathing went on ``way`` from a stop: if a hold began, it began where that movement stopped."""
        seg = self._seg
        stop = self._holds.stop
        turns = self._turns
        ext = seg.extreme if seg.rising == (way > 0) or not turns or turns[-1].high != (way > 0) else turns[-1]
        start = max(ext.reached, stop.start)
        origin = stop.level - stop.swing if way * stop.swing > 0 else stop.level  # where this half breath began
        self._holds.begin(Stop(start, ext.value, ext.value - origin, stop.depth, period=self._hold_period()), t - self._slow_delay)
        self._rhythm.reset(self._cond.y)

    def _declare(self, t: float, z: float, events: list[Event]) -> None:
        stop = self._holds.stop
        start = stop.start
        if self._vote.hold(stop.swing > 0, z - stop.level, stop.depth):
            self._verdict(t, events)
        events.append(Event("hold_start", t, {"start": start}))
        # The breath's extreme is where the chest stopped, just before the hold: never a wobble in it.
        seg = self._seg
        seg.pin(start)
        turns = self._turns
        held_at = start - 1.0 / self.rate_hz
        if turns and turns[-1].t > held_at:
            last = turns[-1]
            turns[-1] = dataclasses.replace(last, t=held_at, until=held_at)
            if self._held_turns and self._held_turns[-1] is last:
                self._held_turns[-1] = turns[-1]
        sign = self._vote.sign
        if sign is not None and seg.rising is not None and seg.rising == (sign < 0) and stop.swing * sign < 0:
            # Held at the end of an exhale: that breath is over now, not when breathing resumes,
            # and the next one starts where the hold ends.
            self._turn(seg.confirm(t, self._cond.y), t, events)
            self._pinned = self._turns[-1] if self._turns else None
        elif turns and turns[-1].high == (sign is not None and sign < 0) and stop.swing * (sign or 0) < 0:
            self._pinned = turns[-1]
        else:
            self._pinned = None  # pragma: no mutate
        self._set_state()

    def _resume(self, t: float, events: list[Event]) -> None:
        """Breathing came back: end the hold (or forget the would-be one)."""
        holds = self._holds
        if holds.held:
            start = holds.stop.start
            end = max(start, holds.last_still)
            events.append(Event("hold_end", t, {"start": start, "end": end, "duration": end - start}))
            turns = self._turns
            for i, turn in enumerate(turns):  # the next breath starts when the hold ends (its inhale may have turned already)
                if turn is self._pinned and all(later.t > end for later in turns[i + 1 :]):
                    turns[i] = dataclasses.replace(turn, until=end)
            if self._vote.sign is None:  # which end was held is not known yet: a turn at either was left when the hold ended
                held_at = start - 1.0 / self.rate_hz
                left = {id(turn): dataclasses.replace(turn, until=end) for turn in turns if held_at <= turn.t <= end and turn.until < end}
                for kept in (turns, self._held_turns):
                    for i, turn in enumerate(kept):
                        kept[i] = left.get(id(turn), turn)
            self._last_peak_t = None
            self._held_until = end
        self._pinned = None  # pragma: no mutate
        holds.clear()
        self._set_state()

    def _small(self, t: float, events: list[Event]) -> None:
        """Small swings at a breathing rhythm: breathing too small for the turning points, not a hold."""
        rhythm = self._rhythm
        period = self._period()
        holds = self._holds
        if holds.held:  # breathing again, if shallow: only a long, regular rhythm of breath size ends a hold
            if rhythm.regular(period, HELD_TURNS) and not self._weak(HELD_TURNS):
                began = rhythm.began(HELD_TURNS) - self._slow_delay  # breathing was back by its first small turn
                holds.last_still = max(holds.stop.start, min(holds.last_still, began))
                self._resume(t, events)
            return
        if not rhythm.regular(period):
            return
        if holds.candidate:
            if statistics.median(rhythm.swings()) < APNEA_SHARE * holds.stop.depth:
                return  # a 90 % loss of excursion is a hold, however regular what is left (the heart, a held chest's wobble)
            self._small_since = holds.stop.start
            holds.clear()
            self._set_state()
        if not self._weak():
            self._rescale(t, rhythm.swings())

    def _rescale(self, t: float, swings: list[float]) -> None:
        """Breathing goes on at a smaller scale than the depth learnt (after sighs, or a looser strap): relearn it."""
        self._depths.clear()
        self._depths.extend(swings)
        self._typical = statistics.median(swings)
        self._reset_segments(t)
        self._swings = self._clean = len(swings)
        self._ready = True

    def _period(self) -> float | None:
        """The person's breathing period in seconds: from their breaths, or before the polarity is known, their turns."""
        if self._rate:
            return 60.0 / self._rate
        return statistics.median(self._cycles) if len(self._cycles) >= 2 else None

    def _hold_period(self) -> float:
        """The breathing period a deep would-be hold must outlast, from the turns (breaths may be reported late, together).

        Before two cycles, twice the usual half breath (a slow breather's first
        stop); never more than the slowest paced breathing's.
        """
        if len(self._cycles) >= 2:
            period = statistics.median(self._cycles)
        elif len(self._halves) >= 2:
            period = 2.0 * statistics.median(self._halves)
        else:
            return 0.0
        return min(period, SLOWEST_PERIOD_SECONDS)

    def _weak(self, count: int = RHYTHM_TURNS) -> bool:
        """Are the small swings too small to be breaths (a loose strap)?  Only a baseline can tell."""
        baseline = self.baseline
        return baseline is not None and statistics.median(self._rhythm.swings(count)) < WEAK_SHARE * baseline.depth

    def _hold_too_long(self, t: float, events: list[Event]) -> None:
        """No one holds a breath this long: the strap is loose ("weak", if small breathing shows) or off it."""
        start = self._holds.stop.start
        events.append(Event("hold_end", t, {"start": start, "end": t, "duration": t - start}))
        weak = self._rhythm.regular(self._period()) and self._weak()
        events.append(Event("signal_lost", t, {"start": t, "reason": "weak" if weak else "flat"}))
        self._holds.clear()
        self._pinned = None  # pragma: no mutate
        self._lost = ("weak" if weak else "flat-hold", t)
        self._set_state()

    def _found(self, t: float, events: list[Event]) -> None:
        events.append(Event("signal_ok", t, {"start": self._lost[1]}))
        self._lost = None
        self._reset_segments(t)
        self._set_state()

    # --- artefacts and lost signal ---------------------------------------------

    def _begin_artifact(self, t: float, events: list[Event]) -> None:
        if self._holds.held:
            self._resume(t, events)
        self._holds.clear()
        self._artifact_start = t
        self._calm_since = t
        events.append(Event("artifact_start", t, {"start": t}))
        self._set_state()

    def _artifact(self, t: float, move: float, typical: float, events: list[Event]) -> None:
        if move > ARTIFACT_CALM_SHARE * typical:
            self._calm_since = t
            if t - self._artifact_start >= ARTIFACT_RESCALE_SECONDS:
                self._depths.clear()
                self._typical = None
            else:
                return
        elif t - self._calm_since < ARTIFACT_CALM_SECONDS:
            return
        events.append(Event("artifact_end", t, {"start": self._artifact_start}))
        self._artifact_start = None
        ready = self._ready and self._typical is not None
        self._reset_segments(t)
        self._ready = ready  # the depth is still known; a hold still needs a breath's turn after the artefact
        self._set_state()

    def _lose(self, t: float, reason: str, events: list[Event], since: float | None = None) -> None:
        """The signal is unusable from ``since`` (default ``t``): end what was going on, report it once."""
        if self._lost is not None and self._lost[0] not in WATCHED:
            return
        start = t if since is None else since
        holds = self._holds
        if holds.held:
            held = holds.stop.start  # the hold ends where the signal did
            end = max(held, start)
            events.append(Event("hold_end", t, {"start": held, "end": end, "duration": end - held}))
        holds.clear()
        self._pinned = None  # pragma: no mutate
        if self._artifact_start is not None:
            events.append(Event("artifact_end", t, {"start": self._artifact_start}))
            self._artifact_start = None
        if self._lost is None:
            events.append(Event("signal_lost", t, {"start": start, "reason": reason}))
            self._lost = (reason, start)
        else:
            self._lost = (reason, self._lost[1])  # a too-long hold that now reads stuck: lost since then
        self._set_state()

    # --- status -------------------------------------------------------------------

    def _usual(self, typical: float) -> float:
        """The depth motion is measured against: the baseline's, unless recent breaths are deeper."""
        baseline = self.baseline
        return baseline.depth if baseline is not None and baseline.depth > typical else typical

    def _set_state(self) -> None:
        patterns = self._patterns
        if self._lost is not None:
            state = "signal_lost"
        elif self._artifact_start is not None:
            state = "artifact"
        elif self._holds.held:
            state = "hold"
        elif patterns.rapid_start is not None:
            state = "rapid"
        elif patterns.shallow_start is not None:
            state = "shallow"
        elif self._breaths:
            state = "breathing"
        else:
            state = "starting"
        depth = self._typical
        baseline = self.baseline
        rel = depth / baseline.depth if depth is not None and baseline is not None else None
        self.status = DetectorStatus(state, self._rate, depth, rel, self._breaths, self.polarity)
