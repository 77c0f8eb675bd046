"""What a calibration tells the user at its edges: the errors that end it, the figures it saves, the progress line.

Each test feeds core/calibration.py a strap signal built for the case and
asserts what the user reads (the progress line, the error, baseline.json's
fields), at the documented limits: a calm part lost for a fifth of the time
still counts, four breaths are enough, a failure claims no time left.
"""

from __future__ import annotations

import math

import pytest

from breathcue.config import DetectorConfig
from breathcue.core.calibration import Calibration, CalibrationError, Progress, Result
from breathcue.core.guided import Verdict
from breathcue.core.patterns import Baseline
from breathcue.core.types import Sample

RATE = 25.0
STRAP = 1.6  # volts at the bottom of a breath


def lungs(t: float, bpm: float = 12.0) -> float:
    """Lung volume (0-1) of someone breathing ``bpm`` times a minute: in for 40 % of a breath, out for 60 %."""
    f = (t * bpm / 60.0) % 1.0
    if f < 0.4:
        return 0.5 - 0.5 * math.cos(math.pi * f / 0.4)
    return 0.5 + 0.5 * math.cos(math.pi * (f - 0.4) / 0.6)


def breathing(t: float, bpm: float = 12.0) -> Sample:
    return Sample(t, STRAP + 0.25 * lungs(t, bpm) + 0.003 * math.sin(2 * math.pi * 1.1 * t))


def run(cal: Calibration, read, every: int = 25, until: str | None = None) -> list[Progress]:
    """Feed ``cal`` from its start, 25 samples a second, until it is done (or leaves phase ``until``)."""
    seen: list[Progress] = []
    n = 0
    while not cal.done and (until is None or cal.phase == until):
        t = cal.start + n / RATE
        before = cal.phase
        cal.update(read(cal, t))
        if n % every == 0 or cal.phase != before:
            seen.append(cal.progress(t))
        n += 1
    return seen


def follower(cal: Calibration, t: float) -> Sample:
    """Calm breathing at 12 a minute, then the guided breaths followed 1 s behind the light."""
    if cal.phase == "guided":
        return Sample(t, STRAP + 0.3 * cal.session.guide(t - 1.0 - cal.calm_end).volume)
    return Sample(t, breathing(t - cal.start).value)


# --- a calm part that gives no baseline --------------------------------------------------------


def test_a_failed_calm_part_says_failed_with_no_time_left_not_done():
    cal = Calibration(DetectorConfig(), RATE, 30.0)
    seen = run(cal, lambda cal, t: Sample(t, None, "i2c_error"))
    last = seen[-1]
    assert cal.done and last.phase == "failed" and last.left == 0.0  # the 40 s of guided breaths will not come
    assert last.describe() == "failed, nothing saved; no signal: is the strap plugged in?"
    assert last.to_json_dict()["left"] == 0.0 and last.to_json_dict()["phase"] == "failed"
    assert all(p.phase == "calm" for p in seen[:-1])
    with pytest.raises(CalibrationError, match=r"^the strap signal was unusable 100% of the time \(i2c_error\)"):
        cal.outcome()


def test_a_fifth_of_the_calm_part_lost_still_calibrates_a_sample_more_does_not():
    """docs/cli.md: nothing is saved when the signal was lost for *more* than a fifth of the time."""

    def lost_at_the_end(bad: int):
        def read(cal: Calibration, t: float) -> Sample:
            n = round(t * RATE)
            return Sample(t, None, "i2c_error") if n >= 750 - bad else breathing(t)
        return read

    fifth = Calibration(DetectorConfig(), RATE, 29.96)  # 750 samples, 0 to 29.96 s
    run(fifth, lost_at_the_end(150), until="calm")
    assert fifth.error is None and fifth.phase == "guided"
    more = Calibration(DetectorConfig(), RATE, 29.96)
    run(more, lost_at_the_end(151), until="calm")
    with pytest.raises(CalibrationError) as failed:
        more.outcome()
    assert str(failed.value) == (
        "the strap signal was unusable 20% of the time (i2c_error): check the strap is on and plugged in, sit still, and try again"
    )


def test_a_moment_lost_in_the_calm_part_is_no_failure():
    cal = Calibration(DetectorConfig(), RATE, 30.0)
    run(cal, lambda cal, t: Sample(t, None, "i2c_error") if 20.0 <= t < 20.5 else breathing(t), until="calm")
    assert cal.error is None and cal.phase == "guided"


def test_moving_for_much_of_the_calm_part_fails_and_says_motion():
    def shifting(cal: Calibration, t: float) -> Sample:
        jolt = 1.2 * (1 if int(t * 6) % 2 else -1) if 12.0 <= t < 24.0 else 0.0  # shifting in the chair for 12 s, once breathing showed
        return Sample(t, breathing(t).value + jolt)

    cal = Calibration(DetectorConfig(), RATE, 30.0)
    seen = run(cal, shifting)
    assert "moving" in {p.quality for p in seen}
    with pytest.raises(CalibrationError) as failed:
        cal.outcome()
    share, rest = str(failed.value).removeprefix("the strap signal was unusable ").split("% ", 1)
    assert 20 < int(share) <= 60
    assert rest == "of the time (motion): check the strap is on and plugged in, sit still, and try again"


def test_moving_and_then_losing_the_signal_names_both():
    def both(cal: Calibration, t: float) -> Sample:
        if 24.0 <= t:
            return Sample(t, None, "i2c_error")
        jolt = 1.2 * (1 if int(t * 6) % 2 else -1) if 12.0 <= t < 18.0 else 0.0
        return Sample(t, breathing(t).value + jolt)

    cal = Calibration(DetectorConfig(), RATE, 30.0)
    run(cal, both)
    with pytest.raises(CalibrationError, match=r"^the strap signal was unusable \d+% of the time \(i2c_error, motion\): check the strap"):
        cal.outcome()


def test_four_breaths_are_enough_and_fewer_say_how_many():
    """docs/cli.md: fewer than 4 breaths in the calm part save nothing; 4 do."""
    found: dict[int, bool] = {}
    for tenths in range(140, 250, 10):
        cal = Calibration(DetectorConfig(), RATE, tenths / 10)
        run(cal, lambda cal, t: breathing(t), until="calm")
        if cal.error is None:
            breaths = cal.progress(cal.calm_end).breaths
            assert breaths >= 4 and cal.phase == "guided"
            found[breaths] = True
        else:
            assert cal.error.startswith("only ") and cal.error.endswith(
                f"breaths found in {tenths / 10:.0f} s (at least 4 needed): "
                "breathe calmly and normally, make sure the strap is snug, or calibrate for longer (--seconds)"
            )
            breaths = int(cal.error.split()[1])
            assert breaths < 4
            found[breaths] = False
    assert found.get(4) is True  # some calm part in 14-24 s at 12 a minute finds exactly four


# --- the result ------------------------------------------------------------------------------


def test_the_saved_rate_depth_breaths_and_seconds_of_a_calibration_started_later_on_the_clock():
    cal = Calibration(DetectorConfig(), RATE, 30.5, start=100.0)
    seen = run(cal, follower)
    result = cal.outcome()
    assert result.baseline.rate_bpm == pytest.approx(12.0, abs=0.1)  # one breath every 5 s
    assert result.baseline.depth == pytest.approx(0.25, abs=0.02)
    assert result.baseline.polarity == "normal"
    info = result.info()
    assert info["seconds"] == 70.5  # 30.5 s calm and 40 s guided, however far into the clock it began
    assert info["breaths"] == result.breaths and 5 <= result.breaths <= 7  # about 6 in 30 s at 12 a minute
    calm = [p.breaths for p in seen if p.phase == "calm"]
    assert calm == sorted(calm) and calm[-1] <= result.breaths and calm[-1] >= result.breaths - 1  # counted one by one
    assert {p.breaths for p in seen if p.phase in ("guided", "done")} == {result.breaths}


def test_the_guided_progress_says_in_while_the_light_brightens_and_out_while_it_dims():
    cal = Calibration(DetectorConfig(), RATE, 30.0)
    run(cal, follower, until="calm")
    assert cal.phase == "guided"
    for breath in range(4):
        start = cal.calm_end + 10.0 * breath
        inhale, exhale = cal.progress(start + 2.0), cal.progress(start + 7.0)
        assert cal.guide(start + 2.1) > cal.guide(start + 2.0) and cal.guide(start + 7.1) < cal.guide(start + 7.0)
        assert (inhale.guide, exhale.guide) == ("in", "out")
        assert inhale.describe().startswith("breathe in as it brightens, ")
        assert exhale.describe().startswith("breathe out as it dims, ")


def test_someone_following_the_light_is_told_so_within_the_second_guided_breath():
    cal = Calibration(DetectorConfig(), RATE, 30.0)
    seen = run(cal, follower)
    following = [p.seconds - 30.0 for p in seen if p.phase == "guided" and p.quality == "following"]
    assert following and following[0] < 20.0  # after the first whole breath with the light, not the second
    assert cal.outcome().verdict.polarity == "normal"


def test_after_the_end_no_time_is_left_and_no_guide_is_shown():
    cal = Calibration(DetectorConfig(), RATE, 30.0)
    run(cal, follower)
    assert cal.phase == "done"
    for t in (cal.end, cal.end + 0.5, cal.end + 3.0):
        p = cal.progress(t)
        assert p.left == 0.0 and p.guide is None and p.describe().startswith("done, 0 s left; ")


def test_the_calm_part_shows_no_guide_and_counts_its_time_from_its_own_start():
    cal = Calibration(DetectorConfig(), RATE, 30.0, start=100.0)
    for n in range(int(10 * RATE)):  # a slow swell: no breaths
        t = n / RATE
        cal.update(Sample(100.0 + t, STRAP + math.sin(2 * math.pi * t / 15.0) + 1e-4 * math.sin(7 * t)))
    p = cal.progress(100.0 + 9.96)
    assert p.to_json_dict() == {"phase": "calm", "seconds": 10.0, "left": 60.0, "breaths": 0, "quality": "starting", "guide": None}
    assert p.describe() == "breathe normally, 60 s left; listening to the strap"


def test_stopped_before_any_sample_says_so():
    cal = Calibration(DetectorConfig(), RATE, 60.0, start=250.0)
    with pytest.raises(CalibrationError, match=r"^stopped 0 s into a calibration of 100 s$"):
        cal.outcome()


def test_the_result_without_a_unit_has_no_stray_space():
    result = Result(Baseline(0.25, 12.0, "inverted"), 6, 70.0, Verdict("inverted", None, -0.9, 1.0, 0.9, 0.3, 4))
    assert result.describe("") == "ready: 12 breaths a minute; your breaths move the strap by 0.25; a breath in pulls the signal down"
