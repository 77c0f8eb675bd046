"""Stage 1, conditioning (core/conditioning.py): the bands, their delays, the movement and a stuck sensor.

Small synthetic inputs only, so the mutation run (tools/mutate.py) can run
these for every mutant: what the stage promises in its docstring and in
docs/detection.md ("Conditioning").
"""

from __future__ import annotations

import math

import pytest

from breathcue.core.conditioning import Conditioner


def feed(cond: Conditioner, rate: float, signal, seconds: float, t0: float = 0.0) -> list[tuple[float, tuple[float, float, float, float, float]]]:
    """Step ``signal(t)`` through from ``t0`` (after ``start``) for ``seconds``: (t, outputs) per sample."""
    out = []
    n = int(round(seconds * rate))
    for i in range(1, n + 1):
        t = t0 + i / rate
        out.append((t, cond.step(t, signal(t))))
    return out


def amplitude(rows, k: int, after: float) -> float:
    vals = [r[k] for t, r in rows if t >= after]
    return (max(vals) - min(vals)) / 2


def peak_times(rows, k: int, after: float) -> list[float]:
    """Times of the local maxima of output ``k`` after ``after`` seconds."""
    pts = [(t, r[k]) for t, r in rows if t >= after]
    return [pts[i][0] for i in range(1, len(pts) - 1) if pts[i - 1][1] < pts[i][1] >= pts[i + 1][1]]


@pytest.mark.parametrize("rate", [10.0, 25.0])
def test_breathing_passes_every_band_and_the_heartbeat_is_cut_step_by_step(rate):
    breathing = Conditioner(rate)
    breathing.start(0.0, 0.0)
    rows = feed(breathing, rate, lambda t: math.sin(2 * math.pi * 0.25 * t), 40.0)
    # 15 breaths a minute: kept in the breathing band and, a little smaller, in the quieter ones
    assert amplitude(rows, 0, 20.0) == pytest.approx(1.0, abs=0.05)
    assert 0.8 <= amplitude(rows, 1, 20.0) <= 1.0
    assert 0.6 <= amplitude(rows, 2, 20.0) <= amplitude(rows, 1, 20.0)

    heart = Conditioner(rate)
    heart.start(0.0, 0.0)
    rows = feed(heart, rate, lambda t: math.sin(2 * math.pi * 1.1 * t), 30.0)
    fast, slow, quiet = (amplitude(rows, k, 15.0) for k in range(3))
    # each band is a second-order Butterworth low-pass on the one before (0.8, 0.55, 0.4 Hz):
    assert 0.4 < fast < 0.55  # the breathing band keeps breathing up to ~40 a minute, the heart only in part
    assert slow < 0.3 * fast  # the cardiac-free band: over 10 dB more
    assert 0.09 < quiet / slow < 0.2  # quieter still, for the smallest swings
    assert max(r[4] for t, r in rows if t >= 15.0) < 0.3 * 2 * fast  # the movement is judged free of the heartbeat


@pytest.mark.parametrize("rate", [10.0, 25.0, 100.0])
def test_the_delays_are_those_of_the_bands_at_a_breathing_rate(rate):
    cond = Conditioner(rate)
    cond.start(0.0, 0.0)
    rows = feed(cond, rate, lambda t: math.sin(2 * math.pi * 0.25 * t), 40.0)
    # the input peaks at 1 + 4k seconds; each band's peak comes its delay later
    fast = [t for t in peak_times(rows, 0, 12.0)]
    slow = [t for t in peak_times(rows, 1, 12.0)]
    assert 0.25 <= cond.fast_delay <= 0.35 and 0.65 <= cond.slow_delay <= 0.85  # docs: ~0.3 s and ~0.7 s at 15 a minute
    for got, delay, within in ((fast, cond.fast_delay, 0.04), (slow, cond.slow_delay, 0.08)):  # group vs phase delay
        assert got
        for t in got:
            lag = (t - 1.0) % 4.0
            assert lag == pytest.approx(delay, abs=1.0 / rate + within)


def test_start_settles_every_band_at_the_value():
    cond = Conditioner(25.0)
    assert cond.start(3.0, 2.5) == pytest.approx(2.5)
    assert cond.y == pytest.approx(2.5)
    y, z, q, dy, move = cond.step(3.04, 2.5)
    assert (y, z, q) == pytest.approx((2.5, 2.5, 2.5))
    assert dy == pytest.approx(0.0, abs=1e-12) and move == pytest.approx(0.0, abs=1e-12)


def test_start_afresh_forgets_the_old_movement_and_level():
    cond = Conditioner(25.0)
    cond.start(0.0, 0.0)
    feed(cond, 25.0, lambda t: 5.0 if t > 1.0 else 0.0, 3.0)  # a big step: movement of several units
    assert cond.step(3.04, 5.0)[4] > 2.0
    cond.start(3.08, -1.0)
    y, z, q, dy, move = cond.step(3.12, -1.0)
    assert (y, z, q) == pytest.approx((-1.0, -1.0, -1.0))
    assert move == pytest.approx(0.0, abs=1e-9)


def test_dy_is_the_step_of_the_breathing_band():
    cond = Conditioner(25.0)
    cond.start(0.0, 0.0)
    previous = cond.y
    for i in range(1, 125):
        t = i / 25.0
        y, z, q, dy, move = cond.step(t, math.sin(2 * math.pi * 0.3 * t))
        assert dy == pytest.approx(y - previous)
        assert cond.y == y
        previous = y
    assert previous > 0.5  # it did move


def test_movement_is_the_range_of_the_cardiac_free_band_over_two_seconds():
    rate = 25.0
    cond = Conditioner(rate)
    cond.start(0.0, 0.0)
    rows = feed(cond, rate, lambda t: 1.0 if t >= 2.0 else 0.0, 12.0)
    zs = [(t, r[1]) for t, r in rows]
    for t, r in rows:
        window = [z for s, z in zs if t - 2.0 <= s <= t] + ([0.0] if t <= 2.0 else [])
        assert r[4] == pytest.approx(max(window) - min(window), abs=1e-9)
    # a step of 1 moves the chest by 1, and 2 s after the band settles the movement is gone
    assert max(r[4] for t, r in rows) == pytest.approx(1.0, abs=0.1)
    assert rows[-1][1][4] < 0.01


def test_a_value_unchanged_for_a_while_is_stuck_and_a_change_or_a_gap_ends_the_run():
    cond = Conditioner(25.0)
    assert cond.stuck_for(0.0, 1.0) == 0.0  # the first value is news
    assert cond.stuck_since == 0.0
    assert cond.stuck_for(0.5, 1.0) == pytest.approx(0.5)
    assert cond.stuck_for(2.5, 1.0) == pytest.approx(2.5)
    assert cond.stuck_since == 0.0
    assert cond.stuck_for(3.0, 1.5) == 0.0  # it changed
    assert cond.stuck_since == 3.0
    assert cond.stuck_for(4.0, 1.5) == pytest.approx(1.0)
    assert cond.stuck_for(4.5, None) == 0.0  # a gap ends a run...
    assert cond.stuck_since == 4.5
    assert cond.stuck_for(5.0, 1.5) == 0.0  # ...and the first value after it is news, even the same one
    assert cond.stuck_since == 5.0
    assert cond.stuck_for(5.5, None) == 0.0
    assert cond.stuck_for(6.0, None) == 0.0  # gaps in a row are no stuck value either


@pytest.mark.parametrize("rate", [10.0, 25.0])
def test_the_jerk_is_small_for_breathing_and_a_heartbeat_and_large_for_someone_moving(rate):
    def jerk_of(signal) -> float:
        cond = Conditioner(rate)
        cond.start(0.0, signal(0.0))
        assert cond.jerk == 0.0
        rms = []
        for i in range(1, int(20 * rate) + 1):
            t = i / rate
            cond.step(t, signal(t))
            if t > 10.0:
                rms.append(math.sqrt(cond.jerk))
        return max(rms)

    breathing = jerk_of(lambda t: math.sin(2 * math.pi * 0.25 * t) + 0.03 * math.sin(2 * math.pi * 1.1 * t))
    # a second-order high-pass at 1.2 Hz leaves (0.25 / 1.2) ** 2 of a breath's swing: RMS about 0.03
    assert 0.02 < jerk_of(lambda t: math.sin(2 * math.pi * 0.25 * t)) < 0.04
    moving = jerk_of(lambda t: math.sin(2 * math.pi * 0.25 * t) + 0.5 * math.sin(2 * math.pi * 2.0 * t))
    assert breathing < 0.05  # a few hundredths of a breath
    assert moving > 0.25  # a sway at 2 Hz of half a breath: most of it
    # about a second of memory: a knock is gone from it a few seconds later
    cond = Conditioner(rate)
    cond.start(0.0, 0.0)
    for i in range(1, int(10 * rate) + 1):
        t = i / rate
        cond.step(t, 1.0 if 2.0 <= t < 2.2 else 0.0)
        if abs(t - 2.4) < 0.5 / rate:
            knocked = cond.jerk
        if abs(t - 4.4) < 0.5 / rate:
            later = cond.jerk
    assert knocked > 0.01 and cond.jerk < knocked * 1e-3
    assert later == pytest.approx(knocked * math.exp(-2.0), rel=0.15)  # a mean square over about a second


def test_start_afresh_forgets_the_jerk():
    cond = Conditioner(25.0)
    cond.start(0.0, 0.0)
    for i in range(1, 51):
        cond.step(i / 25, 0.5 * math.sin(2 * math.pi * 2.0 * i / 25))
    assert cond.jerk > 0.01
    cond.start(2.04, 0.3)
    assert cond.jerk == 0.0
    cond.step(2.08, 0.3)
    assert cond.jerk == pytest.approx(0.0, abs=1e-12)  # the high band starts settled at the value
