"""Stage 2, segmentation (core/segmenter.py): turning points by hysteresis, and what each turn keeps.

Hand-built signals fed straight to a Segmenter (no filters), so the times
are known exactly: a turn is the running extreme once the signal came back
``turn_at`` from it while the chest moves, with where the signal arrived
near the extreme's level, where it left it, its steepest slope and where it
dwelt, all moved back by the filter's delay (docs/detection.md,
"Segmentation into breaths").
"""

from __future__ import annotations

import math

import pytest

from breathcue.core.segmenter import ARRIVE_SHARE, QUICK_TURN_SHARE, Segmenter, Turn

RATE = 25.0
DT = 1.0 / RATE


def run(signal, seconds: float, delay: float = 0.3, depth: float = 2.0, turn_at: float = 0.6, moving=lambda t: True, quick_high=None, seg: Segmenter | None = None, t0: float = 0.0):
    """Feed ``signal(t)`` for ``seconds`` from ``t0``: the segmenter and its turns as (confirmed at, turn)."""
    if seg is None:
        seg = Segmenter(delay)
        seg.reset(t0, signal(t0))
    turns: list[tuple[float, Turn]] = []
    previous = signal(t0)
    for i in range(1, int(round(seconds * RATE)) + 1):
        t = t0 + i * DT
        y = signal(t)
        turn = seg.step(t, y, y - previous, turn_at, depth, moving(t), quick_high)
        previous = y
        if turn is not None:
            turns.append((t, turn))
    return seg, turns


def sine(t: float) -> float:
    return math.sin(2 * math.pi * 0.25 * t)  # peaks at 1 + 4k s, troughs at 3 + 4k s


def test_a_sine_turns_at_its_peaks_and_troughs_its_delay_earlier():
    delay = 0.3
    seg, turns = run(sine, 18.5, delay)
    assert [turn.high for _, turn in turns] == [True, False] * 4 + [True]
    for k, (confirmed, turn) in enumerate(turns):
        extreme = 1.0 + 2.0 * k
        assert turn.t == pytest.approx(extreme - delay, abs=1e-9)
        assert turn.value == pytest.approx(1.0 if turn.high else -1.0)
        # confirmed once the sine came back 0.6 from it: cos(w dt) = 0.4
        back = math.acos(0.4) / (2 * math.pi * 0.25)
        assert extreme + back <= confirmed < extreme + back + DT
        assert turn.left == turn.until


def test_each_turn_says_when_the_signal_arrived_near_its_level_and_when_it_left_it():
    delay = 0.3
    _, turns = run(sine, 20.0, delay, depth=2.0)
    w = 2 * math.pi * 0.25
    for k, (_, turn) in enumerate(turns[1:], start=1):
        extreme = 1.0 + 2.0 * k
        # arrived: the first sample within ARRIVE_SHARE of a depth (0.2) of the extreme's level, at the latest
        near = math.acos(1.0 - ARRIVE_SHARE * 2.0) / w
        assert extreme - near - delay - DT <= turn.arrived <= extreme - delay
        assert turn.arrived < turn.t and turn.reached == turn.arrived
        # left: the last sample within QUICK_TURN_SHARE of a depth (0.16) of it
        gone = math.acos(1.0 - QUICK_TURN_SHARE * 2.0) / w
        assert extreme + gone - delay - DT <= turn.until <= extreme + gone - delay
        assert turn.left == turn.until > turn.t


def test_a_plateau_turn_arrived_where_the_plateau_began_though_its_extreme_is_later():
    def plateau(t: float) -> float:
        if t < 1.0:
            return 1.0 - 2.0 * t  # down from 1 to a trough at 1 s
        if t < 3.0:
            return -1.0 + (t - 1.0)  # up from -1 to 1 over 2 s
        if t < 9.0:
            return 1.0 + 0.01 * (t - 3.0)  # held, creeping up by 0.06
        return 1.06 - (t - 9.0)  # and down again

    _, turns = run(plateau, 12.0, delay=0.5)
    assert [turn.high for _, turn in turns] == [False, True]
    high = next(turn for _, turn in turns if turn.high)
    assert high.t == pytest.approx(9.0 - 0.5, abs=DT + 1e-9)  # the extreme: the end of the creep
    # where the rise first came within a tenth of the depth (0.2) of the extreme's level, 1.06, in steps of under 0.2
    assert 2.86 - 0.5 - 1e-9 <= high.arrived <= 3.0 - 0.5
    assert high.reached == high.arrived
    assert high.until == pytest.approx(9.0 + 0.16 - 0.5, abs=DT + 1e-9)  # it left after falling 0.16
    assert high.slope == pytest.approx(DT, rel=0.01)  # the steepest rise per sample: 1 a second


def test_slopes_are_the_steepest_step_each_way_and_dwell_where_the_half_breath_spent_its_time():
    def shaped(t: float) -> float:
        # a quick rise (1 s), a slow fall (1.5 s) and a pause near the bottom (1.5 s): a 4 s breath
        p = t % 4.0
        if p < 1.0:
            return -math.cos(math.pi * p)
        if p < 2.5:
            return math.cos(math.pi * (p - 1.0) / 1.5)
        return -1.0 + 0.02 * (p - 2.5)

    _, turns = run(shaped, 24.0, delay=0.0, depth=2.0)
    highs = [turn for _, turn in turns if turn.high]
    lows = [turn for _, turn in turns if not turn.high]
    assert len(highs) >= 4 and len(lows) >= 4
    for turn in highs[1:]:
        assert turn.slope == pytest.approx(math.pi / RATE, rel=0.02)  # steepest rise: pi a second
        assert 0.45 < turn.dwell < 0.55  # the rise into the peak is a plain half cosine
    for turn in lows[1:]:
        assert turn.slope == pytest.approx(math.pi / 1.5 / RATE, rel=0.02)  # steepest fall, as a positive size
        assert turn.dwell < 0.3  # the half breath into the trough spent 1.5 of its 3 s near the bottom
        # the trough is at the end of the pause; the signal arrived near its level at the pause's start
        assert turn.arrived == pytest.approx(turn.t - 1.8, abs=DT + 1e-9)


def test_swings_smaller_than_the_threshold_are_no_turns():
    def wobbly(t: float) -> float:
        return sine(t) + 0.2 * math.sin(2 * math.pi * 1.3 * t)  # ripples turn back by ~0.4, under 0.6

    _, turns = run(wobbly, 18.5, delay=0.0)
    assert len(turns) == 9
    assert [turn.high for _, turn in turns] == [True, False] * 4 + [True]
    for k, (_, turn) in enumerate(turns):
        assert turn.t == pytest.approx(1.0 + 2.0 * k, abs=0.3)
    _, big = run(sine, 20.0, delay=0.0, turn_at=2.5)  # more than the whole swing: never a turn
    assert big == []


def test_no_turn_while_the_chest_is_still_and_the_running_extreme_is_kept():
    _, turns = run(sine, 9.0, delay=0.0, moving=lambda t: not 2.0 < t < 5.5)
    assert turns[0][1].high and turns[0][0] < 2.0
    # the trough at 3 s goes unconfirmed while still; once moving, it is confirmed at once
    assert not turns[1][1].high and turns[1][1].t == pytest.approx(3.0)
    assert turns[1][0] == pytest.approx(5.52)


def test_the_first_turn_needs_an_extreme_after_the_start():
    def cosine(t: float) -> float:
        return math.cos(2 * math.pi * 0.25 * t)  # starts at its peak and falls

    _, turns = run(cosine, 9.0, delay=0.2)
    first = turns[0][1]
    assert not first.high  # the start is no measured peak: the first turn is the trough at 2 s
    assert first.t == pytest.approx(2.0 - 0.2)
    assert first.value == pytest.approx(-1.0)
    assert first.until == first.arrived == first.t
    assert first.slope == pytest.approx(2 * math.pi * 0.25 / RATE, rel=0.01)  # the fall into it
    assert turns[1][1].high and turns[1][1].t == pytest.approx(4.0 - 0.2)

    _, rising = run(sine, 4.0, delay=0.2)  # starts rising: the peak at 1 s is the first
    assert rising[0][1].high and rising[0][1].t == pytest.approx(1.0 - 0.2)
    assert rising[0][1].until == rising[0][1].arrived == rising[0][1].t  # nothing known of its approach
    assert rising[0][1].slope == pytest.approx(2 * math.pi * 0.25 / RATE, rel=0.01)
    assert rising[1][1].slope == pytest.approx(2 * math.pi * 0.25 / RATE, rel=0.01)


def test_a_first_extreme_waits_for_the_chest_to_move():
    _, turns = run(sine, 9.0, delay=0.0, moving=lambda t: t > 2.5)
    # the peak at 1 s is confirmed once moving, at 2.52 s (0.75 below it by then), and tracking goes on from there
    assert turns[0][1].high and turns[0][1].t == pytest.approx(1.0)
    assert turns[0][0] == pytest.approx(2.52)
    assert not turns[1][1].high and turns[1][1].t == pytest.approx(3.0)


def test_after_a_full_exhale_a_quick_turn_back_confirms_the_trough():
    # quick_high=False: a breath ends low (an inhale pulls the signal up); after a full swing down
    # a turn back of 8 % of a depth is enough; True: the same at the top (an inverted strap)
    w = 2 * math.pi * 0.25
    plain = run(sine, 9.0, delay=0.0)[1]
    low_end = run(sine, 9.0, delay=0.0, quick_high=False)[1]
    high_end = run(sine, 9.0, delay=0.0, quick_high=True)[1]
    assert [(turn.high, turn.t) for _, turn in plain] == [(turn.high, turn.t) for _, turn in low_end] == [(turn.high, turn.t) for _, turn in high_end]
    slow, quick = math.acos(0.4) / w, math.acos(1.0 - QUICK_TURN_SHARE * 2.0) / w
    for (c, turn), (c_low, _), (c_high, _) in zip(plain[1:], low_end[1:], high_end[1:]):
        extreme = turn.t
        assert extreme + slow <= c < extreme + slow + DT
        assert extreme + quick <= (c_high if turn.high else c_low) < extreme + quick + DT
        assert (c_low if turn.high else c_high) == c  # the other end is not hurried


def test_a_quick_turn_needs_a_full_swing():
    def small_then_full(t: float) -> float:
        # up 2 to a peak at 1 s, down only 1.2 (60 % of the depth) to a trough at 2 s, back up, then full swings
        if t < 1.0:
            return -1.0 + 2.0 * t
        if t < 2.0:
            return 1.0 - 1.2 * (t - 1.0)
        if t < 3.0:
            return -0.2 + 1.2 * (t - 2.0)
        return 1.0 - 2.0 * (t - 3.0) if t < 4.0 else -1.0 + 2.0 * (t - 4.0)

    _, turns = run(small_then_full, 5.0, delay=0.0, turn_at=0.6, quick_high=False)
    lows = [(c, turn) for c, turn in turns if not turn.high]
    assert lows[0][1].t == pytest.approx(2.0)
    assert lows[0][0] > 2.0 + 0.6 / 1.2 - DT  # a 60 % swing: the full threshold
    assert lows[1][1].t == pytest.approx(4.0)
    assert lows[1][0] < 4.0 + 0.2 / 2.0 + 2 * DT  # a full swing: 8 % of a depth back is enough


def test_confirm_takes_the_running_extreme_now_and_turns_the_direction():
    seg, turns = run(sine, 3.52, delay=0.1)  # past the trough at 3 s, not yet confirmed
    assert [turn.high for _, turn in turns] == [True]
    assert seg.rising is False
    ext = seg.extreme
    assert ext is not None and not ext.high and ext.t == pytest.approx(3.0 - 0.1) and ext.value == pytest.approx(-1.0)
    turn = seg.confirm(3.52, sine(3.52))
    assert not turn.high and turn.t == pytest.approx(3.0 - 0.1) and turn.value == pytest.approx(-1.0)
    assert turn.arrived < turn.t < turn.until
    assert seg.rising is True
    # the next extreme is tracked from here: the peak at 5 s
    _, more = run(sine, 3.0, delay=0.1, seg=seg, t0=3.52)
    assert more[0][1].high and more[0][1].t == pytest.approx(5.0 - 0.1)
    assert 0.4 < more[0][1].dwell < 0.6


def test_extreme_is_none_until_the_direction_is_known_and_reset_forgets_it():
    seg = Segmenter(0.2)
    seg.reset(0.0, 0.0)
    assert seg.extreme is None
    seg, _ = run(sine, 2.52, delay=0.2)
    ext = seg.extreme
    assert ext is not None and not ext.high
    assert ext.t == pytest.approx(2.52 - 0.2) and ext.value == pytest.approx(sine(2.52))
    assert ext.slope == pytest.approx(2 * math.pi * 0.25 / RATE, rel=0.01)
    seg.reset(2.5, 0.3)
    assert seg.extreme is None and seg.rising is None


def test_pin_keeps_the_running_extreme_no_later_than_a_hold_start():
    def signal(t: float) -> float:
        if t < 1.5:
            return 1.5 - 2.0 * t  # down to -1.5
        if t < 3.2:
            return -1.5 + 2.0 * (t - 1.5)  # up to 1.9 by 3.2 s
        return 1.9 + 0.05 * (t - 3.2)  # then creeping up: a full chest's drift

    seg, turns = run(signal, 6.0, delay=0.3, depth=3.0, turn_at=0.9)
    assert [turn.high for _, turn in turns] == [False]
    ext = seg.extreme
    assert ext.high and ext.t == pytest.approx(6.0 - 0.3)  # the creep keeps moving the top
    assert ext.arrived == pytest.approx(3.2 - 0.3, abs=0.1)  # it arrived near the top at the end of the rise
    seg.pin(3.2 - 0.3)  # a hold began at the top of the rise
    ext = seg.extreme
    assert ext.t == pytest.approx(2.9) and ext.until == pytest.approx(2.9) and ext.arrived <= 2.9
    seg.pin(3.1)  # a later start moves nothing
    assert seg.extreme.t == pytest.approx(2.9)
    arrived = seg.extreme.arrived
    seg.pin(arrived - 0.5)  # an earlier one moves where it arrived too
    assert seg.extreme.arrived == pytest.approx(arrived - 0.5) and seg.extreme.t == pytest.approx(arrived - 0.5)
    _, turns = run(lambda t: signal(6.0) - 1.5 * (t - 6.0), 2.0, delay=0.3, depth=3.0, turn_at=0.9, seg=seg, t0=6.0)
    assert turns[0][1].high and turns[0][1].t == pytest.approx(arrived - 0.5)  # the confirmed peak stays pinned


def test_a_turn_left_and_reached_never_lie_on_the_wrong_side_of_it():
    plain = Turn(True, 5.0, 1.0)
    assert plain.left == 5.0 and plain.reached == 5.0  # nothing known: the extreme itself
    turn = Turn(False, 5.0, -1.0, until=6.0, arrived=4.0)
    assert turn.left == 6.0 and turn.reached == 4.0
    odd = Turn(False, 5.0, -1.0, until=4.0, arrived=6.0)
    assert odd.left == 5.0 and odd.reached == 5.0


def test_a_new_segmenter_starts_as_if_reset_at_rest():
    fresh = Segmenter(0.2)
    _, turns = run(sine, 8.0, delay=0.2, seg=fresh)
    _, after_reset = run(sine, 8.0, delay=0.2)
    assert turns == after_reset
    assert turns[0][1].high and turns[0][1].t == pytest.approx(0.8) and turns[0][1].value == pytest.approx(1.0)


def test_on_an_exactly_flat_extreme_the_turn_is_where_it_was_first_reached_and_left_at_its_end():
    # a quantised signal (an ADC's steps) can sit on exactly the same value for a while
    def clipped(t: float) -> float:
        raw = 1.5 * math.sin(2 * math.pi * 0.2 * t)  # peaks at 1.25 + 5k s, troughs at 3.75 + 5k s
        return max(-1.0, min(1.0, raw))

    _, turns = run(clipped, 14.0, delay=0.0, depth=2.0)
    w = 2 * math.pi * 0.2
    into = math.asin(1.0 / 1.5) / w  # the clip begins this long after a zero crossing
    assert [turn.high for _, turn in turns] == [True, False, True, False, True]
    for k, (_, turn) in enumerate(turns):
        middle = 1.25 + 2.5 * k
        begins, ends = middle - (1.25 - into), middle + (1.25 - into)
        assert begins <= turn.t < begins + DT  # the first sample on the flat
        assert turn.value == (1.0 if turn.high else -1.0)
        if k:
            assert ends - DT < turn.until <= ends + 0.2  # left once it is off the flat (by 8 % of the depth)
            assert turn.arrived <= turn.t


def test_dwell_is_the_mean_position_of_the_half_breath_between_its_extremes():
    def lopsided(t: float) -> float:
        p = t % 5.0  # a quick inhale, a slow exhale, a long pause at the bottom
        if p < 1.0:
            return -1.0 + 2.0 * (0.5 - 0.5 * math.cos(math.pi * p))
        if p < 3.0:
            return 1.0 - 2.0 * (0.5 - 0.5 * math.cos(math.pi * (p - 1.0) / 2.0))
        return -1.0 + 0.001 * (p - 3.0)

    times = [i * DT for i in range(int(20 * RATE) + 1)]
    values = [lopsided(t) for t in times]
    _, turns = run(lopsided, 20.0, delay=0.0, depth=2.0)
    assert len(turns) >= 6
    for k in range(1, len(turns)):
        confirmed, turn = turns[k]
        previous_confirmed, previous = turns[k - 1]
        begin = previous_confirmed if k == 1 else previous.t  # after the first turn, from where it was confirmed
        seen = [v for t, v in zip(times, values) if begin + 1e-9 < t <= turn.t + 1e-9]
        low, high = min(turn.value, previous.value), max(turn.value, previous.value)
        expected = (sum(seen) / len(seen) - low) / (high - low)
        assert turn.dwell == pytest.approx(expected, abs=1e-9)
        assert 0.0 <= turn.dwell <= 1.0


def test_a_half_breath_of_a_single_sample_says_nothing_of_where_it_dwelt():
    # a zigzag: the confirming sample of one turn is itself the next extreme
    values = [0.0, 0.5, 1.0, 0.84, 0.68, 0.52, 0.36, 0.52, 0.68, 0.84, 1.0, 0.6, 0.2]
    seg = Segmenter(0.0)
    seg.reset(0.0, values[0])
    turns = []
    for i in range(1, len(values)):
        turn = seg.step(i * DT, values[i], values[i] - values[i - 1], 0.6, 2.0, True)
        if turn is not None:
            turns.append(turn)
    assert [(t.high, t.value) for t in turns] == [(True, 1.0), (False, 0.36), (True, 1.0)]
    assert turns[1].t == pytest.approx(6 * DT) and turns[1].dwell == 0.5
    assert turns[2].t == pytest.approx(10 * DT) and turns[2].dwell == 0.5
