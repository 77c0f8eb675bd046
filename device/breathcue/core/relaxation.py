"""Progressive muscle relaxation as a paced session: one round per muscle group, feet to face.

Each round tenses one group while breathing in, holds the tension, lets go
on a long breath out, then rests for a few calm breaths.  The session is a
pure function of the time since it began, like every other pattern, so the
ring, the adherence score and the tests all read the same plan.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from .pacing import ease

NAME = "progressive-relaxation"

# Feet to face (docs/cues.md says how to tense each one).
GROUPS = (
    "feet", "calves", "thighs", "buttocks", "stomach", "chest",
    "back", "hands", "arms", "shoulders", "neck", "face",
)
TENSE_SECONDS = 5.0  # breathe in while tensing
HOLD_SECONDS = 5.0  # hold the breath and the tension
RELEASE_SECONDS = 9.0  # breathe out and let go
CALM_BREATHS = 2
CALM_INHALE, CALM_EXHALE = 4.0, 6.0  # 6 breaths a minute
CALM_SECONDS = CALM_BREATHS * (CALM_INHALE + CALM_EXHALE)
WORK_SECONDS = TENSE_SECONDS + HOLD_SECONDS + RELEASE_SECONDS
ROUND_SECONDS = WORK_SECONDS + CALM_SECONDS
PHASE_SECONDS = {"tense": TENSE_SECONDS, "hold": HOLD_SECONDS, "release": RELEASE_SECONDS, "calm": CALM_SECONDS}


@dataclass(frozen=True, slots=True)
class Step:
    """Where a relaxation session is at one moment."""

    round: int  # 0-based
    rounds: int
    group: str
    phase: str  # "tense", "hold", "release", "calm"
    progress: float  # 0-1 through the phase
    volume: float  # the guide's lung volume, 0-1


@dataclass(frozen=True, slots=True)
class Relaxation:
    """The plan: one round per entry of ``groups``, in order."""

    groups: tuple[str, ...] = GROUPS

    @classmethod
    def for_minutes(cls, minutes: float) -> "Relaxation":
        """As many rounds as fit the time, 1-12; fewer rounds tense neighbouring groups together.

        Every part of the body is still covered, feet to face: with 6 rounds
        the first is "feet and calves".
        """
        n = max(1, min(len(GROUPS), round(minutes * 60.0 / ROUND_SECONDS)))
        bounds = [round(i * len(GROUPS) / n) for i in range(n + 1)]
        return cls(tuple(_join(GROUPS[a:b]) for a, b in zip(bounds, bounds[1:])))

    @property
    def duration(self) -> float:
        return len(self.groups) * ROUND_SECONDS

    def at(self, t: float) -> Step:
        """The step at ``t`` seconds into the session (clamped to its span)."""
        n = len(self.groups)
        t = min(max(t, 0.0), self.duration - 1e-9)
        k = int(t // ROUND_SECONDS)
        x = t - k * ROUND_SECONDS
        if x < TENSE_SECONDS:
            phase, p, v = "tense", x / TENSE_SECONDS, ease(x / TENSE_SECONDS)
        elif x < TENSE_SECONDS + HOLD_SECONDS:
            phase, p, v = "hold", (x - TENSE_SECONDS) / HOLD_SECONDS, 1.0
        elif x < WORK_SECONDS:
            p = (x - TENSE_SECONDS - HOLD_SECONDS) / RELEASE_SECONDS
            phase, v = "release", 1.0 - ease(p)
        else:
            c = (x - WORK_SECONDS) % (CALM_INHALE + CALM_EXHALE)
            phase, p = "calm", (x - WORK_SECONDS) / CALM_SECONDS
            v = ease(c / CALM_INHALE) if c < CALM_INHALE else 1.0 - ease((c - CALM_INHALE) / CALM_EXHALE)
        return Step(k, n, self.groups[k], phase, p, v)

    # The guide's breathing, for the adherence score: each round is one long
    # paced breath (tense, hold, release) and CALM_BREATHS ordinary ones.

    def cycles(self, t: float) -> float:
        """Paced breaths begun since the start, counting fractions."""
        k, x = divmod(max(t, 0.0), ROUND_SECONDS)
        per_round = 1 + CALM_BREATHS
        if x < WORK_SECONDS:
            return k * per_round + x / WORK_SECONDS
        return k * per_round + 1 + (x - WORK_SECONDS) / (CALM_INHALE + CALM_EXHALE)

    def period(self, t: float) -> float:
        """The length of the paced breath under way at ``t``."""
        x = math.fmod(max(t, 0.0), ROUND_SECONDS)
        return WORK_SECONDS if x < WORK_SECONDS else CALM_INHALE + CALM_EXHALE


def _join(names: tuple[str, ...]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
