"""The detector at its edges: the end of a recording, a stuck sensor, motion, and a too-long hold.

Short synthetic signals, a fraction of a second each (the mutation run
affords them for every mutant of core/detector.py; docs/testing.md,
"Detector stages").  Each asserts what docs/detection.md and
docs/formats.md promise a user: which events come, of which kind, and when
within the documented tolerances.
"""

from __future__ import annotations

import math
import random

import pytest

from breathcue.config import DetectorConfig
from breathcue.core.detector import BreathDetector
from breathcue.core.types import Event, Sample

from .test_stage_detector import check_contract, named, near, run, samples_of
from .validation.synth import Builder

RATE = 25.0


def others(events: list[Event]) -> list[str]:
    return [e.name for e in events if e.name != "breath"]


# --- the end of a recording ----------------------------------------------------


@pytest.mark.parametrize("seconds", [0.2, 1.0, 2.5])
def test_finish_on_a_recording_too_short_for_a_breath_reports_nothing(seconds):
    values = Builder(RATE, seed=3, depth=0.4).breathe(1, bpm=12).values[: int(seconds * RATE)]  # part of an inhale
    events, det = run(samples_of(values), config=DetectorConfig(polarity="normal"))
    assert events == [] and det.status.breaths == 0


def test_finish_right_after_the_signal_came_back_reports_nothing_new():
    b = Builder(RATE, seed=3, depth=0.4).breathe(4, bpm=12).fault(1)
    samples = b.build().samples()
    samples.append(Sample(samples[-1].t + 1 / RATE, 2.0))
    events, det = run(samples, config=DetectorConfig(polarity="normal"))
    assert others(events) == ["signal_lost", "signal_ok"]
    assert det.finish(samples[-1].t) == []  # no breath spans the gap


def test_finish_reports_the_only_breath_of_a_recording_cut_off_in_its_exhale():
    b = Builder(RATE, seed=3, depth=0.4).breathe(1, bpm=12)
    peak = b.peaks[0]
    values = b.values[: int((peak + 2.2) * RATE)]  # most of the way out
    events, _ = run(samples_of(values), config=DetectorConfig(polarity="normal"))
    (breath,) = named(events, "breath")
    assert abs(breath.get("peak") - peak) <= 0.5 and breath.t == pytest.approx(values and (len(values) - 1) / RATE)
    assert breath.get("depth") == pytest.approx(0.4, rel=0.2)


def test_finish_reports_a_last_exhale_only_once_it_is_more_than_half_way_out():
    b = Builder(RATE, seed=3, depth=0.4, ripple=0.0, noise=0.001).breathe(6, bpm=12)
    values, last_peak = b.values, b.peaks[-1]
    top = values[int(round(last_peak * RATE))]
    fallen = [i for i in range(int(round(last_peak * RATE)), len(values)) if top - values[i] >= 0.01]
    # 47.5 % of the exhale (the filtered signal, a little behind, has turned back past the turning point's 30 %,
    # so the peak is confirmed, but not half way) and 80 %
    at = {share: next(i for i in fallen if top - values[i] >= share * 0.4) for share in (0.475, 0.8)}
    for share, reported in ((0.475, False), (0.8, True)):
        events, _ = run(samples_of(values[: at[share] + 1]), config=DetectorConfig(polarity="normal"))
        peaks = [e.get("peak") for e in named(events, "breath")]
        assert near(peaks, [last_peak], 0.5) == (1 if reported else 0), share
        assert len(peaks) == (6 if reported else 5)


def test_finish_in_a_hold_at_full_inspiration_reports_no_breath_for_it_yet():
    sig = Builder(RATE, seed=4, depth=0.4).breathe(5, bpm=12, end_inhaled=True).hold(14, sag=0.7).build()
    (start, _), = sig.holds
    events, _ = run(sig.samples(), config=DetectorConfig(polarity="normal"))
    assert others(events) == ["hold_start"]
    # the breath the hold tops has its exhale still to come, however far the held chest sagged
    assert len(named(events, "breath")) == 4 and all(e.get("peak") < start - 1.0 for e in named(events, "breath"))


def test_finish_in_an_artifact_that_cut_an_exhale_reports_no_breath():
    b = Builder(RATE, seed=4, depth=0.4).breathe(6, bpm=12)
    cut = int((b.peaks[-1] + 2.0) * RATE)  # well into the last exhale...
    values = b.values[:cut]
    values += [v + 2.4 for v in values[-10:]] * 2  # ...when the strap is knocked: six depths at once
    events, det = run(samples_of(values))
    assert others(events) == ["artifact_start"] and det.status.state == "artifact"
    assert len(named(events, "breath")) == 5  # the breath the knock cut off is not counted


@pytest.mark.parametrize("seed", [4, 5])
def test_cycles_quicker_than_forty_a_minute_are_no_breaths(seed):
    b = Builder(RATE, seed=seed, depth=0.4).breathe(6, bpm=12)
    quick_from = b.t
    b.breathe(4, bpm=55)  # a breath lasts 1.5 s at least: these are a ripple, not breathing
    quick_to = b.t
    events, _ = run(b.breathe(5, bpm=12).build().samples())
    assert others(events) == []
    assert not [e for e in named(events, "breath") if quick_from < e.get("peak") < quick_to]
    assert len(named(events, "breath")) == 11


# --- a stuck sensor ----------------------------------------------------------------


@pytest.mark.parametrize("rate", [8.0, 16.0])
def test_a_value_stuck_for_two_seconds_is_flat_at_that_sample(rate):
    b = Builder(rate, seed=2, depth=0.4).breathe(4, bpm=12)
    stuck_from = len(b.values) / rate  # the first sample of the stuck value (a binary fraction: times are exact)
    b.flat(5)
    events, _ = run(b.build().samples(), rate=rate, finish=False)
    (lost,) = named(events, "signal_lost")
    assert lost.get("reason") == "flat" and lost.get("start") == pytest.approx(stuck_from - 1 / rate)
    assert lost.t == pytest.approx(lost.get("start") + 2.0)  # not a sample later


# --- motion ---------------------------------------------------------------------------


@pytest.mark.parametrize("depth", [0.4, 3.0])
def test_a_slow_lean_of_four_depths_is_an_artifact_at_any_scale(depth):
    b = Builder(RATE, seed=6, depth=depth).breathe(6, bpm=12)
    lean_at = len(b.values) / RATE
    level = b.values[-1]
    n = int(2.0 * RATE)  # four depths in two seconds: no jump between samples, only the movement says so
    b.values += [level + 4 * depth * (0.5 - 0.5 * math.cos(math.pi * (i + 1) / n)) for i in range(n)]
    b.values += [v - b.values[0] + b.values[-1] for v in Builder(RATE, seed=7, depth=depth).breathe(6, bpm=12).values]
    events, _ = run(samples_of(b.values))
    assert others(events) == ["artifact_start", "artifact_end"]
    assert lean_at < named(events, "artifact_start")[0].t <= lean_at + 2.5


def test_someone_moving_in_a_cold_start_before_any_baseline_is_an_artifact():
    b = Builder(RATE, seed=13, depth=0.4).breathe(3, bpm=12)  # three breaths: the depth is known, no baseline yet
    moved_at = len(b.values) / RATE
    sig = b.motion(5).breathe(6, bpm=12).build()
    events, det = run(sig.samples())
    assert others(events) == ["artifact_start", "artifact_end"]
    start, end = named(events, "artifact_start")[0], named(events, "artifact_end")[0]
    assert moved_at < start.t <= moved_at + 2.0 and end.get("start") == start.t
    assert len([e for e in named(events, "breath") if e.t > end.t]) >= 4 and det.status.state == "breathing"


@pytest.mark.parametrize("seed", [13, 14])
def test_three_consistent_half_breaths_of_a_cold_start_are_enough_to_call_someone_moving_an_artifact(seed):
    b = Builder(RATE, seed=seed, depth=0.4).breathe(3, bpm=12, end_inhaled=True)  # the depth from three half breaths
    moved_at = b.t
    events, _ = run(b.motion(5).breathe(6, bpm=12).build().samples())
    assert others(events) == ["artifact_start", "artifact_end"]
    assert moved_at < named(events, "artifact_start")[0].t <= moved_at + 1.0


def test_moving_again_soon_after_an_artifact_is_another_artifact():
    sig = Builder(RATE, seed=13, depth=0.4).breathe(6, bpm=12).motion(5).breathe(1, bpm=12).motion(5).breathe(6, bpm=12).build()
    events, _ = run(sig.samples())
    # the depth is still known after the first: no three breaths needed before the second is seen
    assert others(events) == ["artifact_start", "artifact_end", "artifact_start", "artifact_end"]


@pytest.mark.parametrize("seed", [4, 5])
def test_a_still_chests_calm_says_nothing_of_breathings_jerk_a_strong_heartbeat_after_it_is_no_motion(seed):
    # a heartbeat a quarter of a breath's size, which leaves about a tenth of the swing in the jerk...
    b = Builder(RATE, seed=seed, depth=0.4, ripple=0.26).breathe(6, bpm=12)
    b.ripple, b.noise = 0.0, 0.001  # ...and a hold so still that nothing shows, not even the heart
    b.hold(14)
    b.ripple, b.noise = 0.26, 0.005
    sig = b.breathe(4, bpm=12).hold(14).breathe(3, bpm=12).build()
    events, _ = run(sig.samples())
    # the breaths after the first hold are breathing, not someone moving, so the second hold is seen too
    assert others(events) == ["hold_start", "hold_end", "hold_start", "hold_end"]
    assert [abs(e.get("start") - start) <= 0.6 for e, (start, _) in zip(named(events, "hold_start"), sig.holds)] == [True, True]
    assert len(named(events, "breath")) == 13


# --- a hold too long -------------------------------------------------------------------


@pytest.mark.parametrize("size", [0.02, 0.05])  # a loose strap's breathing, and a quarter of a depth
def test_small_swings_much_slower_than_the_persons_breathing_neither_end_a_hold_nor_make_a_loose_strap(size):
    held = Builder(RATE, seed=4, depth=0.4).breathe(6, bpm=12).hold(3, sag=0.02).values
    rng = random.Random(3)
    # at twice the person's period (12 a minute): no breathing rhythm
    slow = [held[-1] + size * (1 - math.cos(2 * math.pi * i / RATE / 10.0)) + rng.gauss(0, 0.001) for i in range(80 * int(RATE))]
    events, det = run(samples_of(held + slow), config=DetectorConfig(max_hold_seconds=60))
    assert others(events) == ["hold_start", "hold_end", "signal_lost"]
    assert named(events, "signal_lost")[0].get("reason") == "flat"  # no breathing shows: the strap is off, not loose


def test_a_hold_too_long_before_the_polarity_and_the_rate_are_known_is_a_lost_signal_too():
    # breaths with no clear polarity: kept back, so no breathing rate is known when the hold becomes too long
    sig = Builder(RATE, seed=0, depth=0.4, ripple=0.02, noise=0.01).breathe(4, bpm=12, inhale_share=0.48).hold(40, sag=0.05).build()
    det = BreathDetector(DetectorConfig(max_hold_seconds=30), RATE)
    events: list[Event] = []
    for s in sig.samples():
        events += det.update(s)
    check_contract(events)
    assert others(events) == ["hold_start", "hold_end", "signal_lost"]
    hold_start, hold_end, lost = (e for e in events if e.name != "breath")
    assert hold_end.t == lost.t == pytest.approx(hold_start.get("start") + 30.0, abs=0.05) and lost.get("reason") == "flat"
