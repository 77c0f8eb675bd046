"""Progressive relaxation (core/relaxation.py): how far through each phase, the paced breaths, the rounds that fit.

``Step.progress`` is what the status turns into the seconds left in a
phase (``phase_left``: "hold 2 s"); ``cycles`` counts the guide's paced
breaths for the adherence score within a round as well as at its edges;
``for_minutes`` fits the rounds to the time.  Found by `make mutate`
(docs/testing.md): tests/test_sessions.py checked the phases, the volume and
the rounds' edges only.
"""

from __future__ import annotations

import pytest

from breathcue.core.relaxation import PHASE_SECONDS, ROUND_SECONDS, Relaxation

PLAN = Relaxation.for_minutes(8)  # twelve rounds of 5 s tense, 5 s hold, 9 s release, 20 s calm


@pytest.mark.parametrize("round_", [0, 1, 11])
def test_progress_through_each_phase_gives_the_seconds_left_in_it(round_):
    start = round_ * ROUND_SECONDS
    for into, phase, left in [(2.0, "tense", 3.0), (7.5, "hold", 2.5), (14.5, "release", 4.5), (24.0, "calm", 15.0)]:
        step = PLAN.at(start + into)
        assert (step.round, step.phase) == (round_, phase)
        assert (1.0 - step.progress) * PHASE_SECONDS[phase] == pytest.approx(left)  # as the status shows it


def test_the_last_second_and_past_the_end_read_as_the_end_of_the_last_calm_phase():
    assert PLAN.at(PLAN.duration - 0.5).progress == pytest.approx(19.5 / 20.0)
    end = PLAN.at(PLAN.duration + 50.0)
    assert (end.round, end.phase) == (11, "calm") and end.progress == pytest.approx(1.0)


def test_the_guide_counts_fractions_of_its_paced_breaths_within_a_round():
    # each round: one long breath over tense, hold and release (19 s), then two calm ones of 10 s
    assert PLAN.cycles(9.5) == pytest.approx(0.5)
    assert PLAN.cycles(ROUND_SECONDS + 9.5) == pytest.approx(3.5)
    assert PLAN.cycles(ROUND_SECONDS + 24.0) == pytest.approx(4.5)
    assert PLAN.cycles(5 * ROUND_SECONDS + 34.0) == pytest.approx(17.5)


def test_as_many_rounds_as_fit_the_time():
    # a round is 39 s: 2.9 minutes (174 s) hold 4.46 rounds, 3 minutes 4.6
    assert len(Relaxation.for_minutes(2.9).groups) == 4
    assert len(Relaxation.for_minutes(3.0).groups) == 5
