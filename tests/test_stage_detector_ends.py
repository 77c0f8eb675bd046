"""The end of a recording with the polarity still undecided: abstain, unless the caller wants a guess.

docs/detection.md, "Polarity": until the verdict the detector abstains,
and the breaths are reported at the verdict; when a recording ends the
evidence gets its last word (a weaker threshold).  Breathing whose halves
are alike (a sine, a triangle) gives no verdict even then: ``finish`` reports no breath
for it, while ``finish(guess=True)`` (calibration's calm part, which needs
the depth and rate, not the polarity) reports them in the light of the way
the evidence leans.  Short synthetic signals, a fraction of a second each
(docs/testing.md, "Detector stages").
"""

from __future__ import annotations

import math

import pytest

from breathcue.config import DetectorConfig
from breathcue.core.detector import BreathDetector

from .test_stage_detector import check_contract, named, samples_of

RATE = 25.0


def alike(cycles: int, period: float = 5.0, depth: float = 0.4) -> list[float]:
    """Breathing whose rises and falls are alike (half a triangle wave, half a sine): the evidence leans by a
    z of about 0.2, under the last word's 0.4, so nothing tells the polarity, even when the recording ends."""

    def shape(x: float) -> float:
        return 0.55 * (4 * abs((x + 0.25) % 1 - 0.5) - 1) + 0.45 * math.sin(2 * math.pi * x)

    return [2.0 + 0.5 * depth * shape(i / RATE / period) for i in range(int(cycles * period * RATE))]


@pytest.mark.parametrize("guess", [False, True])
def test_breathing_whose_halves_are_alike_gives_no_verdict_so_finish_reports_its_breaths_only_when_asked_to_guess(guess):
    values = alike(8)
    det = BreathDetector(DetectorConfig(), RATE)
    events = []
    for s in samples_of(values):
        events += det.update(s)
    assert events == [] and det.polarity is None  # abstaining all along
    events += det.finish(len(values) / RATE, guess=guess) if guess else det.finish(len(values) / RATE)
    check_contract(events)
    if guess:
        assert len(named(events, "breath")) >= 6 and det.polarity is not None
    else:
        assert events == [] and det.polarity is None and det.status.breaths == 0
