"""Where breathing stopped, and what ends a stop: the detector's reading of the last half breath before a hold.

docs/detection.md, "Holds": a whole last half breath stops where it
arrived; one much smaller than the half breath before it is a full chest
sagging, so breathing stopped at the top; a half breath that goes on moves
the start to where it stops; a full chest's peak stays at the hold's start
whatever the held chest drifts to.  And a loose strap's small breathing is
lost as "weak" from where it began.  Short synthetic signals, a fraction
of a second each (the mutation run affords them for every mutant of
core/detector.py; docs/testing.md, "Detector stages").
"""

from __future__ import annotations

import math

import pytest

from breathcue.config import DetectorConfig

from .test_stage_detector import named, near, run, samples_of, shaped
from .validation.synth import Builder

RATE = 25.0


def others(events) -> list[str]:
    return [e.name for e in events if e.name != "breath"]


def then_breathing(values: list[float], seed: int = 5) -> list[float]:
    """``values``, then four breaths from where they end (a breath's volume starts at 0, the Builder's level 2.0)."""
    return values + [v - 2.0 + values[-1] for v in Builder(RATE, seed=seed, depth=0.4).breathe(4).values]


@pytest.mark.parametrize("polarity", ["normal", "auto"])
def test_a_last_breath_shallower_than_the_rest_still_holds_from_the_bottom_of_its_exhale(polarity):
    b = Builder(RATE, seed=4, depth=0.4).breathe(5, bpm=12).breathe(1, bpm=12, depth=0.3)  # the last at three quarters
    bottom = b.t
    values = then_breathing(b.hold(14, sag=0.05).values)
    events, _ = run(samples_of(values), config=DetectorConfig(polarity=polarity))
    assert others(events) == ["hold_start", "hold_end"]
    # a whole half breath, though smaller than the typical one: not a sag from the top before it
    assert bottom - 0.6 <= named(events, "hold_start")[0].get("start") <= bottom + 0.3


def test_a_deep_breath_half_let_out_and_held_holds_from_where_the_exhale_stopped():
    breaths = Builder(RATE, seed=4, depth=0.4).breathe(6, bpm=12).values
    # a sigh of twice the depth, then out by a whole depth only, and held there
    values, ends = shaped(breaths, [(0.8, 1.6), (-0.4, 1.6), (-0.005, 14.0), (-0.4, 2.0)])
    events, _ = run(samples_of(then_breathing(values)), config=DetectorConfig(polarity="normal"))
    assert others(events) == ["hold_start", "hold_end"]
    stopped = ends[1]
    # an exhale of a whole depth is a half breath, however much smaller than the sigh before it
    assert stopped - 0.6 <= named(events, "hold_start")[0].get("start") <= stopped + 0.3


@pytest.mark.parametrize("polarity", ["normal", "auto"])
def test_a_pause_on_the_way_down_is_no_hold_start_the_hold_starts_at_the_bottom(polarity):
    b = Builder(RATE, seed=4, depth=0.4).breathe(5, bpm=12, end_inhaled=True)
    # out half way, a pause, the rest of the way out, and held empty
    values, ends = shaped(b.values, [(-0.2, 1.2), (0.0, 3.0), (-0.2, 1.2), (0.005, 14.0)])
    events, _ = run(samples_of(then_breathing(values)), config=DetectorConfig(polarity=polarity))
    assert others(events) == ["hold_start", "hold_end"]
    bottom = ends[2]
    assert bottom - 0.6 <= named(events, "hold_start")[0].get("start") <= bottom + 0.3  # not at the pause, 4.2 s before


@pytest.mark.parametrize("polarity", ["normal", "auto"])
def test_a_held_full_chest_drifting_up_past_its_top_keeps_the_breaths_peak_at_the_holds_start(polarity):
    b = Builder(RATE, seed=4, depth=0.4).breathe(6, bpm=12, end_inhaled=True)
    top = b.t
    # held 12 s, then the full chest drifts up by a fifth of a depth (past its top), held, then breathes out
    values, ends = shaped(b.values, [(0.0, 12.0), (0.08, 3.0), (0.0, 1.0), (-0.48, 2.0)])
    events, _ = run(samples_of(then_breathing(values)), config=DetectorConfig(polarity=polarity))
    assert others(events) == ["hold_start", "hold_end"]
    hold_start = named(events, "hold_start")[0]
    assert abs(hold_start.get("start") - top) <= 0.6
    topping = [e for e in named(events, "breath") if e.get("onset") < hold_start.get("start") < e.get("end")]
    assert len(topping) == 1 and topping[0].get("peak") <= hold_start.get("start")  # not where the drift topped out


@pytest.mark.parametrize("seed", [3, 22])
def test_a_loose_strap_is_lost_as_weak_thirty_seconds_after_its_small_breathing_began_and_from_then(seed):
    b = Builder(RATE, seed=seed, depth=0.4).breathe(6, bpm=12)
    began = b.t
    sig = b.breathe(14, bpm=12, depth=0.06).build()  # the strap slips: breathing goes on at 15 % of its depth
    events, det = run(sig.samples())
    assert others(events) == ["signal_lost"] and det.status.state == "signal_lost"
    (lost,) = named(events, "signal_lost")
    assert lost.get("reason") == "weak"
    assert abs(lost.get("start") - began) <= 1.0  # where breathing of breath size stopped
    assert lost.t == pytest.approx(lost.get("start") + 30.0, abs=0.05)


@pytest.mark.parametrize("polarity", ["normal", "auto"])
def test_a_breath_whose_exhale_was_shaken_is_not_counted_nor_any_interval_across_it(polarity):
    b = Builder(RATE, seed=8, depth=0.4).breathe(5, bpm=12)
    shaken_from = int(b.peaks[-1] * RATE) + 5
    shaken_to = shaken_from + int(2.3 * RATE)  # the fifth breath's exhale (3 s), not the next inhale
    values = list(b.breathe(4, bpm=12).values)
    for i in range(shaken_from, shaken_to):  # someone swaying at walking pace while breathing out
        values[i] += 0.2 * math.sin(2 * math.pi * 1.7 * (i - shaken_from) / RATE)
    events, _ = run(samples_of(values), config=DetectorConfig(polarity=polarity))
    assert others(events) == []
    breaths = named(events, "breath")
    peaks = [e.get("peak") for e in breaths]
    shaken = b.peaks[4]
    assert not [p for p in peaks if abs(p - shaken) <= 1.0]  # a shaken half breath is no half of a breath
    assert len([p for p in peaks if abs(p - shaken) > 1.0]) == 8
    after = next(e for e in breaths if e.get("peak") > shaken)
    assert after.get("inst_rate_bpm") is None  # no breathing interval spans it


@pytest.mark.parametrize("polarity", ["normal", "auto"])
def test_a_full_chest_sagging_almost_a_whole_depth_at_a_sags_pace_holds_from_the_top(polarity):
    b = Builder(RATE, seed=4, depth=0.4).breathe(6, bpm=12, end_inhaled=True)
    top = b.t
    # a sag of nine tenths of a depth over 6 s: a cord's exhale takes 3 s, so it came at under half the pace
    values, ends = shaped(b.values, [(-0.36, 6.0), (-0.005, 10.0)])
    events, _ = run(samples_of(then_breathing(values)), config=DetectorConfig(polarity=polarity))
    assert others(events) == ["hold_start", "hold_end"]
    hold_start, hold_end = named(events, "hold_start")[0], named(events, "hold_end")[0]
    assert top - 0.6 <= hold_start.get("start") <= top + 0.3  # not at the bottom of the sag, 6 s later
    assert abs(hold_end.get("end") - ends[1]) <= 1.0


@pytest.mark.parametrize("seed", [1, 2, 3])
@pytest.mark.parametrize("kind", ["half an inhale", "a slow creep"])
def test_before_the_polarity_is_known_half_an_inhale_after_a_pause_moves_the_hold_start_a_creep_does_not(kind, seed):
    # a cold start on a force belt: three breaths, each with a pause at the bottom, too few to tell the polarity
    b = Builder(RATE, seed=seed, depth=0.4).breathe(3, bpm=12, belt="force")
    paused = b.t
    back = (0.2, 0.8) if kind == "half an inhale" else (0.12, 1.5)  # at a breath's pace, or at under half of it
    values, ends = shaped(b.values, [(0.0, 1.0), back, (0.0, 14.0), (-back[0], 1.0)])
    values += [v - 2.0 + values[-1] for v in Builder(RATE, seed=5, depth=0.4).breathe(4, belt="force").values]
    events, det = run(samples_of(values))
    assert others(events) == ["hold_start", "hold_end"]
    start = named(events, "hold_start")[0].get("start")
    if kind == "half an inhale":
        assert ends[1] - 0.6 <= start <= ends[1] + 0.3  # held where the inhale stopped, not at the pause before it
    else:
        assert paused - 3.0 <= start <= paused  # a sag's pace is no breathing: held from the pause


@pytest.mark.parametrize("seed", [1, 2])
def test_before_the_polarity_is_known_a_rise_is_judged_against_the_persons_rises_not_falls(seed):
    # a cold start on a stretch cord: quick inhales, slower exhales; three breaths, too few to tell the polarity
    b = Builder(RATE, seed=seed, depth=0.4).breathe(3, bpm=12)
    paused = b.t
    # back up by 0.3 of a depth at about the pace of an exhale: under half the pace of an inhale, a creep
    values, ends = shaped(b.values, [(0.0, 1.0), (0.12, 1.3), (0.0, 14.0), (-0.12, 1.0)])
    values += [v - 2.0 + values[-1] for v in Builder(RATE, seed=5, depth=0.4).breathe(4).values]
    events, _ = run(samples_of(values))
    assert others(events) == ["hold_start", "hold_end"]
    assert paused - 1.0 <= named(events, "hold_start")[0].get("start") <= paused  # held from the end of the exhale


@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("polarity", ["given", "auto"])
def test_a_slower_exhale_than_usual_from_a_full_chest_is_a_half_breath_not_a_sag(polarity, sign):
    b = Builder(RATE, seed=4, depth=0.4, sign=sign).breathe(6, bpm=12, end_inhaled=True)
    # nine tenths of a depth out in 3.4 s, where a breath out takes 3 s (and in, 2 s): slower, but well over
    # half the pace of a breath out, the way it went (a sag would be under half of it)
    values, ends = shaped(b.values, [(-0.36 * sign, 3.4), (0.005 * sign, 12.0)])
    values += [sign * (v - 2.0) + values[-1] for v in Builder(RATE, seed=5, depth=0.4).breathe(4).values]
    given = "normal" if sign > 0 else "inverted"
    events, _ = run(samples_of(values), config=DetectorConfig(polarity=given if polarity == "given" else "auto"))
    assert others(events) == ["hold_start", "hold_end"]
    bottom = ends[0]
    assert bottom - 0.6 <= named(events, "hold_start")[0].get("start") <= bottom + 0.3  # held empty, not from the top


@pytest.mark.parametrize("seed", [3, 22])
def test_breathing_of_breath_size_after_a_short_loose_spell_is_counted_again_and_holds_are_seen(seed):
    # 15 s of breathing at 15 % of its depth (a strap slipping), shorter than the 30 s that make it "weak"
    b = Builder(RATE, seed=seed, depth=0.4).breathe(6, bpm=12).breathe(3, bpm=12, depth=0.06).breathe(4, bpm=12)
    sig = b.hold(14).breathe(4, bpm=12).build()
    (start, _), = sig.holds
    events, _ = run(sig.samples())
    assert others(events) == ["hold_start", "hold_end"]
    assert abs(named(events, "hold_start")[0].get("start") - start) <= 1.0
    full = sig.peaks[:6] + sig.peaks[9:]  # the breaths of breath size, before and after the loose spell
    peaks = [e.get("peak") for e in named(events, "breath")]
    assert near(peaks, full, 0.5) == len(peaks) == len(full)
