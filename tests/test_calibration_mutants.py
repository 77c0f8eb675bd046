"""Calibration and the guided polarity at the edges `make mutate` found no test for (docs/testing.md).

What is asserted is what the user sees: the progress line, the error that
ends a calibration, when the ring shows the guide, the verdict's reason.
"""

from __future__ import annotations

import math
import random

import pytest

from breathcue.config import DetectorConfig
from breathcue.core.calibration import GUIDE, Calibration, CalibrationError, Progress
from breathcue.core.guided import GuidedPolarity
from breathcue.core.types import Sample

RATE = 25.0


def chest(t: float, holds: tuple[tuple[float, float], ...] = (), jolt: tuple[float, float] | None = None) -> float:
    """A strap on someone breathing 12 times a minute, who may hold their breath or shift in the chair."""
    held = next((a for a, b in holds if a <= t < b), None)
    x = t if held is None else held
    v = 1.6 + 0.25 * (0.5 - 0.5 * math.cos(2 * math.pi * x * 12 / 60))
    if jolt is not None and jolt[0] <= t < jolt[1]:
        v += 1.2 * (1 if int(t * 6) % 2 else -1)
    return v + 0.01 * math.sin(2 * math.pi * 1.1 * t)


def calibrate(calm: float, **kw) -> tuple[Calibration, list[Progress]]:
    cal = Calibration(DetectorConfig(), RATE, calm)
    seen = []
    n = 0
    while not cal.done:
        t = n / RATE
        cal.update(Sample(t, chest(t, **kw)))
        if n % 25 == 0:
            seen.append(cal.progress(t))
        n += 1
    return cal, seen


def test_a_hold_in_the_calm_part_says_so_meanwhile_and_ends_the_calibration():
    cal, seen = calibrate(50.0, holds=((27.5, 60.0),))
    holding = [p for p in seen if p.quality == "hold" and p.phase == "calm"]
    assert holding and holding[0].describe().startswith("breathe normally") and holding[0].describe().endswith("don't hold your breath")
    with pytest.raises(CalibrationError, match="^a breath hold came up during calibration: breathe calmly and normally, and try again$"):
        cal.outcome()


def test_movement_in_the_calm_part_says_sit_still():
    _, seen = calibrate(30.0, jolt=(12.0, 16.0))
    moving = [round(p.seconds) for p in seen if p.quality == "moving"]
    assert moving and 12 <= moving[0] <= 14 and all(p.describe().endswith("movement: sit still") for p in seen if p.quality == "moving")


def test_the_guide_shows_only_during_the_guided_breaths():
    cal = Calibration(DetectorConfig(), RATE, 2.0)
    assert cal.guide(0.0) is None  # calm part: the ring is the user's
    cal._calm = (None, 0)  # noqa: SLF001 - as if the calm part had given a baseline
    assert cal.guide(2.0 + GUIDE.inhale / 2) == pytest.approx(0.5)  # half way through the first guided inhale
    cal.error = "stopped"
    assert cal.guide(3.0) is None  # over


def test_stopping_early_says_how_far_it_got():
    cal = Calibration(DetectorConfig(), RATE, 30.0, start=100.0)
    for n in range(int(5 * RATE) + 1):
        cal.update(Sample(100.0 + n / RATE, chest(n / RATE)))
    with pytest.raises(CalibrationError, match=r"^stopped 5 s into a calibration of 70 s$"):
        cal.outcome()


def test_the_last_progress_line_says_done():
    assert Progress("done", 70.0, 0.0, 12, "good", None).describe() == "done, 0 s left; the strap picks up your breathing"


# --- the guided polarity --------------------------------------------------------------------


def follower(seconds: float, depth: float, noise: float, lead_in: float = 0.0, seed: int = 1) -> list[tuple[float | None, float]]:
    """Someone following a 10 s guide 1 s late; nothing read for the first ``lead_in`` seconds."""
    rng = random.Random(seed)
    pairs: list[tuple[float | None, float]] = []
    for i in range(int(seconds * RATE)):
        t = i / RATE
        guide = 0.5 - 0.5 * math.cos(2 * math.pi * t / 10.0)
        value = 1.6 + depth * (0.5 - 0.5 * math.cos(2 * math.pi * (t - 1.0) / 10.0)) + rng.gauss(0.0, noise)
        pairs.append((None if t < lead_in else value, guide))
    return pairs


def verdict(pairs, min_swing: float = 0.0):
    g = GuidedPolarity(RATE, min_swing)
    for value, guide in pairs:
        g.update(value, guide)
    return g.verdict()


def test_samples_before_the_strap_is_read_are_left_out_not_counted_as_zero():
    late = verdict(follower(50.0, 0.3, 0.0, lead_in=7.3))
    assert late.polarity == "normal" and late.lag_seconds == pytest.approx(1.0, abs=0.21) and late.correlation > 0.95


def test_a_swing_that_follows_the_guide_too_little_is_too_small_even_if_the_whole_signal_moves_more():
    v = verdict(follower(60.0, 0.09, 0.06), min_swing=0.1)
    assert v.reason == "too_small" and v.polarity is None
    assert abs(v.correlation) >= 0.6 and v.swing < 0.1  # it follows, but only 0.09 V of it


def test_quiet_is_said_from_15_s_into_a_calm_part_without_breaths():
    cal = Calibration(DetectorConfig(), RATE, 30.0)
    for n in range(int(15 * RATE)):  # a slow swell the detector takes for no breath at all
        t = n / RATE
        cal.update(Sample(t, 1.6 + math.sin(2 * math.pi * t / 15.0) + 1e-4 * math.sin(7 * t)))
    assert cal.progress(14.96).quality == "starting" and cal.progress(15.0).quality == "quiet"
    assert cal.progress(15.0).describe() == "breathe normally, 55 s left; no breaths yet: is the strap snug?"  # 15 s calm and 40 s guided to go


def test_what_baseline_json_keeps_beside_the_baseline_and_the_result_in_words():
    from breathcue.core.calibration import Result
    from breathcue.core.guided import Verdict
    from breathcue.core.patterns import Baseline

    verdict = Verdict(None, "too_small", 0.71234, 0.8123, 0.71234, 0.012345, 4)
    result = Result(Baseline(0.0123, 11.6, None), 9, 70.04, verdict)
    assert result.info() == {"breaths": 9, "seconds": 70.0, "guided": {
        "polarity": None, "reason": "too_small", "correlation": 0.712, "lag": 0.81, "confidence": 0.712, "swing": 0.0123, "cycles": 4}}
    assert result.describe("mV") == ("ready: 12 breaths a minute; your breaths move the strap by 0.012 mV; "
                                     "which way a breath moves the signal is not saved: the strap barely moved: it may be loose")
    sure = Verdict("normal", None, 0.9, None, 0.9, 0.3, 4)
    assert sure.why == "" and sure.to_json_dict()["lag"] is None


# --- the guided polarity, continued --------------------------------------------------------------


def sine_pairs(rate: float, seconds: float, lag: float, sign: float = 1.0, period: float = 10.0, start: float = 0.0) -> list[tuple[float | None, float]]:
    """A clean follower of a guide whose first breath begins ``start`` s in."""
    pairs: list[tuple[float | None, float]] = []
    for i in range(int(seconds * rate)):
        t = i / rate - start
        pairs.append((1.6 + sign * 0.3 * (0.5 - 0.5 * math.cos(2 * math.pi * (t - lag) / period)),
                      0.5 - 0.5 * math.cos(2 * math.pi * t / period)))
    return pairs


def decide(pairs, rate: float = RATE):
    g = GuidedPolarity(rate, 0.08)
    for value, guide in pairs:
        g.update(value, guide)
    return g


def test_breathing_in_a_little_ahead_of_the_light_decides():
    lag = -1.2  # a brisk breath that matches the guide best a little early
    v = decide(sine_pairs(RATE, 40.0, lag)).verdict()
    assert v.polarity == "normal" and v.lag_seconds == pytest.approx(lag, abs=0.21)


def test_a_slow_sensor_still_decides():
    v = decide(sine_pairs(4.0, 40.0, 1.0, sign=-1.0), rate=4.0).verdict()
    assert v.polarity == "inverted" and v.lag_seconds == pytest.approx(1.0, abs=0.26)


def test_unreadable_samples_that_come_as_nan_are_left_out_like_missing_ones():
    pairs = sine_pairs(RATE, 40.0, 1.0)
    gappy = [(float("nan") if i % 5 == 0 else v, g) for i, (v, g) in enumerate(pairs)]
    missing = [(None if i % 5 == 0 else v, g) for i, (v, g) in enumerate(pairs)]
    assert decide(gappy).verdict() == decide(missing).verdict()


def test_guide_cycles_are_counted_from_when_the_filters_have_settled():
    g = decide(sine_pairs(RATE, 40.0, 1.0, start=2.0))  # the guide rises through half a breath at 4.5, 14.5, 24.5, 34.5 s
    assert g.cycles == 3  # not the one at 4.5 s, within the 6 s of settling
    assert g.verdict().cycles == 3


def test_no_correlated_stretch_yet_has_no_swing():
    g = decide(sine_pairs(RATE, 5.0, 1.0))  # still settling
    assert g.swing == 0.0 and g.verdict().reason == "too_few_cycles"


def test_a_strap_that_drifts_as_the_belt_loosens_still_correlates_as_a_correlation():
    g = GuidedPolarity(RATE, 0.08)
    for i in range(int(40 * RATE)):
        t = i / RATE
        drift = 0.005 * t  # 0.2 V over the 40 s, one way
        g.update(1.6 + 0.3 * (0.5 - 0.5 * math.cos(2 * math.pi * (t - 1.0) / 10.0)) + drift, 0.5 - 0.5 * math.cos(2 * math.pi * t / 10.0))
    v = g.verdict()
    assert all(-1.0 <= r <= 1.0 for _, r in g.correlations())  # Pearson's r, whatever the drift left after the high-pass
    assert v.polarity == "normal" and 0.99 < v.correlation <= 1.0 and v.swing == pytest.approx(0.3, abs=0.02)


def test_an_abstention_still_reports_the_best_lag_its_size_and_the_cycles_seen():
    v = decide(sine_pairs(RATE, 40.0, 1.0)[: int(25 * RATE)]).verdict()  # 25 s: two cycles after settling
    assert v.reason == "too_few_cycles" and v.polarity is None
    assert v.lag_seconds == pytest.approx(1.0, abs=0.21) and v.confidence == abs(v.correlation) > 0.9 and v.cycles == 2


def test_the_lags_searched_run_from_3_s_ahead_to_6_s_behind():
    lags = [lag for lag, _ in decide(sine_pairs(RATE, 10.0, 1.0)).correlations()]
    assert lags[0] == pytest.approx(-3.0) and lags[-1] == pytest.approx(6.0) and len(lags) == 46


def test_following_just_too_late_is_an_implausible_lag_not_a_guess():
    v = decide(sine_pairs(RATE, 40.0, 3.0)).verdict()  # 3 s behind the light: past the 2.4 s people show
    assert v.polarity is None and v.reason == "implausible_lag"


def test_without_a_smallest_swing_even_a_faint_strap_decides_but_a_stuck_one_never_does():
    faint = GuidedPolarity(RATE)
    stuck = GuidedPolarity(RATE)
    for value, guide in sine_pairs(RATE, 40.0, 1.0):
        faint.update(1.6 + (value - 1.6) / 30.0, guide)  # 0.01 V a breath
        stuck.update(1.6, guide)
    assert faint.verdict().polarity == "normal"
    assert stuck.verdict().polarity is None and stuck.verdict().reason == "not_following"
    assert all(r == 0.0 for _, r in stuck.correlations())


def test_a_5_hz_sensor_keeps_the_lag_grid_at_a_fifth_of_a_second():
    v = decide(sine_pairs(5.0, 40.0, 1.4), rate=5.0).verdict()
    assert v.polarity == "normal" and v.lag_seconds == pytest.approx(1.4, abs=0.01)


def test_any_rate_above_0_is_taken():
    assert GuidedPolarity(0.5).cycles == 0


def test_a_calibration_started_later_on_the_clock_counts_from_its_own_start():
    cal = Calibration(DetectorConfig(), RATE, 30.0, start=100.0)
    for n in range(int(30 * RATE) + 1):  # a slow swell: no breaths
        t = n / RATE
        cal.update(Sample(100.0 + t, 1.6 + math.sin(2 * math.pi * t / 15.0) + 1e-4 * math.sin(7 * t)))
        if n == int(15 * RATE):
            p = cal.progress(100.0 + t)
            assert (p.phase, p.seconds, p.left, p.breaths, p.quality) == ("calm", 15.0, 55.0, 0, "quiet")
    with pytest.raises(CalibrationError, match=r"^only \d breaths found in 30 s \(at least 4 needed\)"):
        cal.outcome()


def test_progress_lines_for_breathing_out_and_as_json():
    p = Progress("guided", 43.26, 26.74, 7, "not_following", "out")
    assert p.describe() == "breathe out as it dims, 27 s left; not following the light yet"
    assert p.to_json_dict() == {"phase": "guided", "seconds": 43.3, "left": 26.7, "breaths": 7, "quality": "not_following", "guide": "out"}


def test_the_result_says_volts_unless_told_otherwise():
    from breathcue.core.calibration import Result
    from breathcue.core.guided import Verdict
    from breathcue.core.patterns import Baseline

    result = Result(Baseline(0.25, 12.0, "normal"), 9, 70.0, Verdict("normal", None, 0.9, 1.0, 0.9, 0.3, 4))
    assert result.describe() == "ready: 12 breaths a minute; your breaths move the strap by 0.25 V; a breath in pulls the signal up"
