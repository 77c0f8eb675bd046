"""Breath holds spliced into real recordings, with the truth kept alongside.

A hold is cut into the signal at a breath's peak (held at full inspiration),
half way up an inhale, or at a trough (held at end-expiration), and moves
as a real held chest does (``splice_held``, with hw/held_chest.py: delayed
sags, settling wobbles, late sags, drift, irregular wobbles, the heartbeat)
plus the recording's own noise.  ``splice`` keeps the older, gentler
plateau (an exponential sag from the first instant, no wobbles).  The rest
of the recording follows, shifted to join the hold; reference breath peaks
after the splice move with it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from breathcue.hw.held_chest import HeldChest


@dataclass(frozen=True)
class Hold:
    start: float  # seconds: where the last breath movement ended
    end: float  # seconds: where breathing resumed
    kind: str  # "inhaled" (full inspiration), "mid" (half way up an inhale) or "exhaled" (end-expiration)


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


def _onset_of_level(x: np.ndarray, i: int, depth: float) -> int:
    """Where the signal first reached the level of sample ``i`` (a flat top or an end-expiratory pause belongs to the hold)."""
    level = x[i]
    while i > 0 and abs(x[i - 1] - level) <= 0.05 * depth:
        i -= 1
    return i


def _insert(rec: Spliced, i: int, held: np.ndarray, kind: str, held_peak: float) -> Spliced:
    """Put ``held`` (the hold's samples, relative to sample ``i``) after sample ``i``; the rest follows, joined."""
    fs = rec.rate_hz
    x = rec.values
    n = len(held)
    values = np.concatenate([x[: i + 1], x[i] + held, x[i + 1 :] + held[-1]])
    t_start = i / fs
    t_end = t_start + n / fs
    peaks = [p if p < t_start else t_start for p in rec.peaks if p <= held_peak] + [p + n / fs for p in rec.peaks if p > held_peak]
    holds = [h if h.start < t_start else Hold(h.start + n / fs, h.end + n / fs, h.kind) for h in rec.holds]
    holds.append(Hold(t_start, t_end, kind))
    return Spliced(values, fs, peaks, sorted(holds, key=lambda h: h.start))


def splice(rec: Spliced, t: float, kind: str, plateau: Plateau, depth: float, rng: np.random.Generator) -> Spliced:
    """Hold the breath at the peak (``kind="inhaled"``) or trough (``"exhaled"``) nearest ``t``: the simple plateau."""
    fs = rec.rate_hz
    x = rec.values
    i_ext = extreme_near(x, fs, t, high=kind == "inhaled")
    i = _onset_of_level(x, i_ext, depth)
    n = int(round(plateau.seconds * fs))
    tt = np.arange(1, n + 1) / fs
    sign = -1.0 if kind == "inhaled" else 1.0  # a full chest sags, an empty one creeps back up
    relax = sign * plateau.relax_share * depth * (1 - np.exp(-tt / plateau.relax_seconds))
    drift = rng.choice([-1.0, 1.0]) * plateau.drift_share * depth * tt / plateau.seconds
    ramp = np.clip(np.minimum(tt, tt[-1] - tt + 1 / fs) / 0.5, 0, 1)
    phase = rng.uniform(0, 2 * np.pi)
    ripple = plateau.ripple_share * depth * ramp * np.sin(2 * np.pi * plateau.ripple_hz * tt + phase)
    held = relax + drift + ripple + rng.normal(0.0, noise_std(x), n)
    held_peak = (i_ext / fs + 0.6) if kind == "inhaled" else i / fs  # the peak of a held inhale is where it stopped
    return _insert(rec, i, held, kind, held_peak)


def splice_held(rec: Spliced, t: float, chest: HeldChest, seconds: float, depth: float, rng: np.random.Generator) -> Spliced:
    """Hold the breath near ``t`` as ``chest`` holds it (hw/held_chest.py): at a peak, a trough, or half way up an inhale.

    ``depth`` is the recording's breath depth in its own units, signed: negative
    when a breath in moves this recording's signal down.
    """
    fs = rec.rate_hz
    x = rec.values
    up = depth > 0
    if chest.kind == "mid":  # stop half way up the inhale that leads to the peak nearest t
        i_peak = extreme_near(x, fs, t, high=up)
        lo = max(0, i_peak - int(4 * fs))
        i_low = lo + int(np.argmin(x[lo:i_peak] * np.sign(depth))) if i_peak > lo else i_peak
        goal = x[i_low] + rng.uniform(0.4, 0.7) * (x[i_peak] - x[i_low])
        i = i_low + int(np.argmin(np.abs(x[i_low : i_peak + 1] - goal)))
        i_ext = i
    else:
        i_ext = extreme_near(x, fs, t, high=(chest.kind == "inhaled") == up)
        i = _onset_of_level(x, i_ext, abs(depth))
    n = int(round(seconds * fs))
    held = np.array([depth * chest.offset(k / fs) for k in range(1, n + 1)]) + rng.normal(0.0, noise_std(x), n)
    held_peak = (i_ext / fs + 0.6) if chest.kind == "inhaled" else i / fs
    return _insert(rec, i, held, chest.kind, held_peak)


def typical_depth(x: np.ndarray, rate_hz: float, peaks: list[float], troughs: list[float]) -> float:
    """The median peak-to-trough depth of the reference breaths."""
    depths = []
    for p in peaks:
        before = [q for q in troughs if p - 8 < q < p]
        if before:
            depths.append(x[extreme_near(x, rate_hz, p, True)] - x[extreme_near(x, rate_hz, before[-1], False)])
    return float(np.median(depths))
