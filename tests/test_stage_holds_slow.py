"""Stage 4, holds (core/holds.py): a slow breather's exhale is no hold, and a sag then a whole way back is breathing.

docs/detection.md ("Slow breathing"): at 4.5-7 breaths a minute an exhale
takes 5-9 s and moves the chest less in two seconds than the stillness
bar, so a stop at the top of an inhale may still look like a hold when
``hold_seconds`` have passed.  A would-be hold whose chest has gone back
half a depth or more is declared only once it also outlasts 1.25 of the
person's breathing periods; one that stays near its level (a held chest
sags 75 % at most, usually less) is declared on time.  A return at a slow
breather's pace counts within 0.4 of their period of leaving the level,
and coming a whole way back after going back is a complete cycle at any pace.
"""

from __future__ import annotations

import math

import pytest

from breathcue.core.holds import HoldTracker, Stop

RATE = 10.0


def steps(stop: Stop, z, went_still: float = 11.0, until: float = 30.0) -> list[tuple[float, str]]:
    """Step a would-be hold (hold_seconds 10 s) with ``z(t)`` and the movement it makes over two seconds."""
    holds = HoldTracker(10.0, 60.0)
    holds.begin(stop, went_still)
    out = []
    for i in range(1, int(round((until - went_still) * RATE)) + 1):
        t = went_still + i / RATE
        move = abs(z(t) - z(t - 2.0))
        what = holds.step(t, z(t), move, move < 0.2, 0.0)
        if what is not None:
            out.append((round(t, 1), what))
            if what != "declare":
                break
    return out


def exhale(top: float, start: float, seconds: float, depth: float = 1.0):
    """Level at ``top`` until ``start``, then a cosine exhale of ``depth`` over ``seconds``, then level."""
    def z(t: float) -> float:
        u = min(1.0, max(0.0, (t - start) / seconds))
        return top - depth * (0.5 - 0.5 * math.cos(math.pi * u))
    return z


def test_a_slow_exhale_that_never_comes_back_far_enough_is_declared_after_one_and_a_quarter_periods():
    # stop at the top at 10 s after a 1.2-deep inhale; the exhale (8 s) lets out 0.95: 79 % of it and under
    # a whole depth, short of a return, and it stays there.  A 12-s breather: not declared at 20 s, but at
    # 10 + 15 = 25 s.
    stop = Stop(start=10.0, level=1.2, swing=1.2, depth=1.0, period=12.0)
    assert steps(stop, exhale(1.2, 11.0, 8.0, depth=0.95)) == [(25.0, "declare")]


def test_a_held_chest_that_sags_less_than_half_a_depth_is_declared_on_time_whatever_the_period():
    stop = Stop(start=10.0, level=1.2, swing=1.2, depth=1.0, period=12.0)
    assert steps(stop, exhale(1.2, 12.0, 2.5, depth=0.45)) == [(20.0, "declare")]
    # ...and with no period known yet, a deep sag too
    unknown = Stop(start=10.0, level=1.2, swing=1.2, depth=1.0)
    assert steps(unknown, exhale(1.2, 11.0, 8.0, depth=0.95)) == [(20.0, "declare")]


def test_a_return_at_a_slow_breathers_pace_counts_within_four_tenths_of_their_period():
    # back over the 1.0 inhale in a 9-s exhale: 30 % at 14.3 s, 90 % at 18.2 s, 3.8 s later: too slow for a
    # 4-s breather (3 s), at pace for a 12-s one (4.8 s)
    z = exhale(1.0, 11.0, 9.0)
    quick = Stop(start=10.0, level=1.0, swing=1.0, depth=1.0, period=4.0)
    slow = Stop(start=10.0, level=1.0, swing=1.0, depth=1.0, period=12.0)
    assert steps(quick, z)[0][1] == "declare"
    assert steps(slow, z) == [(pytest.approx(18.2, abs=0.15), "resume")]


def test_going_back_then_a_whole_way_again_is_a_complete_cycle_at_any_pace():
    # a stop at the top, a slow sag-like exhale of 0.7 (no return: 58 % of the 1.2 inhale), then an inhale
    # of 0.85 over 5 s: 0.8 of a depth back up at about 23.7 s
    down = exhale(1.2, 11.0, 6.0, depth=0.7)

    def z(t: float) -> float:
        return down(t) + (0.85 * (0.5 - 0.5 * math.cos(math.pi * min(1.0, (t - 19.0) / 5.0))) if t > 19.0 else 0.0)

    stop = Stop(start=10.0, level=1.2, swing=1.2, depth=1.0, sagged=True, period=12.0)
    found = steps(stop, z)
    assert found[-1][1] == "resume" and 23.0 <= found[-1][0] <= 24.0
    assert all(what != "declare" for _, what in found)
    # the same sag, then wobbles of a quarter of a depth: a hold
    wobbly = steps(stop, lambda t: down(t) + 0.12 * math.sin(2 * math.pi * t / 3.0))
    assert wobbly == [(25.0, "declare")]
