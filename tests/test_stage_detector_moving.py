"""Someone moving against breathing: what the jerk says, and what it keeps from being a hold.

docs/detection.md, "The jerk": a half breath whose jerk passed a fifth of
it counts no breath, a swing with someone moving in it teaches no depth,
and a hold needs three motion-free swings before it: a chest that goes
still right after someone moved is a strap settling, not a held breath
(docs/detection.md, "Known limits": a hold begun within a breath and a
half of someone moving is not called).  Short synthetic signals, a
fraction of a second each (the mutation run affords them for every mutant
of core/detector.py; docs/testing.md, "Detector stages").
"""

from __future__ import annotations

import math
import random

import pytest

from breathcue.config import DetectorConfig

from .test_stage_detector import run, samples_of
from .validation.synth import Builder

RATE = 25.0


@pytest.mark.parametrize("polarity", ["normal", "auto"])
@pytest.mark.parametrize("seed", [8, 9])
def test_stillness_one_half_breath_after_someone_swayed_through_an_exhale_is_no_hold(seed, polarity):
    b = Builder(RATE, seed=seed, depth=0.4).breathe(5, bpm=12)
    shaken_from = int(b.peaks[-1] * RATE) + 5
    shaken_to = shaken_from + int(2.3 * RATE)  # the fifth breath's exhale
    values = list(b.breathe(1, bpm=12, end_inhaled=True).hold(14).breathe(3).values)
    for i in range(shaken_from, shaken_to):  # someone swaying at walking pace while breathing out...
        values[i] += 0.2 * math.sin(2 * math.pi * 1.7 * (i - shaken_from) / RATE)
    # ...then one inhale, and the chest is still for 14 s: too soon after the movement to tell from the strap settling
    events, _ = run(samples_of(values), config=DetectorConfig(polarity=polarity))
    assert [e.name for e in events if e.name != "breath"] == []


@pytest.mark.parametrize("seed", [13, 14])
def test_after_a_lost_signal_three_half_breaths_are_needed_before_someone_moving_is_an_artifact(seed):
    # the detector starts afresh after a sensor fault: the depth it goes by needs three half breaths again
    # (READY_SWINGS); before them a movement is not judged against a depth from before the gap
    for breaths, inhaled, artifact in ((1, False, False), (2, True, False), (2, False, True)):
        b = Builder(RATE, seed=seed, depth=0.4).breathe(6, bpm=12).fault(1.0).breathe(breaths, bpm=12, end_inhaled=inhaled)
        moved_at = b.t  # after one, one and a half or two breaths (from where the signal came back, half a breath in)
        events, _ = run(b.motion(5).breathe(6, bpm=12).build().samples())
        names = [e.name for e in events if e.name != "breath"]
        assert names[:2] == ["signal_lost", "signal_ok"]
        if artifact:
            assert names[2:] == ["artifact_start", "artifact_end"]
            assert moved_at < [e for e in events if e.name == "artifact_start"][0].t <= moved_at + 1.0
        else:
            assert names[2:] == [], (breaths, inhaled)


def test_before_the_polarity_is_known_two_breaths_give_the_period_swings_at_half_the_rate_neither_end_a_hold_nor_breathe():
    # two breaths with no clear polarity (the rate from breaths is not known), then held, then swings of an eighth of a
    # depth at twice their period (10 s, where theirs is 5 s): no breathing rhythm, so a hold, and in the end no strap
    held = Builder(RATE, seed=0, depth=0.4, ripple=0.02, noise=0.01).breathe(2, bpm=12, inhale_share=0.48).hold(3, sag=0.02).values
    rng = random.Random(3)
    slow = [held[-1] + 0.05 * (1 - math.cos(2 * math.pi * i / RATE / 10.0)) + rng.gauss(0, 0.001) for i in range(80 * int(RATE))]
    events, det = run(samples_of(held + slow), config=DetectorConfig(max_hold_seconds=60))
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end", "signal_lost"]
    lost = [e for e in events if e.name == "signal_lost"][0]
    assert lost.get("reason") == "flat" and det.polarity is None


@pytest.mark.parametrize("seed", [8, 9, 10])
def test_a_breath_whose_exhale_carries_a_sway_under_a_fifth_of_it_is_still_a_breath(seed):
    # a clean strap (no heartbeat in the signal): its calm jerk is low, so a sway stands out against it...
    b = Builder(RATE, seed=seed, depth=0.4, ripple=0.0, noise=0.001).breathe(8, bpm=12)
    swayed = b.peaks[7]
    shaken_from = int(swayed * RATE) + 5
    values = list(b.breathe(4, bpm=12).values)
    for i in range(shaken_from, shaken_from + int(2.3 * RATE)):  # ...of a quarter of a depth at walking pace, in the exhale
        values[i] += 0.1 * math.sin(2 * math.pi * 1.7 * (i - shaken_from) / RATE)
    events, _ = run(samples_of(values), config=DetectorConfig(polarity="normal"))
    assert [e.name for e in events if e.name != "breath"] == []
    peaks = [e.get("peak") for e in events if e.name == "breath"]
    # its jerk is under a fifth of the half breath: someone moving a little, still a breath, counted at its peak
    assert len(peaks) == 12 and [p for p in peaks if abs(p - swayed) <= 0.5]


@pytest.mark.parametrize("seed", [8, 9, 10])
def test_a_sway_in_the_exhale_into_stillness_is_someone_moving_by_the_far_bar_so_no_hold(seed):
    # a clean strap (no heartbeat in the signal): breathing's calm jerk is low...
    b = Builder(RATE, seed=seed, depth=0.4, ripple=0.0, noise=0.001).breathe(8, bpm=12)
    shaken_from = int(b.peaks[-1] * RATE) + 5
    values = list(b.hold(14).breathe(4, bpm=12).values)
    for i in range(shaken_from, shaken_from + int(2.3 * RATE)):  # ...and the last exhale carries a sway at walking pace
        values[i] += 0.1 * math.sin(2 * math.pi * 1.7 * (i - shaken_from) / RATE)
    events, _ = run(samples_of(values), config=DetectorConfig(polarity="normal"))
    # its jerk is under 15 % of the exhale, but over 20 times breathing's calm and a tenth of the exhale: someone
    # moving (docs/detection.md, "The jerk"), so the stillness after it is the strap settling, not a held breath
    assert [e.name for e in events if e.name != "breath"] == []


@pytest.mark.parametrize(("seed", "sway"), [(8, 0.12), (9, 0.12), (10, 0.12), (8, 0.1), (9, 0.1)])
def test_with_a_strong_heartbeat_in_the_signal_a_small_sway_in_the_exhale_is_no_motion_and_the_hold_after_it_is_called(seed, sway):
    # a heartbeat of 5 % of the depth keeps breathing's calm jerk high...
    b = Builder(RATE, seed=seed, depth=0.4, ripple=0.05, noise=0.001).breathe(8, bpm=12)
    shaken_from = int(b.peaks[-1] * RATE) + 5
    held = b.hold(14)
    (start, _), = held.holds
    values = list(held.breathe(4, bpm=12).values)
    for i in range(shaken_from, shaken_from + int(2.3 * RATE)):  # ...so a sway at walking pace in the last exhale...
        values[i] += sway * math.sin(2 * math.pi * 1.7 * (i - shaken_from) / RATE)
    events, _ = run(samples_of(values), config=DetectorConfig(polarity="normal"))
    # ...whose jerk is neither 10 times that calm and 15 % of the exhale, nor 20 times it and a tenth, nor 30 % of the
    # exhale is no one moving: the hold after it is called
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    assert abs([e for e in events if e.name == "hold_start"][0].get("start") - start) <= 1.0


def test_before_the_polarity_is_known_the_period_from_turns_follows_the_rate_of_late():
    # no clear polarity: 12 breaths a minute, then 20 (3 s a breath), held; then swings of an eighth of a depth every
    # 6.5 s, over twice the period of late but a regular rhythm at the first one: no breathing, so a hold, then no strap
    b = Builder(RATE, seed=0, depth=0.4, ripple=0.02, noise=0.01).breathe(3, bpm=12, inhale_share=0.48)
    held = b.breathe(4, bpm=20, inhale_share=0.48).hold(3, sag=0.02).values
    rng = random.Random(3)
    slow = [held[-1] + 0.05 * (1 - math.cos(2 * math.pi * i / RATE / 6.5)) + rng.gauss(0, 0.001) for i in range(80 * int(RATE))]
    events, det = run(samples_of(held + slow), config=DetectorConfig(max_hold_seconds=60))
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end", "signal_lost"]
    assert [e for e in events if e.name == "signal_lost"][0].get("reason") == "flat" and det.polarity is None
