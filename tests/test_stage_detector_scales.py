"""The scale the detector judges breathing on: sighs, breathing that shrinks, a cold start.

docs/detection.md, "Segmentation into breaths": with a baseline, sighs
cannot inflate the scale beyond 1.8 baselines, so the breaths after them
still turn and count; breathing smaller than the depth learnt is
relearnt from its own swings (small regular breathing at a fifth of the
baseline or more) and counted.  Short synthetic signals, a fraction of a
second each (the mutation run affords them for every mutant of
core/detector.py; docs/testing.md, "Detector stages").
"""

from __future__ import annotations

import pytest

from breathcue.config import DetectorConfig

from .test_stage_detector import named, near, run
from .validation.synth import Builder

RATE = 25.0


@pytest.mark.parametrize(("sighs", "size", "after"), [(2, 2.5, 0.65), (3, 3.0, 0.6)])
def test_breaths_of_two_thirds_of_the_depth_right_after_sighs_are_counted(sighs, size, after):
    b = Builder(RATE, seed=21, depth=0.4).breathe(8).breathe(sighs, bpm=8, depth=size * 0.4)
    since = b.t
    first = len(b.peaks)
    sig = b.breathe(8, depth=after * 0.4).build()
    events, _ = run(sig.samples(), config=DetectorConfig(polarity="normal"))
    assert [e.name for e in events if e.name != "breath"] == []
    peaks = [e.get("peak") for e in named(events, "breath") if e.get("peak") > since]
    # the sighs do not raise the scale past 1.8 baselines: all but the first are counted, each at its peak
    assert near(peaks, sig.peaks[first:], 0.5) == len(peaks) >= 7
