"""How a held chest really moves: the shape of a voluntary breath hold on a strap.

A held chest is not still.  Measured on real voluntary holds on a force belt
(issue 11 of the project; figures in shares of the person's breath depth):
at full inspiration the signal stays level for 0-3 s, then sags toward
exhalation by up to 75 % over 1.5-3 s, then stays level with slow drift,
small irregular wobbles and sometimes a late sag of up to half a breath; at
end-expiration it creeps slowly (6-28 % in all) with smaller wobbles.  The
first seconds carry settling wobbles of up to a quarter of a breath, and the
heart beats through all of it.  Now and then the person swallows: a quick
blip of a tenth of a breath or so, up and back within a second, which is
neither a breath nor moving about.

``HeldChest.draw`` picks one such hold at random and ``offset`` gives its
movement at a time into the hold, in shares of the depth with the inhale
direction positive, so the simulated breather and the validation splices
share one model.  Pure Python and seeded: the simulator runs on a Pi.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

KINDS = ("inhaled", "mid", "exhaled")  # held at full inspiration, half way up an inhale, at end-expiration


@dataclass(frozen=True, slots=True)
class Sag:
    """A smooth movement of ``size`` depths (negative: toward exhalation) from ``at`` over ``seconds``."""

    size: float
    at: float
    seconds: float

    def offset(self, t: float) -> float:
        if t <= self.at:
            return 0.0
        if t >= self.at + self.seconds:
            return self.size
        return self.size * (0.5 - 0.5 * math.cos(math.pi * (t - self.at) / self.seconds))


@dataclass(frozen=True, slots=True)
class HeldChest:
    """One breath hold's movement; ``offset(t)`` in shares of the depth, inhale direction positive."""

    kind: str
    sags: tuple[Sag, ...]  # the sag of a full chest (and a late one), or the creep of an empty one
    drift: float  # slow linear drift, depths per 10 s, either way
    settle: tuple[tuple[float, float, float], ...]  # settling wobbles: amplitude, Hz, phase; they die away
    settle_seconds: float
    wobbles: tuple[tuple[float, float, float], ...]  # small irregular wobbles for the whole hold
    ripple: float  # the heartbeat, amplitude in depths...
    ripple_hz: float  # ...and rate
    ripple_phase: float
    swallows: tuple[tuple[float, float, float], ...] = ()  # a quick blip: when, size (depths, either way), seconds

    @classmethod
    def draw(cls, rng: random.Random, kind: str = "inhaled") -> "HeldChest":
        """A hold as real ones vary: every share drawn over the range measured on real holds."""
        if kind not in KINDS:
            raise ValueError(f"hold kind {kind!r}: expected one of {', '.join(KINDS)}")
        sags: list[Sag] = []
        if kind == "exhaled":  # an empty chest creeps back up, slowly, by 5-25 % in all
            sags.append(Sag(rng.uniform(0.03, 0.2), rng.uniform(0.0, 2.0), rng.uniform(4.0, 12.0)))
            wobble = rng.uniform(0.004, 0.012)
            settle = rng.uniform(0.01, 0.04)
        else:  # a full chest sags toward exhalation after 0-3 s, by up to 70 % of a breath
            most = 0.7 if kind == "inhaled" else 0.25
            size = most * rng.betavariate(1.6, 1.6)
            size = max(0.08, size)
            sags.append(Sag(-size, rng.uniform(0.0, 3.0), rng.uniform(1.5, 3.0) * (1.0 + size)))
            total = 0.75 if kind == "inhaled" else 0.35  # a chest held half full has less to give
            if rng.random() < 0.35 and size < total - 0.15:  # a late sag, after the first few seconds
                late = rng.uniform(0.1, min(0.45, total - size))
                sags.append(Sag(-late, rng.uniform(5.0, 14.0), rng.uniform(1.5, 3.0) * (1.0 + late)))
            wobble = rng.uniform(0.006, 0.02)
            settle = rng.uniform(0.02, 0.12)  # a peak-to-peak of up to a quarter of a breath
        return cls(
            kind=kind,
            sags=tuple(sags),
            drift=rng.uniform(-0.025, 0.025),
            settle=tuple((settle * rng.uniform(0.6, 1.0), rng.uniform(0.25, 0.8), rng.uniform(0, 2 * math.pi)) for _ in range(2)),
            settle_seconds=rng.uniform(1.0, 3.0),
            wobbles=tuple((wobble * rng.uniform(0.5, 1.0), rng.uniform(0.06, 0.45), rng.uniform(0, 2 * math.pi)) for _ in range(5)),
            ripple=rng.uniform(0.01, 0.035),
            ripple_hz=rng.uniform(0.85, 1.4),
            ripple_phase=rng.uniform(0, 2 * math.pi),
            swallows=tuple(
                (rng.uniform(1.5, 12.0), rng.choice((-1.0, 1.0)) * rng.uniform(0.03, 0.1 if kind == "exhaled" else 0.2), rng.uniform(0.5, 1.2))
                for _ in range(rng.choices((0, 1, 2), (0.5, 0.35, 0.15))[0])
            ),
        )

    def offset(self, t: float, cardiac: bool = True) -> float:
        """Where the chest is ``t`` seconds into the hold, relative to where it stopped (depths, inhale up)."""
        x = sum(s.offset(t) for s in self.sags) + self.drift * t / 10.0
        fade = math.exp(-t / self.settle_seconds)
        # The wobbles start from zero so the hold joins the breath before it without a step.
        x += fade * sum(a * (math.sin(2 * math.pi * f * t + p) - math.sin(p)) for a, f, p in self.settle)
        x += sum(a * (math.sin(2 * math.pi * f * t + p) - math.sin(p)) for a, f, p in self.wobbles)
        x += sum(size * math.sin(math.pi * (t - at) / seconds) for at, size, seconds in self.swallows if at < t < at + seconds)
        if cardiac:
            x += self.ripple * min(1.0, t / 0.5) * math.sin(2 * math.pi * self.ripple_hz * t + self.ripple_phase)
        return x
