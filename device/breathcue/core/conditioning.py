"""Stage 1 of the detector: the raw strap signal made fit to read breaths from.

Three low-passes in a chain, each with its state held here: ``fast`` keeps
the breathing band (up to ~40 breaths a minute, ~0.3 s late) and is what
turning points are read from; ``slow`` also cuts the ~1 Hz cardiac ripple,
so the *movement* (its range over a two-second window) and a held chest's
sag are free of the heartbeat; ``quiet`` cuts it further still for the
swings far smaller than a breath.  Beside them, the *jerk* is the mean
square of the band above the breathing (a high-pass), averaged over about a
second: breathing and the heartbeat leave it at a few hundredths of a
breath, someone moving about fills it.  A value that does not change at all for
FLAT_SECONDS is a stuck sensor.  The filters' delays at breathing rates are
known, so every time the later stages report is moved back to where it
happened.
"""

from __future__ import annotations

import math

from .filters import SlidingRange, SosFilter, butter_highpass, butter_lowpass, group_delay

FAST_CUTOFF_HZ = 0.8  # breathing band: up to ~40 breaths a minute
SLOW_CUTOFF_HZ = 0.55  # with the fast stage, 4th order: the cardiac ripple is cut ~20 dB at 0.9 Hz
QUIET_CUTOFF_HZ = 0.4  # a further low-pass: the ripple is cut by 25 dB more at 0.85 Hz
JERK_CUTOFF_HZ = 1.2  # the jerk is what passes a high-pass here: sway, steps, knocks (a breath's band is cut ~30 dB)
JERK_SECONDS = 1.0  # ...as a mean square over about this long
BREATH_HZ = 0.25  # where the filters' delay is measured and compensated
MOVE_WINDOW_SECONDS = 2.0  # movement is the range of the slow signal over this window
FLAT_SECONDS = 2.0  # a value that does not change at all for this long is a stuck sensor


class Conditioner:
    """The filter chain and the movement window, with their state explicit (as scipy's ``zi``)."""

    def __init__(self, rate_hz: float) -> None:
        fast = butter_lowpass(2, FAST_CUTOFF_HZ, rate_hz)
        slow = butter_lowpass(2, SLOW_CUTOFF_HZ, rate_hz)
        self._fast = SosFilter(fast)
        self._slow = SosFilter(slow)
        self._quiet = SosFilter(butter_lowpass(2, QUIET_CUTOFF_HZ, rate_hz))
        self._high = SosFilter(butter_highpass(2, JERK_CUTOFF_HZ, rate_hz))
        self._jerk_keep = keep = math.exp(-1.0 / (JERK_SECONDS * rate_hz))
        self._jerk_take = 1.0 - keep
        self.jerk = 0.0  # the mean square of the high band: compare with a squared share of a depth
        self.fast_delay = group_delay(fast, BREATH_HZ, rate_hz)
        self.slow_delay = self.fast_delay + group_delay(slow, BREATH_HZ, rate_hz)
        self._window = SlidingRange(MOVE_WINDOW_SECONDS)
        self._last_raw: float | None = None
        self._changed_at = 0.0
        self.y = 0.0

    def start(self, t: float, value: float) -> float:
        """Begin afresh at ``value`` (first sample, or after a lost signal): every stage at steady state."""
        self.y = self._fast.settle(value)
        self._quiet.settle(self._slow.settle(self.y))
        self._high.settle(value)
        self.jerk = 0.0
        self._window.clear()
        self._window.push(t, self.y)
        return self.y

    def stuck_for(self, t: float, value: float | None) -> float:
        """Seconds ``value`` has not changed by (0 when it just did); a gap in the data always ends a run."""
        if value is None or value != self._last_raw:
            self._last_raw = value
            self._changed_at = t
            return 0.0
        return t - self._changed_at

    @property
    def stuck_since(self) -> float:
        return self._changed_at

    def step(self, t: float, value: float) -> tuple[float, float, float, float, float]:
        """One sample in: the breathing band ``y``, cardiac-free ``z``, quieter ``q``, the step ``dy`` of ``y``, the movement.

        A plain tuple: this runs for every sample on a Pi Zero.  ``jerk`` is updated too.
        """
        h = self._high.step(value)
        self.jerk = self._jerk_keep * self.jerk + self._jerk_take * h * h
        y = self._fast.step(value)
        dy = y - self.y
        self.y = y
        z = self._slow.step(y)
        return y, z, self._quiet.step(z), dy, self._window.push(t, z)
