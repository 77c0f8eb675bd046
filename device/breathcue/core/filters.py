"""Streaming filters with explicit state, cheap enough to run per sample on a Pi Zero.

A Butterworth low-pass (and high-pass) is designed here (bilinear transform with
pre-warping, as scipy.signal.butter does) and run as a cascade of
second-order sections whose state, like scipy's ``zi``, lives in plain
attributes so a filter can be started at steady state and compared with
scipy in tests.  ``SlidingRange`` keeps the maximum and minimum over a
time window with monotonic deques: O(1) per sample, no sorting.
"""

from __future__ import annotations

import cmath
import math
from collections import deque

Section = tuple[float, float, float, float, float]
"""One biquad as (b0, b1, b2, a1, a2), with a0 normalised to 1."""


def butter_lowpass(order: int, cutoff_hz: float, rate_hz: float) -> tuple[Section, ...]:
    """Second-order sections of a digital Butterworth low-pass (an odd order adds a first-order one)."""
    return _butter(order, cutoff_hz, rate_hz, high=False)


def butter_highpass(order: int, cutoff_hz: float, rate_hz: float) -> tuple[Section, ...]:
    """Second-order sections of a digital Butterworth high-pass: the same poles, zeros at DC."""
    return _butter(order, cutoff_hz, rate_hz, high=True)


def _butter(order: int, cutoff_hz: float, rate_hz: float, high: bool) -> tuple[Section, ...]:
    if order < 1:
        raise ValueError(f"order must be at least 1, not {order}")
    if not 0.0 < cutoff_hz < rate_hz / 2:
        raise ValueError(f"cutoff {cutoff_hz} Hz must lie between 0 and half the rate {rate_hz} Hz")
    k = math.tan(math.pi * cutoff_hz / rate_hz)
    sections: list[Section] = []
    for i in range(order // 2):
        q = 1.0 / (2.0 * math.sin(math.pi * (2 * i + 1) / (2 * order)))
        norm = 1.0 / (1.0 + k / q + k * k)
        b0 = norm if high else k * k * norm
        b1 = -2.0 * b0 if high else 2.0 * b0
        sections.append((b0, b1, b0, 2.0 * (k * k - 1.0) * norm, (1.0 - k / q + k * k) * norm))
    if order % 2:
        norm = 1.0 / (1.0 + k)
        b0 = norm if high else k * norm
        sections.append((b0, -b0 if high else b0, 0.0, (k - 1.0) * norm, 0.0))
    return tuple(sections)


def response(sections: tuple[Section, ...], freq_hz: float, rate_hz: float) -> complex:
    """The complex frequency response of a cascade at ``freq_hz``."""
    z = cmath.exp(-2j * math.pi * freq_hz / rate_hz)  # z**-1
    h = 1.0 + 0.0j
    for b0, b1, b2, a1, a2 in sections:
        h *= (b0 + b1 * z + b2 * z * z) / (1.0 + a1 * z + a2 * z * z)
    return h


def group_delay(sections: tuple[Section, ...], freq_hz: float, rate_hz: float) -> float:
    """Seconds by which a cascade delays a slow wave at ``freq_hz`` (from the phase slope)."""
    df = 1e-4 * rate_hz
    lo = cmath.phase(response(sections, max(freq_hz - df, 0.0), rate_hz))
    hi = cmath.phase(response(sections, freq_hz + df, rate_hz))
    step = hi - lo
    step = (step + math.pi) % (2 * math.pi) - math.pi
    return -step / (2 * math.pi * (freq_hz + df - max(freq_hz - df, 0.0)))


class SosFilter:
    """A biquad cascade in transposed direct form II; ``state`` holds two values per section."""

    __slots__ = ("sections", "state")

    def __init__(self, sections: tuple[Section, ...]) -> None:
        self.sections = sections
        self.state = [0.0] * (2 * len(sections))

    def settle(self, x: float) -> float:
        """Start at steady state for a constant input ``x`` (scipy's ``sosfilt_zi`` times ``x``)."""
        for i, (b0, b1, b2, a1, a2) in enumerate(self.sections):
            gain = (b0 + b1 + b2) / (1.0 + a1 + a2)
            y = gain * x
            self.state[2 * i] = y - b0 * x
            self.state[2 * i + 1] = b2 * x - a2 * y
            x = y
        return x

    def step(self, x: float) -> float:
        """Filter one sample."""
        s = self.state
        i = 0
        for b0, b1, b2, a1, a2 in self.sections:
            y = b0 * x + s[i]
            s[i] = b1 * x - a1 * y + s[i + 1]
            s[i + 1] = b2 * x - a2 * y
            x = y
            i += 2
        return x


class SlidingRange:
    """The maximum and minimum of the values of the last ``seconds``, in O(1) per sample."""

    __slots__ = ("seconds", "_hi", "_lo")

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._hi: deque[tuple[float, float]] = deque()
        self._lo: deque[tuple[float, float]] = deque()

    def push(self, t: float, value: float) -> float:
        """Add a value at time ``t`` and return the range (max - min) of the window ending there."""
        hi, lo = self._hi, self._lo
        while hi and hi[-1][1] <= value:
            hi.pop()
        hi.append((t, value))
        while lo and lo[-1][1] >= value:
            lo.pop()
        lo.append((t, value))
        edge = t - self.seconds
        while hi[0][0] < edge:
            hi.popleft()
        while lo[0][0] < edge:
            lo.popleft()
        return hi[0][1] - lo[0][1]

    def __bool__(self) -> bool:
        """Does the window hold any value yet?"""
        return bool(self._hi)

    @property
    def high(self) -> float:
        return self._hi[0][1]

    @property
    def low(self) -> float:
        return self._lo[0][1]

    def clear(self) -> None:
        self._hi.clear()
        self._lo.clear()
