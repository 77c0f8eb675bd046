"""BreathDetector: one sample in, zero or more events out.

The signal is smoothed, then segmented into breaths by hysteresis around
the running extremes: a peak is confirmed once the signal has fallen a set
share of the typical breath depth below it, a trough once it has risen as
much above it.  A breath hold is the absence of any such swing for
``hold_seconds``.  Everything is causal and kept in explicit state.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .types import Event, Sample

if TYPE_CHECKING:
    from ..config import DetectorConfig

FLAT_SECONDS = 2.0
SMOOTHING_SECONDS = 0.2
HYSTERESIS_SHARE = 0.3
MIN_HALF_BREATH_SECONDS = 0.6


@dataclass(frozen=True, slots=True)
class DetectorStatus:
    """What the detector believes now, for the ring, the cue policy and the status file."""

    state: str  # "starting", "breathing", "hold", "signal_lost"
    rate_bpm: float | None
    depth: float | None
    rel_depth: float | None


class BreathDetector:
    def __init__(self, config: "DetectorConfig", rate_hz: float) -> None:
        self.hold_seconds = config.hold_seconds
        self.rate_hz = rate_hz
        self._alpha = 1.0 / (1.0 + SMOOTHING_SECONDS * rate_hz)
        self._y1: float | None = None
        self._y2: float | None = None
        self._last_raw: float | None = None
        self._flat_since: float | None = None
        self._lost: str | None = None
        self._rising = True
        self._ext_value = 0.0
        self._ext_t = 0.0
        self._last_trough: tuple[float, float] | None = None
        self._last_peak: tuple[float, float] | None = None
        self._last_move_t = 0.0
        self._prev_peak_t: float | None = None
        self._hold_start: float | None = None
        self._depths: deque[float] = deque(maxlen=8)
        self._intervals: deque[float] = deque(maxlen=5)
        self._baseline_depth: float | None = None
        self._warmup: deque[float] = deque(maxlen=int(rate_hz * 8))
        self.status = DetectorStatus("starting", None, None, None)

    def update(self, sample: Sample) -> list[Event]:
        events: list[Event] = []
        t = sample.t
        if sample.value is None:
            self._lose(t, sample.fault or "i2c_error", events)
            return events
        value = sample.value
        if value == self._last_raw:
            if self._flat_since is None:
                self._flat_since = t
            if t - self._flat_since >= FLAT_SECONDS:
                self._lose(t, "flat", events)
                return events
        else:
            self._flat_since = None
        self._last_raw = value
        if self._lost is not None:
            events.append(Event("signal_ok", t, {"start": t}))
            self._lost = None
            self._reset_tracking(t)
            self._set_state("starting")

        # Two cascaded one-pole low-passes: breathing passes, sensor hiss does not.
        if self._y1 is None:
            self._y1 = self._y2 = value
            self._reset_tracking(t)
        self._y1 += self._alpha * (value - self._y1)
        self._y2 += self._alpha * (self._y1 - self._y2)
        self._segment(t, self._y2, events)
        self._check_hold(t, events)
        return events

    # --- segmentation ---------------------------------------------------

    def _threshold(self) -> float:
        if self._depths:
            return HYSTERESIS_SHARE * statistics.median(self._depths)
        if len(self._warmup) >= self.rate_hz * 2:
            return HYSTERESIS_SHARE * 0.5 * (max(self._warmup) - min(self._warmup))
        return float("inf")

    def _segment(self, t: float, y: float, events: list[Event]) -> None:
        self._warmup.append(y)
        thr = self._threshold()
        if self._rising:
            if y > self._ext_value:
                self._ext_value, self._ext_t = y, t
            elif self._ext_value - y > thr and t - self._ext_t >= 0:
                self._confirm_peak(self._ext_t, self._ext_value)
                self._rising, self._ext_value, self._ext_t = False, y, t
        else:
            if y < self._ext_value:
                self._ext_value, self._ext_t = y, t
            elif y - self._ext_value > thr:
                self._confirm_trough(t, self._ext_t, self._ext_value, events)
                self._rising, self._ext_value, self._ext_t = True, y, t

    def _confirm_peak(self, t: float, value: float) -> None:
        if self._last_trough and t - self._last_trough[0] < MIN_HALF_BREATH_SECONDS:
            return
        self._last_peak = (t, value)
        self._last_move_t = t

    def _confirm_trough(self, now: float, t: float, value: float, events: list[Event]) -> None:
        self._last_move_t = t
        onset, peak = self._last_trough, self._last_peak
        self._last_trough = (t, value)
        if onset is None or peak is None or not onset[0] < peak[0] < t:
            return
        depth = peak[1] - 0.5 * (onset[1] + value)
        if peak[0] - onset[0] < MIN_HALF_BREATH_SECONDS or t - peak[0] < MIN_HALF_BREATH_SECONDS:
            return
        if self._prev_peak_t is not None:
            self._intervals.append(peak[0] - self._prev_peak_t)
        self._prev_peak_t = peak[0]
        self._depths.append(depth)
        if self._baseline_depth is None and len(self._depths) >= 3:
            self._baseline_depth = statistics.median(self._depths)
        rate = 60.0 / statistics.median(self._intervals) if self._intervals else None
        rel = depth / self._baseline_depth if self._baseline_depth else None
        self.status = DetectorStatus("breathing", rate, depth, rel)
        events.append(
            Event(
                "breath",
                now,
                {
                    "onset": onset[0],
                    "peak": peak[0],
                    "end": t,
                    "depth": depth,
                    "rel_depth": rel,
                    "rate_bpm": rate,
                },
            )
        )

    # --- holds and lost signal -----------------------------------------

    def _check_hold(self, t: float, events: list[Event]) -> None:
        if self._hold_start is None:
            if self._depths and t - self._last_move_t >= self.hold_seconds:
                self._hold_start = self._last_move_t
                events.append(Event("hold_start", t, {"start": self._hold_start}))
                self._set_state("hold")
        elif self._last_move_t > self._hold_start:
            end = self._last_move_t
            fields = {"start": self._hold_start, "end": end, "duration": end - self._hold_start}
            events.append(Event("hold_end", t, fields))
            self._hold_start = None
            self._set_state("breathing")

    def _lose(self, t: float, reason: str, events: list[Event]) -> None:
        if self._hold_start is not None:
            self._hold_start = None  # a lost signal ends any hold: it was never a breath hold
        if self._lost is None:
            self._lost = reason
            events.append(Event("signal_lost", t, {"start": t, "reason": reason}))
            self._set_state("signal_lost")

    def _reset_tracking(self, t: float) -> None:
        self._rising = True
        self._ext_value = self._y2 if self._y2 is not None else 0.0
        self._ext_t = t
        self._last_move_t = t
        self._last_trough = self._last_peak = None
        self._prev_peak_t = None

    def _set_state(self, state: str) -> None:
        s = self.status
        self.status = DetectorStatus(state, s.rate_bpm, s.depth, s.rel_depth)
