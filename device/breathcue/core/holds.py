"""Stage 4 of the detector: breath holds, from where breathing stopped to where it starts again.

A held chest is not still: it settles, sags toward exhalation by up to
three quarters of a breath, drifts and wobbles while the heart beats.  So a
hold is not "no movement"; it is *no breath*, a breath being a complete
cycle.  Breathing has stopped when the chest goes still after a half
breath; the hold starts where that half breath arrived at its extreme
(before any sag), and it becomes a hold ``hold_seconds`` later unless, in
between, breathing came back: the chest returned most of the way over the
last half breath (RETURN_SHARE: a sag stops well short of that) at
breathing's pace (RETURN_MOVE, or RETURN_SECONDS before it is declared: a
long sag and drift may creep that far; a slow breather's exhale is given
0.4 of their period), the chest came a whole way back after going back (a
complete cycle at any pace: REBOUND_DEPTHS), two
turning points of breath size followed, or small regular swings at the
person's breathing rhythm went on (rhythm.py; a loose strap or very
shallow breathing, never a held chest).  A declared hold ends the same
ways, or at a movement no hold makes (RESUME_SHARE within two seconds), and
after ``max_hold_seconds`` it is no hold but a strap to check.  A
would-be hold whose chest went back half a depth or more must also outlast
HOLD_PERIODS breathing periods before it is declared: a slow breather's
exhale moves the chest less in two seconds than the stillness bar.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

RETURN_SHARE = 0.9  # back over nearly all of the last half breath: a complete cycle, breathing...
MIN_RETURN = 0.6  # ...or over this many depths, if the half breath was smaller (a chest held half way up);
RETURN_DEPTHS = 1.0  # back a whole depth is breathing in any case (a held chest sags 75 % at most, 90 % in the model)
RESUME_SHARE = 0.75  # a declared hold ends at a movement this large (in depths) within two seconds
RETURN_MOVE = 0.55  # ...and a return ends it only at breathing's pace: a sag and drift creep back slower (48 % in 2 s at most)
RETURN_SECONDS = 3.0  # ...or, before it is declared, within this long of leaving the level (an exhale in two steps)
RETURN_PERIODS = 0.4  # ...or this share of the person's breathing period, if longer (a slow breather's exhale)
HALF_BACK = 0.3  # ...the chest has left the stop's level once it is this share of the half breath back
REBOUND_DEPTHS = 0.8  # ...and so does coming this many depths the other way after going back (a held chest's whole range is 75 % at most)
TURNS_TO_RESUME = 2  # confirmed turning points after the start that mean breathing
HOLD_PERIODS = 1.25  # a chest that went back this far may be a slow breather's exhale (nearly still): a hold must
SLOW_EXHALE_DEPTHS = 0.5  # then also outlast this many of the person's breaths


@dataclass(slots=True)
class Stop:
    """Where breathing stopped: the start of a would-be hold and the half breath that led to it."""

    start: float  # seconds, where the last half breath arrived at its extreme
    level: float  # the signal there (slow band)
    swing: float  # the last half breath, signed: level minus where it began
    depth: float  # the breath depth held to while it lasts
    sagged: bool = False  # the chest has already sagged back most of the way, slowly: only a quick return is breath
    period: float = 0.0  # the person's breathing period in seconds (0 while it is not known)


class HoldTracker:
    """One would-be or declared hold at a time: ``candidate`` then ``held``, or nothing."""

    __slots__ = ("hold_seconds", "max_hold_seconds", "stop", "held", "turns", "last_still", "onward", "near", "far")

    def __init__(self, hold_seconds: float, max_hold_seconds: float) -> None:
        self.hold_seconds = hold_seconds
        self.max_hold_seconds = max_hold_seconds
        self.stop: Stop | None = None
        self.held = False
        self.turns = 0
        self.last_still = 0.0  # pragma: no mutate
        self.near = 0.0  # pragma: no mutate
        self.far = 0.0  # pragma: no mutate
        self.onward = 0  # breathing went on from the stop this way (+1 up, -1 down): where does it stop?

    @property
    def candidate(self) -> bool:
        return self.stop is not None and not self.held

    def begin(self, stop: Stop, t: float) -> None:
        """The chest went still at ``t`` after a half breath: a hold may have begun at ``stop.start``."""
        self.stop = stop
        self.held = False
        self.turns = 0
        self.last_still = t
        self.near = t  # the chest was last within HALF_BACK of the stop's level (times with the filters' lag taken off)
        self.far = 0.0  # the farthest it has gone back from that level, toward where the half breath began
        self.onward = 0

    def clear(self) -> None:
        self.stop = None
        self.held = False
        self.onward = 0

    def returned(self, z: float) -> bool:
        """Has the chest come back over most of the half breath that led into the stop?"""
        stop = self.stop
        if stop is None:
            return False
        swing = stop.swing if abs(stop.swing) >= MIN_RETURN * stop.depth else math.copysign(MIN_RETURN * stop.depth, stop.swing)
        back = (stop.level - z) / swing
        return back >= RETURN_SHARE or back * abs(swing) >= RETURN_DEPTHS * stop.depth

    def turn(self) -> bool:
        """A breath-sized turning point was confirmed; True when that makes breathing."""
        self.turns += 1
        return self.turns >= TURNS_TO_RESUME

    def step(self, t: float, z: float, move: float, still: bool, lag: float) -> str | None:
        """What this sample means: "declare", "resume", "too_long", or None.

        ``z`` and ``move`` come ``lag`` seconds late (the filters' delay):
        where the chest was last still is moved back by it.
        """
        stop = self.stop
        if stop is None:
            return None
        if still:
            self.last_still = t - lag
        back = (stop.level - z) / stop.swing
        if back < HALF_BACK:
            self.near = t - lag
        away = back * abs(stop.swing)
        if away > self.far:
            self.far = away
        if self.far - away >= REBOUND_DEPTHS * stop.depth:
            return "resume"  # back, then a whole breath's way again: a complete cycle, at whatever pace
        if self.returned(z) and (move > RETURN_MOVE * stop.depth or not (self.held or stop.sagged) and t - lag - self.near <= max(RETURN_SECONDS, RETURN_PERIODS * stop.period)):
            return "resume"
        if self.held:
            if move > RESUME_SHARE * stop.depth:
                return "resume"
            if t - stop.start >= self.max_hold_seconds:
                return "too_long"
        elif t - stop.start >= (self.hold_seconds if self.far < SLOW_EXHALE_DEPTHS * stop.depth else max(self.hold_seconds, HOLD_PERIODS * stop.period)):
            self.held = True
            return "declare"
        return None
