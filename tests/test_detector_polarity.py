"""Polarity learning: which way an inhale moves the signal, from the breaths themselves.

The inhale is the steeper half of a breath: its quickest part is quicker
than the exhale's, for the same swing.  Not the shorter half: a flat
end-expiratory pause lies between the end of one exhale and the next inhale,
and the trough can be anywhere in it, so a duration measured from trough to
peak counts the pause into the inhale.
"""

from __future__ import annotations

import math
import random

import pytest

from breathcue.config import DetectorConfig
from breathcue.core.detector import BreathDetector
from breathcue.core.types import Event, Sample


def paused_breathing(rate: float, breaths: int, sign: float, seed: int = 0, pause: float = 2.6) -> tuple[list[float], list[float]]:
    """Breaths with a long end-expiratory pause: values and the peaks' times.

    Each breath: an inhale of 1.2 s (raised cosine, depth 1), an exhale of
    1.7 s down to rest (raised cosine, so its steepest slope is gentler than
    the inhale's), then ``pause`` seconds at rest, where the chest settles
    slightly back up (5 % of the depth) as it does before the next inhale;
    so the trough is at the start of the pause, far from the next peak.
    With a cardiac ripple and noise.
    """
    rng = random.Random(seed)
    values: list[float] = []
    peaks: list[float] = []

    def emit(v: float) -> None:
        t = len(values) / rate
        values.append(sign * (v + 0.03 * math.sin(2 * math.pi * 1.1 * t) + rng.gauss(0.0, 0.004)) + 5.0)

    level = 0.05
    emit(level)
    for _ in range(breaths):
        n_in, n_out, n_pause = round(1.2 * rate), round(1.7 * rate), round(pause * rng.uniform(0.9, 1.1) * rate)
        for i in range(n_in):
            emit(level + (1.0 - level) * (0.5 - 0.5 * math.cos(math.pi * (i + 1) / n_in)))
        peaks.append((len(values) - 1) / rate)
        for i in range(n_out):
            emit(0.5 + 0.5 * math.cos(math.pi * (i + 1) / n_out))
        for i in range(n_pause):
            emit(0.05 * (i + 1) / n_pause)
        level = 0.05
    return values, peaks


def run(values: list[float], rate: float, config: DetectorConfig | None = None) -> tuple[list[Event], BreathDetector]:
    det = BreathDetector(config or DetectorConfig(), rate)
    events: list[Event] = []
    for i, v in enumerate(values):
        events += det.update(Sample(i / rate, v))
    return events + det.finish((len(values) - 1) / rate), det


@pytest.mark.parametrize("rate", [10.0, 25.0, 100.0])
@pytest.mark.parametrize("sign, polarity", [(1.0, "normal"), (-1.0, "inverted")])
def test_a_long_end_expiratory_pause_does_not_make_the_inhale_look_slow(rate, sign, polarity):
    values, peaks = paused_breathing(rate, 12, sign)
    events, det = run(values, rate)
    assert det.polarity == polarity
    found = [e.get("peak") for e in events if e.name == "breath"]
    assert len(found) >= len(peaks) - 1  # the first breath starts with the recording
    assert all(min(abs(f - p) for p in peaks) <= 0.5 for f in found)  # peaks on peaks, not on troughs


@pytest.mark.parametrize("sign, polarity", [(1.0, "normal"), (-1.0, "inverted")])
def test_the_polarity_is_decided_after_four_breaths_and_the_first_breaths_reported_then(sign, polarity):
    values, peaks = paused_breathing(25.0, 8, sign, seed=3)
    events, det = run(values, 25.0)
    breaths = [e for e in events if e.name == "breath"]
    assert det.polarity == polarity
    first_report = breaths[0].t
    assert first_report < peaks[5]  # decided within the first five breaths...
    assert sum(1 for b in breaths if b.t == first_report) >= 3  # ...and the breaths held back until then come together


def test_a_hold_after_two_breaths_of_a_cold_start_is_found_and_its_last_half_breath_weighs_in():
    """The inhale into a hold at full inspiration is over when the hold begins: it counts for readiness and polarity."""
    rate = 25.0
    for sign, polarity in ((1.0, "normal"), (-1.0, "inverted")):
        values, peaks = paused_breathing(rate, 2, sign, seed=5)
        rng = random.Random(1)
        n_in = round(1.2 * rate)
        for i in range(n_in):  # a third inhale, held at the top for 15 s (sagging a little)...
            values.append(sign * (0.05 + 0.95 * (0.5 - 0.5 * math.cos(math.pi * (i + 1) / n_in))) + 5.0)
        start = (len(values) - 1) / rate
        for i in range(round(15 * rate)):
            t = len(values) / rate
            v = 1.0 - 0.1 * (1 - math.exp(-(i + 1) / rate / 4.0)) + 0.03 * math.sin(2 * math.pi * 1.1 * t) + rng.gauss(0.0, 0.004)
            values.append(sign * v + 5.0)
        more, _ = paused_breathing(rate, 4, sign, seed=6)
        values += [m - more[0] + values[-1] for m in more]
        events, det = run(values, rate)
        holds = [e for e in events if e.name == "hold_start"]
        assert len(holds) == 1, polarity
        assert abs(holds[0].get("start") - start) <= 1.5
        assert holds[0].t <= start + 11.0
        assert det.polarity == polarity
