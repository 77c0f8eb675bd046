"""Stage 3, polarity (core/polarity.py): the vote abstains until the evidence is clear, then decides right.

Half breaths are handed to PolarityVote directly, as the segmenter's turns
would describe them (slope, swing, dwell), so each kind of evidence of
docs/detection.md ("Polarity") can be given alone: steepness (a stretch
cord's quick inhale), dwell (a force belt's pause at end-expiration) and a
held full chest's sag.
"""

from __future__ import annotations

import math
import random
import statistics

import pytest

from breathcue.core.polarity import PolarityVote


def halves(n: int, *, seed: int = 0, inhale_up: bool = True, steep: float = 0.0, dwell: float = 0.0, noise: float = 0.1, start_rising: bool = True):
    """``n`` half breaths, alternating rise and fall: (rising, slope, swing, dwell).

    ``steep``: how much steeper (log of slope over swing) the inhale is than
    the exhale; ``dwell``: how far toward end-expiration the halves dwell
    (0.5 - dwell of the raw low end for a normal strap). ``noise`` varies both.
    """
    rng = random.Random(seed)
    out = []
    for k in range(n):
        rising = (k % 2 == 0) == start_rising
        inhale = rising == inhale_up
        swing = rng.uniform(0.8, 1.2)
        log_ratio = -2.5 + (steep if inhale else 0.0) + rng.gauss(0.0, noise)
        toward_exhaled = dwell + rng.gauss(0.0, noise)  # > 0: it dwelt at the end-expiratory end
        low_is_exhaled = inhale_up
        d = 0.5 - toward_exhaled if low_is_exhaled else 0.5 + toward_exhaled
        out.append((rising, swing * math.exp(log_ratio), swing, d))
    return out


def shrunk_variance(a: list[float], spread: float) -> float:
    """The sample variance as if two more half breaths had shown the usual spread (docs/detection.md)."""
    m = statistics.mean(a)
    return (sum((v - m) ** 2 for v in a) + 2.0 * spread**2) / (len(a) - 1 + 2.0)


def welch(a: list[float], b: list[float]) -> float:
    """Welch's t of log steepness, rises against falls, spreads drawn toward 0.15."""
    return (statistics.mean(a) - statistics.mean(b)) / math.sqrt(shrunk_variance(a, 0.15) / len(a) + shrunk_variance(b, 0.15) / len(b))


def one_sample(a: list[float]) -> float:
    """The one-sample t of dwell against the middle, its spread drawn toward 0.1."""
    return statistics.mean(a) / math.sqrt(shrunk_variance(a, 0.1) / len(a))


def need(n: int) -> float:
    """The evidence a verdict needs after ``n`` half breaths (docs/detection.md)."""
    return 1.5 if n >= 24 else 2.0 if n >= 16 else 3.0


def test_a_steeper_inhale_decides_the_polarity_after_six_half_breaths_and_not_before():
    for inhale_up, sign in ((True, 1), (False, -1)):
        vote = PolarityVote()
        changed = [vote.half(*h) for h in halves(12, inhale_up=inhale_up, steep=1.0)]
        assert changed == [False] * 5 + [True] + [False] * 6  # clear from the start, but six halves first
        assert vote.sign == sign
        assert vote.z * sign > 3.0


def test_dwell_at_end_expiration_decides_a_force_belt():
    for inhale_up, sign in ((True, 1), (False, -1)):
        vote = PolarityVote()
        verdicts = []
        for h in halves(16, seed=3, inhale_up=inhale_up, dwell=0.15, noise=0.05):
            vote.half(*h)
            verdicts.append(vote.sign)
        assert verdicts[:5] == [None] * 5
        assert vote.sign == sign


def test_no_evidence_abstains():
    vote = PolarityVote()
    for h in halves(60, seed=5, steep=0.0, dwell=0.0, noise=0.2):
        vote.half(*h)
    assert abs(vote.z) < need(60) and vote.sign is None


def test_the_evidence_needed_falls_as_half_breaths_add_up():
    # weak evidence: the first verdict comes at the first half where |z| reaches what that many halves need
    regimes = set()
    for seed in range(40):
        vote = PolarityVote()
        for n, h in enumerate(halves(40, seed=seed, steep=0.12, noise=0.35), start=1):
            changed = vote.half(*h)
            z = vote.z
            if changed:
                assert n >= 6 and abs(z) >= need(n) and vote.sign == (1 if z > 0 else -1)
                regimes.add(need(n))
                break
            assert vote.sign is None and (n < 6 or abs(z) < need(n))
    assert regimes == {3.0, 2.0, 1.5}  # each threshold decided some of them


def test_z_weighs_steepness_dwell_and_holds_as_documented():
    vote = PolarityVote()
    hs = halves(14, seed=7, steep=0.3, dwell=0.05, noise=0.3)
    for h in hs:
        vote.half(*h)
    rises = [math.log(s / w) for r, s, w, _ in hs if r]
    falls = [math.log(s / w) for r, s, w, _ in hs if not r]
    steep = welch(rises, falls)
    dwell = one_sample([0.5 - d for *_, d in hs])
    assert vote.z == pytest.approx(steep + 0.7 / (1.0 + (steep / 3.0) ** 2) * dwell)
    vote.hold(True, -0.6, 1.0)
    assert vote.z == pytest.approx(steep + 0.7 / (1.0 + (steep / 3.0) ** 2) * dwell + 1.5)


def test_evidence_counts_as_soon_as_a_t_statistic_exists():
    hs = halves(8, seed=21, steep=0.4, dwell=0.1, noise=0.3)
    vote = PolarityVote()
    for h in hs[:2]:
        vote.half(*h)
    assert vote.z == 0.0  # one rise, one fall, two dwells: nothing to weigh yet
    vote.half(*hs[2])  # three dwells: a one-sample t; still one fall
    assert vote.z == pytest.approx(0.7 * one_sample([0.5 - d for *_, d in hs[:3]]))
    vote.half(*hs[3])  # two rises and two falls: Welch's t
    steep = welch([math.log(s / w) for r, s, w, _ in hs[:4] if r], [math.log(s / w) for r, s, w, _ in hs[:4] if not r])
    assert vote.z == pytest.approx(steep + 0.7 / (1.0 + (steep / 3.0) ** 2) * one_sample([0.5 - d for *_, d in hs[:4]]))


def test_a_new_vote_or_uniform_evidence_weighs_nothing():
    vote = PolarityVote()
    assert vote.z == 0.0 and vote.sign is None
    vote.half(True, 1.0, 1.0, 0.25)
    vote.half(False, 1.0, 1.0, 0.25)
    assert vote.z == 0.0  # too few to weigh
    vote = PolarityVote()
    for _ in range(10):
        vote.half(True, 1.0, 1.0, 0.5)
        vote.half(False, 1.0, 1.0, 0.5)
    assert vote.z == 0.0 and vote.sign is None  # alike halves dwelling in the middle: nothing either way


def test_two_or_three_alike_half_breaths_are_no_certainty():
    """A force belt's first halves can be alike by chance (log steepness within 0.02): that is no verdict."""
    vote = PolarityVote()
    for rising, slope in ((False, -2.95), (True, -3.22), (False, -2.98), (True, -3.16), (True, -3.22), (False, -2.83)):
        vote.half(rising, math.exp(slope), 1.0, 0.5)
    assert vote.sign is None and abs(vote.z) < 3.0


def test_the_memory_is_twenty_rises_twenty_falls_and_forty_dwells():
    hs = halves(55, seed=22, steep=0.3, dwell=0.05, noise=0.3)
    vote = PolarityVote(sign=1)
    for h in hs:
        vote.half(*h)
    kept = hs[-40:]
    rises = [math.log(s / w) for r, s, w, _ in hs if r][-20:]
    falls = [math.log(s / w) for r, s, w, _ in hs if not r][-20:]
    steep = welch(rises, falls)
    assert vote.z == pytest.approx(steep + 0.7 / (1.0 + (steep / 3.0) ** 2) * one_sample([0.5 - d for *_, d in kept]))


def test_only_recent_half_breaths_count():
    old = halves(40, seed=8, inhale_up=True, steep=1.0, dwell=0.1)
    new = halves(40, seed=9, inhale_up=False, steep=0.5, dwell=0.1)
    vote, fresh = PolarityVote(), PolarityVote()
    for h in old + new:
        vote.half(*h)
    for h in new:
        fresh.half(*h)
    assert vote.z == pytest.approx(fresh.z)  # 20 rises, 20 falls and 40 dwells are remembered


def test_a_half_breath_without_a_swing_is_ignored_and_one_without_a_slope_counts_for_dwell_only():
    vote = PolarityVote()
    for _ in range(10):
        assert vote.half(True, 0.5, 0.0, 0.0) is False
        assert vote.half(False, 0.5, -1.0, 1.0) is False
    assert vote.z == 0.0 and vote.sign is None
    rng = random.Random(1)
    dwells = []
    for k in range(8):
        d = 0.2 + rng.uniform(-0.05, 0.05)
        vote.half(k % 2 == 0, 0.0, 1.0, d)  # flat halves: no steepness
        dwells.append(0.5 - d)
    assert vote.z == pytest.approx(0.7 * one_sample(dwells))
    assert vote.sign == 1  # eight halves that dwelt at the raw low end: that end is end-expiration


def test_a_held_full_chest_that_sags_counts_for_the_end_it_left():
    vote = PolarityVote()
    assert vote.hold(True, -0.6, 1.0) is False  # no verdict from one hold...
    assert vote.z == pytest.approx(1.5)  # ...but a held top that sank by 0.6 of a depth: the top was full
    vote.hold(False, 0.7, 1.0)  # a held bottom that rose as far: the bottom was full
    assert vote.z == pytest.approx(0.0)
    vote.hold(False, -0.9, 1.0)  # moving on past the end it began at is no sag
    vote.hold(True, 0.9, 1.0)
    vote.hold(True, -0.45, 1.0)  # under half a depth: an empty chest's creep, no evidence
    vote.hold(False, 0.45, 1.0)
    vote.hold(True, -0.6, 0.0)  # no depth known
    assert vote.z == pytest.approx(0.0)
    vote.hold(True, -0.5, 1.0)  # half a depth exactly counts
    assert vote.z == pytest.approx(1.5)
    vote.hold(True, -0.9, 2.0)  # half a depth is measured in that hold's depth
    assert vote.z == pytest.approx(1.5)
    vote.hold(False, 1.1, 2.0)
    assert vote.z == pytest.approx(0.0)


def test_holds_add_to_the_half_breaths_toward_a_verdict():
    vote = PolarityVote()
    for h in halves(6, seed=2, steep=0.25, noise=0.1):
        vote.half(*h)
    before = vote.z
    assert vote.sign is None and 1.5 < before < 3.0
    assert vote.hold(True, -0.8, 1.0) is True  # the sag tips it
    assert vote.sign == 1


def test_a_verdict_is_turned_over_only_by_strong_contrary_evidence_after_sixteen_halves():
    vote = PolarityVote(sign=1)
    flips = []
    for n, h in enumerate(halves(40, seed=11, inhale_up=False, steep=0.6, noise=0.3), start=1):
        z_before_sign = vote.sign
        if vote.half(*h):
            flips.append(n)
            assert z_before_sign == 1 and vote.z <= -4.5 and n >= 16
        elif vote.sign == 1:
            assert n < 16 or vote.z > -4.5
    assert flips and vote.sign == -1
    assert len(flips) == 1  # and it stays turned
    strong = PolarityVote(sign=1)
    turned = [n for n, h in enumerate(halves(20, seed=11, inhale_up=False, steep=2.0, noise=0.1), start=1) if strong.half(*h)]
    assert turned == [16]  # clear at once, turned over at the sixteenth half breath


def test_contrary_evidence_short_of_the_reversal_keeps_the_verdict():
    vote = PolarityVote(sign=1)
    for h in halves(40, seed=12, inhale_up=False, steep=0.1, noise=0.3):
        assert vote.half(*h) is False
    assert -4.5 < vote.z < 0 and vote.sign == 1


def test_the_last_word_decides_on_weaker_evidence_at_the_end_of_a_recording():
    for inhale_up, sign, seed in ((True, 1, 4), (False, -1, 8)):
        hs = halves(6, seed=seed, inhale_up=inhale_up, steep=0.08, noise=0.3)
        vote = PolarityVote()
        for h in hs:
            vote.half(*h)
        assert vote.sign is None and 0.4 <= vote.z * sign < 1.0  # six halves, weak evidence
        assert vote.last_word() is True
        assert vote.sign == sign
        assert vote.last_word() is False  # given once

    few = PolarityVote()
    for h in hs[:5]:
        few.half(*h)
    assert few.last_word() is False and few.sign is None  # under six half breaths: still no verdict

    weak = PolarityVote()
    for h in halves(12, seed=5, steep=0.0, noise=0.01):
        weak.half(*h)
    if abs(weak.z) < 0.4:
        assert weak.last_word() is False and weak.sign is None

    given = PolarityVote()
    for h in hs:
        given.half(*h)
    given.settle()
    assert given.last_word() is False and given.sign is None


def test_a_polarity_from_outside_is_kept_whatever_the_breaths_say():
    vote = PolarityVote(sign=-1, learning=False)
    for h in halves(40, seed=13, inhale_up=True, steep=1.5):
        assert vote.half(*h) is False
    assert vote.hold(True, -0.8, 1.0) is False
    assert vote.sign == -1 and vote.z == 0.0

    learnt = PolarityVote()
    learnt.settle()
    for h in halves(20, seed=14, steep=1.5):
        learnt.half(*h)
    assert learnt.sign is None and learnt.z == 0.0 and learnt.learning is False


def test_a_guess_takes_the_way_the_evidence_leans_normal_on_none_and_never_before_six_halves():
    vote = PolarityVote()
    for h in halves(4, seed=3, inhale_up=False, steep=0.3, noise=0.3):
        vote.half(*h)
    assert vote.guess() is False and vote.sign is None  # too few half breaths to lean on
    for h in halves(4, seed=4, inhale_up=False, steep=0.3, noise=0.3):
        vote.half(*h)
    assert vote.sign is None or vote.sign == -1
    if vote.sign is None:
        assert vote.z < 0 and vote.guess() is True and vote.sign == -1
    flat = PolarityVote()
    for _ in range(4):
        flat.half(True, 1.0, 1.0, 0.5)
        flat.half(False, 1.0, 1.0, 0.5)
    assert flat.z == 0.0 and flat.guess() is True and flat.sign == 1
    assert flat.guess() is False  # a sign, guessed or not, is not guessed again
