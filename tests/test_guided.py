"""Guided polarity (core/guided.py): the strap's sign from how the chest follows the pacer's guide."""

from __future__ import annotations

import math
import random

import pytest

from breathcue.core.guided import MIN_CYCLES, REASONS, GuidedPolarity, Verdict
from breathcue.core.pacing import PacedSession, Pattern

from .guided_sim import BELTS, CALIBRATION_GUIDE, Person

MIN_SWING = 0.08  # volts, as calibration asks of a snug strap


def run(pairs: list[tuple[float | None, float]], rate_hz: float, min_swing: float = MIN_SWING) -> Verdict:
    c = GuidedPolarity(rate_hz, min_swing)
    for value, guide in pairs:
        c.update(value, guide)
    return c.verdict()


def sine_follower(rate_hz: float, seconds: float, sign: float, lag: float, period: float = 10.0, depth: float = 0.3) -> list[tuple[float | None, float]]:
    """A clean follower of a sinusoidal guide: the signal is the guide ``lag`` s late, signed."""
    pairs = []
    for i in range(int(seconds * rate_hz)):
        t = i / rate_hz
        guide = 0.5 - 0.5 * math.cos(2 * math.pi * t / period)
        chest = 0.5 - 0.5 * math.cos(2 * math.pi * (t - lag) / period)
        pairs.append((1.6 + sign * depth * chest, guide))
    return pairs


# --- unit tests -------------------------------------------------------------------


@pytest.mark.parametrize("sign,polarity", [(1, "normal"), (-1, "inverted")])
@pytest.mark.parametrize("lag", [0.0, 0.8, 2.0])
def test_a_follower_gives_the_sign_and_the_lag(sign: int, polarity: str, lag: float) -> None:
    v = run(sine_follower(25.0, 40.0, sign, lag), 25.0)
    assert v.polarity == polarity and v.reason is None
    assert v.lag_seconds == pytest.approx(lag, abs=0.21)
    assert sign * v.correlation > 0.95
    assert v.swing == pytest.approx(0.3, rel=0.15)


def test_the_verdict_is_the_same_at_10_and_25_hz() -> None:
    a = run(sine_follower(10.0, 40.0, -1, 1.0), 10.0)
    b = run(sine_follower(25.0, 40.0, -1, 1.0), 25.0)
    assert a.polarity == b.polarity == "inverted"
    assert a.lag_seconds == pytest.approx(b.lag_seconds, abs=0.21)


def test_it_abstains_until_enough_guide_cycles_were_seen() -> None:
    c = GuidedPolarity(10.0, MIN_SWING)
    pairs = sine_follower(10.0, 60.0, 1, 1.0)
    decided_at = None
    for i, (value, guide) in enumerate(pairs):
        c.update(value, guide)
        if decided_at is None and c.verdict().polarity is not None:
            decided_at = i / 10.0
    assert c.cycles >= MIN_CYCLES
    assert decided_at is not None and 20.0 < decided_at <= 40.0  # settling, then three rises of the guide
    assert run(pairs[:250], 10.0).reason == "too_few_cycles"


def test_nothing_seen_abstains() -> None:
    v = GuidedPolarity(25.0).verdict()
    assert v.polarity is None and v.reason == "too_few_cycles" and v.why == REASONS["too_few_cycles"]


def test_a_strap_that_barely_moves_is_too_small() -> None:
    v = run(sine_follower(25.0, 40.0, 1, 1.0, depth=0.03), 25.0)
    assert v.polarity is None and v.reason == "too_small"
    assert v.swing == pytest.approx(0.03, rel=0.2)


def test_breathing_at_ones_own_pace_is_not_following() -> None:
    rng = random.Random(1)
    pairs = []
    for i in range(400):
        t = i / 10.0
        guide = 0.5 - 0.5 * math.cos(2 * math.pi * t / 10.0)
        pairs.append((1.6 + 0.3 * math.sin(2 * math.pi * t * 13 / 60) + rng.gauss(0, 0.005), guide))
    assert run(pairs, 10.0).reason == "not_following"


def test_following_far_out_of_step_is_an_implausible_lag() -> None:
    """3 s behind a 10 s breath: the best match either way round lies outside the lags people show.

    (Half a breath behind cannot be told from an inverted strap followed in time: no method can.)
    """
    v = run(sine_follower(10.0, 40.0, 1, 2.9), 10.0)
    assert v.polarity is None and v.reason == "implausible_lag"


def test_a_guide_too_quick_to_tell_in_from_out_is_ambiguous() -> None:
    """At 20 breaths a minute the lags people show span more than half a breath: both signs fit."""
    v = run(sine_follower(10.0, 40.0, 1, 0.5, period=3.0), 10.0)
    assert v.polarity is None and v.reason == "ambiguous"


def test_missing_samples_keep_the_series_aligned() -> None:
    pairs = sine_follower(25.0, 40.0, -1, 1.2)
    gappy = [(None if 300 <= i < 340 or i % 7 == 0 else value, guide) for i, (value, guide) in enumerate(pairs)]
    v = run(gappy, 25.0)
    assert v.polarity == "inverted"
    assert v.lag_seconds == pytest.approx(1.2, abs=0.21)


def test_verdict_json_has_its_fields() -> None:
    d = run(sine_follower(10.0, 40.0, 1, 1.0), 10.0).to_json_dict()
    assert set(d) == {"polarity", "reason", "correlation", "lag", "confidence", "swing", "cycles"}
    assert d["polarity"] == "normal" and d["cycles"] >= MIN_CYCLES


def test_a_bad_rate_is_refused() -> None:
    with pytest.raises(ValueError, match="rate"):
        GuidedPolarity(0.0)


# --- acceptance: simulated calibrations ---------------------------------------------------------


def calibrations() -> list[tuple[int, float, Person]]:
    """120 calibrations: both polarities, both belts, 10 and 25 Hz, a range of depths, lags, shapes."""
    out = []
    for seed in range(120):
        sign = 1.0 if seed % 2 else -1.0
        belt = BELTS[(seed // 2) % 2]
        rate = 25.0 if seed % 3 == 0 else 10.0
        depth = random.Random(f"depth:{seed}").uniform(0.15, 0.5)
        out.append((seed, rate, Person(seed, sign, belt, depth=depth)))
    return out


def test_every_simulated_calibration_is_decided_right() -> None:
    wrong = []
    for seed, rate, person in calibrations():
        v = run(person.signal(rate, 40.0, CALIBRATION_GUIDE), rate)
        if v.polarity != ("normal" if person.sign > 0 else "inverted"):
            wrong.append((seed, rate, person.belt, v))
    assert not wrong
    assert {p.belt for _, _, p in calibrations()} == set(BELTS)


def test_a_loose_strap_is_refused() -> None:
    for seed in range(40):
        depth = random.Random(f"loose:{seed}").uniform(0.01, 0.053)  # the simulator's loose strap: 0.03-0.05 V
        person = Person(seed, 1.0 if seed % 2 else -1.0, BELTS[seed % 2], depth=depth)
        v = run(person.signal(10.0, 40.0), 10.0)
        assert v.polarity is None and v.reason == "too_small", (seed, v)


def test_breathing_at_ones_own_pace_is_refused() -> None:
    """Own pace at rest, 9-18 breaths a minute: a pace that happens to match the guide cannot be told from following."""
    for seed in range(60):
        own = random.Random(f"own:{seed}").uniform(9.0, 18.0)
        person = Person(seed, 1.0 if seed % 2 else -1.0, BELTS[seed % 2], follows=False, own_bpm=own)
        v = run(person.signal(10.0, 40.0), 10.0)
        assert v.polarity is None and v.reason in ("not_following", "implausible_lag"), (seed, own, v)


@pytest.mark.parametrize("pattern,least", [(Pattern(4.0, 0.0, 6.0, 0.0), 15), (Pattern(4.0, 4.0, 4.0, 4.0), 13), (Pattern.at_rate(11.0), 8)])
def test_paced_sessions_are_right_or_abstain(pattern: Pattern, least: int) -> None:
    """Any session the daemon runs: a verdict is never wrong; the slower the guide, the more often it decides."""
    session = PacedSession(pattern)
    decided = 0
    for seed in range(16):
        person = Person(seed, 1.0 if seed % 2 else -1.0, BELTS[(seed // 2) % 2], depth=0.3)
        v = run(person.signal(10.0, 90.0, session), 10.0)
        if v.polarity is not None:
            decided += 1
            assert v.polarity == ("normal" if person.sign > 0 else "inverted"), (seed, v)
    assert decided >= least
