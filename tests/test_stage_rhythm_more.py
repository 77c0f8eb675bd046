"""Small rhythm (core/rhythm.py): where a rhythm of small swings began.

A declared hold ends at three regular cycles of shallow breathing, and its
``end`` is where the first of those cycles turned (docs/detection.md,
"Holds"): ``began`` gives that time, the first of the last ``count``
turning points, as the signal had it.  Found by `make mutate`
(docs/testing.md): nothing in the stage's tests asked it.
"""

from __future__ import annotations

import pytest

from breathcue.core.rhythm import HELD_TURNS, SmallRhythm

RATE = 25.0


def zigzag(extremes: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Samples (t, q) at RATE along straight lines through ``extremes``."""
    out = []
    for (t0, v0), (t1, v1) in zip(extremes, extremes[1:]):
        n = int(round((t1 - t0) * RATE))
        out += [(t0 + i / RATE, v0 + (v1 - v0) * i / n) for i in range(n)]
    return out


def test_a_rhythm_began_at_the_first_of_its_turning_points():
    rhythm = SmallRhythm()
    rhythm.reset(1.0)
    # small swings of 0.1 with turning points every 2 s from 3 s on (up at 3, 7, ...; down at 5, 9, ...)
    extremes = [(0.0, 1.0)] + [(3.0 + 2 * k, 1.1 if k % 2 == 0 else 1.0) for k in range(9)]
    confirmed = [t for t, q in zigzag(extremes) if rhythm.step(t, q, 0.04)]
    assert len(confirmed) == 8  # the last extreme (19 s) is not confirmed yet
    assert rhythm.regular(4.0)
    assert rhythm.began() == pytest.approx(11.0)  # the last four: 11, 13, 15 and 17 s
    assert rhythm.began(HELD_TURNS) == pytest.approx(5.0)  # the last seven: 5 to 17 s
    assert rhythm.began(2) == pytest.approx(15.0)
