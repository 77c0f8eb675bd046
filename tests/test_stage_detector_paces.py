"""Where breathing stopped, judged by pace: the person's own quick and slow ways, a sag, a short half breath.

docs/detection.md, "Holds": a last half breath smaller than the one before
it is a sag (breathing stopped at the top) unless it came at 60 % or more
of the person's usual pace that way, where that way is not their slow one;
one as small as a sag at a pace a breath's half could have (a stretch
cord's exhale is as slow as a sag) could be either, and the hold is placed
half way between the two arrivals.  Short synthetic signals, a fraction of
a second each (the mutation run affords them for every mutant of
core/detector.py; docs/testing.md, "Detector stages").
"""

from __future__ import annotations

import pytest

from breathcue.config import DetectorConfig

from .test_stage_detector import named, run, samples_of, shaped
from .validation.synth import Builder

RATE = 25.0


def others(events) -> list[str]:
    return [e.name for e in events if e.name != "breath"]


def then_breathing(values: list[float], seed: int = 5, sign: float = 1.0, belt: str = "cord") -> list[float]:
    """``values``, then four breaths from where they end (a breath's volume starts at 0, the Builder's level 2.0)."""
    return values + [sign * (v - 2.0) + values[-1] for v in Builder(RATE, seed=seed, depth=0.4).breathe(4, belt=belt).values]


@pytest.mark.parametrize(("seed", "seconds"), [(4, 2.2), (6, 2.2), (4, 2.8), (4, 1.6)])
@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("polarity", ["given", "auto"])
def test_a_cords_short_exhale_at_its_own_slow_pace_could_be_a_sag_or_a_breath_so_the_hold_starts_half_way(polarity, sign, seed, seconds):
    # a stretch cord: in over 2 s, out over 3 s, so its exhale is its slow way (a fall, or inverted a rise)
    b = Builder(RATE, seed=seed, depth=0.4, sign=sign).breathe(6, bpm=12, end_inhaled=True)
    # out by three quarters of a depth in 1.6-2.8 s: from about its inhale's pace to two thirds of its usual exhale's
    # (never under half of that, as a sag is), then held
    values, ends = shaped(b.values, [(-0.3 * sign, seconds), (0.005 * sign, 14.0)])
    given = "normal" if sign > 0 else "inverted"
    config = DetectorConfig(polarity=given if polarity == "given" else "auto")
    events, _ = run(samples_of(then_breathing(values, sign=sign)), config=config)
    assert others(events) == ["hold_start", "hold_end"]
    top, bottom = b.t, ends[0]
    # as small as a sag, as quick as the cord's exhale: either, so half way, off by at most half the swing either way
    assert abs(named(events, "hold_start")[0].get("start") - 0.5 * (top + bottom)) <= 0.6


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_before_the_polarity_is_known_half_an_inhale_at_a_cords_quick_pace_after_a_pause_moves_the_hold_start(seed):
    # a cold start on a stretch cord: quick inhales, slower exhales; three breaths, too few to tell the polarity
    b = Builder(RATE, seed=seed, depth=0.4).breathe(3, bpm=12)
    # a pause at the bottom, then up by half a depth at the pace of an inhale, held there
    values, ends = shaped(b.values, [(0.0, 2.5), (0.2, 0.8), (0.0, 14.0), (-0.2, 1.0)])
    events, _ = run(samples_of(then_breathing(values)))
    assert others(events) == ["hold_start", "hold_end"]
    stopped = ends[1]
    assert stopped - 0.6 <= named(events, "hold_start")[0].get("start") <= stopped + 0.3  # not at the pause before it


@pytest.mark.parametrize("polarity", ["normal", "auto"])
@pytest.mark.parametrize("seed", [4, 5])
def test_on_a_cold_start_three_breaths_are_enough_to_tell_a_full_chests_sag_from_an_exhale_by_its_pace(seed, polarity):
    b = Builder(RATE, seed=seed, depth=0.4).breathe(3, bpm=12, end_inhaled=True)  # two exhales measured so far
    top = b.t
    # the full chest sags by nine tenths of a depth over 6 s, at under half the pace of those exhales, and is held
    values, ends = shaped(b.values, [(-0.36, 6.0), (-0.005, 10.0)])
    events, _ = run(samples_of(then_breathing(values)), config=DetectorConfig(polarity=polarity))
    assert others(events) == ["hold_start", "hold_end"]
    assert top - 0.6 <= named(events, "hold_start")[0].get("start") <= top + 0.3  # not at the bottom of the sag, 6 s later


@pytest.mark.parametrize("bpm", [6, 7])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_person_who_slows_down_is_judged_on_their_pace_of_late_a_slow_full_exhale_into_a_hold_is_a_half_breath(sign, bpm):
    # 16 breaths a minute, then slow, deep breathing (paced breathing): exhales of 5 s where they took 2 s
    b = Builder(RATE, seed=4, depth=0.4, sign=sign).breathe(8, bpm=16).breathe(4, bpm=bpm, end_inhaled=True)
    values, ends = shaped(b.values, [(-0.38 * sign, 5.0), (0.005 * sign, 14.0)])  # one more such exhale, held empty
    values += [sign * (v - 2.0) + values[-1] for v in Builder(RATE, seed=5, depth=0.4).breathe(4, bpm=bpm).values]
    events, _ = run(samples_of(values), config=DetectorConfig(polarity="normal" if sign > 0 else "inverted"))
    assert others(events) == ["hold_start", "hold_end"]
    bottom = ends[0]
    # at under half the pace of the quick breaths long gone, but the pace of the last four: breath, not a sag
    assert bottom - 1.5 <= named(events, "hold_start")[0].get("start") <= bottom + 0.3
