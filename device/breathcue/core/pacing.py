"""Breathing patterns as data, and the lung-volume curve a paced session follows.

A ``Pattern`` is four phase lengths in seconds (plus an optional top-up sip
at the end of the inhale, for the cyclic sigh).  A ``PacedSession`` lays
cycles of a pattern out on a timeline, optionally ramping the rate from one
breathing rate to another, and answers ``guide(t)``: where the breath should
be ``t`` seconds into the session.  Everything is a function of ``t``, never
of accumulated steps, so a late frame shows the right phase, not a drifted
one.
"""

from __future__ import annotations

import math
from bisect import bisect_right
from dataclasses import dataclass, field, replace
from typing import Mapping, NamedTuple, Protocol

PHASES = ("inhale", "hold_in", "exhale", "hold_out")
MIN_BPM = 2.0
MAX_BPM = 30.0
TOP_UP_SHARE = 0.25
"""Share of the full volume taken by the top-up sip of a two-step inhale."""


class PatternError(ValueError):
    """A pattern, ramp or pattern name that cannot be used; the message says why."""


def ease(x: float) -> float:
    """Cosine easing from 0 to 1: zero slope at both ends, so the light never moves with a kink."""
    return 0.5 - 0.5 * math.cos(math.pi * x)


def _check_rate(what: str, bpm: float) -> None:
    if not MIN_BPM <= bpm <= MAX_BPM:
        raise PatternError(f"{what} is {bpm:g} breaths a minute: expected {MIN_BPM:g} to {MAX_BPM:g}")


@dataclass(frozen=True, slots=True)
class Pattern:
    """One breath cycle: phase lengths in seconds.

    ``top_up`` is the last part of ``inhale`` spent on a second, short sip
    (the cyclic sigh's double inhale); 0 means one smooth inhale.
    """

    inhale: float
    hold_in: float = 0.0
    exhale: float = 0.0
    hold_out: float = 0.0
    top_up: float = 0.0

    def __post_init__(self) -> None:
        for name in PHASES + ("top_up",):
            value = getattr(self, name)
            if not (value >= 0.0 and math.isfinite(value)):
                raise PatternError(f"{name} is {value!r} s: expected a length of 0 s or more")
        if self.inhale <= 0.0 or self.exhale <= 0.0:
            raise PatternError("a pattern needs an inhale and an exhale longer than 0 s")
        if self.top_up >= self.inhale:
            raise PatternError(f"top_up is {self.top_up:g} s: expected less than the inhale ({self.inhale:g} s)")
        _check_rate(f"a cycle of {self.period:g} s", self.bpm)

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

    def with_rate(self, bpm: float) -> "Pattern":
        """The same pattern, every phase scaled to give ``bpm`` breaths a minute."""
        k = self.period / (60.0 / bpm)
        return replace(
            self,
            inhale=self.inhale / k,
            hold_in=self.hold_in / k,
            exhale=self.exhale / k,
            hold_out=self.hold_out / k,
            top_up=self.top_up / k,
        )

    def volume(self, phase: str, x: float) -> float:
        """Guide lung volume 0-1 at progress ``x`` (0-1) through ``phase``."""
        if phase == "inhale":
            if self.top_up <= 0.0:
                return ease(x)
            pos = x * self.inhale
            first = self.inhale - self.top_up
            if pos < first:
                return (1.0 - TOP_UP_SHARE) * ease(pos / first)
            return 1.0 - TOP_UP_SHARE + TOP_UP_SHARE * ease((pos - first) / self.top_up)
        if phase == "hold_in":
            return 1.0
        if phase == "exhale":
            return 1.0 - ease(x)
        return 0.0


PRESETS: dict[str, Pattern] = {
    "resonance": Pattern(4.0, 0.0, 6.0, 0.0),
    "coherent": Pattern(5.5, 0.0, 5.5, 0.0),
    "box": Pattern(4.0, 4.0, 4.0, 4.0),
    "4-7-8": Pattern(4.0, 7.0, 8.0, 0.0),
    "cyclic-sigh": Pattern(3.0, 0.0, 6.0, 0.0, top_up=1.0),
}


class PatternTable(Protocol):
    """A user's pattern as the config holds it (``[patterns.NAME]``): phase lengths in seconds."""

    inhale: float
    hold_in: float
    exhale: float
    hold_out: float
    top_up: float


def pattern_names(user: Mapping[str, PatternTable] | None = None) -> list[str]:
    """Every pattern name that ``pattern_by_name`` resolves: the presets, then the user's."""
    return list(PRESETS) + [name for name in (user or {}) if name not in PRESETS]


def pattern_by_name(name: str, user: Mapping[str, PatternTable] | None = None) -> Pattern:
    """One of the user's patterns (the config's ``patterns``), else a preset of that name.

    A user pattern with a preset's name replaces the preset.
    """
    if user and name in user:
        p = user[name]
        return Pattern(p.inhale, p.hold_in, p.exhale, p.hold_out, p.top_up)
    if name in PRESETS:
        return PRESETS[name]
    raise PatternError(f"unknown pattern {name!r}: expected one of {', '.join(pattern_names(user))}")


@dataclass(frozen=True, slots=True)
class Ramp:
    """Change the breathing rate linearly from ``from_bpm`` to ``to_bpm`` over ``minutes``."""

    from_bpm: float
    to_bpm: float
    minutes: float

    def __post_init__(self) -> None:
        _check_rate("the ramp's start", self.from_bpm)
        _check_rate("the ramp's end", self.to_bpm)
        if not (self.minutes > 0.0 and math.isfinite(self.minutes)):
            raise PatternError(f"the ramp lasts {self.minutes!r} minutes: expected more than 0")

    def bpm_at(self, t: float) -> float:
        """The rate ``t`` seconds after the ramp began; ``to_bpm`` once it is over."""
        share = min(1.0, max(0.0, t / (60.0 * self.minutes)))
        return self.from_bpm + (self.to_bpm - self.from_bpm) * share


class Guide(NamedTuple):
    """Where the breath should be at one moment of a session (a tuple: made every frame, cheaply)."""

    volume: float  # 0 = empty lungs, 1 = full
    phase: str  # one of PHASES
    progress: float  # 0-1 through the phase
    cycle: int  # index of the breath cycle, from 0
    bpm: float  # breaths a minute of this cycle
    phase_seconds: float  # length of this phase in this cycle
    previous: str  # the last non-empty phase before this one, for colour cross-fades

    @property
    def elapsed(self) -> float:
        """Seconds since this phase began."""
        return self.progress * self.phase_seconds


@dataclass(frozen=True)
class PacedSession:
    """A run of breath cycles of ``pattern``: ``minutes`` long (None = endless), maybe ramped.

    With a ramp, the pattern gives only the ratios of its phases: each cycle
    lasts 60/bpm seconds at the ramp's rate when the cycle starts, so the
    first cycle of an 11-to-6 ramp lasts exactly 60/11 s and every cycle
    after the ramp 10 s.  A timed session ends at the cycle boundary nearest
    to ``minutes``, so it never stops mid-breath; ``duration`` is that length
    in seconds.  At and after the end, the guide rests at empty lungs.
    """

    pattern: Pattern
    minutes: float | None = None
    ramp: Ramp | None = None
    duration: float | None = field(init=False, compare=False)
    _ramp_starts: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _phases: tuple[tuple[str, float], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.minutes is not None and not (self.minutes > 0.0 and math.isfinite(self.minutes)):
            raise PatternError(f"a session of {self.minutes!r} minutes: expected more than 0")
        starts = [0.0]
        if self.ramp is not None:
            end = 60.0 * self.ramp.minutes
            while starts[-1] < end:
                starts.append(starts[-1] + 60.0 / self.ramp.bpm_at(starts[-1]))
        object.__setattr__(self, "_ramp_starts", tuple(starts))
        phases = tuple((name, getattr(self.pattern, name)) for name in PHASES if getattr(self.pattern, name) > 0.0)
        object.__setattr__(self, "_phases", phases)
        object.__setattr__(self, "duration", None if self.minutes is None else self._nearest_boundary(60.0 * self.minutes))

    @property
    def _steady_period(self) -> float:
        """The cycle length once any ramp is over."""
        return self.pattern.period if self.ramp is None else 60.0 / self.ramp.to_bpm

    def _cycle_at(self, t: float) -> tuple[int, float, float]:
        """(index, start, length) of the cycle running at ``t`` (t >= 0)."""
        starts = self._ramp_starts
        if t < starts[-1]:
            k = bisect_right(starts, t) - 1
            return k, starts[k], starts[k + 1] - starts[k]
        period = self._steady_period
        j = int((t - starts[-1]) // period)
        return len(starts) - 1 + j, starts[-1] + j * period, period

    def _nearest_boundary(self, t: float) -> float:
        _, start, period = self._cycle_at(t)
        end = start + period
        return end if start <= 0.0 or end - t <= t - start else start

    def cycles(self, t: float) -> float:
        """Breath cycles begun ``t`` seconds into the session, with the share of the current one."""
        t = max(0.0, t)
        cycle, start, period = self._cycle_at(t)
        return cycle + (t - start) / period

    def period(self, t: float) -> float:
        """The length of the breath cycle running ``t`` seconds into the session."""
        return self._cycle_at(max(0.0, t))[2]

    def guide(self, t: float) -> Guide:
        """The guide ``t`` seconds after the session started."""
        t = max(0.0, t if self.duration is None else min(t, self.duration))
        cycle, start, period = self._cycle_at(t)
        pattern = self.pattern
        scale = period / pattern.period
        pos = (t - start) / scale  # seconds into the pattern's own cycle
        phases = self._phases
        previous = phases[-1][0]
        for name, length in phases[:-1]:
            if pos < length:
                break
            pos -= length
            previous = name
        else:
            name, length = phases[-1]
        x = min(1.0, pos / length)
        return Guide(pattern.volume(name, x), name, x, cycle, 60.0 / period, length * scale, previous)
