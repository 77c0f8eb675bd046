"""Calibration (core/calibration.py): a calm part whose breathing leans neither way still gives its breaths.

The calm part needs depth and rate, not the polarity (the guided breaths
after it give that), so it asks the detector for its breaths in the light of
the way the evidence leans even when the evidence decides nothing
(``finish(guess=True)``, docs/detection.md).  Found by `make mutate`
(docs/testing.md): the sine of tests/test_calibration.py leans far enough for
the detector's own last word (its first half breath, cut short by the start,
dwells to one side), so nothing tested the guess.  Here each half breath
takes 1.6-3.2 s drawn from one law both ways: nothing tells the inhale from the
exhale, and on these seeds the evidence stays under the last word's bar.
"""

from __future__ import annotations

import math
import random

import pytest

from breathcue.config import DetectorConfig
from breathcue.core.calibration import Calibration
from breathcue.core.types import Sample

RATE = 25.0


def even_breathing(seed: int):
    """The strap's signal: half breaths of random length, rises and falls alike, a depth of 0.5."""
    rnd = random.Random(seed)
    halves = []
    t, up = 0.0, True
    while t < 120.0:
        d = rnd.uniform(1.6, 3.2)
        halves.append((t, d, up))
        t += d
        up = not up

    def value(x: float) -> float:
        t0, d, up = next(h for h in halves if h[0] <= x < h[0] + h[1])
        u = 0.5 - 0.5 * math.cos(math.pi * (x - t0) / d)
        return 1.0 + 0.5 * (u if up else 1.0 - u)

    return value, halves


@pytest.mark.parametrize("seed", [0, 3, 29])
def test_a_calm_part_leaning_neither_way_counts_its_breaths(seed: int) -> None:
    signal, halves = even_breathing(seed)
    cal = Calibration(DetectorConfig(), RATE, 40.0)
    i = 0
    while cal.phase == "calm":
        cal.update(Sample(i / RATE, signal(i / RATE)))
        i += 1
    assert cal.error is None and cal.phase == "guided"
    cycles = sum(1 for t0, d, up in halves if up and t0 + d < 40.0)  # whole rises in the calm part
    progress = cal.progress(i / RATE)
    assert progress.phase == "guided" and cycles - 3 <= progress.breaths <= cycles
