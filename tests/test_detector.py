"""The breath detector on synthetic signals: each behaviour of issue 5, one at a time."""

from __future__ import annotations

import dataclasses
import random

import pytest

from breathcue.config import DetectorConfig
from breathcue.core.detector import Baseline, BreathDetector
from breathcue.core.types import Event, Sample

from .validation import scenarios
from .validation.run import detect, named
from .validation.synth import Builder

PERIOD_EVENTS = {"hold", "shallow", "rapid", "artifact"}


def run(samples: list[Sample], rate_hz: float, config: DetectorConfig | None = None, baseline: Baseline | None = None) -> tuple[list[Event], BreathDetector]:
    det = BreathDetector(config or DetectorConfig(), rate_hz, baseline)
    events: list[Event] = []
    for s in samples:
        events += det.update(s)
    events += det.finish(samples[-1].t)
    return events, det


def named(events: list[Event], name: str) -> list[Event]:
    return [e for e in events if e.name == name]


@pytest.mark.parametrize("rate", [10.0, 25.0, 50.0, 100.0])
def test_counts_every_breath_at_any_rate(rate):
    sig = Builder(rate, seed=1).breathe(20, bpm=12).build()
    events, det = run(sig.samples(), rate)
    peaks = [e.get("peak") for e in named(events, "breath")]
    assert len(peaks) == 20
    assert all(abs(p - q) <= 0.5 for p, q in zip(peaks, sig.peaks))
    assert not named(events, "hold_start") and not named(events, "artifact_start")
    assert det.status.state == "breathing"
    assert det.status.rate_bpm == pytest.approx(12, rel=0.1)
    assert det.polarity == "normal"


def test_breath_fields_follow_the_contract():
    sig = Builder(25, seed=2).breathe(12, bpm=15).build()
    events, _ = run(sig.samples(), 25)
    breaths = named(events, "breath")
    for b in breaths:
        assert {"onset", "peak", "end", "depth", "rel_depth", "rate_bpm", "inhale", "exhale"} <= set(b.fields)
        assert b.get("onset") < b.get("peak") < b.get("end") <= b.t
        assert b.get("depth") == pytest.approx(1.0, rel=0.25)
        assert b.get("inhale") < b.get("exhale")  # built with a 40 % inhale
    assert breaths[0].get("rel_depth") is None  # cold: no baseline before three breaths
    assert breaths[-1].get("rel_depth") == pytest.approx(1.0, abs=0.2)
    assert [e.t for e in events] == sorted(e.t for e in events)


def test_each_breath_is_reported_soon_after_it_ends():
    sig = Builder(25, seed=3).breathe(15, bpm=12).build()
    config = DetectorConfig(polarity="normal")  # an unknown polarity holds the first breaths back
    events, _ = run(sig.samples(), 25, config)
    delays = [e.t - e.get("end") for e in named(events, "breath")[:-1]]
    assert max(delays) <= 1.2 and sorted(delays)[len(delays) // 2] <= 1.0


@pytest.mark.parametrize("rate", [10.0, 25.0])
@pytest.mark.parametrize("inhaled", [True, False])
def test_a_hold_is_called_once_with_its_start_and_no_breaths_inside(rate, inhaled):
    b = Builder(rate, seed=4, ripple=0.08).breathe(4, bpm=14, end_inhaled=inhaled).hold(16, sag=0.15).breathe(5, bpm=14)
    sig = b.build()
    (start, end), = sig.holds
    events, _ = run(sig.samples(), rate)
    hs, he = named(events, "hold_start"), named(events, "hold_end")
    assert len(hs) == 1 and len(he) == 1
    assert abs(hs[0].get("start") - start) <= 1.5
    assert hs[0].t >= hs[0].get("start") + 10.0
    assert hs[0].t <= start + 11.0
    assert he[0].get("start") == hs[0].get("start") and he[0].get("end") >= end - 1.0
    assert he[0].get("duration") == pytest.approx(he[0].get("end") - he[0].get("start"))
    inside = [e for e in named(events, "breath") if start + 0.5 < e.get("peak") < end]
    assert inside == []
    breaths = named(events, "breath")
    if inhaled:  # held at the top: the held breath began with its inhale, before the hold, not at its peak
        held = min(breaths, key=lambda e: abs(e.get("peak") - start))
        assert held.get("inhale") >= 0.5 and held.get("onset") <= start - 0.5  # a 1.7 s inhale, from where it left the trough
    else:  # held at the bottom: the next breath begins when the hold ends
        after = next(e for e in breaths if e.get("peak") > end)
        assert after.get("onset") >= end - 1.0


def test_hold_seconds_is_configurable():
    sig = Builder(25, seed=5).breathe(5).hold(7).breathe(4).build()
    assert not named(run(sig.samples(), 25)[0], "hold_start")
    events, _ = run(sig.samples(), 25, DetectorConfig(hold_seconds=5))
    assert len(named(events, "hold_start")) == 1


def test_no_hold_before_breathing_is_known():
    sig = Builder(25, seed=6).hold(15).breathe(5).build()
    events, _ = run(sig.samples(), 25)
    assert not named(events, "hold_start")


def test_inverted_polarity_is_learnt_and_gives_the_same_breaths():
    normal = Builder(25, seed=7).breathe(16, bpm=12).build()
    inverted = Builder(25, seed=7, sign=-1.0).breathe(16, bpm=12).build()
    a, _ = run(normal.samples(), 25)
    b, det = run(inverted.samples(), 25)
    assert det.polarity == "inverted"
    assert [round(e.get("peak"), 2) for e in named(a, "breath")] == [round(e.get("peak"), 2) for e in named(b, "breath")]
    c, _ = run(inverted.samples(), 25, DetectorConfig(polarity="inverted"))
    assert [e.get("peak") for e in named(c, "breath")] == [e.get("peak") for e in named(b, "breath")]


def test_a_configured_polarity_is_used_from_the_first_breath():
    sig = Builder(25, seed=8, sign=-1.0).breathe(6).build()
    events, det = run(sig.samples(), 25, DetectorConfig(polarity="inverted"))
    assert det.polarity == "inverted"
    first = named(events, "breath")[0]
    assert first.t - first.get("end") <= 1.2


def test_sensor_faults_are_signal_lost_and_never_a_hold():
    sig = Builder(25, seed=9).breathe(5).fault(20, "i2c_error").breathe(5).build()
    events, _ = run(sig.samples(), 25)
    lost, ok = named(events, "signal_lost"), named(events, "signal_ok")
    assert [e.get("reason") for e in lost] == ["i2c_error"] and len(ok) == 1
    assert lost[0].t == pytest.approx(5 * 5.0, abs=3.0)
    assert ok[0].get("start") == lost[0].get("start")
    assert not named(events, "hold_start")


def test_a_loss_during_a_hold_ends_it_and_no_hold_spans_the_gap():
    sig = Builder(25, seed=10).breathe(5).hold(14).fault(5, "saturated").hold(12).breathe(4).build()
    events, det = run(sig.samples(), 25)
    names = [e.name for e in events if e.name != "breath"]
    assert names[:4] == ["hold_start", "hold_end", "signal_lost", "signal_ok"]
    assert named(events, "signal_lost")[0].get("reason") == "saturated"
    assert len(named(events, "hold_start")) == 1  # after the gap, breathing must be seen again first


def test_a_stuck_value_is_signal_lost_flat():
    sig = Builder(25, seed=11).breathe(5).flat(5).breathe(5).build()
    events, _ = run(sig.samples(), 25)
    lost = named(events, "signal_lost")
    assert [e.get("reason") for e in lost] == ["flat"]
    assert lost[0].t - 5 * 5.0 == pytest.approx(2.0, abs=3.0)
    assert len(named(events, "signal_ok")) == 1 and not named(events, "hold_start")


def test_a_hold_past_max_hold_seconds_is_a_lost_signal():
    sig = Builder(25, seed=12).breathe(5).hold(40, sag=0.05).breathe(5).build()
    events, det = run(sig.samples(), 25, DetectorConfig(max_hold_seconds=30))
    names = [e.name for e in events if e.name != "breath"]
    assert names == ["hold_start", "hold_end", "signal_lost", "signal_ok"]
    assert named(events, "signal_lost")[0].get("reason") == "flat"
    assert named(events, "hold_end")[0].get("duration") == pytest.approx(30.0, abs=0.5)


def test_motion_is_an_artifact_that_suppresses_breaths_and_makes_no_hold():
    b = Builder(25, seed=13).breathe(6).motion(12).breathe(8)
    sig = b.build()
    events, _ = run(sig.samples(), 25)
    art = named(events, "artifact_start")
    assert len(art) >= 1 and len(named(events, "artifact_end")) == len(art)
    motion_start, motion_end = 6 * 5.0 - 1, 6 * 5.0 + 12
    assert all(not (motion_start + 1 < e.get("peak") < motion_end) for e in named(events, "breath"))
    assert not named(events, "hold_start")
    assert len(named(events, "breath")) >= 10


def test_shallow_breathing_against_a_baseline():
    sig = Builder(25, seed=14).breathe(6).breathe(14, depth=0.3).breathe(8).build()
    config = DetectorConfig(shallow_seconds=20)
    events, _ = run(sig.samples(), 25, config, Baseline(depth=1.0, rate_bpm=12.0))
    start, end = named(events, "shallow_start"), named(events, "shallow_end")
    assert len(start) == 1 and len(end) == 1
    assert 25.0 <= start[0].get("start") <= 35.0 and start[0].t <= 6 * 5 + 20 + 6
    assert end[0].t > 6 * 5 + 14 * 5 and end[0].get("start") == start[0].get("start")
    assert not named(events, "hold_start")
    assert all(e.get("rel_depth") < 0.5 for e in named(events, "breath") if 35 < e.get("peak") < 95)


def test_rapid_breathing():
    sig = Builder(25, seed=15).breathe(5, bpm=12).breathe(40, bpm=30).breathe(8, bpm=12).build()
    events, det = run(sig.samples(), 25, DetectorConfig(rapid_seconds=30))
    start, end = named(events, "rapid_start"), named(events, "rapid_end")
    assert len(start) == 1 and len(end) == 1
    assert 25 <= start[0].get("start") <= 35 and start[0].t >= start[0].get("start") + 30


def test_status_says_what_is_going_on():
    sig = Builder(25, seed=16).breathe(5).hold(15).build()
    det = BreathDetector(DetectorConfig(), 25)
    assert det.status.state == "starting"
    states = set()
    for s in sig.samples():
        det.update(s)
        states.add(det.status.state)
    assert {"starting", "breathing", "hold"} <= states
    assert det.status.state == "hold" and det.status.depth > 0 and det.status.rate_bpm == pytest.approx(12, rel=0.15)


def test_feeding_in_chunks_gives_the_same_events():
    sig = Builder(25, seed=17).breathe(6).hold(14).breathe(6).fault(3).breathe(5).build()
    samples = sig.samples()
    whole, _ = run(samples, 25)
    det = BreathDetector(DetectorConfig(), 25)
    rng = random.Random(0)
    chunked: list[Event] = []
    i = 0
    while i < len(samples):
        n = rng.randint(1, 200)
        for s in samples[i : i + n]:
            chunked += det.update(s)
        i += n
    chunked += det.finish(samples[-1].t)
    assert chunked == whole


def test_the_same_input_gives_the_same_output():
    sig = Builder(10, seed=18).breathe(8).hold(15).breathe(6).build()
    assert run(sig.samples(), 10)[0] == run(sig.samples(), 10)[0]


def test_period_events_pair_up_with_their_starts():
    sig = Builder(25, seed=19).breathe(5).hold(14).breathe(4).motion(8).breathe(6).hold(12).breathe(3).build()
    events, _ = run(sig.samples(), 25)
    for kind in PERIOD_EVENTS:
        starts = [e.get("start") for e in named(events, f"{kind}_start")]
        ends = [e.get("start") for e in named(events, f"{kind}_end")]
        assert ends == starts[: len(ends)]


def test_rate_out_of_range_is_refused():
    with pytest.raises(ValueError, match="rate"):
        BreathDetector(DetectorConfig(), 2.0)


def test_config_checks_max_hold_against_hold_seconds():
    from breathcue.config import ConfigError, parse

    with pytest.raises(ConfigError, match="max_hold_seconds"):
        parse({"detector": {"hold_seconds": 30.0, "max_hold_seconds": 20.0}})
    assert dataclasses.replace(DetectorConfig(), polarity="inverted").polarity == "inverted"


def test_a_shallow_spell_ends_even_when_shallow_seconds_holds_fewer_than_three_breaths():
    """detector.shallow_seconds may be 5-10 s: the three deep breaths that end a spell are the last three, not the window's."""
    b = Builder(25, seed=14, depth=0.4).breathe(4).breathe(8, depth=0.12)
    deep_again = b.t
    events = detect(b.breathe(6).build().values, 25.0, Baseline(0.4, 12, "normal"), shallow_seconds=10)
    assert [e.name for e in events if e.name.startswith("shallow")] == ["shallow_start", "shallow_end"]
    assert [e.t for e in events if e.name == "shallow_end"][0] <= deep_again + 18.0  # at the third deep breath


def test_the_breath_after_a_hold_at_end_expiration_starts_where_the_hold_ended_even_if_its_inhale_turned_first():
    """A force belt at 10 Hz: a 20 s hold at end-expiration ends with a quick breath whose peak is confirmed before
    the hold's end is.  That breath runs from the hold's end, with its own depth, not from the hold's start with
    half of it (which once made the two breaths after the hold "shallow", and a shallow spell began at the hold)."""
    rec = scenarios.belt_minute("force", 10.0, 3)
    events = detect(rec.values, 10.0)
    (_, held), ends = rec.holds, named(events, "hold_end")
    assert len(ends) == 2 and abs(ends[1].get("end") - held.end) <= 1.0
    (after,) = [e for e in named(events, "breath") if held.start < e.get("peak") < held.end + 3.0]
    assert after.get("onset") == pytest.approx(ends[1].get("end"), abs=0.3) and after.get("rel_depth") > 0.8
    assert not named(events, "shallow_start")
