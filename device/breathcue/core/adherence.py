"""How closely the user's breathing followed a paced session.

Two figures, from the breaths measured during the session: the share of
breaths whose length is within ±20 % of the guide's cycle at that moment,
and the mean phase lag, how long after the guide began a breath in the user
began theirs.  Lags are averaged on the circle, so a breath that starts just
before the guide's cycle and one just after it average to zero lag, not to
half a cycle.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Protocol

TOLERANCE = 0.2


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
    angle = 2.0 * math.pi * (c - math.floor(c + 0.5))  # -pi..pi: the guide's inhale began at 0
    return Adherence(
        a.breaths + 1,
        a.in_pace + (abs((end - onset) - period) <= TOLERANCE * period),
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
