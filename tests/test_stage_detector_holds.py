"""The detector's holds as the user sees them: where a hold starts, which breath it belongs to, what a held chest says.

Short synthetic signals (tests/validation/synth.py, hw/held_chest.py), a
fraction of a second each, so the mutation run can afford them for every
mutant of core/detector.py (docs/testing.md, "Detector stages").  What they
check is what docs/detection.md promises about holds: a hold at full
inspiration is part of the breath it tops, whose peak is pinned to the
hold's start; a held full chest that sags says which end is full; a hold
starts where breathing stopped, not at a pause on the way nor at a sag.
"""

from __future__ import annotations

import random

import pytest

from breathcue.config import DetectorConfig
from breathcue.core.detector import BreathDetector
from breathcue.core.types import Event
from breathcue.hw.held_chest import HeldChest

from .test_stage_detector import check_contract, named, near, run, samples_of, shaped
from .validation.synth import Builder

RATE = 25.0
SAMPLE = 1.0 / RATE


def hold_of(events: list[Event]) -> tuple[Event, Event]:
    (hold_start,) = named(events, "hold_start")
    (hold_end,) = named(events, "hold_end")
    return hold_start, hold_end


@pytest.mark.parametrize("polarity", ["normal", "auto"])
@pytest.mark.parametrize("seed", [1, 2, 3, 7])
def test_a_held_full_chests_breath_peaks_where_the_hold_starts_whatever_the_chest_does_in_it(seed, polarity):
    chest = HeldChest.draw(random.Random(seed), "inhaled")  # it settles, sags and wobbles, as real held chests do
    sig = Builder(RATE, seed=seed, depth=0.4).breathe(6, bpm=12, end_inhaled=True).held(15, chest).breathe(4).build()
    (start, end), = sig.holds
    events, _ = run(sig.samples(), config=DetectorConfig(polarity=polarity))
    hold_start, hold_end = hold_of(events)
    held_from = hold_start.get("start")
    assert abs(held_from - start) <= 0.6
    topping = [e for e in named(events, "breath") if e.get("onset") < held_from < e.get("end")]
    assert len(topping) == 1  # the hold is part of the breath it tops...
    # ...whose peak is where the chest stopped, just before the hold (within a sample): no wobble in the hold
    assert held_from - SAMPLE - 1e-9 <= topping[0].get("peak") <= held_from
    assert not [e for e in named(events, "breath") if held_from < e.get("peak") < hold_end.get("end")]


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_held_full_chest_that_sags_decides_an_undecided_polarity_at_the_hold(sign):
    # breaths with no clear steepness or dwell (nearly equal halves, noise): the detector abstains...
    b = Builder(RATE, seed=0, depth=0.4, ripple=0.02, noise=0.01, sign=sign)
    sig = b.breathe(6, bpm=12, inhale_share=0.48, end_inhaled=True).hold(14, sag=0.7).breathe(3, bpm=12, inhale_share=0.48).build()
    (start, end), = sig.holds
    det = BreathDetector(DetectorConfig(), RATE)
    events: list[Event] = []
    at_hold = None
    for s in sig.samples():
        new = det.update(s)
        events += new
        if any(e.name == "hold_start" for e in new):
            at_hold = det.polarity
    check_contract(events)
    # ...until the full chest sags by more than half a depth: that end was the full one
    assert at_hold == ("normal" if sign > 0 else "inverted")
    hold_start, _ = hold_of(events)
    before = [e for e in named(events, "breath") if e.get("peak") < start - 1.0]
    assert len(before) == 5 and all(e.t <= hold_start.t for e in before)  # reported by the hold's declaration at the latest
    assert near([e.get("peak") for e in named(events, "breath")], sig.peaks, 0.5) == len(named(events, "breath")) >= 8


@pytest.mark.parametrize("polarity", ["normal", "auto"])
def test_a_pause_on_the_way_up_then_a_sag_from_the_top_holds_from_the_top(polarity):
    breaths = Builder(RATE, seed=4, depth=0.4).breathe(5, bpm=12).values
    # half an inhale, a pause, the rest of it, then the full chest sags by two thirds of a depth and is held
    values, ends = shaped(breaths, [(0.2, 0.8), (0.0, 3.0), (0.2, 0.8), (-0.26, 2.5), (-0.01, 12.0), (-0.13, 1.0)])
    values += [v - 2.0 + values[-1] for v in Builder(RATE, seed=5, depth=0.4).breathe(4).values]
    events, _ = run(samples_of(values), config=DetectorConfig(polarity=polarity))
    top = ends[2]
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    hold_start, hold_end = hold_of(events)
    # not at the pause (3.8 s before), nor where the sag ended (2.5 s after): a sag is no half breath
    assert top - 0.6 <= hold_start.get("start") <= top + 0.3
    assert abs(hold_end.get("end") - ends[4]) <= 1.0  # a slow release: still for its first moments
    (topping,) = [e for e in named(events, "breath") if e.get("onset") < hold_start.get("start") < e.get("end")]
    assert topping.get("end") >= hold_end.get("end") - 0.6  # the breath the hold tops is breathed out after it


@pytest.mark.parametrize("seed", [4, 5])
def test_on_a_cold_start_two_breaths_and_the_half_into_the_stillness_make_a_hold_one_breath_does_not(seed):
    sig = Builder(RATE, seed=seed, depth=0.4).breathe(2, bpm=12).hold(14).breathe(4).build()
    (start, _), = sig.holds
    events, _ = run(sig.samples())
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    assert abs(named(events, "hold_start")[0].get("start") - start) <= 0.6
    # one breath, or a breath and a half: the first half breath, from where tracking began, measures nothing,
    # so one swing and the half into the stillness are all there is: the depth is not known yet
    for count, inhaled in ((1, False), (1, True), (2, True)):
        sig = Builder(RATE, seed=seed, depth=0.4).breathe(count, bpm=12, end_inhaled=inhaled).hold(14).breathe(4).build()
        events, _ = run(sig.samples())
        assert not named(events, "hold_start"), (count, inhaled)


@pytest.mark.parametrize(("seed", "count"), [(13, 1), (13, 2), (14, 2)])
def test_stillness_too_soon_after_someone_moved_is_no_hold(seed, count):
    # the artefact ends 3 s into the first breath after the movement: after two breaths, one whole half breath
    # and the half into the stillness are all that was measured since, too little to know breathing again
    sig = Builder(RATE, seed=seed, depth=0.4).breathe(6, bpm=12).motion(6).breathe(count, bpm=12).hold(14).breathe(3).build()
    events, _ = run(sig.samples())
    assert [e.name for e in events if e.name != "breath"] == ["artifact_start", "artifact_end"]  # the strap settling


def test_the_breath_after_a_hold_at_end_expiration_starts_where_it_ends_even_before_the_polarity_is_known():
    # breaths too alike in their halves to tell the polarity by the time the hold is declared
    breaths = Builder(RATE, seed=4, depth=0.4, ripple=0.02, noise=0.01).breathe(5, bpm=12, inhale_share=0.48).values
    # an empty chest held, creeping back up by a quarter of a depth
    values, _ = shaped(breaths, [(0.0, 1.0), (0.1, 4.0), (0.0, 10.0), (0.3, 1.6), (-0.4, 2.4)])
    values += [v - 2.0 + values[-1] for v in Builder(RATE, seed=5, depth=0.4, ripple=0.02, noise=0.01).breathe(4, inhale_share=0.48).values]
    events, _ = run(samples_of(values))
    _, hold_end = hold_of(events)
    after = [e for e in named(events, "breath") if e.get("peak") > hold_end.get("end")]
    assert after and abs(after[0].get("onset") - hold_end.get("end")) <= 0.6


def test_a_pause_on_the_way_up_then_a_long_slow_sag_is_still_one_hold_from_the_top():
    breaths = Builder(RATE, seed=4, depth=0.4).breathe(5, bpm=12).values
    # half an inhale, a pause, the rest of it; then the full chest sags by a quarter of a depth and goes on
    # sagging slowly for 7 s, more than half a depth in all: still short of the whole breath it came from
    values, ends = shaped(breaths, [(0.2, 0.8), (0.0, 3.0), (0.2, 0.8), (-0.1, 2.0), (-0.12, 7.0), (-0.005, 6.0), (-0.18, 1.0)])
    values += [v - 2.0 + values[-1] for v in Builder(RATE, seed=5, depth=0.4).breathe(4).values]
    events, _ = run(samples_of(values), config=DetectorConfig(polarity="normal"))
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    hold_start, hold_end = hold_of(events)
    assert ends[2] - 0.6 <= hold_start.get("start") <= ends[2] + 0.3
    assert abs(hold_end.get("end") - ends[5]) <= 1.0
    # a hold at full inspiration is part of the breath it tops: that breath is breathed out after the hold
    (topping,) = [e for e in named(events, "breath") if e.get("onset") < hold_start.get("start") < e.get("end")]
    assert topping.get("end") >= hold_end.get("end") - 0.6


@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize(("count", "seed"), [(5, 1), (8, 1)])
def test_a_held_full_chests_breath_kept_back_for_the_polarity_still_peaks_where_the_hold_starts(count, seed, sign):
    # alike halves: the polarity is still open when the hold is declared, so its breaths wait for the verdict
    b = Builder(RATE, seed=seed, depth=0.4, ripple=0.02, noise=0.01, sign=sign)
    sig = b.breathe(count, bpm=12, inhale_share=0.48, end_inhaled=True).hold(14, sag=0.7).breathe(3, bpm=12, inhale_share=0.48).build()
    (start, _), = sig.holds
    events, det = run(sig.samples())
    assert det.polarity == ("normal" if sign > 0 else "inverted")
    hold_start, hold_end = hold_of(events)
    held_from = hold_start.get("start")
    assert abs(held_from - start) <= 0.6
    breaths = named(events, "breath")
    assert near([e.get("peak") for e in breaths], sig.peaks, 0.5) == len(breaths) >= count + 2
    (topping,) = [e for e in breaths if e.get("onset") < held_from < e.get("end")]
    assert held_from - SAMPLE - 1e-9 <= topping.get("peak") <= held_from  # pinned, as when the polarity is known
    assert topping.get("end") >= hold_end.get("end") - 0.6  # and breathed out after the hold
