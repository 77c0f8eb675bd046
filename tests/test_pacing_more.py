"""Breathing patterns and paced sessions (core/pacing.py): what tests/test_pacing.py left open.

The refusals' exact words (the CLI and the config print them), a user's
pattern keeping its top-up sip, scaling a pattern with holds, the guide's
volume inside a top-up, a ramp's rate once it is over, and the cycles
counted within a ramped session and in its first second.  Found by `make
mutate` (docs/testing.md).
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from breathcue.core.pacing import PacedSession, Pattern, PatternError, Ramp, pattern_by_name


@pytest.mark.parametrize(
    "make, message",
    [
        (lambda: Pattern(4.0, 0.0, 0.0), "a pattern needs an inhale and an exhale longer than 0 s"),
        (lambda: Pattern(0.5, 0.0, 1.0), "a cycle of 1.5 s is 40 breaths a minute: expected 2 to 30"),
        (lambda: Ramp(40.0, 6.0, 5.0), "the ramp's start is 40 breaths a minute: expected 2 to 30"),
        (lambda: Ramp(6.0, 1.0, 5.0), "the ramp's end is 1 breaths a minute: expected 2 to 30"),
        (lambda: pattern_by_name("slow"), "unknown pattern 'slow': expected one of resonance, coherent, box, 4-7-8, cyclic-sigh"),
    ],
)
def test_a_pattern_that_cannot_be_used_says_why_in_one_line(make, message):
    with pytest.raises(PatternError) as info:
        make()
    assert str(info.value) == message


def test_a_users_pattern_keeps_its_top_up_sip():
    mine = SimpleNamespace(inhale=3.0, hold_in=0.0, exhale=6.0, hold_out=0.0, top_up=0.8)
    assert pattern_by_name("sigh", {"sigh": mine}) == Pattern(3.0, 0.0, 6.0, 0.0, top_up=0.8)


def test_scaling_a_pattern_scales_every_phase_its_holds_too():
    assert Pattern(4.0, 4.0, 4.0, 4.0).with_rate(7.5) == Pattern(2.0, 2.0, 2.0, 2.0)
    assert Pattern(4.0, 0.0, 4.0, 2.0, top_up=1.0).with_rate(3.0) == Pattern(8.0, 0.0, 8.0, 4.0, top_up=2.0)


def test_the_top_up_sip_fills_the_last_quarter_of_the_lungs_over_its_own_length():
    sigh = Pattern(3.0, 0.0, 6.0, top_up=0.8)  # the first 2.2 s of the inhale to 75 %, the sip of 0.8 s to full
    assert sigh.volume("inhale", 2.2 / 3.0) == pytest.approx(0.75)
    assert sigh.volume("inhale", 2.6 / 3.0) == pytest.approx(0.875)  # half way through the sip
    assert sigh.volume("inhale", 1.0) == pytest.approx(1.0)


def test_a_ramp_rests_at_its_end_rate_once_it_is_over():
    ramp = Ramp(12.0, 6.0, 1.0)
    assert ramp.bpm_at(30.0) == pytest.approx(9.0)
    assert ramp.bpm_at(60.0) == ramp.bpm_at(90.0) == ramp.bpm_at(600.0) == 6.0


def test_cycles_count_the_share_of_the_breath_under_way():
    steady = PacedSession(Pattern(4.0, 0.0, 6.0))
    assert steady.cycles(0.5) == pytest.approx(0.05)
    ramped = PacedSession(Pattern(4.0, 0.0, 6.0), ramp=Ramp(12.0, 6.0, 1.0))
    # the first breath lasts 60/12 = 5 s; the second begins at 5 s at the rate then, 11.5 a minute
    assert ramped.period(7.5) == pytest.approx(60.0 / 11.5)
    assert ramped.cycles(7.5) == pytest.approx(1.0 + 2.5 / (60.0 / 11.5))
