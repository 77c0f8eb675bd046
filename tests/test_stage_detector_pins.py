"""Which breath a hold belongs to, and where the breaths around it begin and end.

docs/detection.md, "Holds": a hold at full inspiration is part of the
breath it tops; after a hold at end-expiration the next breath starts when
the hold ends.  However the hold ends (two breath-sized turns, a quick
return, or small regular breathing), the breaths reported around it keep
the contract of docs/formats.md: a breath's onset before its peak, its
inhale and exhale their real lengths.  Short synthetic signals, a fraction
of a second each (the mutation run affords them for every mutant of
core/detector.py; docs/testing.md, "Detector stages").
"""

from __future__ import annotations

import math
import random

import pytest

from breathcue.config import DetectorConfig

from .test_stage_detector import named, run, samples_of, shaped
from .validation.synth import Builder

RATE = 25.0


def others(events) -> list[str]:
    return [e.name for e in events if e.name != "breath"]


@pytest.mark.parametrize("polarity", ["normal", "auto", "undecided"])
def test_a_held_full_chest_that_goes_on_breathing_shallow_from_the_top_keeps_the_breath_it_tops_whole(polarity):
    if polarity == "undecided":  # breaths with no clear steepness or dwell: the polarity waits past the hold
        b = Builder(RATE, seed=4, depth=0.4, ripple=0.02, noise=0.01).breathe(6, bpm=12, inhale_share=0.48, end_inhaled=True)
    else:
        b = Builder(RATE, seed=4, depth=0.4).breathe(6, bpm=12, end_inhaled=True)
    top = b.t
    held = b.hold(12, sag=0.02).values[:-50]  # no release: breathing goes on from the full chest
    again = len(held) / RATE
    rng = random.Random(3)
    # a quarter of the depth, at the person's rate, down from the full chest: too small to turn at the hold's scale
    values = held + [held[-1] - 0.05 * (1 - math.cos(2 * math.pi * i / RATE / 5.0)) + rng.gauss(0, 0.001) for i in range(40 * 25)]
    events, _ = run(samples_of(values), config=DetectorConfig(polarity="auto" if polarity == "undecided" else polarity))
    assert others(events) == ["hold_start", "hold_end", "shallow_start"]  # breathing at a quarter of the depth is shallow
    hold_start, hold_end = named(events, "hold_start")[0], named(events, "hold_end")[0]
    assert abs(hold_start.get("start") - top) <= 0.6 and hold_end.t <= again + 25.0
    # the hold ended where the first of those small cycles turned, half a cycle in (2.5 s), not where they were counted
    assert abs(hold_end.get("end") - (again + 2.5)) <= 0.75
    topping = [e for e in named(events, "breath") if e.get("onset") < hold_start.get("start") < e.get("end")]
    assert len(topping) <= 1
    for breath in topping:  # its inhale is the one before the hold, 2 s long
        assert breath.get("inhale") == pytest.approx(2.0, abs=0.6)


def then_breathing(values: list[float], seed: int = 5, sign: float = 1.0) -> list[float]:
    """``values``, then four breaths from where they end (a breath's volume starts at 0, the Builder's level 2.0)."""
    return values + [sign * (v - 2.0) + values[-1] for v in Builder(RATE, seed=seed, depth=0.4).breathe(4).values]


def config_for(polarity: str, sign: float) -> DetectorConfig:
    """``given``: the strap's polarity as the config says it (normal for ``sign`` 1, inverted for -1); else ``auto``."""
    return DetectorConfig(polarity=("normal" if sign > 0 else "inverted") if polarity == "given" else "auto")


@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("polarity", ["given", "auto"])
def test_an_exhale_in_two_parts_held_at_its_bottom_ends_its_breath_at_the_hold_and_the_next_starts_where_it_ends(polarity, sign):
    b = Builder(RATE, seed=4, depth=0.4, sign=sign).breathe(5, bpm=12, end_inhaled=True)
    # out half way, a pause, the rest of the way out, and held empty
    pieces = [(-0.2, 1.2), (0.0, 3.0), (-0.2, 1.2), (0.005, 14.0)]
    values, ends = shaped(b.values, [(sign * change, seconds) for change, seconds in pieces])
    events, _ = run(samples_of(then_breathing(values, sign=sign)), config=config_for(polarity, sign))
    assert others(events) == ["hold_start", "hold_end"]
    hold_start, hold_end = named(events, "hold_start")[0], named(events, "hold_end")[0]
    bottom = ends[2]
    assert bottom - 0.6 <= hold_start.get("start") <= bottom + 0.3
    breaths = named(events, "breath")
    before = [e for e in breaths if e.get("peak") < hold_start.get("start")]
    after = [e for e in breaths if e.get("peak") > hold_end.get("end")]
    assert len(before) == 5 and len(after) == 4
    # the exhale in two parts is over at the hold: its breath is reported when the hold is declared...
    assert before[-1].t <= hold_start.t and before[-1].get("end") == pytest.approx(hold_start.get("start"), abs=0.6)
    assert after[0].get("onset") == pytest.approx(hold_end.get("end"), abs=0.1)  # ...and the next starts where it ends


@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("polarity", ["given", "auto"])
def test_a_hold_half_way_up_an_inhale_begun_after_a_pause_is_part_of_that_breath(polarity, sign):
    breaths = Builder(RATE, seed=4, depth=0.4, sign=sign).breathe(5, bpm=12).values
    # a pause at the bottom, half an inhale, held there, the rest of the inhale, and out
    pieces = [(0.0, 3.0), (0.2, 1.0), (0.0, 14.0), (0.2, 1.0), (-0.4, 2.0)]
    values, ends = shaped(breaths, [(sign * change, seconds) for change, seconds in pieces])
    events, _ = run(samples_of(then_breathing(values, sign=sign)), config=config_for(polarity, sign))
    assert others(events) == ["hold_start", "hold_end"]
    hold_start, hold_end = named(events, "hold_start")[0], named(events, "hold_end")[0]
    assert ends[1] - 0.6 <= hold_start.get("start") <= ends[1] + 0.3
    (holding,) = [e for e in named(events, "breath") if e.get("onset") < hold_start.get("start") < e.get("end")]
    # its inhale began before the pause ended and reached its top after the hold
    assert holding.get("onset") <= ends[0] + 0.3 and abs(holding.get("peak") - ends[3]) <= 0.6


@pytest.mark.parametrize("creep", [0.15, 0.2])
def test_before_the_polarity_is_known_the_breath_after_an_empty_chest_that_crept_back_a_third_starts_where_the_hold_ends(creep):
    # breaths too alike in their halves to tell the polarity by the time the hold is declared
    b = Builder(RATE, seed=4, depth=0.4, ripple=0.02, noise=0.01)
    breaths = b.breathe(5, bpm=12, inhale_share=0.48).values
    # an empty chest held, creeping back up by over a third of a depth (enough to turn), then breathing again
    values, ends = shaped(breaths, [(0.0, 1.0), (creep, 3.0), (0.0, 10.0), (0.4 - creep, 1.6), (-0.4, 2.4)])
    again = Builder(RATE, seed=5, depth=0.4, ripple=0.02, noise=0.01).breathe(4, inhale_share=0.48).values
    events, _ = run(samples_of(values + [v - 2.0 + values[-1] for v in again]))
    assert others(events) == ["hold_start", "hold_end"]
    hold_start, hold_end = named(events, "hold_start")[0], named(events, "hold_end")[0]
    assert abs(hold_start.get("start") - len(breaths) / RATE) <= 0.6  # the bottom, where the exhale arrived
    after = [e for e in named(events, "breath") if e.get("peak") > hold_end.get("end")]
    assert after and abs(after[0].get("onset") - hold_end.get("end")) <= 0.6  # not where the hold started
