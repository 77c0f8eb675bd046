"""The adherence score (core/adherence.py): the figures as a session's card and `session_end` give them.

``in_pace`` to a thousandth, ``phase_lag_s`` to a hundredth of a second,
``phase_lag_deg`` to a tenth of a degree, and "within a quarter cycle"
including the quarter itself (docs/formats.md, `session_end`).  Found by
`make mutate` (docs/testing.md): tests/test_sessions.py compared these
figures approximately, and never at the quarter.
"""

from __future__ import annotations

from breathcue.core import adherence as adh


class Steady:
    """A guide at a steady 6 breaths a minute: 10 s cycles, the inhale beginning at 0, 10, 20 s..."""

    def cycles(self, t: float) -> float:
        return t / 10.0

    def period(self, t: float) -> float:
        return 10.0


def score(breaths: list[tuple[float, float]]) -> dict:
    a = adh.Adherence()
    for onset, end in breaths:
        a = adh.add_breath(a, Steady(), onset, end)
    return adh.summary(a)


def test_the_figures_are_rounded_as_the_card_shows_them():
    # every breath in 1.234 s behind the guide; the last one 13 s long, out of pace
    s = score([(1.234, 11.234), (11.234, 21.234), (21.234, 34.234)])
    assert s == {"breaths": 3, "in_pace": 0.667, "phase_lag_s": 1.23, "phase_lag_deg": 44.4}


def test_a_breath_begun_exactly_a_quarter_cycle_late_is_still_in_pace():
    assert score([(2.5, 12.5)])["in_pace"] == 1.0
    assert score([(2.6, 12.6)])["in_pace"] == 0.0
