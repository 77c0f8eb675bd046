"""Small rhythmic swings: breathing too small for the turning points, told apart from a held chest's wobbles.

A hysteresis tracker on the quiet signal, with a threshold of a small share
of the breath depth, lists the swings far smaller than a breath.  Breathing
at that scale (a loose strap, breathing very shallow) is *regular*: its
cycles come at the person's breathing period, one like the next, with
swings of one size.  A held chest's wobbles, sags and drift are irregular,
so they seldom pass for a cycle and a half of them.
"""

from __future__ import annotations

from collections import deque

RHYTHM_TURNS = 4  # small turning points in a row, regularly spaced (a cycle and a half), that make breathing...
HELD_TURNS = 7  # ...or end a declared hold (three cycles: a held chest's wobbles must not)
PERIOD_SPREAD = 1.3  # the longest of them at most this many times the shortest...
PERIOD_RANGE = (0.55, 1.8)  # ...each within this range of the person's breathing period...
FREE_PERIOD = (2.0, 12.0)  # ...or, not knowing it yet (motion may have hidden it), of these seconds,
FREE_SPREAD = 2.0  # and then as irregular as real breathing can be
FREE_SWING_SPREAD = 3.5
SWING_SPREAD = 2.5  # and the largest swing at most this many times the smallest (FREE_SWING_SPREAD not knowing the period)


class SmallRhythm:
    """The small swings of the quiet signal and whether they are regular enough to be breathing."""

    __slots__ = ("_rising", "_ext", "_ext_t", "_turns")

    def __init__(self) -> None:
        self._turns: deque[tuple[float, float]] = deque(maxlen=HELD_TURNS)
        self.reset(0.0)

    def reset(self, q: float) -> None:
        self._rising: bool | None = None
        self._ext = q
        self._ext_t = 0.0
        self._turns.clear()

    def step(self, t: float, q: float, threshold: float) -> bool:
        """Take one sample of the quiet signal; True when a small turning point was confirmed."""
        rising = self._rising
        if rising is None:
            if abs(q - self._ext) > threshold:
                self._rising = q > self._ext
                self._ext, self._ext_t = q, t
            return False
        if (q > self._ext) if rising else (q < self._ext):
            self._ext, self._ext_t = q, t
            return False
        if abs(q - self._ext) <= threshold:
            return False
        self._turns.append((self._ext_t, self._ext))
        self._rising = not rising
        self._ext, self._ext_t = q, t
        return True

    def regular(self, period: float | None, count: int = RHYTHM_TURNS) -> bool:
        """Have the last ``count`` turning points come like breathing at ``period`` seconds (None: unknown)?"""
        turns = self._turns
        if len(turns) < count:
            return False
        recent = list(turns)[-count:]
        times = [t for t, _ in recent]
        cycles = [times[k + 2] - times[k] for k in range(len(times) - 2)]
        lo, hi = (PERIOD_RANGE[0] * period, PERIOD_RANGE[1] * period) if period else FREE_PERIOD
        spread = PERIOD_SPREAD if period else FREE_SPREAD
        if min(cycles) < lo or max(cycles) > hi or max(cycles) > spread * min(cycles):
            return False
        swings = [abs(b[1] - a[1]) for a, b in zip(recent, recent[1:])]
        return max(swings) <= (SWING_SPREAD if period else FREE_SWING_SPREAD) * min(swings)

    def began(self, count: int = RHYTHM_TURNS) -> float:
        """When the first of the last ``count`` turning points came (where that rhythm began), as the signal had it."""
        return self._turns[-count][0]

    def swings(self, count: int = RHYTHM_TURNS) -> list[float]:
        turns = list(self._turns)[-count:]
        return [abs(b[1] - a[1]) for a, b in zip(turns, turns[1:])]
