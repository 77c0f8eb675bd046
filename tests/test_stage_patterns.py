"""Stage 5, patterns (core/patterns.py): the baseline, shallow and rapid spells over many breaths.

Breaths are handed to BreathPatterns as the detector would (when reported,
where they began and ended, their depth), so each rule of docs/detection.md
("Baseline, shallow and rapid") is checked on its own.
"""

from __future__ import annotations

import pytest

from breathcue.config import DetectorConfig
from breathcue.core.patterns import Baseline, BreathPatterns
from breathcue.core.types import Event


def breathe(p: BreathPatterns, depths: list[float], *, start: float = 0.0, period: float = 4.0, rate: float | None = 15.0, calm: bool = True, late: float = 0.5, given: bool = False):
    """One breath per ``period`` seconds from ``start``, each reported ``late`` seconds after it ends: its events.

    ``given``: ``depths`` are the relative depths themselves (as against a baseline of 1 that does not move).
    """
    events: list[Event] = []
    t = start
    for depth in depths:
        onset, end = t, t + period
        rel = depth if given else p.relative(depth, rate, "normal")
        p.breath(end + late, onset, end, depth, rel, rate, calm, events)
        t = end
    return events


def names(events: list[Event]) -> list[str]:
    return [e.name for e in events]


def test_a_cold_start_takes_its_baseline_from_the_median_of_the_first_three_breaths():
    p = BreathPatterns(DetectorConfig(), None)
    assert p.relative(1.0, 12.0, "normal") is None
    assert p.relative(3.0, 12.0, "normal") is None
    assert p.baseline is None
    assert p.relative(2.0, 12.0, "inverted") == pytest.approx(1.0)  # the third: the median is 2.0
    assert p.baseline == Baseline(2.0, 12.0, "inverted")
    assert p.relative(1.0, 20.0, None) == pytest.approx(0.5)  # from then on, against it
    assert p.baseline.depth == 2.0  # relative() alone does not move it


def test_a_cold_baseline_without_a_rate_yet_has_rate_zero():
    p = BreathPatterns(DetectorConfig(), None)
    for depth in (1.0, 1.0, 1.0):
        rel = p.relative(depth, None, None)
    assert rel == pytest.approx(1.0) and p.baseline == Baseline(1.0, 0.0, None)


def test_a_calibrated_baseline_is_used_from_the_first_breath():
    p = BreathPatterns(DetectorConfig(), Baseline(2.0, 10.0, "normal"))
    assert p.relative(1.0, 12.0, "normal") == pytest.approx(0.5)


def test_a_cold_baseline_follows_breathing_as_a_running_mean_then_slowly():
    p = BreathPatterns(DetectorConfig(), None)
    breathe(p, [1.0, 1.0, 1.0], rate=None)  # the baseline is set by the third and then follows it
    assert p.baseline.depth == pytest.approx(1.0) and p.baseline.rate_bpm == 0.0
    breathe(p, [1.5], start=12.0, rate=12.0)  # a running mean: 1/(3 + 2) of the way; the first rate is taken as it is
    assert p.baseline.depth == pytest.approx(1.0 + 0.5 / 5) and p.baseline.rate_bpm == pytest.approx(12.0)
    breathe(p, [1.5], start=16.0, rate=18.0)
    assert p.baseline.rate_bpm == pytest.approx(12.0 + 6.0 / 6)
    for k in range(40):
        breathe(p, [1.5], start=20.0 + 4 * k, rate=18.0)
    # by then it moves by 3 % a breath (1/(3+n) has fallen under that)
    before = p.baseline
    breathe(p, [0.9 * before.depth + 0.5], start=300.0, rate=before.rate_bpm + 1.0)
    assert p.baseline.depth == pytest.approx(before.depth + 0.03 * (0.9 * before.depth + 0.5 - before.depth))
    assert p.baseline.rate_bpm == pytest.approx(before.rate_bpm + 0.03)
    assert p.baseline.polarity == "normal"  # the polarity known when it was made


def test_a_calibrated_baseline_moves_by_three_per_cent_a_breath_and_keeps_its_polarity():
    p = BreathPatterns(DetectorConfig(), Baseline(1.0, 10.0, "inverted"))
    breathe(p, [1.5], rate=20.0)
    assert p.baseline == Baseline(pytest.approx(1.015), pytest.approx(10.3), "inverted")
    breathe(p, [1.5], start=4.0, rate=None)  # no rate: the rate stays
    assert p.baseline.rate_bpm == pytest.approx(10.3)


def test_sighs_artefacts_and_shallow_spells_leave_the_baseline_alone():
    p = BreathPatterns(DetectorConfig(), Baseline(1.0, 12.0))
    breathe(p, [1.81, 2.5])  # sighs: over 1.8 baselines
    assert p.baseline.depth == 1.0
    breathe(p, [1.8], start=8.0)  # 1.8 is no sigh
    assert p.baseline.depth == pytest.approx(1.0 + 0.03 * 0.8)
    depth = p.baseline.depth
    breathe(p, [1.5, 1.5], start=12.0, calm=False)  # during an artefact
    assert p.baseline.depth == depth
    p.shallow_start = 10.0  # a shallow spell is on
    breathe(p, [0.3], start=20.0)
    assert p.baseline.depth == depth


def test_before_a_cold_baseline_the_breaths_count_for_nothing_but_the_rate():
    p = BreathPatterns(DetectorConfig(rapid_bpm=20.0, rapid_seconds=5.0), None)
    events = breathe(p, [0.1, 0.1], rate=30.0, period=2.0)
    assert p.baseline is None and p.shallow_start is None
    assert names(events) == []
    events = breathe(p, [0.1, 0.1, 0.1, 0.1], start=4.0, rate=30.0, period=2.0)
    assert "rapid_start" in names(events)


def test_shallow_breathing_starts_when_the_median_of_the_window_is_under_the_fraction():
    config = DetectorConfig(shallow_fraction=0.5, shallow_seconds=20.0)
    p = BreathPatterns(config, Baseline(1.0, 15.0))
    events = breathe(p, [1.0] * 5)  # 0-20 s
    assert events == []
    events = breathe(p, [0.3] * 2, start=20.0)  # at 28.5 s the last 20 s hold 1.0, 1.0, 1.0, 0.3, 0.3
    assert events == []
    events = breathe(p, [0.3] * 3, start=28.0)  # at 32.5 s: 1.0, 1.0, 0.3, 0.3, 0.3 (the breath that ended at 12 s is out)
    assert names(events) == ["shallow_start"]
    assert events[0].get("start") == 20.0 and events[0].t == 32.5  # where the first shallow breath in the window began
    assert p.shallow_start == 20.0


def test_shallow_needs_the_window_covered_and_three_breaths():
    config = DetectorConfig(shallow_fraction=0.5, shallow_seconds=20.0)
    p = BreathPatterns(config, Baseline(1.0, 15.0))
    # two long shallow breaths of 9 s: the window is covered, but two breaths are too few
    events = breathe(p, [0.2, 0.2], period=9.0)
    assert events == [] and p.shallow_start is None
    q = BreathPatterns(config, Baseline(1.0, 15.0))
    # breaths reported one after the other but all within the last 12 s: the window is not covered yet
    events = []
    for k in range(4):
        q.breath(16.5, 4.0 * k, 4.0 * k + 4.0, 0.2, 0.2, 15.0, True, events)
    assert events == [] and q.shallow_start is None
    # covered once the oldest breath began within half a breath (2 s) of the window's start
    for now, covered in ((22.0, False), (22.5, True)):
        r = BreathPatterns(config, Baseline(1.0, 15.0))
        events = []
        for onset in (4.5, 8.5, 12.5, 16.5):
            r.breath(now, onset, onset + 4.0, 0.2, 0.2, 15.0, True, events)
        assert names(events) == (["shallow_start"] if covered else [])
    assert events[0].get("start") == 4.5 and events[0].t == 22.5


def test_shallow_ends_after_three_deep_enough_breaths_in_a_row():
    config = DetectorConfig(shallow_fraction=0.5, shallow_seconds=20.0)
    p = BreathPatterns(config, Baseline(1.0, 15.0))
    breathe(p, [0.3] * 8)
    assert p.shallow_start == 0.0
    events = breathe(p, [0.6, 0.6, 0.3, 0.5, 0.5], start=32.0, given=True)
    assert events == []  # two, then a shallow one, then two more
    events = breathe(p, [0.5], start=52.0, given=True)  # exactly the fraction counts as deep enough
    assert names(events) == ["shallow_end"] and events[0].get("start") == 0.0 and events[0].t == 56.5
    assert p.shallow_start is None


def test_a_breath_reported_late_may_find_the_window_empty():
    config = DetectorConfig(shallow_fraction=0.5, shallow_seconds=20.0)
    p = BreathPatterns(config, Baseline(1.0, 15.0))
    events: list[Event] = []
    p.breath(100.0, 0.0, 4.0, 0.2, 0.2, 15.0, True, events)  # reported long after it ended
    assert events == [] and p.shallow_start is None


def test_rapid_breathing_starts_after_rapid_seconds_above_the_rate_and_ends_below_it():
    config = DetectorConfig(rapid_bpm=20.0, rapid_seconds=10.0)
    p = BreathPatterns(config, Baseline(1.0, 15.0))
    assert breathe(p, [1.0] * 3, period=2.0, rate=20.0) == []  # at the limit is not above it
    events = breathe(p, [1.0] * 6, start=6.0, period=2.0, rate=25.0)  # above from the breath ending at 8 s
    assert names(events) == ["rapid_start"]
    start = events[0]
    assert start.get("start") == 8.0 and start.t == 18.5  # the first report 10 s after 8 s
    assert p.rapid_start == 8.0
    assert breathe(p, [1.0] * 3, start=18.0, period=2.0, rate=30.0) == []  # once
    events = breathe(p, [1.0], start=24.0, period=4.0, rate=None)  # no rate: not above it
    assert names(events) == ["rapid_end"] and events[0].get("start") == 8.0 and events[0].t == 28.5
    assert p.rapid_start is None
    assert breathe(p, [1.0] * 2, start=28.0, rate=12.0) == []  # nothing to end


def test_a_dip_below_the_rate_starts_the_count_again():
    config = DetectorConfig(rapid_bpm=20.0, rapid_seconds=10.0)
    p = BreathPatterns(config, Baseline(1.0, 15.0))
    events = breathe(p, [1.0] * 4, period=2.0, rate=25.0)
    events += breathe(p, [1.0], start=8.0, period=2.0, rate=18.0)
    events += breathe(p, [1.0] * 5, start=10.0, period=2.0, rate=25.0)  # 12-20 s: only 8.5 s above
    assert events == []
    events = breathe(p, [1.0], start=20.0, period=2.0, rate=25.0)  # reported at 22.5: 10.5 s since 12 s
    assert names(events) == ["rapid_start"] and events[0].get("start") == 12.0


def test_three_breaths_in_the_window_are_enough_to_start_and_to_end_a_shallow_spell():
    config = DetectorConfig(shallow_fraction=0.5, shallow_seconds=20.0)
    p = BreathPatterns(config, Baseline(1.0, 15.0))
    events = breathe(p, [0.2, 0.2, 0.2], period=7.0, given=True)  # slow breathing: three fill the 20 s
    assert names(events) == ["shallow_start"] and events[0].t == 21.5
    events = breathe(p, [0.8, 0.8, 0.8], start=21.0, period=7.0, given=True)
    assert names(events) == ["shallow_end"] and events[0].t == 42.5


def test_shallow_is_a_median_under_the_fraction_and_starts_at_the_first_breath_under_it():
    config = DetectorConfig(shallow_fraction=0.5, shallow_seconds=20.0)
    p = BreathPatterns(config, Baseline(1.0, 15.0))
    assert breathe(p, [0.5, 0.5, 0.3, 0.5, 0.3], given=True) == []  # a median of exactly the fraction is not under it
    q = BreathPatterns(config, Baseline(1.0, 15.0))
    events = breathe(q, [0.5, 0.3, 0.3, 0.5, 0.3], given=True)
    assert names(events) == ["shallow_start"] and events[0].get("start") == 4.0  # the first breath under it


def test_rapid_starts_after_exactly_rapid_seconds():
    config = DetectorConfig(rapid_bpm=20.0, rapid_seconds=10.0)
    p = BreathPatterns(config, Baseline(1.0, 15.0))
    events = breathe(p, [1.0] * 6, period=2.0, rate=25.0, late=0.0)  # above since the end of the first, at 2 s
    assert names(events) == ["rapid_start"] and events[0].t == 12.0 and events[0].get("start") == 2.0
