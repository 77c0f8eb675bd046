"""The detector joining its stages (core/detector.py): what only the whole pipeline promises.

Short synthetic signals (tests/validation/synth.py) of a few breaths and a
hold, a fault or a stuck value, each a fraction of a second to run, so the
mutation run (tools/mutate.py) can afford them for every mutant of
core/detector.py.  The times the events report are checked against where
things happened in the signal: the filters' delay must be taken off them,
and a hold cut short ends where it ended, not where the detector noticed.
"""

from __future__ import annotations

import pytest

from breathcue.config import DetectorConfig
from breathcue.core.detector import Baseline, BreathDetector
from breathcue.core.types import Event, Sample

from .validation.synth import Builder


def run(samples: list[Sample], rate: float = 25.0, config: DetectorConfig | None = None, baseline: Baseline | None = None, finish: bool = True) -> tuple[list[Event], BreathDetector]:
    det = BreathDetector(config or DetectorConfig(), rate, baseline)
    events: list[Event] = []
    for s in samples:
        events += det.update(s)
    if finish:
        events += det.finish(samples[-1].t)
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
