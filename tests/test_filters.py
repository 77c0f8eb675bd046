"""Streaming filters against scipy, and the sliding range against brute force."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import signal

from breathcue.core.filters import SlidingRange, SosFilter, butter_highpass, butter_lowpass, group_delay, response


@pytest.mark.parametrize("order, cutoff, rate", [(1, 0.5, 10.0), (2, 0.8, 10.0), (2, 0.55, 25.0), (3, 0.7, 100.0), (4, 1.0, 25.0)])
def test_butterworth_matches_scipy(order, cutoff, rate):
    ours = np.array(butter_lowpass(order, cutoff, rate))
    theirs = signal.butter(order, cutoff, fs=rate, output="sos")
    x = np.random.default_rng(order).normal(size=500) + 5.0
    f = SosFilter(butter_lowpass(order, cutoff, rate))
    f.settle(x[0])
    y = np.array([f.step(v) for v in x])
    expected, _ = signal.sosfilt(theirs, x, zi=signal.sosfilt_zi(theirs) * x[0])
    np.testing.assert_allclose(y, expected, atol=1e-9)
    if order <= 2:  # higher orders pair and scale their sections differently, to the same output
        np.testing.assert_allclose(np.delete(theirs, 3, axis=1), ours, atol=1e-12)  # scipy keeps a0 = 1 in column 3
    _, h = signal.sosfreqz(theirs, worN=[0.3, 1.1], fs=rate)
    np.testing.assert_allclose([abs(response(tuple(map(tuple, ours)), f_, rate)) for f_ in (0.3, 1.1)], np.abs(h), atol=1e-9)


@pytest.mark.parametrize("order, cutoff, rate", [(1, 1.2, 10.0), (2, 1.2, 10.0), (2, 1.2, 25.0), (3, 2.0, 100.0)])
def test_highpass_matches_scipy_and_ignores_the_level(order, cutoff, rate):
    ours = butter_highpass(order, cutoff, rate)
    theirs = signal.butter(order, cutoff, "highpass", fs=rate, output="sos")
    x = np.random.default_rng(order).normal(size=500) + 5.0
    f = SosFilter(ours)
    assert f.settle(x[0]) == pytest.approx(0.0, abs=1e-12)  # a constant level passes nothing
    y = np.array([f.step(v) for v in x])
    expected, _ = signal.sosfilt(theirs, x, zi=signal.sosfilt_zi(theirs) * x[0])
    np.testing.assert_allclose(y, expected, atol=1e-9)
    _, h = signal.sosfreqz(theirs, worN=[0.25, 1.8], fs=rate)
    np.testing.assert_allclose([abs(response(ours, f_, rate)) for f_ in (0.25, 1.8)], np.abs(h), atol=1e-9)


def test_group_delay_matches_scipy():
    sections = butter_lowpass(2, 0.8, 10.0)
    b, a = signal.sos2tf(np.array([(b0, b1, b2, 1.0, a1, a2) for b0, b1, b2, a1, a2 in sections]))
    _, expected = signal.group_delay((b, a), w=[0.25], fs=10.0)
    assert group_delay(sections, 0.25, 10.0) == pytest.approx(expected[0] / 10.0, rel=1e-4)


def test_settled_filter_stays_put_on_a_constant():
    f = SosFilter(butter_lowpass(2, 0.5, 25.0))
    assert f.settle(3.0) == pytest.approx(3.0)
    assert all(f.step(3.0) == pytest.approx(3.0) for _ in range(100))


def test_the_cardiac_band_is_cut():
    rate = 10.0
    fast, slow = butter_lowpass(2, 0.8, rate), butter_lowpass(2, 0.55, rate)
    both = fast + slow
    assert abs(response(both, 0.25, rate)) > 0.9  # 15 breaths a minute pass
    assert abs(response(both, 0.9, rate)) < 0.25  # a heartbeat of 54 a minute is cut by more than 12 dB
    assert abs(response(both, 1.2, rate)) < 0.1


@pytest.mark.parametrize("bad", [(0, 0.5, 10.0), (2, 5.0, 10.0), (2, 0.0, 10.0)])
def test_bad_designs_are_refused(bad):
    with pytest.raises(ValueError):
        butter_lowpass(*bad)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=200), st.floats(0.05, 3.0))
def test_sliding_range_is_the_range_of_the_window(values, seconds):
    rate = 10.0
    window = SlidingRange(seconds)
    for i, v in enumerate(values):
        t = i / rate
        got = window.push(t, v)
        inside = [w for j, w in enumerate(values[: i + 1]) if j / rate >= t - seconds]
        assert got == max(inside) - min(inside)
        assert (window.high, window.low) == (max(inside), min(inside))
