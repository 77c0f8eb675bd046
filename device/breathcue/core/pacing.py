"""Breathing patterns as data, and the lung-volume curve they describe.

A pattern is four phase lengths in seconds.  ``volume(pattern, t)`` is the
guide the ring draws: 0 at empty lungs, 1 at full, eased so the light never
moves with a kink.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

PHASES = ("inhale", "hold_in", "exhale", "hold_out")


@dataclass(frozen=True, slots=True)
class Pattern:
    inhale: float
    hold_in: float
    exhale: float
    hold_out: float

    @property
    def period(self) -> float:
        return self.inhale + self.hold_in + self.exhale + self.hold_out

    @property
    def bpm(self) -> float:
        return 60.0 / self.period

    @classmethod
    def at_rate(cls, bpm: float, inhale_share: float = 0.4) -> "Pattern":
        """A simple in/out pattern at ``bpm`` breaths a minute."""
        period = 60.0 / bpm
        return cls(period * inhale_share, 0.0, period * (1.0 - inhale_share), 0.0)


PRESETS: dict[str, Pattern] = {
    "resonance": Pattern(4.0, 0.0, 6.0, 0.0),
}


def ease(x: float) -> float:
    """Cosine easing from 0 to 1: zero slope at both ends, so no visible kink."""
    return 0.5 - 0.5 * math.cos(math.pi * x)


def phase_at(pattern: Pattern, t: float) -> tuple[str, float]:
    """The phase at time ``t`` and how far through it (0-1) the breath is."""
    pos = t % pattern.period
    for name in PHASES:
        length = getattr(pattern, name)
        if pos < length:
            return name, pos / length
        pos -= length
    return "hold_out", 1.0


def volume(pattern: Pattern, t: float) -> float:
    """Guide lung volume 0-1 at time ``t`` seconds into the pattern."""
    phase, x = phase_at(pattern, t)
    if phase == "inhale":
        return ease(x)
    if phase == "hold_in":
        return 1.0
    if phase == "exhale":
        return 1.0 - ease(x)
    return 0.0
