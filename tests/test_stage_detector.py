"""The detector joining its stages (core/detector.py): what only the whole pipeline promises.

Short synthetic signals (tests/validation/synth.py) of a few breaths and a
hold, a fault or a stuck value, each a fraction of a second to run, so the
mutation run (tools/mutate.py) can afford them for every mutant of
core/detector.py.  The times the events report are checked against where
things happened in the signal: the filters' delay must be taken off them,
and a hold cut short ends where it ended, not where the detector noticed.
"""

from __future__ import annotations

import math
import random

import pytest

from breathcue.config import DetectorConfig
from breathcue.core.detector import Baseline, BreathDetector
from breathcue.core.types import Event, Sample
from breathcue.hw.held_chest import HeldChest

from .validation.synth import Builder


FIELDS = {  # docs/formats.md: each event's fields
    "breath": {"onset", "peak", "end", "depth", "rel_depth", "rate_bpm", "inhale", "exhale", "inst_rate_bpm"},
    "hold_start": {"start"},
    "hold_end": {"start", "end", "duration"},
    "signal_lost": {"start", "reason"},
    "signal_ok": {"start"},
    "artifact_start": {"start"},
    "artifact_end": {"start"},
    "shallow_start": {"start"},
    "shallow_end": {"start"},
    "rapid_start": {"start"},
    "rapid_end": {"start"},
}


def check_contract(events: list[Event]) -> None:
    """Every event as docs/formats.md has it: its fields, a time, in order, nothing reported before it happened."""
    last = -1.0
    for e in events:
        assert set(e.fields) == FIELDS[e.name], e
        assert isinstance(e.t, float) and e.t >= last, e
        last = e.t
        start = e.get("onset") if e.name == "breath" else e.get("start")
        assert isinstance(start, float) and start <= e.t + 1e-9, e
        if e.name == "hold_end":
            assert start <= e.get("end") <= e.t and e.get("duration") == pytest.approx(e.get("end") - start), e
        if e.name == "breath":
            assert e.get("onset") < e.get("peak") < e.get("end") <= e.t, e
            assert e.get("inhale") == pytest.approx(e.get("peak") - e.get("onset"))
            assert e.get("exhale") == pytest.approx(e.get("end") - e.get("peak"))


def run(samples: list[Sample], rate: float = 25.0, config: DetectorConfig | None = None, baseline: Baseline | None = None, finish: bool = True) -> tuple[list[Event], BreathDetector]:
    det = BreathDetector(config or DetectorConfig(), rate, baseline)
    events: list[Event] = []
    for s in samples:
        events += det.update(s)
    if finish:
        events += det.finish(samples[-1].t)
    check_contract(events)
    return events, det


def named(events: list[Event], name: str) -> list[Event]:
    return [e for e in events if e.name == name]


@pytest.mark.parametrize("seed", [0, 1])
def test_a_hold_ends_where_the_chest_was_last_still_with_the_filters_delay_taken_off(seed):
    sig = Builder(25, seed=seed).breathe(5).hold(14).breathe(4).build()
    (_, end), = sig.holds
    events, det = run(sig.samples())
    (hold_end,) = named(events, "hold_end")
    # noticed well after the breath out began (the filters and the movement window are late)...
    assert hold_end.t >= end + 1.0
    # ...but it ended where the chest last held still, not where that was seen
    assert end - 0.5 <= hold_end.get("end") <= end + 0.6
    assert hold_end.get("duration") == pytest.approx(hold_end.get("end") - hold_end.get("start"))


@pytest.mark.parametrize("seed", [0, 1])
def test_a_hold_cut_short_by_a_stuck_sensor_ends_where_the_value_stuck(seed):
    b = Builder(25, seed=seed).breathe(5).hold(14)
    stuck_at = (len(b.values) - 1) / 25  # the last value that changed
    sig = b.flat(6).breathe(4).build()
    events, _ = run(sig.samples())
    names = [e.name for e in events if e.name != "breath"]
    assert names[:4] == ["hold_start", "hold_end", "signal_lost", "signal_ok"]
    hold_end, lost = named(events, "hold_end")[0], named(events, "signal_lost")[0]
    assert lost.get("reason") == "flat" and lost.t == pytest.approx(stuck_at + 2.0, abs=0.05)  # stuck for 2 s
    assert hold_end.t == lost.t
    assert hold_end.get("end") == pytest.approx(stuck_at, abs=0.05)  # not at the detection, 2 s later
    assert lost.get("start") == pytest.approx(stuck_at, abs=0.05)


def test_a_hold_cut_short_by_a_sensor_fault_ends_at_the_fault():
    b = Builder(25, seed=2).breathe(5).hold(14)
    fault_at = len(b.values) / 25
    sig = b.fault(3, "saturated").breathe(5).build()
    events, _ = run(sig.samples())
    (hold_end,) = named(events, "hold_end")
    (lost,) = named(events, "signal_lost")
    assert hold_end.t == lost.t == pytest.approx(fault_at)
    assert hold_end.get("end") == pytest.approx(fault_at) and lost.get("start") == pytest.approx(fault_at)
    assert lost.get("reason") == "saturated"


def test_the_rates_it_runs_at_are_5_to_200_samples_a_second_inclusive():
    for rate in (5.0, 200.0):
        assert BreathDetector(DetectorConfig(), rate).rate_hz == rate
    for rate in (4.99, 200.01):
        with pytest.raises(ValueError, match="5-200 samples a second"):
            BreathDetector(DetectorConfig(), rate)


def near(times: list[float], targets: list[float], within: float) -> int:
    return sum(1 for t in times if any(abs(t - x) <= within for x in targets))


@pytest.mark.parametrize("depth", [0.3, 3.0])
def test_breaths_and_a_hold_come_out_the_same_at_any_signal_scale(depth):
    sig = Builder(25, seed=5, depth=depth).breathe(5).hold(14).breathe(4).build()
    (start, end), = sig.holds
    events, det = run(sig.samples())
    breaths = named(events, "breath")
    assert len(breaths) == 9 and near([b.get("peak") for b in breaths], sig.peaks, 0.5) == 9
    assert all(b.get("depth") == pytest.approx(depth, rel=0.1) for b in breaths)
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    hold_start, hold_end = named(events, "hold_start")[0], named(events, "hold_end")[0]
    assert abs(hold_start.get("start") - start) <= 0.6
    assert hold_start.get("start") + 10.0 <= hold_start.t <= hold_start.get("start") + 10.0 + det._slow_delay + 0.05
    assert end - 0.5 <= hold_end.get("end") <= end + 0.6
    assert det.status.depth == pytest.approx(depth, rel=0.1) and det.status.rel_depth == pytest.approx(1.0, abs=0.1)


@pytest.mark.parametrize(("given", "how"), [("normal", "config"), ("inverted", "config"), ("normal", "baseline"), ("inverted", "baseline")])
def test_a_polarity_given_by_the_config_or_a_calibrated_baseline_is_kept_whatever_the_breaths_say(given, how):
    # the strap says the opposite, clearly, for twelve breaths
    sig = Builder(25, seed=5, sign=-1.0 if given == "normal" else 1.0, depth=0.5).breathe(12).build()
    config = DetectorConfig(polarity=given) if how == "config" else DetectorConfig()
    baseline = Baseline(0.5, 12.0, given) if how == "baseline" else None
    events, det = run(sig.samples(), config=config, baseline=baseline)
    assert det.polarity == given and det.status.polarity == given
    breaths = named(events, "breath")
    assert len(breaths) >= 10
    # read in the given polarity, the "peaks" are where the lungs were empty: half a breath from the true ones
    assert near([b.get("peak") for b in breaths], sig.peaks, 1.0) == 0
    assert all(b.get("depth") == pytest.approx(0.5, rel=0.15) for b in breaths)
    first = breaths[0]
    assert first.t - first.get("end") <= 1.2  # no waiting for a verdict


def test_a_baseline_without_a_polarity_leaves_it_to_the_breaths():
    sig = Builder(25, seed=5, sign=-1.0, depth=0.5).breathe(12).build()
    events, det = run(sig.samples(), baseline=Baseline(1.0, 12.0, None))
    assert det.polarity == "inverted"
    breaths = named(events, "breath")
    assert near([b.get("peak") for b in breaths], sig.peaks, 0.5) == len(breaths) >= 11
    assert breaths[0].get("rel_depth") == pytest.approx(0.5, rel=0.15)  # against the calibrated depth from the first
    assert all(b.get("rel_depth") < 0.65 for b in breaths)  # which follows breathing only slowly


def test_a_sample_without_a_value_or_a_reason_is_an_i2c_error():
    sig = Builder(25, seed=9).breathe(4).build()
    samples = sig.samples()
    t = samples[-1].t
    gap = [Sample(t + 0.04, None), Sample(t + 0.08, None), Sample(t + 0.12, 2.0)]
    events, det = run(samples + gap, finish=False)
    lost, ok = named(events, "signal_lost"), named(events, "signal_ok")
    assert [(e.t, e.get("start"), e.get("reason")) for e in lost] == [(pytest.approx(t + 0.04), pytest.approx(t + 0.04), "i2c_error")]
    assert [(e.t, e.get("start")) for e in ok] == [(pytest.approx(t + 0.12), pytest.approx(t + 0.04))]


def test_breaths_carry_their_rate_and_the_instant_rate_from_the_peak_before():
    sig = Builder(25, seed=3, depth=0.4).breathe(10, bpm=12).build()
    events, det = run(sig.samples())
    breaths = named(events, "breath")
    assert len(breaths) == 10
    assert breaths[0].get("inst_rate_bpm") is None and breaths[0].get("rate_bpm") is None
    peaks = [b.get("peak") for b in breaths]
    for k in range(1, len(breaths)):
        assert breaths[k].get("inst_rate_bpm") == pytest.approx(60.0 / (peaks[k] - peaks[k - 1]))
    intervals = [b - a for a, b in zip(peaks, peaks[1:])]
    assert breaths[-1].get("rate_bpm") == pytest.approx(60.0 / sorted(intervals[-5:])[2])  # the median of the last five
    assert det.status.rate_bpm == breaths[-1].get("rate_bpm")
    assert det.status.breaths == 10 and det.status.state == "breathing"
    assert breaths[2].get("rel_depth") == pytest.approx(1.0, abs=0.1)  # the third makes a cold start's baseline
    assert det.status.rel_depth == pytest.approx(det.status.depth / det.baseline.depth)
    assert det.baseline.rate_bpm == pytest.approx(12.0, rel=0.1) and det.baseline.polarity == "normal"


def test_the_status_follows_what_is_going_on():
    b = Builder(25, seed=16, depth=0.4)
    det = BreathDetector(DetectorConfig(), 25)
    assert det.status.state == "starting" and det.status.breaths == 0 and det.status.rel_depth is None
    seen = []
    for s in b.breathe(5).hold(15).breathe(5).motion(5).breathe(4).fault(2).breathe(4).build().samples():
        det.update(s)
        if not seen or seen[-1] != det.status.state:
            seen.append(det.status.state)
    assert seen == ["starting", "breathing", "hold", "breathing", "artifact", "breathing", "signal_lost", "breathing"]


def test_a_hold_past_max_hold_seconds_ends_there_and_the_signal_is_lost_until_breathing_moves_it():
    sig = Builder(25, seed=12, depth=0.4).breathe(5).hold(40, sag=0.05).breathe(5).build()
    (start, end), = sig.holds
    events, det = run(sig.samples(), config=DetectorConfig(max_hold_seconds=30))
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end", "signal_lost", "signal_ok"]
    hold_start, hold_end, lost, ok = (e for e in events if e.name != "breath")
    assert hold_end.t == pytest.approx(hold_start.get("start") + 30.0, abs=0.05)
    assert hold_end.get("end") == hold_end.t and hold_end.get("duration") == pytest.approx(30.0, abs=0.05)
    assert lost.t == hold_end.t and lost.get("start") == hold_end.t and lost.get("reason") == "flat"
    assert end < ok.t <= end + 2.0 and ok.get("start") == lost.get("start")  # the first breath after it moves the signal
    after = [e for e in named(events, "breath") if e.t > ok.t]
    assert len(after) >= 3 and det.status.state == "breathing"


def test_motion_ends_a_hold_where_the_chest_was_still_and_is_an_artifact_until_calm():
    b = Builder(25, seed=13, depth=0.4).breathe(6).hold(14)
    moved_at = len(b.values) / 25
    sig = b.motion(6).breathe(8).build()
    events, det = run(sig.samples())
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end", "artifact_start", "artifact_end"]
    _, hold_end, art_start, art_end = (e for e in events if e.name != "breath")
    assert moved_at < hold_end.t == art_start.t <= moved_at + 1.0
    assert moved_at - 0.6 <= hold_end.get("end") <= moved_at + 0.1
    assert art_start.get("start") == art_start.t and art_end.get("start") == art_start.t
    assert moved_at + 6.0 + 3.0 <= art_end.t <= moved_at + 6.0 + 5.0  # three calm seconds after the movement
    assert not [e for e in named(events, "breath") if art_start.t < e.get("peak") < moved_at + 6.0]


def test_a_lost_signal_during_an_artifact_ends_the_artifact():
    b = Builder(25, seed=13, depth=0.4).breathe(6).motion(4)
    fault_at = len(b.values) / 25
    sig = b.fault(2).breathe(8).build()
    events, det = run(sig.samples())
    assert [e.name for e in events if e.name != "breath"] == ["artifact_start", "artifact_end", "signal_lost", "signal_ok"]
    art_start, art_end, lost, ok = (e for e in events if e.name != "breath")
    assert art_end.t == lost.t == pytest.approx(fault_at) and art_end.get("start") == art_start.get("start")
    assert ok.t == pytest.approx(fault_at + 2.0) and ok.get("start") == pytest.approx(fault_at)
    assert len([e for e in named(events, "breath") if e.t > ok.t]) >= 5


def test_a_long_artifact_relearns_the_depth():
    b = Builder(25, seed=13, depth=0.4).breathe(6).motion(25).breathe(8, depth=0.2)
    events, det = run(b.build().samples())
    assert [e.name for e in events if e.name != "breath"][:2] == ["artifact_start", "artifact_end"]
    late = [e for e in named(events, "breath") if e.t > named(events, "artifact_end")[0].t]
    assert len(late) >= 5 and det.status.depth == pytest.approx(0.2, rel=0.2)


def test_set_polarity_takes_outside_evidence_and_stops_guessing():
    det = BreathDetector(DetectorConfig(), 25)
    with pytest.raises(ValueError, match="polarity 'up': expected 'normal' or 'inverted'"):
        det.set_polarity("up")
    sig = Builder(25, seed=7, sign=-1.0, depth=0.4).breathe(16).build()
    samples = sig.samples()
    events: list[Event] = []
    for s in samples[:100]:
        events += det.update(s)
    det.set_polarity("inverted")  # a paced session found it out
    assert det.polarity == "inverted" and det.status.polarity == "inverted"
    for s in samples[100:]:
        events += det.update(s)
    check_contract(events)
    breaths = named(events, "breath")
    assert len(breaths) >= 13 and near([e.get("peak") for e in breaths], sig.peaks, 0.5) == len(breaths)
    assert all(e.get("depth") == pytest.approx(0.4, rel=0.1) for e in breaths)
    assert breaths[0].t < 12.0  # reported soon after they end: nothing waits for a verdict

    wrong = BreathDetector(DetectorConfig(), 25)
    for s in samples[:500]:
        wrong.update(s)
    assert wrong.polarity == "inverted"  # learnt from the breaths by now
    wrong.set_polarity("normal")  # a (mistaken) outside verdict is still the last word
    later: list[Event] = []
    for s in samples[500:]:
        later += wrong.update(s)
    assert wrong.polarity == "normal" and wrong.status.polarity == "normal"
    assert near([e.get("peak") for e in named(later, "breath")], sig.peaks, 1.0) == 0
    assert all(e.get("depth") == pytest.approx(0.4, rel=0.15) for e in named(later, "breath"))
    wrong.set_polarity("normal")
    assert wrong.polarity == "normal"


def test_finish_reports_a_last_breath_cut_off_in_its_exhale_but_not_one_barely_begun():
    b = Builder(25, seed=3, depth=0.4).breathe(6, bpm=12)
    values = b.values
    last_peak = b.peaks[-1]
    for cut, reported in ((last_peak + 2.0, True), (last_peak + 0.6, False)):
        samples = [Sample(i / 25, v) for i, v in enumerate(values[: int(cut * 25)])]
        events, det = run(samples, config=DetectorConfig(polarity="normal"))
        peaks = [e.get("peak") for e in named(events, "breath")]
        assert near(peaks, [last_peak], 0.5) == (1 if reported else 0)
        assert len(peaks) == (6 if reported else 5)
        without, _ = run(samples, config=DetectorConfig(polarity="normal"), finish=False)
        assert len(named(without, "breath")) == 5


def test_finish_gives_the_polarity_its_last_word_and_reports_the_breaths_kept_back():
    sig = Builder(25, seed=0, depth=0.4, ripple=0.02, noise=0.01).breathe(6, bpm=12, inhale_share=0.48).build()
    samples = sig.samples()
    det = BreathDetector(DetectorConfig(), 25)
    before: list[Event] = []
    for s in samples:
        before += det.update(s)
    assert det.polarity is None and named(before, "breath") == []  # weak evidence: it abstains
    after = det.finish(samples[-1].t)
    assert det.polarity == "normal"
    breaths = named(after, "breath")
    assert len(breaths) == 6 and near([e.get("peak") for e in breaths], sig.peaks, 0.5) == 6
    assert all(e.t == samples[-1].t for e in after)
    same = BreathDetector(DetectorConfig(), 25)
    for s in samples:
        same.update(s)
    assert same.finish(samples[-1].t + 1.0)[0].t == samples[-1].t + 1.0  # reported when the recording ended


def test_finish_after_a_lost_signal_or_an_artifact_reports_nothing():
    sig = Builder(25, seed=3, depth=0.4).breathe(6).fault(1).build()
    events, det = run(sig.samples(), finish=False)
    assert det.finish(sig.samples()[-1].t) == []
    sig = Builder(25, seed=13, depth=0.4).breathe(6).motion(4).build()
    events, det = run(sig.samples(), finish=False)
    assert det.status.state == "artifact" and det.finish(sig.samples()[-1].t) == []
    assert BreathDetector(DetectorConfig(), 25).finish(0.0) == []


@pytest.mark.parametrize("polarity", ["normal", "auto"])
def test_after_a_hold_at_end_expiration_the_breath_before_is_over_and_the_next_starts_where_it_ends(polarity):
    sig = Builder(25, seed=4, depth=0.4).breathe(5, bpm=12).hold(14).breathe(4).build()
    (start, end), = sig.holds
    events, det = run(sig.samples(), config=DetectorConfig(polarity=polarity))
    hold_start, hold_end = named(events, "hold_start")[0], named(events, "hold_end")[0]
    assert abs(hold_start.get("start") - start) <= 0.5 and abs(hold_end.get("end") - end) <= 0.6
    before = [e for e in named(events, "breath") if e.get("peak") < start]
    after = [e for e in named(events, "breath") if e.get("peak") > end]
    assert len(before) == 5 and len(after) == 4
    assert before[-1].t == hold_start.t  # reported when the hold is declared, not when breathing resumes
    assert before[-1].get("end") == pytest.approx(hold_start.get("start"))
    assert after[0].get("onset") == pytest.approx(hold_end.get("end"))
    assert after[0].get("inst_rate_bpm") is None  # no breathing interval spans a hold
    assert after[1].get("inst_rate_bpm") == pytest.approx(60.0 / (after[1].get("peak") - after[0].get("peak")))


@pytest.mark.parametrize("polarity", ["normal", "auto"])
def test_a_hold_at_full_inspiration_is_part_of_the_breath_it_tops(polarity):
    sig = Builder(25, seed=4, depth=0.4).breathe(5, bpm=12, end_inhaled=True).hold(14).breathe(4).build()
    (start, end), = sig.holds
    events, det = run(sig.samples(), config=DetectorConfig(polarity=polarity))
    hold_start, hold_end = named(events, "hold_start")[0], named(events, "hold_end")[0]
    held = [e for e in named(events, "breath") if start - 1.0 < e.get("peak") < end]
    assert len(held) == 1
    # pinned where the chest stopped, just before the hold: never a wobble in it
    assert hold_start.get("start") - 0.05 <= held[0].get("peak") <= hold_start.get("start")
    assert held[0].get("end") >= hold_end.get("end")  # its exhale comes after the hold
    assert held[0].get("exhale") >= hold_end.get("duration")
    assert len(named(events, "breath")) == 9


def test_a_hold_half_way_up_an_inhale_starts_where_the_chest_stopped():
    b = Builder(25, seed=4, depth=0.4).breathe(5, bpm=12, stop="mid")
    sig = b.hold(14).breathe(4).build()
    (start, end), = sig.holds
    events, det = run(sig.samples(), config=DetectorConfig(polarity="normal"))
    hold_start = named(events, "hold_start")[0]
    assert abs(hold_start.get("start") - start) <= 0.5
    held = [e for e in named(events, "breath") if e.get("onset") < start < e.get("end")]
    assert len(held) == 1 and held[0].get("peak") > end  # the inhale goes on after the hold


def states_seen(det: BreathDetector, sig) -> tuple[list[str], list]:
    """The states the status went through, in order, and every event."""
    states, events = [], []
    for s in sig.samples():
        events += det.update(s)
        if not states or states[-1] != det.status.state:
            states.append(det.status.state)
    return states, events


def test_shallow_and_rapid_breathing_show_in_the_status_against_a_calibrated_baseline():
    sig = Builder(25, seed=14, depth=0.4).breathe(4).breathe(8, depth=0.12).breathe(8).build()
    states, events = states_seen(BreathDetector(DetectorConfig(shallow_seconds=20), 25, Baseline(0.4, 12.0, "normal")), sig)
    check_contract(events)
    assert states == ["starting", "breathing", "shallow", "breathing"]
    shallow = [e for e in named(events, "breath") if 22.0 < e.get("peak") < 58.0]
    assert shallow and all(e.get("rel_depth") == pytest.approx(0.3, abs=0.08) for e in shallow)

    sig = Builder(25, seed=15, depth=0.4).breathe(4, bpm=12).breathe(12, bpm=30).breathe(5, bpm=12).build()
    states, events = states_seen(BreathDetector(DetectorConfig(rapid_seconds=10), 25, Baseline(0.4, 12.0, "normal")), sig)
    check_contract(events)
    assert states == ["starting", "breathing", "rapid", "breathing"]
    assert [e.name for e in events if e.name.startswith("rapid")] == ["rapid_start", "rapid_end"]


def shaped(start: list[float], pieces: list[tuple[float, float]], seed: int = 1) -> tuple[list[float], list[float]]:
    """``start``'s values, then smooth moves by ``(change, seconds)`` (0 change: a pause), with a little noise.

    Returns the values and the time each piece ends.
    """
    rng = random.Random(seed)
    values, ends = list(start), []
    level = start[-1]
    for change, seconds in pieces:
        n = int(round(seconds * 25))
        for i in range(n):
            values.append(level + change * (0.5 - 0.5 * math.cos(math.pi * (i + 1) / n)) + rng.gauss(0.0, 0.002))
        level += change
        ends.append(len(values) / 25)
    return values, ends


def samples_of(values: list[float]) -> list[Sample]:
    return [Sample(i / 25, v) for i, v in enumerate(values)]


def test_a_pause_on_the_way_up_is_no_hold_start_the_hold_starts_at_the_top():
    breaths = Builder(25, seed=4, depth=0.4).breathe(5, bpm=12).values
    values, ends = shaped(breaths, [(0.2, 0.8), (0.0, 3.0), (0.2, 0.8), (-0.01, 14.0), (-0.39, 2.0)])
    values += [v - 2.0 + values[-1] for v in Builder(25, seed=5, depth=0.4).breathe(4).values]
    events, _ = run(samples_of(values))
    top = ends[2]
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    hold_start = named(events, "hold_start")[0]
    assert top - 0.6 <= hold_start.get("start") <= top + 0.3  # not at the pause, 3.8 s before


@pytest.mark.parametrize("polarity", ["normal", "auto"])
def test_an_inhale_after_a_pause_at_the_bottom_moves_the_hold_start_to_where_it_stopped(polarity):
    breaths = Builder(25, seed=4, depth=0.4).breathe(5, bpm=12).values
    values, ends = shaped(breaths, [(0.0, 3.0), (0.2, 1.0), (0.0, 14.0), (0.2, 1.0), (-0.4, 2.0)])
    values += [v - 2.0 + values[-1] for v in Builder(25, seed=5, depth=0.4).breathe(4).values]
    events, _ = run(samples_of(values), config=DetectorConfig(polarity=polarity))
    held_from = ends[1]
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    assert held_from - 0.6 <= named(events, "hold_start")[0].get("start") <= held_from + 0.3


def test_breathing_again_at_half_the_depth_from_a_held_full_chest_ends_the_hold():
    held = Builder(25, seed=4, depth=0.4).breathe(5, bpm=12, end_inhaled=True).hold(12, sag=0.05).values[:-50]
    again = len(held) / 25
    rng = random.Random(2)
    values = held + [held[-1] - 0.1 + 0.1 * math.cos(2 * math.pi * i / 25 / 5.0) + rng.gauss(0.0, 0.002) for i in range(30 * 25)]
    events, det = run(samples_of(values))
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    hold_end = named(events, "hold_end")[0]
    assert again - 0.5 <= hold_end.get("end") and hold_end.t <= again + 10.0
    assert det.status.state == "breathing"


def test_small_regular_breathing_through_a_hold_past_max_hold_seconds_is_a_loose_strap():
    held = Builder(25, seed=4, depth=0.4).breathe(6, bpm=12).hold(12, sag=0.02).values
    rng = random.Random(3)
    tiny = [held[-1] + 0.02 * (1 - math.cos(2 * math.pi * i / 25 / 5.0)) + rng.gauss(0, 0.001) for i in range(40 * 25)]
    events, det = run(samples_of(held + tiny), config=DetectorConfig(max_hold_seconds=25))
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end", "signal_lost"]
    hold_start, hold_end, lost = (e for e in events if e.name != "breath")
    assert hold_end.t == lost.t == pytest.approx(hold_start.get("start") + 25.0, abs=0.05)
    assert lost.get("reason") == "weak" and lost.get("start") == lost.t  # "check the strap", not "flat"
    assert det.status.state == "signal_lost"


def test_motion_is_measured_against_the_calibrated_depth_when_breathing_is_shallower():
    sig = Builder(25, seed=13, depth=0.25).breathe(6).motion(8, size=3.0).breathe(6).build()
    cold, _ = run(sig.samples())
    assert [e.name for e in cold if e.name.startswith("artifact")] == ["artifact_start", "artifact_end"]
    calibrated, _ = run(sig.samples(), baseline=Baseline(1.0, 12.0, "normal"))
    assert [e.name for e in calibrated if e.name.startswith("artifact")] == []  # three of its depths is more
    assert [e.name for e in calibrated if e.name != "breath"] == ["shallow_start"]


def test_after_an_artifact_three_breaths_make_a_hold_possible_again():
    sig = Builder(25, seed=13, depth=0.4).breathe(6).motion(6).breathe(3).hold(14).breathe(3).build()
    (start, end), = sig.holds
    events, _ = run(sig.samples())
    assert [e.name for e in events if e.name != "breath"] == ["artifact_start", "artifact_end", "hold_start", "hold_end"]
    assert abs(named(events, "hold_start")[0].get("start") - start) <= 0.6


def test_a_knock_is_an_artifact_at_once():
    before = Builder(25, seed=4, depth=0.4).breathe(6, bpm=12).values
    knocked_at = len(before) / 25
    values = before + [v + 2.4 for v in Builder(25, seed=5, depth=0.4).breathe(6, bpm=12).values]  # the level jumps 6 depths
    events, _ = run(samples_of(values))
    assert [e.name for e in events if e.name != "breath"] == ["artifact_start", "artifact_end"]
    assert knocked_at < named(events, "artifact_start")[0].t <= knocked_at + 0.2  # the jump itself, before the movement shows


@pytest.mark.parametrize("polarity", ["normal", "inverted"])
def test_with_the_polarity_known_a_breath_is_reported_half_a_second_after_it_ends(polarity):
    sig = Builder(25, seed=3, depth=0.4, sign=1.0 if polarity == "normal" else -1.0).breathe(12, bpm=12).build()
    events, _ = run(sig.samples(), config=DetectorConfig(polarity=polarity))
    delays = [e.t - e.get("end") for e in named(events, "breath")[:-1]]
    assert len(delays) == 11 and max(delays) <= 0.5  # a turn back of 8 % of a depth after a full exhale confirms it


def test_a_hold_too_long_that_then_reads_stuck_is_back_at_the_first_value_that_changes():
    b = Builder(25, seed=12, depth=0.4).breathe(5).hold(40, sag=0.05)
    b.values = b.values[: int(58 * 25)]  # the hold goes on to 58 s: past max_hold_seconds (30) from ~25 s
    b.flat(6)  # then the sensor sticks
    moves_at = len(b.values) / 25
    sig = b.breathe(5).build()
    events, det = run(sig.samples(), config=DetectorConfig(max_hold_seconds=30))
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end", "signal_lost", "signal_ok"]
    lost, ok = named(events, "signal_lost")[0], named(events, "signal_ok")[0]
    assert lost.get("reason") == "flat"
    assert ok.get("start") == lost.get("start") == lost.t  # lost since the hold became too long
    assert ok.t == pytest.approx(moves_at, abs=0.05)  # a stuck value is over when it changes


@pytest.mark.parametrize("kind", ["inhaled", "exhaled"])
@pytest.mark.parametrize("seed", [0, 1, 2, 3])
def test_a_real_held_chests_sag_and_wobble_neither_move_the_start_nor_end_the_hold(seed, kind):
    chest = HeldChest.draw(random.Random(seed), kind)  # hw/held_chest.py: as measured on real holds
    sig = Builder(25, seed=seed, depth=0.4).breathe(6, bpm=12, end_inhaled=kind == "inhaled").held(15, chest).breathe(4).build()
    (start, end), = sig.holds
    events, _ = run(sig.samples())
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    assert abs(named(events, "hold_start")[0].get("start") - start) <= 0.6
    assert abs(named(events, "hold_end")[0].get("end") - end) <= 1.0


def test_shallow_regular_breathing_after_a_declared_hold_ends_it_and_is_counted_at_its_own_depth():
    held = Builder(25, seed=4, depth=0.4).breathe(6, bpm=12).hold(12, sag=0.02).values
    again = len(held) / 25
    rng = random.Random(3)
    # a quarter of the depth, at the person's rate: too small to turn at the hold's scale, big enough to trust
    values = held + [held[-1] + 0.05 * (1 - math.cos(2 * math.pi * i / 25 / 5.0)) + rng.gauss(0, 0.001) for i in range(40 * 25)]
    events, det = run(samples_of(values))
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    assert named(events, "hold_end")[0].t <= again + 25.0  # three regular cycles
    assert len([e for e in named(events, "breath") if e.t > again]) >= 3
    assert det.status.state == "breathing" and det.status.depth == pytest.approx(0.1, rel=0.2)
