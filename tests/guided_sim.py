"""A simulated person following (or ignoring) the pacer's guide, for the guided-polarity tests.

Realistic in what matters to a correlation: the person lags the light by
0.2-2 s and the lag wanders; their breath runs a few per cent slow or fast
within each cycle and catches up at the next "breathe in"; the first
seconds are still their own breathing; the breath's shape is their own
(a stretch cord: a quick inhale and a long exhale; a force belt: equally
steep halves and a pause at end-expiration), its depth varies breath to
breath; the signal carries drift (a slope and a slow wave), a cardiac
ripple and noise, at either polarity.  Pure Python and seeded.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from breathcue.core.pacing import PacedSession, Pattern, ease

CALIBRATION_GUIDE = PacedSession(Pattern(4.0, 0.0, 6.0, 0.0))
BELTS = ("cord", "force")


def breath_shape(belt: str, phase: float, rise: float) -> float:
    """Lung volume 0-1 at ``phase`` (0-1) of a breath whose inhale takes ``rise`` of the cycle."""
    if phase < rise:
        return ease(phase / rise)
    if belt == "cord":  # a long, slower exhale
        return 1.0 - ease((phase - rise) / (1.0 - rise))
    fall = rise  # a force belt: the exhale as steep as the inhale, then a pause at the bottom
    return 1.0 - ease((phase - rise) / fall) if phase < 2 * rise else 0.0


@dataclass
class Person:
    seed: int
    sign: float  # +1: a breath in pulls the signal up (normal); -1: inverted
    belt: str
    follows: bool = True
    depth: float = 0.3  # volts over a breath; a loose strap is a tenth of this or less
    own_bpm: float = 12.0  # the person's own rate, when not following

    def signal(self, rate_hz: float, seconds: float, guide: PacedSession = CALIBRATION_GUIDE) -> list[tuple[float, float]]:
        """(value, guide volume) at each sample."""
        rng = random.Random(f"guided:{self.seed}")
        lag0 = rng.uniform(0.2, 2.0)
        wander = (rng.uniform(0.1, 0.3), rng.uniform(15, 40), rng.uniform(0, 6.3))
        mismatch = rng.uniform(-0.08, 0.08)  # share of a cycle the person runs slow (+) or fast (-)
        react = rng.uniform(0.0, 3.0)
        rise = rng.uniform(0.22, 0.32) if self.belt == "cord" else rng.uniform(0.25, 0.32)
        slope = rng.uniform(-0.004, 0.004)
        slow = (rng.uniform(0.02, 0.08), rng.uniform(60, 300), rng.uniform(0, 6.3))
        cardiac = (rng.uniform(0.01, 0.04) * self.depth / 0.3, rng.uniform(1.0, 1.4))
        noise = rng.uniform(0.002, 0.008)
        own_phase0 = rng.random()
        depths = [self.depth * rng.uniform(0.8, 1.2) for _ in range(int(seconds) + 2)]
        out = []
        for i in range(int(seconds * rate_hz)):
            t = i / rate_hz
            g = guide.guide(t).volume
            if self.follows and t >= react:
                lag = lag0 + wander[0] * math.sin(2 * math.pi * t / wander[1] + wander[2])
                cycles = guide.cycles(max(0.0, t - lag))
                k, phase = int(cycles), cycles % 1.0
                phase = min(1.0, phase * (1.0 - mismatch))  # slow: not quite done at the cue; fast: waits at the bottom
                volume = depths[k % len(depths)] * breath_shape(self.belt, phase, rise)
            else:
                cycles = own_phase0 + t * self.own_bpm / 60.0
                volume = depths[int(cycles) % len(depths)] * breath_shape(self.belt, cycles % 1.0, rise)
            drift = slope * t + slow[0] * math.sin(2 * math.pi * t / slow[1] + slow[2])
            ripple = cardiac[0] * math.sin(2 * math.pi * cardiac[1] * t)
            value = 1.6 + drift + self.sign * volume + ripple + rng.gauss(0.0, noise)
            out.append((value, g))
        return out
