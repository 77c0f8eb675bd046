"""Simulated hardware: a seeded breather for the sensor, and a ring that records.

These stand in for the strap and the LEDs on a machine without a Pi, and in
tests.  The breather is a function of clock time and its seed, so a run on
the virtual clock is reproducible to the sample.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from typing import Callable, Sequence

from ..core.types import RGBBytes, Sample
from . import scenarios
from .held_chest import HeldChest

CARDIAC_HZ = 1.1
SUPPLY_V = 3.3  # the divider's supply: an unplugged strap reads this
FOLLOW_DEPTH = 1.4  # paced breathing is slower and deeper than the person's own
FOLLOW_LAG_S = (0.3, 0.8)  # how long after the light the person's chest follows it...
RELEASE_S = 1.5  # after a hold, the chest lets go of a sag over this long
FOLLOW_WANDER_S = 0.3  # ...give or take this much, wandering slowly


@dataclass(frozen=True)
class Breathing:
    """How the simulated person breathes: rate, depth in volts, inhale share of a cycle."""

    rate_bpm: float = 11.0
    depth_v: float = 0.25
    inhale_share: float = 0.42


class SimulatedBreather:
    """A chest strap on a simulated person, read as volts at the ADC.

    The signal is a breath waveform with breath-to-breath variation in rate
    and depth, slow drift of the cord, a ~1 Hz cardiac ripple and sensor
    noise, around a 1.6 V divider midpoint.  The person follows a named
    scenario (hw/scenarios.py): breathing changes take effect at the next
    breath, a hold stops the chest where it is and then moves as a real held
    chest does (hw/held_chest.py: sags, settling wobbles, drift), and artefacts (moving
    about, adjusting the strap, unplugging it) act at once.  During a paced
    session (``follow``) the person breathes along with the light instead,
    a little behind it, while the artefacts still happen.  Reads must come
    in time order, as the loop makes them.
    """

    def __init__(
        self,
        seed: int = 0,
        breathing: Breathing = Breathing(),
        rate_hz: float = 25.0,
        scenario: str = "calm",
        supply_v: float = SUPPLY_V,
    ) -> None:
        self.rate_hz = rate_hz
        self.breathing = breathing
        self.scenario = scenarios.scenario(scenario)
        self.seed = seed
        self.supply_v = supply_v
        self._rng = random.Random(seed)
        self._artefacts = random.Random(f"artefacts:{seed}")
        self._spells = self.scenario.spells(seed)
        self.spell = next(self._spells)
        self._phase = 0.0
        self._last_t: float | None = None
        self._cycle_rate = breathing.rate_bpm
        self._cycle_depth = breathing.depth_v
        self._cycle_share = breathing.inhale_share
        self._drift_phase = self._rng.uniform(0, 2 * math.pi)
        self._sensitivity = 1.0  # the strap's volts per breath, changed by an adjustment
        self._offset = 0.0  # the strap's baseline shift, changed by an adjustment
        self._offset_from = self._offset_to = 0.0
        self._ramp_seconds = 2.0
        self._wobble: list[tuple[float, float, float]] = []  # motion artefact: amplitude, frequency, phase
        self._sighed = False
        self._holds = random.Random(f"holds:{seed}")  # how each hold moves (hw/held_chest.py)
        self._held: tuple[HeldChest, float] | None = None  # the chest held now (or just let go), and since when
        self._lead: Callable[[float], float] | None = None
        follow = random.Random(f"follow:{seed}")
        self._lag = follow.uniform(*FOLLOW_LAG_S)
        self._wander_phases = (follow.uniform(0, 2 * math.pi), follow.uniform(0, 2 * math.pi))

    def follow(self, lead: Callable[[float], float] | None) -> None:
        """Breathe along with ``lead`` (the guide's lung volume 0-1 at clock time t) until given None.

        The chest follows the light ``FOLLOW_LAG_S`` behind, the lag and the
        depth wandering slowly, as a person's do; afterwards the person's own
        breathing starts again with an inhale.
        """
        if lead is None and self._lead is not None:
            self._phase = 0.0
            self._new_cycle(self.spell)
        self._lead = lead

    def volume(self, phase: float, share: float | None = None) -> float:
        """Lung volume 0-1 at ``phase`` (0-1) of a breath: a quick inhale, a slower exhale."""
        share = self.breathing.inhale_share if share is None else share
        if phase < share:
            return 0.5 - 0.5 * math.cos(math.pi * phase / share)
        return 0.5 + 0.5 * math.cos(math.pi * (phase - share) / (1.0 - share))

    def timeline(self, seconds: float) -> list[scenarios.Spell]:
        """What this breather does in its first ``seconds``: the ground truth of a run."""
        return scenarios.timeline(self.scenario.name, self.seed, seconds)

    def _enter(self, spell: scenarios.Spell) -> None:
        """Start a spell: draw its artefacts, settle what the last one changed."""
        self._offset_from = self._offset = self._offset_to
        self._ramp_seconds = 2.0
        self._sighed = False
        self._wobble = []
        if spell.kind in ("motion", "adjust"):
            big = 0.25 if spell.kind == "motion" else 0.4
            self._wobble = [
                (self._artefacts.uniform(0.3, 1.0) * big, self._artefacts.uniform(0.2, 1.5), self._artefacts.uniform(0, 2 * math.pi))
                for _ in range(3)
            ]
        if spell.kind == "adjust":  # a new baseline and sensitivity, reached by the end of the fumbling
            self._offset_to = self._artefacts.uniform(-0.25, 0.25)
            self._sensitivity = self._artefacts.uniform(0.8, 1.25)
            self._ramp_seconds = spell.end - spell.start
        elif spell.kind == "loose":  # the cord relaxes towards its rest length
            self._offset_to = self._offset - self._artefacts.uniform(0.05, 0.15)
        elif self.spell.kind == "loose":
            self._offset_to = self._offset + self._artefacts.uniform(0.05, 0.15)

    def _new_cycle(self, spell: scenarios.Spell) -> None:
        self._cycle_rate = self.breathing.rate_bpm * spell.rate * self._rng.uniform(0.88, 1.12)
        self._cycle_depth = self.breathing.depth_v * spell.depth * self._sensitivity * self._rng.uniform(0.8, 1.2)
        self._cycle_share = self.breathing.inhale_share
        if spell.kind == "talk":  # a quick inhale, a long exhale, both less regular
            self._cycle_share = self._artefacts.uniform(0.12, 0.2)
            self._cycle_rate *= self._artefacts.uniform(0.75, 1.25)
            self._cycle_depth *= self._artefacts.uniform(0.7, 1.3)
        elif spell.kind == "sigh":
            self._sighed = True

    def read(self, t: float) -> Sample:
        dt = 0.0 if self._last_t is None else max(0.0, t - self._last_t)
        self._last_t = t
        while t >= self.spell.end:
            spell = next(self._spells)
            self._enter(spell)
            self.spell = spell
        spell = self.spell
        kind = spell.kind
        if kind == "off":  # the divider open: the top rail, the ADC's own noise only
            return Sample(t, self.supply_v - abs(self._rng.gauss(0.0, 0.0002)))
        lead = self._lead
        breath = self._own_breath(t, dt, spell) if lead is None else self._following(lead, t, kind)
        drift = 0.05 * math.sin(2 * math.pi * t / 300.0 + self._drift_phase)
        cardiac = 0.01 * math.sin(2 * math.pi * CARDIAC_HZ * t)
        noise = self._rng.gauss(0.0, 0.004 if kind == "loose" else 0.002)
        value = 1.6 + drift + breath + cardiac + noise
        if self._offset != self._offset_to:  # a baseline shift, spread over a ramp
            share = min(1.0, (t - spell.start) / self._ramp_seconds)
            self._offset = self._offset_from + share * (self._offset_to - self._offset_from)
        value += self._offset
        if self._wobble:
            since, left = t - spell.start, spell.end - t
            envelope = min(1.0, since, left)
            value += envelope * sum(a * math.sin(2 * math.pi * f * since + p) for a, f, p in self._wobble)
        if kind == "talk" and lead is None and self._phase > self._cycle_share:  # syllables ride on the exhale
            value += 0.04 * self._cycle_depth * math.sin(2 * math.pi * 4.5 * t) * (0.5 + 0.5 * math.sin(2 * math.pi * 0.7 * t))
        return Sample(t, min(max(value, 0.0), self.supply_v))

    def _own_breath(self, t: float, dt: float, spell: scenarios.Spell) -> float:
        """The chest's movement in volts as the scenario has the person breathe."""
        kind = spell.kind
        held = self._held_offset(t, spell)
        pausing = kind == "hold" or (kind == "sigh" and self._sighed and self._phase == 0.0)
        if not pausing:
            self._phase += dt * self._cycle_rate / 60.0
            if self._phase >= 1.0:
                if kind == "sigh" and self._sighed:  # the pause after the sigh, to the spell's end
                    self._phase = 0.0
                else:
                    self._phase -= 1.0
                    self._new_cycle(spell)
        return self._cycle_depth * (self.volume(self._phase, self._cycle_share) + held)

    def _held_offset(self, t: float, spell: scenarios.Spell) -> float:
        """How far a held chest has moved from where it stopped (in depths): it sags, wobbles and drifts.

        The chest is held where the breath was (full, empty or half way);
        after the hold the movement is let go over RELEASE_S.
        """
        if spell.kind == "hold":
            if self._held is None or self._held[1] != spell.start:
                volume = self.volume(self._phase, self._cycle_share)
                kind = "inhaled" if volume >= 0.8 else "exhaled" if volume <= 0.2 else "mid"
                self._held = (HeldChest.draw(self._holds, kind), spell.start)
            chest, start = self._held
            return chest.offset(t - start, cardiac=False)
        if self._held is None:
            return 0.0
        chest, start = self._held
        since = t - spell.start if spell.start > start else RELEASE_S
        if since >= RELEASE_S:
            self._held = None
            return 0.0
        return chest.offset(spell.start - start, cardiac=False) * (1.0 - since / RELEASE_S)

    def _following(self, lead: Callable[[float], float], t: float, kind: str) -> float:
        """The chest's movement in volts while the person breathes along with the guide."""
        lag_phase, depth_phase = self._wander_phases
        lag = self._lag + FOLLOW_WANDER_S * math.sin(2 * math.pi * t / 37.0 + lag_phase)
        depth = self.breathing.depth_v * FOLLOW_DEPTH * self._sensitivity * (1.0 + 0.1 * math.sin(2 * math.pi * t / 23.0 + depth_phase))
        if kind == "loose":
            depth *= self.spell.depth
        return depth * lead(t - lag)

    def close(self) -> None:
        pass


def make_breather(scenario: str = "calm", seed: int = 0, rate_hz: float = 25.0, supply_v: float = SUPPLY_V) -> SimulatedBreather:
    """A simulated strap playing the named scenario (hw/scenarios.py); ValueError for an unknown name."""
    return SimulatedBreather(seed=seed, rate_hz=rate_hz, scenario=scenario, supply_v=supply_v)


class RecordingRing:
    """A ring that keeps every frame it is shown, for tests."""

    def __init__(self, pixels: int) -> None:
        self.pixels = pixels
        self.frames: list[tuple[float, tuple[RGBBytes, ...]]] = []
        self.status = ""
        self.closed = False

    def show(self, rgb: Sequence[RGBBytes], t: float) -> None:
        self.frames.append((t, tuple(rgb)))

    def set_status(self, text: str) -> None:
        self.status = text

    def close(self) -> None:
        self.frames.append((self.frames[-1][0] if self.frames else 0.0, ((0, 0, 0),) * self.pixels))
        self.closed = True
