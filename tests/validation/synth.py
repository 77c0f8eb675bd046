"""Synthetic strap signals built from segments, for unit tests of the detector.

Breathing is a quick inhale and a slower exhale (as a chest does), with a
cardiac ripple and a little noise; a hold is a plateau at full inspiration
or at end-expiration that relaxes slowly; other segments are a stuck value
and sensor faults.  Pure Python and seeded.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from breathcue.core.types import Sample


@dataclass
class Signal:
    rate_hz: float
    values: list[float | None]
    faults: dict[int, str]
    holds: list[tuple[float, float]]  # (start, end) seconds
    peaks: list[float]

    def samples(self) -> list[Sample]:
        return [Sample(i / self.rate_hz, v, self.faults.get(i)) for i, v in enumerate(self.values)]


class Builder:
    def __init__(self, rate_hz: float = 25.0, seed: int = 0, depth: float = 1.0, ripple: float = 0.05, noise: float = 0.005, sign: float = 1.0) -> None:
        self.rate_hz = rate_hz
        self.rng = random.Random(seed)
        self.depth = depth
        self.ripple = ripple
        self.noise = noise
        self.sign = sign
        self.level = 0.0  # lung volume now, 0 = end-expiration
        self.values: list[float | None] = []
        self.faults: dict[int, str] = {}
        self.holds: list[tuple[float, float]] = []
        self.peaks: list[float] = []

    @property
    def t(self) -> float:
        return len(self.values) / self.rate_hz

    def _emit(self, volume: float) -> None:
        t = self.t
        cardiac = self.ripple * self.depth * math.sin(2 * math.pi * 1.1 * t)
        self.values.append(self.sign * (volume + cardiac + self.rng.gauss(0.0, self.noise * self.depth)) + 2.0)

    def breathe(self, count: int, bpm: float = 12.0, depth: float | None = None, inhale_share: float = 0.4, end_inhaled: bool = False) -> "Builder":
        """``count`` breaths; with ``end_inhaled`` the last stops at the top of its inhale."""
        d = self.depth if depth is None else depth
        for k in range(count):
            period = 60.0 / bpm * self.rng.uniform(0.92, 1.08)
            n = int(round(period * self.rate_hz))
            n_in = int(round(n * inhale_share))
            last = k == count - 1
            for i in range(n_in):
                self._emit(d * (0.5 - 0.5 * math.cos(math.pi * (i + 1) / n_in)))
            self.peaks.append(self.t - 1 / self.rate_hz)
            if last and end_inhaled:
                self.level = d
                return self
            for i in range(n - n_in):
                self._emit(d * (0.5 + 0.5 * math.cos(math.pi * (i + 1) / (n - n_in))))
        self.level = 0.0
        return self

    def hold(self, seconds: float, sag: float = 0.1) -> "Builder":
        """A held breath at the current volume, relaxing by ``sag`` depths (down when inhaled, up when exhaled)."""
        start = self.t
        direction = -1.0 if self.level > 0 else 1.0
        n = int(round(seconds * self.rate_hz))
        for i in range(n):
            self._emit(self.level + direction * sag * self.depth * (1 - math.exp(-(i + 1) / self.rate_hz / 4.0)))
        self.level += direction * sag * self.depth
        self.holds.append((start, self.t))
        if self.level > 0.5 * self.depth:  # release: breathe out from where the chest is now
            n_out = int(2.0 * self.rate_hz)
            top = self.level
            for i in range(n_out):
                self._emit(top * (0.5 + 0.5 * math.cos(math.pi * (i + 1) / n_out)))
            self.level = 0.0
        return self

    def flat(self, seconds: float, value: float | None = None) -> "Builder":
        v = self.values[-1] if value is None else value
        self.values.extend([v] * int(round(seconds * self.rate_hz)))
        return self

    def fault(self, seconds: float, reason: str = "i2c_error") -> "Builder":
        for _ in range(int(round(seconds * self.rate_hz))):
            self.faults[len(self.values)] = reason
            self.values.append(None)
        return self

    def motion(self, seconds: float, size: float = 6.0) -> "Builder":
        """Moving about: large, irregular excursions of ``size`` depths."""
        n = int(round(seconds * self.rate_hz))
        phase = self.rng.uniform(0, 6.28)
        for i in range(n):
            t = i / self.rate_hz
            wobble = size * self.depth * (0.5 * math.sin(2 * math.pi * 1.8 * t + phase) + 0.5 * math.sin(2 * math.pi * 0.37 * t))
            self._emit(self.level + wobble + (size * self.depth if (i // int(self.rate_hz * 1.3)) % 2 else 0.0))
        return self

    def build(self) -> Signal:
        return Signal(self.rate_hz, self.values, self.faults, self.holds, self.peaks)
