"""The detector on real recordings: breath counts, spliced holds, no false holds, shallow, chunking.

Whole recordings come from ../shared/data/respiration (those tests skip when
it is absent); the det_*.csv excerpts in tests/data always run.  Reference
breath peaks are NeuroKit2's (tests/data/det_reference.json, provenance
inside).  docs/detection.md reports the same figures over more cases.
"""

from __future__ import annotations

import functools
import json
from pathlib import Path

import numpy as np
import pytest

from breathcue.analyze import analyze
from breathcue.config import DetectorConfig
from breathcue.core.detector import Baseline, BreathDetector
from breathcue.core.types import Sample
from breathcue.hw.replay import ReplaySensor, load_recording

from .validation import recordings, scenarios
from .validation.run import detect, named, run_detector
from .validation.score import Score, match_peaks, score
from .validation.splice import Spliced

DATA = Path(__file__).resolve().parent / "data"
REFERENCE = json.loads((DATA / "det_reference.json").read_text())["recordings"]
HOLD_SECONDS = 10.0
shared = pytest.mark.skipif(not recordings.SHARED.exists(), reason="../shared/data/respiration is absent")
CLEAN = [n for n in scenarios.CLEAN if n in REFERENCE]  # respinpeace (GPL) has no stored reference


@functools.lru_cache(maxsize=None)
def load(name: str, rate: float) -> np.ndarray:
    return recordings.load(name, rate)


@functools.lru_cache(maxsize=None)
def heldout_like(name: str, rate: float, seed: int) -> Spliced:
    return scenarios.heldout_like(name, rate, seed, invert=seed % 3 == 2)


def calibrated(values, rate: float) -> Baseline:
    """The baseline calibration would learn from these samples: median depth and rate, and the polarity."""
    events, det = run_detector(values, rate)
    breaths = named(events, "breath")
    peaks = [e.get("peak") for e in breaths]
    return Baseline(float(np.median([e.get("depth") for e in breaths])), 60.0 / float(np.median(np.diff(peaks))), det.polarity)


# --- excerpts (always run) ------------------------------------------------------------


@pytest.mark.parametrize(
    "file, source, start",
    [("det_physio_belt_120s_10hz.csv", "physio_belt", 30.0), ("det_nk_eventrelated_150s_10hz.csv", "nk_eventrelated", 0.0)],
)
def test_excerpts_breaths_match_the_reference(file, source, start):
    rec = load_recording(DATA / file, rate=10, column=2)
    result = analyze(rec, DetectorConfig())
    truth = [p - start for p in REFERENCE[source]["peaks"] if start + 1.0 <= p < start + rec.seconds - 1.0]
    peaks = [e.get("peak") for e in named(result.events, "breath")]
    found = match_peaks(peaks, truth)
    assert found >= 0.95 * len(truth)
    assert len(peaks) - found <= 0.05 * len(truth) + 1
    assert not named(result.events, "hold_start")


def test_excerpt_with_spliced_holds_at_10_hz_and_through_the_daemons_25_hz():
    rec = load_recording(DATA / "det_physio_belt_120s_10hz.csv", rate=10, column=2)
    x = np.asarray(rec.values)
    truth = [p - 30.0 for p in REFERENCE["physio_belt"]["peaks"] if 30.0 <= p < 150.0]
    troughs = [q - 30.0 for q in REFERENCE["physio_belt"]["troughs"] if 30.0 <= q < 150.0]
    base = Spliced(x, 10.0, truth)
    depth = scenarios.typical_depth(x, 10.0, truth, troughs)
    rng = np.random.default_rng(5)
    spliced = scenarios.splice(base, truth[4], "inhaled", scenarios.Plateau(15.0, 0.08, 1.1, 0.2, 4.0, 0.05), depth, rng)
    at = next(q for q in troughs if q > truth[10]) + 15.0
    spliced = scenarios.splice(spliced, at, "exhaled", scenarios.Plateau(17.0, 0.05, 0.9, 0.15, 3.0, 0.05), depth, rng)
    s = score(detect(spliced.values, 10.0), spliced.peaks, spliced.holds, HOLD_SECONDS, 1.0)
    assert (s.holds_found, s.false_holds, s.breaths_in_holds, s.late_holds) == (2, 0, 0, 0)
    # The daemon replays at 25 Hz: the same holds, as promptly.
    from breathcue.hw.replay import Recording

    sensor = ReplaySensor(Recording(list(spliced.values), 10.0, "spliced"), 25.0)
    det = BreathDetector(DetectorConfig(), 25.0)
    events = []
    n = 0
    while (sample := sensor.read(n / 25.0)) is not None:
        events += det.update(sample)
        n += 1
    s25 = score(events, spliced.peaks, spliced.holds, HOLD_SECONDS, 1.0)
    assert (s25.holds_found, s25.false_holds, s25.breaths_in_holds, s25.late_holds) == (2, 0, 0, 0)


def test_plux_excerpt_flags_the_shallow_half_against_a_calibrated_baseline():
    rec = load_recording(DATA / "det_plux_60s_10hz.csv", rate=10, column=2)
    baseline = calibrated(rec.values[330:], 10.0)  # the deep half, as `breathcue calibrate` would
    result = analyze(rec, DetectorConfig(), baseline)
    start, end = named(result.events, "shallow_start"), named(result.events, "shallow_end")
    assert len(start) == 1 and start[0].get("start") <= 8.0 and start[0].t <= 36.0
    assert len(end) == 1 and end[0].t > 33.0
    assert not named(result.events, "hold_start")


def test_chunked_feeding_of_a_real_recording_gives_the_same_events():
    rec = load_recording(DATA / "det_nk_eventrelated_150s_10hz.csv", rate=10, column=2)
    samples = [Sample(i / 10.0, v) for i, v in enumerate(rec.values)]
    one = BreathDetector(DetectorConfig(), 10.0)
    whole = [e for s in samples for e in one.update(s)]
    other = BreathDetector(DetectorConfig(), 10.0)
    chunked = []
    for i in range(0, len(samples), 37):
        for s in samples[i : i + 37]:
            chunked.extend(other.update(s))
    assert chunked == whole and len(named(whole, "breath")) > 30


# --- whole recordings (../shared) ----------------------------------------------------


@shared
@pytest.mark.parametrize("rate", [10.0, 25.0])
@pytest.mark.parametrize("name", CLEAN)
def test_breath_counts_within_5_percent_of_the_reference(name, rate):
    events = detect(load(name, rate), rate)
    truth = REFERENCE[name]["peaks"]
    # NeuroKit2 leaves out a breath cut by either end of the recording: compare over its span.
    peaks = [e.get("peak") for e in named(events, "breath") if truth[0] - 1.0 <= e.get("peak") <= truth[-1] + 1.0]
    assert abs(len(peaks) - len(truth)) <= 0.05 * len(truth)
    assert match_peaks(peaks, truth) >= 0.9 * len(truth)


@shared
@pytest.mark.parametrize("rate", [10.0, 25.0])
@pytest.mark.parametrize("name", list(recordings.SOURCES))
def test_no_hold_in_normal_breathing(name, rate):
    if not recordings.available(name):
        pytest.skip(f"{name} is absent")
    assert not named(detect(load(name, rate), rate), "hold_start")


@shared
@pytest.mark.parametrize("rate", [10.0, 25.0])
def test_the_gentle_splices_of_the_first_validation_still_pass(rate):
    """20 seeds a recording of the older plateaus (heldout_like): a wrong polarity would put every peak on a trough."""
    total, right, scenarios_run = Score(), 0, 0
    for name in CLEAN:
        for seed in range(20):
            rec = heldout_like(name, rate, seed)
            events, det = run_detector(rec.values, rate)
            s = score(events, rec.peaks, rec.holds, HOLD_SECONDS, 1.0)
            assert not named(events, "signal_lost"), (name, seed)
            right += det.polarity == ("inverted" if seed % 3 == 2 else "normal")
            scenarios_run += 1
            total.add(s)
    assert total.holds_found >= total.holds - 4 and total.false_holds <= 4 and total.breaths_in_holds <= 3
    assert max(total.declare_delays) <= 2.0 and total.late_holds <= 1
    assert right >= scenarios_run - 1
    assert total.recall >= 0.96 and total.extra <= 0.02


def realistic_scores(rate: float) -> tuple[Score, int, int, int]:
    """Every realistic scenario at ``rate``: the score, scenarios with the polarity right, scenarios, lost signals."""
    total, right, count, lost = Score(), 0, 0, 0
    cases = [(n, s, "real") for n in CLEAN for s in range(12)] + [(k, s, "belt") for k in ("cord", "force") for s in range(30)]
    for name, seed, family in cases:
        invert = seed % 2 == 1
        rec = scenarios.realistic(name, rate, seed, invert) if family == "real" else scenarios.belt(name, rate, seed, invert)
        events, det = run_detector(rec.values, rate)
        total.add(score(events, rec.peaks, rec.holds, HOLD_SECONDS, 2.0))
        right += det.polarity == ("inverted" if invert else "normal")
        lost += len(named(events, "signal_lost"))
        count += 1
    return total, right, count, lost


@shared
@pytest.mark.parametrize("rate", [10.0, 25.0])
def test_realistic_holds_on_real_recordings_and_both_belt_types_are_called(rate):
    """216 holds a rate that sag, settle, drift and wobble as real ones do, 10-40 s, three depths of breath, both polarities.

    The figures are the ones docs/detection.md reports; what still fails is listed there.
    """
    total, right, count, lost = realistic_scores(rate)
    missed, false = {10.0: (2, 2), 25.0: (4, 4)}[rate]  # with swallows and a person's own variation (docs/detection.md)
    assert total.holds >= 200 and lost == 0  # never "check the strap" for a held breath
    assert total.holds_found >= total.holds - missed and total.false_holds <= false
    assert all(abs(e) <= 3.0 for e in total.start_errors) and max(total.declare_delays) <= 2.8
    assert total.recall >= 0.97 and total.extra <= 0.02
    assert right == count


@pytest.mark.parametrize("rate", [10.0, 25.0])
@pytest.mark.parametrize("kind, found, false", [("force", 0.97, 2), ("cord", 0.95, 3)])
def test_a_minute_with_one_or_two_holds_after_three_to_five_breaths(rate, kind, found, false):
    """60 one-minute recordings a belt type, shaped as the real holds kept for acceptance: the polarity from a
    few breaths, right in every one by its end, and the holds called."""
    total, right = Score(), 0
    for seed in range(60):
        invert = seed % 2 == 1
        rec = scenarios.belt_minute(kind, rate, seed, invert)
        events, det = run_detector(rec.values, rate)
        total.add(score(events, rec.peaks, rec.holds, HOLD_SECONDS, 2.0))
        right += det.polarity == ("inverted" if invert else "normal")
        assert not named(events, "signal_lost"), seed
    assert right == 60
    assert total.holds_found >= found * total.holds and total.false_holds <= false
    assert total.recall >= 0.965 and total.extra <= 0.02  # 97.0 % at best on the force belt at 10 Hz (docs/detection.md)


@pytest.mark.parametrize("rate, false", [(10.0, 8), (25.0, 1)])
def test_slow_breathing_and_ramps_down_to_it_are_no_holds(rate, false):
    """40 five-minute recordings at 4.5-7 breaths a minute, half of them slowing to it from 10-16: a slow exhale
    is nearly still for 5-9 s, and no hold (docs/detection.md, "Slow breathing"; 25 false holds a rate before)."""
    total, lost = Score(), 0
    for seed in range(40):
        rec = scenarios.slow_breather(rate, seed, (seed // 2) % 2 == 1)
        events, _ = run_detector(rec.values, rate)
        total.add(score(events, rec.peaks, rec.holds, HOLD_SECONDS, 2.0))
        lost += len(named(events, "signal_lost"))
    assert total.false_holds <= false and lost == 0
    assert total.recall >= 0.935 and total.extra <= 0.025  # the peak of a slow breath is broad: within 1 s is strict


@shared
@pytest.mark.parametrize("rate", [10.0, 25.0])
def test_moving_about_never_crashes_and_calls_no_hold_after_breathing_is_known(rate):
    for name in CLEAN:
        for seed in range(6):
            events = detect(scenarios.moving_around(name, rate, seed), rate)
            assert [e.t for e in events] == sorted(e.t for e in events)
            assert not named(events, "hold_start"), (name, seed)


@shared
def test_plux_whole_recording_flags_its_shallow_half():
    x = load("plux", 25.0)
    events = detect(x, 25.0, calibrated(x[int(33 * 25) :], 25.0))
    start = named(events, "shallow_start")
    assert len(start) == 1 and start[0].get("start") <= 8.0 and start[0].t <= 36.0


@shared
def test_the_stored_reference_is_neurokit2s_and_respinpeace_agrees_with_it():
    """Recompute the reference live (NeuroKit2 is a test dependency); RespInPeace (GPL) is only read here."""
    nk = pytest.importorskip("neurokit2")
    x, fs = recordings.raw("nk_eventrelated")
    _, info = nk.rsp_process(x, sampling_rate=int(fs))
    assert [round(p / fs, 3) for p in info["RSP_Peaks"]] == REFERENCE["nk_eventrelated"]["peaks"]
    if not recordings.available("respinpeace"):
        pytest.skip("respinpeace is absent")
    x, fs = recordings.raw("respinpeace")
    _, info = nk.rsp_process(x, sampling_rate=int(fs))
    truth = [p / fs for p in info["RSP_Peaks"]]
    peaks = [e.get("peak") for e in named(detect(load("respinpeace", 25.0), 25.0), "breath") if truth[0] - 1 <= e.get("peak") <= truth[-1] + 1]
    assert abs(len(peaks) - len(truth)) <= 0.05 * len(truth)
    assert match_peaks(peaks, truth) >= 0.95 * len(truth)
