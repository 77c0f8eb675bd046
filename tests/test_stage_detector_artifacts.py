"""When a motion artefact ends: on the sample the rule says, not a sample later.

docs/detection.md, "Motion artefacts": movement of the slow signal over 3
usual depths (the larger of the typical depth and the baseline) starts
``artifact_start``; it ends (``artifact_end``) once the movement has stayed
under 2 usual depths for 3 s, and an artefact that lasts 20 s means the strap
has moved: the depth is relearnt.  At 8 samples a second every time is a
binary fraction, so the seconds add up exactly and the sample can be named.
Short synthetic signals, a fraction of a second each (docs/testing.md,
"Detector stages").
"""

from __future__ import annotations

import pytest

from breathcue.config import DetectorConfig
from breathcue.core import detector
from breathcue.core.conditioning import Conditioner
from breathcue.core.detector import Baseline

from .test_stage_detector import named, run
from .validation.synth import Builder

RATE = 8.0


@pytest.mark.parametrize("seed", [3, 4, 5])
@pytest.mark.parametrize("seconds", [3.0, 6.0])
def test_an_artifact_ends_on_the_sample_its_movement_has_been_small_for_three_seconds(seed, seconds):
    # breathing of 0.4 against a calibrated depth of 0.5: the usual depth motion is measured against is the baseline's
    usual = 0.5
    b = Builder(RATE, seed=seed, depth=0.4).breathe(6, bpm=12).motion(seconds).breathe(6, bpm=12)
    samples = b.build().samples()
    events, _ = run(samples, rate=RATE, config=DetectorConfig(polarity="normal"), baseline=Baseline(usual, 12.0, "normal"))
    assert [e.name for e in events if e.name != "breath"] == ["artifact_start", "artifact_end"]
    start, end = named(events, "artifact_start")[0].t, named(events, "artifact_end")[0].t
    # the movement over 2 s, as the detector's conditioning stage measures it, sample by sample
    cond = Conditioner(RATE)
    cond.start(samples[0].t, samples[0].value)
    moves = {s.t: cond.step(s.t, s.value)[4] for s in samples[1:]}
    calm_since = start
    for t in sorted(t for t in moves if start < t < end):
        if moves[t] > detector.ARTIFACT_CALM_SHARE * usual:
            calm_since = t
    assert end - calm_since == detector.ARTIFACT_CALM_SECONDS  # still moving until then, and calm for exactly 3 s


@pytest.mark.parametrize("seed", [3, 4])
def test_an_artifact_that_goes_on_for_twenty_seconds_ends_there_and_the_depth_is_relearnt(seed):
    b = Builder(RATE, seed=seed, depth=0.4).breathe(6, bpm=12).motion(25.0).breathe(8, bpm=12)
    events, det = run(b.build().samples(), rate=RATE, config=DetectorConfig(polarity="normal"))
    # the strap moved: the artefact ends at 20 s however long the movement goes on, and no other begins while the
    # depth is relearnt from the breathing after it
    assert [e.name for e in events if e.name != "breath"] == ["artifact_start", "artifact_end"]
    start, end = named(events, "artifact_start")[0].t, named(events, "artifact_end")[0].t
    assert end - start == detector.ARTIFACT_RESCALE_SECONDS
    assert det.status.depth == pytest.approx(0.4, rel=0.25)  # learnt again from the breaths after it
