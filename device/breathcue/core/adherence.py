"""How closely the user's breathing followed a paced session.

Two figures, from the breaths measured during the session: the share of
breaths in pace, and the mean phase lag, how long after the guide began a breath in the user
began theirs.  Lags are averaged on the circle, so a breath that starts just
before the guide's cycle and one just after it average to zero lag, not to
half a cycle.

A breath is in pace when it follows the guide in both ways: its length is
within ±20 % of the guide's cycle at that moment, and its breath in began
within a quarter of a cycle of the guide's.  Length alone is not enough: a
person breathing in while the ring says breathe out (half a cycle off) at
the right rate is not following the light.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

TOLERANCE = 0.2
"""A breath's length may differ from the guide's cycle by this share of it."""
PHASE_TOLERANCE = 0.25
"""Its breath in may begin this share of a cycle before or after the guide's."""


class Guide(Protocol):
    """The paced breathing a session shows: breaths begun, and the breath length, at time t."""

    def cycles(self, t: float) -> float: ...

    def period(self, t: float) -> float: ...


@dataclass(frozen=True, slots=True)
class Adherence:
    breaths: int = 0
    in_pace: int = 0
    lag_sin: float = 0.0
    lag_cos: float = 0.0
    period_sum: float = 0.0


def add_breath(a: Adherence, guide: Guide, onset: float, end: float) -> Adherence:
    """Score one breath, from its onset (start of the inhale) to its end, in session time."""
    period = guide.period(onset)
    c = guide.cycles(onset)
    offset = c - math.floor(c + 0.5)  # -0.5..0.5 of a cycle: the guide's inhale began at 0
    angle = 2.0 * math.pi * offset
    in_pace = abs((end - onset) - period) <= TOLERANCE * period and abs(offset) <= PHASE_TOLERANCE
    return Adherence(
        a.breaths + 1,
        a.in_pace + in_pace,
        a.lag_sin + math.sin(angle),
        a.lag_cos + math.cos(angle),
        a.period_sum + period,
    )


def summary(a: Adherence) -> dict[str, Any]:
    """The figures for session_end and the status; None where no breath was measured."""
    if a.breaths == 0:
        return {"breaths": 0, "in_pace": None, "phase_lag_s": None, "phase_lag_deg": None}
    mean = math.atan2(a.lag_sin, a.lag_cos)  # circular mean
    return {
        "breaths": a.breaths,
        "in_pace": round(a.in_pace / a.breaths, 3),
        "phase_lag_s": round(mean / (2.0 * math.pi) * a.period_sum / a.breaths, 2),
        "phase_lag_deg": round(math.degrees(mean), 1),
    }
