"""Breath holds spliced into real recordings, with the truth kept alongside.

A hold is cut into the signal at a breath's peak (held at full inspiration)
or trough (held at end-expiration): a plateau whose level relaxes like a
real held chest (an exponential sag after inspiration, a creep after
expiration, plus slow linear drift), carrying a cardiac ripple of a given
share of the breath depth at a heart rate around 1 Hz and the recording's
own noise.  The rest of the recording follows, shifted to join the plateau.
Reference breath peaks after the splice move with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class Hold:
    start: float  # seconds: where the last breath movement ended
    end: float  # seconds: where breathing resumed
    kind: str  # "inhaled" (full inspiration) or "exhaled" (end-expiration)


@dataclass
class Spliced:
    values: np.ndarray
    rate_hz: float
    peaks: list[float]  # reference breath peaks, seconds
    holds: list[Hold] = field(default_factory=list)


@dataclass(frozen=True)
class Plateau:
    """How a held chest looks, in shares of the breath depth."""

    seconds: float = 15.0
    ripple_share: float = 0.06  # cardiac ripple amplitude
    ripple_hz: float = 1.1
    relax_share: float = 0.15  # exponential sag/creep over the hold
    relax_seconds: float = 4.0
    drift_share: float = 0.05  # extra linear drift over the hold, either way


def noise_std(x: np.ndarray) -> float:
    """The white noise of a recording: a robust estimate from second differences.

    A breath is smooth, so its second difference is near zero but at the
    turns; white noise of deviation s gives second differences of deviation
    s * sqrt(6).  (First differences would count the breathing slope as noise.)
    """
    d = np.diff(x, 2)
    return float(1.4826 * np.median(np.abs(d - np.median(d))) / np.sqrt(6))


def extreme_near(x: np.ndarray, rate_hz: float, t: float, high: bool, within: float = 0.6) -> int:
    lo = max(0, int((t - within) * rate_hz))
    hi = min(len(x), int((t + within) * rate_hz) + 1)
    seg = x[lo:hi]
    return lo + int(np.argmax(seg) if high else np.argmin(seg))


def splice(rec: Spliced, t: float, kind: str, plateau: Plateau, depth: float, rng: np.random.Generator) -> Spliced:
    """Hold the breath at the peak (``kind="inhaled"``) or trough (``"exhaled"``) nearest ``t``."""
    fs = rec.rate_hz
    x = rec.values
    i = i_ext = extreme_near(x, fs, t, high=kind == "inhaled")
    # The movement ends where the signal first reaches the extreme's level (a flat top or an
    # end-expiratory pause already belongs to the hold): splice there.
    level = x[i]
    while i > 0 and abs(x[i - 1] - level) <= 0.05 * depth:
        i -= 1
    n = int(round(plateau.seconds * fs))
    tt = np.arange(1, n + 1) / fs
    sign = -1.0 if kind == "inhaled" else 1.0  # a full chest sags, an empty one creeps back up
    relax = sign * plateau.relax_share * depth * (1 - np.exp(-tt / plateau.relax_seconds))
    drift = rng.choice([-1.0, 1.0]) * plateau.drift_share * depth * tt / plateau.seconds
    ramp = np.clip(np.minimum(tt, tt[-1] - tt + 1 / fs) / 0.5, 0, 1)
    phase = rng.uniform(0, 2 * np.pi)
    ripple = plateau.ripple_share * depth * ramp * np.sin(2 * np.pi * plateau.ripple_hz * tt + phase)
    noise = rng.normal(0.0, noise_std(x), n)
    level = x[i] + relax + drift
    shift = level[-1] - x[i]
    values = np.concatenate([x[: i + 1], level + ripple + noise, x[i + 1 :] + shift])
    t_start = i / fs
    t_end = t_start + n / fs
    held = (i_ext / fs + 0.6) if kind == "inhaled" else t_start  # the peak of a held inhale is where it stopped
    peaks = [p if p < t_start else t_start for p in rec.peaks if p <= held] + [p + n / fs for p in rec.peaks if p > held]
    holds = [h if h.start < t_start else Hold(h.start + n / fs, h.end + n / fs, h.kind) for h in rec.holds]
    holds.append(Hold(t_start, t_end, kind))
    return Spliced(values, fs, peaks, sorted(holds, key=lambda h: h.start))


def typical_depth(x: np.ndarray, rate_hz: float, peaks: list[float], troughs: list[float]) -> float:
    """The median peak-to-trough depth of the reference breaths."""
    depths = []
    for p in peaks:
        before = [q for q in troughs if p - 8 < q < p]
        if before:
            depths.append(x[extreme_near(x, rate_hz, p, True)] - x[extreme_near(x, rate_hz, before[-1], False)])
    return float(np.median(depths))
