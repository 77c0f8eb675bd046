"""Patterns, the lung-volume curve and paced sessions: timing at phase boundaries, ramps, limits."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from breathcue import config as configmod
from breathcue.core.pacing import (
    PRESETS,
    TOP_UP_SHARE,
    PacedSession,
    Pattern,
    PatternError,
    Ramp,
    ease,
    pattern_by_name,
    pattern_names,
)


def test_presets_are_the_documented_patterns():
    assert PRESETS["resonance"] == Pattern(4, 0, 6, 0) and PRESETS["resonance"].bpm == 6.0
    assert PRESETS["coherent"] == Pattern(5.5, 0, 5.5, 0)
    assert PRESETS["box"] == Pattern(4, 4, 4, 4) and PRESETS["box"].period == 16.0
    assert PRESETS["4-7-8"] == Pattern(4, 7, 8, 0) and PRESETS["4-7-8"].period == 19.0
    sigh = PRESETS["cyclic-sigh"]
    assert (sigh.inhale - sigh.top_up, sigh.top_up, sigh.exhale) == (2.0, 1.0, 6.0)


@pytest.mark.parametrize(
    "t, phase, progress, vol, cycle",
    [
        (0.0, "inhale", 0.0, 0.0, 0),
        (2.0, "inhale", 0.5, 0.5, 0),
        (3.999, "inhale", 3.999 / 4, None, 0),
        (4.0, "hold_in", 0.0, 1.0, 0),
        (7.999, "hold_in", 7.999 / 4 - 1, 1.0, 0),
        (8.0, "exhale", 0.0, 1.0, 0),
        (10.0, "exhale", 0.5, 0.5, 0),
        (12.0, "hold_out", 0.0, 0.0, 0),
        (15.999, "hold_out", None, 0.0, 0),
        (16.0, "inhale", 0.0, 0.0, 1),
        (16.0 * 7 + 4.0, "hold_in", 0.0, 1.0, 7),
    ],
)
def test_box_timing_at_phase_boundaries(t, phase, progress, vol, cycle):
    g = PacedSession(PRESETS["box"]).guide(t)
    assert (g.phase, g.cycle) == (phase, cycle)
    assert g.bpm == 60.0 / 16.0 and g.phase_seconds == 4.0
    if progress is not None:
        assert g.progress == pytest.approx(progress, abs=1e-9)
    if vol is not None:
        assert g.volume == pytest.approx(vol, abs=1e-9)


def test_previous_phase_skips_empty_phases():
    s = PacedSession(PRESETS["resonance"])
    assert s.guide(0.0).previous == "exhale"  # no hold_out: the exhale came before
    assert s.guide(5.0).previous == "inhale"
    assert PacedSession(PRESETS["box"]).guide(0.5).previous == "hold_out"


@pytest.mark.parametrize("name", sorted(PRESETS))
def test_volume_is_smooth_with_no_kinks(name):
    """No jumps anywhere, and zero slope at every phase boundary (no visible kink)."""
    s = PacedSession(PRESETS[name])
    dt = 0.001
    vols = [s.guide(i * dt).volume for i in range(int(2 * PRESETS[name].period / dt))]
    assert all(0.0 <= v <= 1.0 for v in vols)
    steps = [abs(b - a) for a, b in zip(vols, vols[1:])]
    assert max(steps) < 2.5 * math.pi / 2 * dt / 1.0  # the steepest eased phase here lasts >= 1 s
    t = 0.0
    for phase in ("inhale", "hold_in", "exhale", "hold_out"):
        t += getattr(PRESETS[name], phase)
        before, after = s.guide(t - 1e-4).volume, s.guide(t + 1e-4).volume
        assert abs(after - before) < 1e-6  # slope ~0: a change of ~pi^2/4*(1e-4)^2


def test_cyclic_sigh_has_a_two_step_inhale():
    s = PacedSession(PRESETS["cyclic-sigh"])
    assert s.guide(2.0).volume == pytest.approx(1.0 - TOP_UP_SHARE)  # the first breath in
    assert s.guide(1.0).volume == pytest.approx((1.0 - TOP_UP_SHARE) / 2)
    assert s.guide(2.5).volume == pytest.approx(1.0 - TOP_UP_SHARE / 2)  # halfway through the sip
    assert s.guide(3.0).volume == pytest.approx(1.0) and s.guide(3.0).phase == "exhale"
    inhale = [s.guide(i / 100).volume for i in range(300)]
    assert all(b >= a for a, b in zip(inhale, inhale[1:]))
    # the pause between the two steps: the slope vanishes at 2 s
    assert s.guide(2.0 + 1e-4).volume - s.guide(2.0 - 1e-4).volume < 1e-6
    assert {s.guide(t).phase for t in (0.5, 2.5)} == {"inhale"}


def test_ramp_first_cycle_last_cycle_and_ratios():
    s = PacedSession(PRESETS["resonance"], minutes=9, ramp=Ramp(11, 6, 8))
    starts = [0.0]
    while starts[-1] < s.duration - 1e-9:
        g = s.guide(starts[-1])
        starts.append(starts[-1] + 60.0 / g.bpm)
    lengths = [b - a for a, b in zip(starts, starts[1:])]
    assert lengths[0] == pytest.approx(60 / 11)
    assert lengths[-1] == pytest.approx(10.0)
    assert all(b >= a - 1e-12 for a, b in zip(lengths, lengths[1:]))  # slowing all the way
    assert starts[-1] == pytest.approx(s.duration)  # ends on a whole breath
    assert abs(s.duration - 540.0) <= 5.0  # the nearest boundary to 9 minutes
    for start, length in zip(starts, lengths):  # the pattern's 4:6 proportions in every cycle
        g = s.guide(start + 0.4 * length - 1e-6)
        assert g.phase == "inhale" and g.phase_seconds == pytest.approx(0.4 * length)
        assert s.guide(start + 0.4 * length + 1e-6).phase == "exhale"
    # each cycle's rate is the ramp's rate when it begins
    for start, length in zip(starts, lengths):
        assert 60.0 / length == pytest.approx(max(6.0, 11.0 - 5.0 * start / 480.0))


def test_ramp_up_and_endless_after_ramp():
    s = PacedSession(PRESETS["box"], ramp=Ramp(3, 6, 1))
    assert s.duration is None
    assert s.guide(0.0).bpm == pytest.approx(3.0)
    assert s.guide(3600.0).bpm == pytest.approx(6.0)
    assert s.guide(3600.0).phase_seconds == pytest.approx(2.5)  # 10 s cycles of four equal phases


def test_timed_session_ends_on_the_nearest_cycle_boundary_and_rests_empty():
    assert PacedSession(PRESETS["resonance"], minutes=1).duration == 60.0
    assert PacedSession(PRESETS["box"], minutes=1).duration == 64.0  # 3.75 cycles -> 4
    assert PacedSession(PRESETS["box"], minutes=0.55).duration == 32.0  # 2.06 cycles -> 2
    assert PacedSession(PRESETS["4-7-8"], minutes=0.05).duration == 19.0  # at least one breath
    s = PacedSession(PRESETS["box"], minutes=1)
    for t in (64.0, 65.0, 1e6):
        g = s.guide(t)
        assert g.volume == 0.0 and g.cycle == 4
    assert s.guide(-5.0) == s.guide(0.0)


def test_pattern_at_rate_and_with_rate():
    p = Pattern.at_rate(6.0)
    assert (p.inhale, p.exhale, p.period) == pytest.approx((4.0, 6.0, 10.0))
    fast = PRESETS["4-7-8"].with_rate(6.0)
    assert fast.period == pytest.approx(10.0)
    assert fast.hold_in / fast.inhale == pytest.approx(7 / 4)
    sigh = PRESETS["cyclic-sigh"].with_rate(10.0)
    assert sigh.top_up / sigh.inhale == pytest.approx(1 / 3)
    assert PacedSession(PRESETS["resonance"]).guide(4.0).volume == 1.0


@pytest.mark.parametrize(
    "make, words",
    [
        (lambda: Pattern(0.5, 0, 0.5, 0), "60 breaths"),  # 1 s cycles: too fast
        (lambda: Pattern(20, 0, 20, 0), "1.5 breaths"),  # 40 s: too slow
        (lambda: Pattern(0, 0, 4, 0), "inhale and an exhale"),
        (lambda: Pattern(4, -1, 4, 0), "hold_in"),
        (lambda: Pattern(4, 0, 4, 0, top_up=4), "top_up"),
        (lambda: Pattern(float("nan"), 0, 4, 0), "inhale"),
        (lambda: Ramp(11, 1, 8), "ramp's end"),
        (lambda: Ramp(40, 6, 8), "ramp's start"),
        (lambda: Ramp(11, 6, 0), "minutes"),
        (lambda: PacedSession(PRESETS["box"], minutes=0), "minutes"),
    ],
)
def test_out_of_range_is_refused_with_a_reason(make, words):
    with pytest.raises(PatternError, match=words):
        make()


def test_limits_are_2_to_30_breaths_a_minute():
    assert Pattern(1.0, 0, 1.0, 0).bpm == 30.0
    assert Pattern(15.0, 0, 15.0, 0).bpm == 2.0


def test_pattern_by_name_presets_user_patterns_and_unknown():
    cfg = configmod.parse_text(
        """
        [patterns.calm]
        inhale = 4
        exhale = 8
        [patterns.box]
        inhale = 3
        hold_in = 3
        exhale = 3
        hold_out = 3
        """
    )
    assert pattern_by_name("calm", cfg.patterns) == Pattern(4.0, 0.0, 8.0, 0.0)
    assert pattern_by_name("box", cfg.patterns).period == 12.0  # a user pattern replaces the preset
    assert pattern_by_name("box").period == 16.0
    assert pattern_names(cfg.patterns) == ["resonance", "coherent", "box", "4-7-8", "cyclic-sigh", "calm"]
    with pytest.raises(PatternError, match="unknown pattern 'slow'.*resonance.*calm"):
        pattern_by_name("slow", cfg.patterns)


@pytest.mark.parametrize(
    "toml, message",
    [
        ("[patterns.slow]\ninhale = 20\nexhale = 15", "patterns.slow.inhale + hold_in + exhale + hold_out = 35 s: expected a cycle of 2 to 30 s"),
        ("[patterns.quick]\ninhale = 0.5\nexhale = 1", "patterns.quick.inhale + hold_in + exhale + hold_out = 1.5 s"),
        ("[patterns.x]\ninhale = 0.1", "patterns.x.inhale = 0.1: expected a number from 0.5 to 30"),
        ("[patterns.x]\nhold_in = -1", "patterns.x.hold_in = -1"),
        ("[patterns.x]\ninhale = 2\ntop_up = 2", "patterns.x.top_up = 2: expected less than inhale (2)"),
        ("[patterns.x]\nexhail = 2", "patterns.x.exhail: unknown key; did you mean 'exhale'?"),
        ('[pacing]\nstyle = "spin"', "pacing.style"),
        ('[pacing]\nexhale_colour = "teal"', 'pacing.exhale_colour = "teal": expected a colour "#rrggbb"'),
        ('[ring]\nbackend = "pwm"', 'ring.pin = 10: expected 12, 18 or 21 with backend = "pwm"'),
        ("[ring]\npin = 18", 'ring.pin = 18: expected 10 with backend = "spi"'),
        ('[ring]\ncurve = "srgb"', "ring.curve"),
        ("[ring]\nfloor = 0.9", "ring.floor = 0.9: expected a number from 0 to 0.5"),
    ],
)
def test_config_errors_name_the_key(toml, message):
    with pytest.raises(configmod.ConfigError) as info:
        configmod.parse_text(toml)
    assert any(message in e for e in info.value.errors), info.value.errors


@settings(max_examples=200, deadline=None)
@given(
    phases=st.tuples(
        st.floats(0.5, 8), st.floats(0, 8), st.floats(0.5, 8), st.floats(0, 5)
    ).filter(lambda p: 2.0 <= sum(p) <= 30.0),
    t=st.floats(0, 3600),
    minutes=st.one_of(st.none(), st.floats(0.5, 30)),
)
def test_guide_is_always_consistent(phases, t, minutes):
    s = PacedSession(Pattern(*phases), minutes)
    g = s.guide(t)
    assert 0.0 <= g.volume <= 1.0 and 0.0 <= g.progress <= 1.0
    assert getattr(s.pattern, g.phase) > 0.0 and g.phase_seconds == pytest.approx(getattr(s.pattern, g.phase))
    # lungs fill through the inhale and empty through the exhale, with the cosine easing of the light
    expected = {"inhale": ease(g.progress), "hold_in": 1.0, "exhale": 1.0 - ease(g.progress), "hold_out": 0.0}[g.phase]
    assert g.volume == pytest.approx(expected, abs=1e-9)
    if s.duration is not None:
        assert s.duration / s.pattern.period == pytest.approx(round(s.duration / s.pattern.period))
