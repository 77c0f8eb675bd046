"""Small rhythm (core/rhythm.py): swings far smaller than a breath, and whether they come like breathing.

Piecewise-linear paths through chosen extremes stand for the quiet band, so
the turning points' times and sizes are known; docs/detection.md ("Small
breathing: shallow, or a loose strap") gives the rules: four turning points
in a row whose cycles lie within 0.55-1.8 times the breathing period and
within 1.3 times each other, with swings within 2.5 times each other (not
knowing the period: 2-12 s, 2 and 3.5 times).
"""

from __future__ import annotations

import pytest

from breathcue.core.rhythm import SmallRhythm

RATE = 25.0


def path(points: list[tuple[float, float]]):
    """Samples (t, q) at RATE along straight lines through ``points``."""
    out = []
    for (t0, v0), (t1, v1) in zip(points, points[1:]):
        n = int(round((t1 - t0) * RATE))
        out += [(t0 + i / RATE, v0 + (v1 - v0) * i / n) for i in range(n)]
    out.append(points[-1])
    return out


def feed(rhythm: SmallRhythm, samples, threshold: float = 0.04) -> list[float]:
    """Times at which ``step`` confirmed a turning point."""
    return [t for t, q in samples if rhythm.step(t, q, threshold)]


def zigzag(times: list[float], sizes: list[float], start: float = 0.0) -> list[tuple[float, float]]:
    """Extremes at ``times``, each ``sizes[k]`` from the one before, alternating up and down."""
    points = [(0.0, start)]
    v = start
    for k, (t, size) in enumerate(zip(times, sizes)):
        v += size if k % 2 == 0 else -size
        points.append((t, v))
    return points


def test_turning_points_are_the_extremes_once_the_signal_comes_back_past_the_threshold():
    rhythm = SmallRhythm()
    rhythm.reset(1.0)
    points = zigzag([2.0, 4.0, 6.0, 8.0, 10.0, 12.0], [0.1] * 6, start=1.0)
    confirmed = feed(rhythm, path(points))
    # each extreme is confirmed once the signal is 0.04 past it (0.8 s of a 0.05/s slope); the last one is not yet
    assert len(confirmed) == 5
    for t, extreme in zip(confirmed, [2.0, 4.0, 6.0, 8.0, 10.0]):
        assert t == pytest.approx(extreme + 0.8, abs=2 / RATE)
    assert rhythm.swings(4) == pytest.approx([0.1, 0.1, 0.1])
    assert rhythm.swings() == pytest.approx([0.1, 0.1, 0.1])  # four turning points by default
    assert rhythm.swings(7) == pytest.approx([0.1] * 4)  # all five kept


def test_the_direction_is_set_once_the_signal_moves_past_the_threshold():
    rhythm = SmallRhythm()
    rhythm.reset(1.0)
    assert feed(rhythm, path([(0.0, 1.0), (2.0, 1.039), (4.0, 0.962)])) == []  # under the threshold either way
    assert rhythm.swings() == []
    rhythm.reset(1.0)
    # down first: past 0.04 below at 0.8 s, the trough at 2 s is confirmed 0.04 back up
    confirmed = feed(rhythm, path([(0.0, 1.0), (2.0, 0.9), (4.0, 1.0), (6.0, 0.9)]))
    assert len(confirmed) == 2
    assert confirmed == pytest.approx([2.8, 4.8], abs=2 / RATE)
    assert rhythm.swings(2) == pytest.approx([0.1])


def test_swings_under_the_threshold_are_no_turning_points():
    rhythm = SmallRhythm()
    rhythm.reset(0.0)
    # up to 0.2 at 2 s, ripples of 0.02-0.03 under it until 4 s, down to 0 at 6 s, up again
    points = zigzag([2.0, 2.5, 3.0, 3.5, 4.0, 6.0, 8.0], [0.2, 0.025, 0.02, 0.025, 0.02, 0.19, 0.2])
    confirmed = feed(rhythm, path(points))
    assert confirmed == pytest.approx([4.0 + 2.0 * 0.03 / 0.19, 6.4], abs=2 / RATE)  # the ripples are no turns
    assert rhythm.swings(3) == pytest.approx([0.2])


def regular_path(cycle: float = 4.0, swing: float = 0.1, n: int = 5, times: list[float] | None = None, sizes: list[float] | None = None):
    """Extremes every half ``cycle`` (or at ``times``), then a way back past the last so every one of them turns."""
    times = times or [cycle / 2 * (k + 1) for k in range(n)]
    sizes = sizes or [swing] * len(times)
    points = zigzag(times, sizes)
    t, v = points[-1]
    back = -sizes[-1] if len(times) % 2 else sizes[-1]
    return points + [(t + 2.0, v + back)]


def primed(points) -> SmallRhythm:
    rhythm = SmallRhythm()
    rhythm.reset(0.0)
    feed(rhythm, path(points))
    return rhythm


@pytest.mark.parametrize(
    ("cycle", "period", "regular"),
    [
        (4.0, 4.0, True),
        (4.0, 4.0 / 0.56, True),  # cycles of 0.56 periods: a little quick, still breathing
        (4.0, 4.0 / 0.54, False),  # under 0.55 periods
        (4.0, 4.0 / 1.79, True),
        (4.0, 4.0 / 1.81, False),  # over 1.8 periods
        (4.0, None, True),  # not knowing the period: 2-12 s
        (2.1, None, True),
        (1.9, None, False),
        (11.8, None, True),
        (12.4, None, False),
    ],
)
def test_regular_cycles_at_the_breathing_period_are_breathing(cycle, period, regular):
    rhythm = primed(regular_path(cycle, n=4))
    assert rhythm.regular(period) is regular


def test_four_turning_points_make_a_rhythm_and_seven_end_a_hold():
    rhythm = primed(regular_path(4.0, n=3))  # three turning points: not yet
    assert rhythm.regular(4.0) is False
    rhythm = primed(regular_path(4.0, n=4))  # four
    assert rhythm.regular(4.0) is True and rhythm.regular(4.0, 7) is False
    rhythm = primed(regular_path(4.0, n=7))  # seven
    assert rhythm.regular(4.0, 7) is True
    rhythm = primed(regular_path(4.0, n=12))  # only the last seven are kept
    assert rhythm.regular(4.0, 8) is False and rhythm.regular(4.0, 7) is True


@pytest.mark.parametrize(
    ("times", "period", "regular"),
    [
        ([2.0, 4.0, 6.0, 8.0], 4.0, True),
        ([2.0, 4.0, 6.0, 8.5], 4.0, True),  # cycles 4 and 4.5: within 1.3 times each other
        ([2.0, 4.0, 5.6, 8.8], 4.0, False),  # cycles 3.6 and 4.8: 1.33 times
        ([2.0, 4.0, 5.6, 8.8], None, True),  # not knowing the period, as irregular as real breathing may be
        ([2.0, 4.0, 5.2, 9.0], None, True),  # 5.0 / 3.2: 1.56
        ([2.0, 4.0, 5.0, 10.5], None, False),  # 6.5 / 3.0: over 2
    ],
)
def test_cycles_must_come_one_like_the_next(times, period, regular):
    rhythm = primed(regular_path(times=times))
    assert rhythm.regular(period) is regular


@pytest.mark.parametrize(
    ("sizes", "period", "regular"),
    [
        ([0.1, 0.1, 0.1, 0.1], 4.0, True),
        ([0.1, 0.24, 0.1, 0.1], 4.0, True),  # within 2.5 times each other
        ([0.1, 0.26, 0.1, 0.1], 4.0, False),
        ([0.1, 0.26, 0.1, 0.1], None, True),  # 3.5 times, not knowing the period
        ([0.1, 0.34, 0.1, 0.1], None, True),
        ([0.1, 0.36, 0.1, 0.1], None, False),
    ],
)
def test_swings_must_be_of_one_size(sizes, period, regular):
    rhythm = primed(regular_path(4.0, n=4, sizes=sizes))
    assert rhythm.regular(period) is regular


def test_reset_forgets_the_turning_points_and_the_direction():
    rhythm = primed(regular_path(4.0, n=4))
    assert rhythm.regular(4.0)
    rhythm.reset(5.0)
    assert rhythm.swings() == [] and rhythm.regular(4.0) is False
    # from 5.0 the direction is unknown again: a fall of 0.05 sets it, and only the trough after it turns
    assert feed(rhythm, path([(20.0, 5.0), (22.0, 4.9), (24.0, 5.0)])) == pytest.approx([22.8], abs=2 / RATE)


def test_a_new_tracker_starts_at_rest():
    rhythm = SmallRhythm()
    confirmed = feed(rhythm, path(zigzag([2.0, 4.0, 6.0], [0.1] * 3)))
    assert confirmed == pytest.approx([2.8, 4.8], abs=2 / RATE)
    assert rhythm.swings() == pytest.approx([0.1])


def test_swings_just_over_the_threshold_turn_every_time():
    rhythm = SmallRhythm()
    rhythm.reset(0.0)
    confirmed = feed(rhythm, path(zigzag([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], [0.05] * 6)))
    assert len(confirmed) == 5 and rhythm.swings(7) == pytest.approx([0.05] * 4)


@pytest.mark.parametrize(
    ("times", "sizes"),
    [
        ([1.0, 2.0, 3.0, 6.0], [0.125] * 4),  # cycles of 2 s (the shortest) and 4 s (twice that)
        ([1.0, 4.0, 7.0, 16.0], [0.125] * 4),  # cycles of 6 s and 12 s (the longest)
        ([2.0, 4.0, 6.0, 8.0], [0.125, 0.4375, 0.125, 0.125]),  # swings 3.5 times each other
    ],
)
def test_the_limits_not_knowing_the_period_are_inclusive(times, sizes):
    assert primed(regular_path(times=times, sizes=sizes)).regular(None) is True
