"""Streaming filters (core/filters.py): what tests/test_filters.py left open, found by `make mutate`.

Longer cascades (three sections and more), a filter started at rest rather
than settled, a design close to half the rate, the group delay where the
phase wraps past -180 degrees, the refusals' messages, and the sliding
window's edge and emptiness.  Each is checked against scipy or brute force,
as tests/test_filters.py does.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from breathcue.core.filters import SlidingRange, SosFilter, butter_highpass, butter_lowpass, group_delay


@pytest.mark.parametrize("order", [5, 6])
def test_a_long_cascade_at_rest_or_settled_matches_scipy(order):
    # three sections, each with its own two values of state: from rest (zero state), or settled on the first value
    x = np.random.default_rng(order).normal(size=300) + 2.0
    for ours, theirs in (
        (butter_lowpass(order, 1.0, 25.0), signal.butter(order, 1.0, fs=25.0, output="sos")),
        (butter_highpass(order, 1.2, 25.0), signal.butter(order, 1.2, "highpass", fs=25.0, output="sos")),
    ):
        assert len(ours) == 3
        rest = SosFilter(ours)
        y = np.array([rest.step(v) for v in x])
        np.testing.assert_allclose(y, signal.sosfilt(theirs, x), atol=1e-9)
        settled = SosFilter(ours)
        settled.settle(x[0])
        y = np.array([settled.step(v) for v in x])
        expected, _ = signal.sosfilt(theirs, x, zi=signal.sosfilt_zi(theirs) * x[0])
        np.testing.assert_allclose(y, expected, atol=1e-9)


def test_a_cutoff_close_to_half_the_rate_is_a_valid_design():
    # 4 Hz at 10 Hz: above a third of the rate, below half of it
    f = SosFilter(butter_lowpass(2, 4.0, 10.0))
    x = np.random.default_rng(7).normal(size=200)
    y = np.array([f.step(v) for v in x])
    np.testing.assert_allclose(y, signal.sosfilt(signal.butter(2, 4.0, fs=10.0, output="sos"), x), atol=1e-9)


def test_group_delay_where_the_phase_wraps_past_minus_180_degrees():
    # a 4th-order Butterworth is 180 degrees behind at its cutoff: the two phases either side wrap
    sections = butter_lowpass(4, 1.0, 25.0)
    b, a = signal.sos2tf(np.array([(b0, b1, b2, 1.0, a1, a2) for b0, b1, b2, a1, a2 in sections]))
    for f in (0.999, 1.0, 1.001):
        _, expected = signal.group_delay((b, a), w=[f], fs=25.0)
        assert group_delay(sections, f, 25.0) == pytest.approx(expected[0] / 25.0, rel=1e-3)


def test_a_bad_design_says_what_is_wrong():
    with pytest.raises(ValueError, match=r"^order must be at least 1, not 0$"):
        butter_lowpass(0, 0.5, 10.0)
    with pytest.raises(ValueError, match=r"^cutoff 5.0 Hz must lie between 0 and half the rate 10.0 Hz$"):
        butter_highpass(2, 5.0, 10.0)


def test_the_window_holds_a_value_exactly_its_length_old():
    window = SlidingRange(0.5)
    window.push(0.0, 9.0)  # the largest and the smallest so far, at the window's edge at 0.5 s
    window.push(0.25, 5.0)
    assert window.push(0.5, 6.0) == 4.0 and (window.high, window.low) == (9.0, 5.0)
    assert window.push(0.75, 7.0) == 2.0 and window.high == 7.0  # 9.0 is 0.75 s old: gone
    low = SlidingRange(0.5)
    low.push(0.0, -9.0)
    low.push(0.25, 5.0)
    assert low.push(0.5, 4.0) == 14.0 and low.low == -9.0


def test_a_window_is_false_until_it_holds_a_value_and_again_once_cleared():
    window = SlidingRange(1.0)
    assert not window
    window.push(0.0, 1.0)
    assert window
    window.clear()
    assert not window
