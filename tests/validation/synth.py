"""Synthetic strap signals built from segments, for unit tests of the detector.

Breathing is a quick inhale and a slower exhale (a stretch cord), or equally
steep halves with a pause at end-expiration (a force belt), with a cardiac
ripple, a little noise, the strap's slow wander and, when asked, a person's
breath-to-breath variation of depth and length (``vary``); a hold is either
the simple plateau that relaxes slowly (``hold``) or a real held chest's
movement (``held``, hw/held_chest.py); other segments are a stuck value and
sensor faults.  Pure Python and seeded.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from breathcue.core.types import Sample
from breathcue.hw.held_chest import HeldChest


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
    def __init__(
        self, rate_hz: float = 25.0, seed: int = 0, depth: float = 1.0, ripple: float = 0.05, noise: float = 0.005, sign: float = 1.0, wander: float = 0.0, vary: float = 0.0
    ) -> None:
        self.rate_hz = rate_hz
        self.rng = random.Random(seed)
        self.depth = depth
        self.ripple = ripple
        self.noise = noise
        self.sign = sign
        self.wander = wander  # slow baseline wander of the strap, in depths: two slow sines of random periods
        self._wanders = [(self.rng.uniform(15.0, 45.0), self.rng.uniform(0, 2 * math.pi)), (self.rng.uniform(45.0, 120.0), self.rng.uniform(0, 2 * math.pi))] if wander else []
        self.vary = vary  # a person's breath-to-breath variation: the spread of log depth and log length
        self.level = 0.0  # lung volume now, 0 = end-expiration
        self.values: list[float | None] = []
        self.faults: dict[int, str] = {}
        self.holds: list[tuple[float, float]] = []
        self.peaks: list[float] = []
        self.kinds: list[str] = []  # of each hold made by ``held``
        self._paused_at: float | None = None  # where the last breath's end-expiratory pause began
        self._rest: tuple[float, int, int] | None = None  # an inhale stopped half way: its top, samples left, length

    @property
    def t(self) -> float:
        return len(self.values) / self.rate_hz

    def _emit(self, volume: float) -> None:
        t = self.t
        cardiac = self.ripple * self.depth * math.sin(2 * math.pi * 1.1 * t)
        cardiac += sum(0.6 * self.wander * self.depth * math.sin(2 * math.pi * t / period + phase) for period, phase in self._wanders)
        self.values.append(self.sign * (volume + cardiac + self.rng.gauss(0.0, self.noise * self.depth)) + 2.0)

    def breathe(
        self,
        count: int,
        bpm: float = 12.0,
        depth: float | None = None,
        inhale_share: float = 0.4,
        end_inhaled: bool = False,
        belt: str = "cord",
        stop: str | None = None,
        last_depth: float | None = None,
        empty: float = 0.0,
    ) -> "Builder":
        """``count`` breaths; with ``end_inhaled`` (or ``stop="inhaled"``) the last stops at the top of its inhale.

        ``belt="cord"``: a quick inhale, a slower exhale (a stretch cord on the
        chest).  ``belt="force"``: inhale and exhale equally steep, about a
        second each, then a pause at end-expiration (a force belt).  ``stop="mid"``
        stops the last breath half way up its inhale.  Each breath starts from
        where the chest is, so a breath after a hold joins it without a step.
        ``last_depth`` is the depth of the last breath (the deeper breath taken
        to hold it) and ``empty`` how much further its exhale goes, in depths
        (the chest emptied before a hold at end-expiration).
        """
        d = self.depth if depth is None else depth
        stop = "inhaled" if end_inhaled else stop
        self._paused_at = None
        for k in range(count):
            last = k == count - 1
            period = 60.0 / bpm * self.rng.uniform(0.92, 1.08)
            if self.vary:
                period *= math.exp(max(-2.0, min(2.0, self.rng.gauss(0.0, 1.0))) * self.vary)
            n = int(round(period * self.rate_hz))
            if belt == "force":
                n_in = int(round(self.rng.uniform(0.9, 1.4) * self.rate_hz * min(1.0, period / 4.0)))
                n_out = int(round(n_in * self.rng.uniform(0.85, 1.15)))
                n_pause = max(int(0.4 * self.rate_hz), n - n_in - n_out)
            else:
                n_in = int(round(n * inhale_share))
                n_out, n_pause = n - n_in, 0
            cd = d * (self.rng.uniform(0.85, 1.15) if belt == "force" else 1.0)
            if self.vary:
                cd *= math.exp(max(-2.0, min(2.0, self.rng.gauss(0.0, 1.0))) * self.vary)
            if last and last_depth is not None:
                cd = last_depth * self.depth
            emptied = empty if last else 0.0
            bottom = -emptied * self.depth
            start = self.level
            stop_at = n_in if not (last and stop == "mid") else int(round(n_in * self.rng.uniform(0.4, 0.7)))
            for i in range(stop_at):
                self._emit(start + (cd - start) * (0.5 - 0.5 * math.cos(math.pi * (i + 1) / n_in)))
            if last and stop == "mid":
                self.level = start + (cd - start) * (0.5 - 0.5 * math.cos(math.pi * stop_at / n_in))
                self._rest = (cd, n_in - stop_at, n_in)  # the rest of this inhale, after the hold
                return self
            self.peaks.append(self.t - 1 / self.rate_hz)
            if last and stop == "inhaled":
                self.level = cd
                return self
            n_out = int(round(n_out * (1.0 + emptied)))  # emptying the chest further takes longer
            for i in range(n_out):
                self._emit(bottom + (cd - bottom) * (0.5 + 0.5 * math.cos(math.pi * (i + 1) / n_out)))
            self._paused_at = self.t if n_pause else None  # a hold after this pause began where the exhale ended
            for i in range(n_pause):  # the chest settles into the pause
                self._emit(bottom + 0.03 * cd * math.exp(-(i + 1) / self.rate_hz / 0.6) - 0.03 * cd)
            self.level = bottom - (0.03 * cd if n_pause else 0.0)
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
        self._release()
        return self

    def held(self, seconds: float, chest: HeldChest) -> "Builder":
        """A held breath that moves as ``chest`` (hw/held_chest.py) says: sags, wobbles, drift.

        Held after an end-expiratory pause, the hold began where the pause did:
        nothing tells the two apart, as a person marking the recording by eye sees.
        """
        start = self._paused_at if self._paused_at is not None and chest.kind == "exhaled" else self.t
        level = self.level
        n = int(round(seconds * self.rate_hz))
        for i in range(n):
            self._emit(level + self.depth * chest.offset((i + 1) / self.rate_hz, cardiac=False))
        self.level = level + self.depth * chest.offset(n / self.rate_hz, cardiac=False)
        self.holds.append((start, self.t))
        self.kinds.append(chest.kind)
        self._release()
        return self

    def _release(self) -> None:
        """After a hold: finish a half-done inhale, or breathe out from a full chest."""
        if self._rest is not None:
            top, left, n_in = self._rest
            self._rest = None
            start = self.level
            for i in range(left):
                self._emit(start + (top - start) * (i + 1) / left)
            self.peaks.append(self.t - 1 / self.rate_hz)
            self.level = top
        if self.level > 0.5 * self.depth:  # release: breathe out from where the chest is now
            n_out = int(2.0 * self.rate_hz)
            top = self.level
            for i in range(n_out):
                self._emit(top * (0.5 + 0.5 * math.cos(math.pi * (i + 1) / n_out)))
            self.level = 0.0

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
