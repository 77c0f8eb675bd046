"""Stage 4, holds (core/holds.py): a would-be hold from where breathing stopped, declared, ended.

The HoldTracker is given a Stop (where the last half breath arrived, its
level, its signed swing, the depth) and then the slow band sample by
sample, as the detector gives them; docs/detection.md ("Holds") says what
must follow: declared ``hold_seconds`` after the start, given up or ended
when the chest comes back over the half breath that led into it (a sag
stops well short of that), at two breath-sized turning points, at a
movement no hold makes, and no hold after ``max_hold_seconds``.
"""

from __future__ import annotations

import pytest

from breathcue.core.holds import HoldTracker, Stop

RATE = 25.0


def tracker(stop: Stop | None = None, t: float = 12.0, hold: float = 10.0, longest: float = 60.0) -> HoldTracker:
    holds = HoldTracker(hold, longest)
    if stop is not None:
        holds.begin(stop, t)
    return holds


def run(holds: HoldTracker, z, seconds: float, t0: float, move=lambda t: 0.1, still=lambda t: True, lag: float = 0.7) -> list[tuple[float, str]]:
    """Step from ``t0`` for ``seconds``: (t, what) for each sample that meant something."""
    out = []
    for i in range(1, int(round(seconds * RATE)) + 1):
        t = t0 + i / RATE
        what = holds.step(t, z(t), move(t), still(t), lag)
        if what is not None:
            out.append((t, what))
    return out


INHALED = Stop(start=10.0, level=1.0, swing=1.0, depth=1.0)  # an inhale of one depth, held at the top
EXHALED = Stop(start=10.0, level=0.0, swing=-1.0, depth=1.0)  # an exhale, held at the bottom


def test_nothing_to_track_without_a_stop():
    holds = tracker()
    assert not holds.candidate and holds.held is False and holds.onward == 0 and holds.turns == 0
    assert holds.step(20.0, 0.0, 5.0, False, 0.7) is None
    assert holds.returned(-5.0) is False


def test_a_would_be_hold_is_declared_hold_seconds_after_its_start_once():
    holds = tracker(INHALED, t=12.0)
    assert holds.candidate and not holds.held and holds.turns == 0 and holds.onward == 0
    events = run(holds, lambda t: 0.8, 20.0, 12.0)  # a full chest sagging by 0.2 of a depth
    assert events == [(pytest.approx(20.0), "declare")]  # start 10 s + hold_seconds 10 s
    assert holds.held and not holds.candidate


def test_a_declared_hold_that_lasts_too_long_is_no_hold():
    holds = tracker(INHALED, t=12.0, hold=10.0, longest=30.0)
    events = run(holds, lambda t: 0.9, 28.0, 12.0)
    assert events == [(pytest.approx(20.0), "declare"), (pytest.approx(40.0), "too_long")]  # start + 30 s


def test_the_chest_coming_back_over_the_half_breath_gives_the_hold_up():
    # an inhale of 0.8 depths: back over 90 % of it (0.72) is breathing; a sag stops short of that
    stop = Stop(10.0, 1.0, 0.8, 1.0)
    holds = tracker(stop)
    assert holds.returned(1.0 - 0.70) is False
    assert holds.returned(1.0 - 0.73) is True
    assert holds.returned(1.5) is False  # further up is no return
    # before it is a hold: coming back is enough within 4 s of leaving (0.24 back at 12.8 s, 0.72 at 14.4 s,
    # falling 0.3 a second: an exhale, if in steps), even with no movement over 0.55 within 2 s...
    events = run(holds, lambda t: 1.0 - 0.3 * (t - 12.0), 8.0, 12.0)
    assert events[0][1] == "resume" and events[0][0] == pytest.approx(14.4, abs=2 / RATE)
    # ...but a creep back (0.1 a second: 4.8 s from 0.24 to 0.72 back) is a sag and drift: the hold stands
    creep = tracker(stop)
    assert run(creep, lambda t: 1.0 - 0.1 * (t - 12.0), 7.9, 12.0) == []
    assert run(creep, lambda t: 1.0 - 0.1 * (t - 12.0), 0.2, 19.9) == [(pytest.approx(20.0, abs=1 / RATE), "declare")]
    # a declared hold: only at breathing's pace (a movement over 0.55 of a depth); a slow sag and drift creep back
    held = tracker(stop)
    assert run(held, lambda t: 1.0, 8.0, 12.0) == [(pytest.approx(20.0), "declare")]
    assert run(held, lambda t: 0.2, 2.0, 20.0, move=lambda t: 0.54) == []
    assert run(held, lambda t: 0.2, 0.04, 22.0, move=lambda t: 0.56) == [(pytest.approx(22.04), "resume")]
    deeper = tracker(Stop(10.0, 2.0, 1.6, 2.0))  # the pace is in depths of that hold
    run(deeper, lambda t: 2.0, 8.0, 12.0)
    assert run(deeper, lambda t: 0.4, 1.0, 20.0, move=lambda t: 1.08) == []
    assert run(deeper, lambda t: 0.4, 0.04, 21.0, move=lambda t: 1.12) == [(pytest.approx(21.04), "resume")]


def test_a_deep_half_breath_counts_as_returned_after_a_whole_depth():
    stop = Stop(10.0, 2.0, 2.0, 1.0)  # a sigh of two depths, held at the top
    holds = tracker(stop)
    assert holds.returned(2.0 - 0.98) is False  # a sag of the model's largest (90 %) and then some
    assert holds.returned(2.0 - 1.02) is True  # a whole depth back, though under 90 % of the sigh
    deeper = tracker(Stop(10.0, 4.0, 4.0, 2.0))  # in depths of that hold: 1.0 of 2.0
    assert deeper.returned(4.0 - 1.96) is False and deeper.returned(4.0 - 2.04) is True


def test_a_small_half_breath_must_come_back_at_least_060_depths():
    stop = Stop(10.0, 1.0, 0.3, 1.0)  # an inhale stopped a third of the way: held half way up
    holds = tracker(stop)
    assert holds.returned(1.0 - 0.5) is False  # more than the 0.3 it came up, but a sag can be that
    assert holds.returned(1.0 - 0.55) is True  # 90 % of 0.6 depths
    down = tracker(Stop(10.0, 0.0, -0.3, 1.0))  # a small exhale: coming back means going up
    assert down.returned(0.5) is False and down.returned(0.55) is True and down.returned(-1.0) is False
    deeper = tracker(Stop(10.0, 2.0, 0.6, 2.0))  # 0.6 depths of that hold: 1.2
    assert deeper.returned(2.0 - 1.0) is False and deeper.returned(2.0 - 1.1) is True


def test_held_at_the_bottom_the_chest_returns_upward():
    holds = tracker(EXHALED)
    assert holds.returned(0.3) is False  # an empty chest creeps back up a little
    assert holds.returned(0.86) is False  # short of nine tenths of the exhale: a large creep
    assert holds.returned(0.9) is True
    assert holds.returned(-0.5) is False


def test_a_declared_hold_ends_at_a_movement_no_hold_makes_but_a_would_be_one_does_not():
    holds = tracker(INHALED, t=12.0)
    events = run(holds, lambda t: 0.9, 4.0, 12.0, move=lambda t: 0.8)  # a big move before it is a hold
    assert events == []
    events = run(holds, lambda t: 0.9, 6.0, 16.0, move=lambda t: 0.5)
    assert events == [(pytest.approx(20.0), "declare")]
    assert run(holds, lambda t: 0.9, 2.0, 22.0, move=lambda t: 0.75) == []  # 0.75 depths: not over it
    events = run(holds, lambda t: 0.9, 1.0, 24.0, move=lambda t: 0.76 if t > 24.5 else 0.2)
    assert events[0] == (pytest.approx(24.52), "resume")
    deeper = tracker(Stop(10.0, 2.0, 2.0, 2.0), t=12.0)  # in depths of that hold: 0.75 of 2.0
    run(deeper, lambda t: 1.8, 8.0, 12.0)
    assert deeper.held
    assert run(deeper, lambda t: 1.8, 2.0, 20.0, move=lambda t: 1.45) == []
    assert run(deeper, lambda t: 1.8, 0.04, 22.0, move=lambda t: 1.55) == [(pytest.approx(22.04), "resume")]


def test_two_breath_sized_turning_points_are_breathing():
    holds = tracker(INHALED)
    assert holds.turn() is False
    assert holds.turn() is True
    assert holds.turn() is True
    holds.begin(INHALED, 20.0)  # a new stop counts afresh
    assert holds.turns == 0 and holds.turn() is False


def test_where_the_chest_was_last_still_has_the_filters_lag_taken_off():
    holds = tracker(INHALED, t=12.0)
    assert holds.last_still == 12.0
    run(holds, lambda t: 0.9, 10.0, 12.0, still=lambda t: t <= 19.0, lag=0.7)
    assert holds.last_still == pytest.approx(19.0 - 0.7)
    run(holds, lambda t: 0.9, 2.0, 22.0, still=lambda t: True, lag=0.5)
    assert holds.last_still == pytest.approx(24.0 - 0.5)


def test_clear_forgets_the_hold():
    holds = tracker(INHALED, t=12.0)
    run(holds, lambda t: 0.9, 10.0, 12.0)
    holds.onward = 1
    assert holds.held
    holds.clear()
    assert holds.stop is None and holds.held is False and not holds.candidate and holds.onward == 0
    assert holds.step(30.0, 0.0, 5.0, False, 0.7) is None


def test_begin_starts_a_new_would_be_hold_from_scratch():
    holds = tracker(INHALED, t=12.0)
    run(holds, lambda t: 0.9, 10.0, 12.0)
    holds.turn()
    holds.onward = -1
    holds.begin(EXHALED, 30.0)
    assert holds.stop is EXHALED and holds.candidate and holds.held is False
    assert holds.turns == 0 and holds.onward == 0 and holds.last_still == 30.0

