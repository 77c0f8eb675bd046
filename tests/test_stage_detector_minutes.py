"""A few minutes of the validation's synthetic belt families, scored as the validation scores them.

tests/validation/scenarios.py builds them: a person on a stretch cord or a
force belt, from a cold start, 3-5 breaths before the first of one or two
holds of 12-19 s, a deeper and quicker recovery after each.  docs/detection.md,
"Validation": a breath is found when a detected peak lies within 1 s of the
true one, a hold when its start lies within 3 s of the true one; the polarity
must come out right.  The full validation replays hundreds of these and is far
too slow for the mutation run; each minute here takes a few hundredths of a
second (docs/testing.md, "Detector stages"); five minutes of the slow
breathing family (docs/detection.md, "Slow breathing") a tenth.  The
recordings are ones the detector gets right that a small change to it got
wrong.
"""

from __future__ import annotations

import pytest

from breathcue.config import DetectorConfig
from breathcue.core.types import Sample

from .test_stage_detector import named, run
from .validation import scenarios
from .validation.score import score

HOLD_SECONDS = DetectorConfig().hold_seconds


def scored(rec):
    samples = [Sample(i / rec.rate_hz, float(v)) for i, v in enumerate(rec.values)]
    events, det = run(samples, rate=rec.rate_hz)
    return score(events, rec.peaks, rec.holds, HOLD_SECONDS, 3.0), events, det


@pytest.mark.parametrize(("kind", "rate", "seed"), [("force", 25.0, 11), ("force", 10.0, 19), ("force", 10.0, 14)])
@pytest.mark.parametrize("invert", [False, True])
def test_a_minute_with_holds_is_scored_as_the_validation_scores_it(kind, rate, seed, invert):
    rec = scenarios.belt_minute(kind, rate, seed, invert=invert)
    s, events, det = scored(rec)
    assert s.holds_found == s.holds and s.false_holds == 0 and s.late_holds == 0
    assert s.breaths_in_holds == 0  # a held chest's wobbles and sags make no breath
    assert s.found >= s.labelled - 1 and s.detected - s.found <= 1
    assert det.polarity == ("inverted" if invert else "normal")
    assert [e.name for e in events if e.name not in ("breath", "hold_start", "hold_end")] == []
    assert len(named(events, "hold_end")) == s.holds


@pytest.mark.parametrize(("rate", "seed"), [(10.0, 2), (10.0, 7), (10.0, 14), (10.0, 34), (25.0, 2), (25.0, 7), (25.0, 34)])
def test_five_minutes_of_slow_breathing_have_no_hold_and_every_breath(rate, seed):
    # docs/detection.md, "Slow breathing": 4.5-7 breaths a minute (seed 7 slows to it from 10-16), whose exhales move the
    # chest less in two seconds than the stillness bar: a would-be hold there must outlast the person's breathing period
    rec = scenarios.slow_breather(rate, seed, (seed // 2) % 2 == 1)
    s, events, _ = scored(rec)
    assert s.false_holds == 0 and named(events, "hold_start") == []
    assert s.found == s.labelled and s.detected == s.found
