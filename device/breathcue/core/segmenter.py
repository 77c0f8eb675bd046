"""Stage 2 of the detector: turning points of the breathing band, by hysteresis.

The running extreme of the signal is a turning point once the signal has
come back ``turn_at`` from it (a share of the breath depth, set by the
caller) while the chest is moving.  Each turn keeps what later stages need:
when the signal *arrived* at the extreme's level (within ARRIVE_SHARE of a
depth: where a held breath began), when it *left* it (where the next half
breath began), the steepest slope on the way (how quick the half breath
was), and where the signal dwelt on the way (its mean position between the
two extremes: a pause at end-expiration pulls it toward that end).  All
times are moved back by the fast filter's delay.  Nothing here knows which
way is an inhale.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

QUICK_TURN_SHARE = 0.08  # the signal has left an extreme once it is this share of the depth away
ARRIVE_SHARE = 0.1  # ...and it arrived at the extreme's level when it first came this close
FULL_SWING_SHARE = 0.7  # after a swing this large at the end of a breath, a quick turn back confirms it


@dataclass(frozen=True, slots=True)
class Turn:
    """A confirmed local maximum (``high``) or minimum of the breathing band, in raw polarity."""

    high: bool
    t: float
    value: float
    slope: float = 0.0  # the steepest change per sample on the way here
    until: float = -math.inf  # when the signal left the extreme (the start of the next half breath)
    arrived: float = math.inf  # when the signal first came near the extreme's level
    dwell: float = 0.5  # mean position of the half breath into here, 0 at its low end and 1 at its high end
    moved: bool = False  # the half breath into here carried someone moving (the detector's jerk says so)

    @property
    def left(self) -> float:
        return self.until if self.until > self.t else self.t

    @property
    def reached(self) -> float:
        return self.arrived if self.arrived < self.t else self.t


class Segmenter:
    """Hysteresis turning points of the breathing band; call ``step`` once a sample."""

    __slots__ = (
        "delay", "rising", "ext_value", "ext_t", "ext_until", "arrived_t", "arrived_value",
        "from_value", "low_value", "low_t", "epoch", "up", "down", "_sum", "_n", "_sum_at", "_n_at",
    )

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.reset(0.0, 0.0)

    def reset(self, t: float, y: float) -> None:
        """Forget the direction: after a start, a lost signal or an artefact no half breath spans the gap."""
        self.epoch = t
        self.rising: bool | None = None
        self.from_value = self.ext_value = self.low_value = self.arrived_value = y
        self.ext_t = self.low_t = self.ext_until = self.arrived_t = t
        self.up = self.down = 0.0
        self._sum = self._sum_at = 0.0
        self._n = self._n_at = 0

    def step(self, t: float, y: float, dy: float, turn_at: float, depth: float, moving: bool, quick_high: bool | None = None) -> Turn | None:
        """Track the running extreme; return the turn it becomes, once confirmed.

        ``quick_high`` names the raw direction in which a breath ends (the
        end of an exhale: low when an inhale pulls the signal up), once the
        polarity is known: after a full swing there, a quick turn back
        confirms the extreme, so a breath is reported within a second of
        its end.
        """
        if dy > self.up:
            self.up = dy
        elif dy < self.down:
            self.down = dy
        self._sum += y
        self._n += 1
        rising = self.rising
        ext = self.ext_value
        if rising is None:
            return self._first(t, y, turn_at, moving)
        if (y > ext) if rising else (y < ext):
            self.ext_value, self.ext_t, self.ext_until = y, t, t
            if abs(y - self.arrived_value) > ARRIVE_SHARE * depth:
                self.arrived_t, self.arrived_value = t, y
            self._sum_at, self._n_at = self._sum, self._n
            if rising:
                self.down = 0.0  # the next fall is measured from the top
            else:
                self.up = 0.0  # the next rise from the bottom
            return None
        back = ext - y if rising else y - ext
        if back <= QUICK_TURN_SHARE * depth:
            self.ext_until = t
            return None
        if not moving:
            return None
        if back > turn_at or (quick_high is rising and abs(ext - self.from_value) > FULL_SWING_SHARE * depth):
            return self.confirm(t, y)
        return None

    def confirm(self, t: float, y: float) -> Turn:
        """Take the running extreme as a turning point now (the caller knows the half breath is over)."""
        rising = self.rising
        ext, delay = self.ext_value, self.delay
        span = ext - self.from_value
        dwell = 0.5
        if self._n_at and span:
            mean = self._sum_at / self._n_at
            dwell = (mean - min(ext, self.from_value)) / abs(span)
        turn = Turn(rising, self.ext_t - delay, ext, self.up if rising else -self.down, self.ext_until - delay, self.arrived_t - delay, dwell)
        if rising:
            self.up = 0.0
        else:
            self.down = 0.0
        self.rising = not rising
        self._sum -= self._sum_at
        self._n -= self._n_at
        self._sum_at = self._n_at = 0
        self.from_value, self.ext_value, self.ext_t, self.ext_until = ext, y, t, t
        self.arrived_t, self.arrived_value = t, y
        return turn

    def _first(self, t: float, y: float, turn_at: float, moving: bool) -> Turn | None:
        """After a reset the direction is unknown: watch both extremes until the signal turns from one."""
        if y > self.ext_value:
            self.ext_value, self.ext_t = y, t
            self.down = 0.0
        if y < self.low_value:
            self.low_value, self.low_t = y, t
            self.up = 0.0
        if not moving:
            return None
        delay = self.delay
        if self.ext_value - y > turn_at and self.ext_t > self.epoch:
            turn = Turn(True, self.ext_t - delay, self.ext_value, self.up, self.ext_t - delay, self.ext_t - delay)
        elif y - self.low_value > turn_at and self.low_t > self.epoch:
            turn = Turn(False, self.low_t - delay, self.low_value, -self.down, self.low_t - delay, self.low_t - delay)
        else:
            return None
        self.rising = not turn.high
        if turn.high:
            self.up = 0.0
        else:
            self.down = 0.0
        self._sum = self._sum_at = 0.0
        self._n = self._n_at = 0
        self.from_value, self.ext_value, self.ext_t, self.ext_until = turn.value, y, t, t
        self.arrived_t, self.arrived_value = t, y
        return turn

    def pin(self, t: float) -> None:
        """A hold began at ``t`` (delay-compensated): the running extreme is no later than the hold's start."""
        if self.ext_t - self.delay > t:
            self.ext_t = self.ext_until = t + self.delay
        if self.arrived_t - self.delay > t:
            self.arrived_t = t + self.delay

    @property
    def extreme(self) -> Turn | None:
        """The running extreme as a turn if it were confirmed now (None before the first turn)."""
        if self.rising is None:
            return None
        d = self.delay
        return Turn(self.rising, self.ext_t - d, self.ext_value, self.up if self.rising else -self.down, self.ext_until - d, self.arrived_t - d)
