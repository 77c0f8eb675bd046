"""Validation scenarios: cold starts with breath holds, with the truth kept alongside.

``realistic`` takes a stretch of a real recording and splices in two holds
that move as real held chests do (hw/held_chest.py), 10-40 s long, at full
inspiration, half way up an inhale or at end-expiration, the first after 3-7
breaths.  ``belt`` makes the same from synthetic breathing of either belt
type: a stretch cord (quick inhale, slower exhale) or a force belt (equally
steep halves and a pause at end-expiration, where steepness says nothing of
the polarity), breathed by a person whose breaths vary, who takes a deeper
breath to hold it (or empties the chest) and recovers with deeper, quicker
breaths.  ``heldout_like`` keeps the older, gentler splices of the
first validation (12-19 s plateaus in one minute).  Either polarity.
Everything is drawn from a seeded generator, so a failing case can be
replayed by its seed.
"""

from __future__ import annotations

import functools
import json
import random
from typing import Callable
from pathlib import Path

import numpy as np

from . import recordings
from breathcue.hw.held_chest import HeldChest

from .splice import Hold, Plateau, Spliced, splice, splice_held, typical_depth
from .synth import Builder

REFERENCE = Path(__file__).resolve().parents[1] / "data" / "det_reference.json"
CLEAN = ("nk_resting_5min", "nk_eventrelated", "nk_resting_8min", "physio_belt", "respinpeace")
MOVEMENT = {  # seconds of the recordings with movement artefacts, from their READMEs
    "nk_resting_5min": ((220.0, 240.0),),
    "physio_belt": ((3.0, 12.0), (170.0, 180.0), (213.0, 227.0)),
}


@functools.lru_cache(maxsize=None)
def reference(name: str) -> dict[str, list[float]]:
    """NeuroKit2's breath peaks and troughs of a whole recording.

    Stored in tests/data/det_reference.json, except for the GPL RespInPeace
    recording, whose reference is computed here (NeuroKit2 is a test
    dependency) and never written into the project.
    """
    stored = json.loads(REFERENCE.read_text())["recordings"]
    if name in stored:
        return stored[name]
    import neurokit2

    x, fs = recordings.raw(name)
    _, info = neurokit2.rsp_process(x, sampling_rate=int(fs))
    return {key: [float(i) / fs for i in info[f"RSP_{key.title()}"]] for key in ("peaks", "troughs")}


def random_plateau(rng: np.random.Generator, seconds: float) -> Plateau:
    return Plateau(
        seconds=seconds,
        ripple_share=rng.uniform(0.02, 0.10),
        ripple_hz=rng.uniform(0.85, 1.4),
        relax_share=rng.uniform(0.0, 0.3),
        relax_seconds=rng.uniform(2.0, 8.0),
        drift_share=rng.uniform(0.0, 0.15),
    )


def _stretch(x: np.ndarray, rate_hz: float, ref: dict[str, list[float]], t0: float, span: float, counts: tuple[int, ...], kinds: list[str]) -> tuple[Spliced, list[float]]:
    """The recording from ``t0`` for ``span`` seconds, and where its holds go: after ``counts`` breaths, at a peak or the trough after it."""
    i0, i1 = int(t0 * rate_hz), int((t0 + span) * rate_hz)
    rec = Spliced(x[i0:i1] - x[i0], rate_hz, [p - t0 for p in ref["peaks"] if t0 <= p < t0 + span])
    troughs = [q - t0 for q in ref["troughs"] if t0 <= q < t0 + span]
    first_peak = next(k for k, p in enumerate(rec.peaks) if p > 1.0)  # a breath with a peak this early has no onset
    where = []
    for n, kind in zip(counts, kinds):
        p = rec.peaks[first_peak + n - 1]
        where.append(next(q for q in troughs if q > p) if kind == "exhaled" else p)
    return rec, where


def _splice_all(rec: Spliced, where: list[float], kinds: list[str], seconds: list[float], hold: Callable[[Spliced, float, str, float], Spliced]) -> Spliced:
    """Splice a hold in at each place in turn, the later places moved by the holds before them."""
    shift = 0.0
    for t, kind, sec in zip(where, kinds, seconds):
        before = len(rec.values)
        rec = hold(rec, t + shift, kind, sec)
        shift += (len(rec.values) - before) / rec.rate_hz
    return rec


def heldout_like(name: str, rate_hz: float, seed: int, invert: bool = False, minute: float = 60.0) -> Spliced:
    rng = np.random.default_rng(seed)
    x = recordings.load(name, rate_hz)
    ref = reference(name)
    peaks, troughs = ref["peaks"], ref["troughs"]
    depth = typical_depth(x, rate_hz, peaks, troughs)
    seconds = [rng.uniform(12.0, 19.0), rng.uniform(12.0, 19.0)]
    kinds = ["inhaled", "exhaled"] if rng.random() < 0.5 else ["exhaled", "inhaled"]
    first = int(rng.integers(3, 8))
    second = first + int(rng.integers(2, 6))
    total = len(x) / rate_hz
    t0 = rng.uniform(5.0, total - 80.0)
    while any(t0 - 2.0 < end and start < t0 + 80.0 for start, end in MOVEMENT.get(name, ())):
        t0 = rng.uniform(5.0, total - 80.0)  # holds go into normal breathing; motion has its own scenarios
    later = [p for p in peaks if p > t0]
    span = max(minute - sum(seconds), later[second + 1] - t0)
    rec, where = _stretch(x, rate_hz, ref, t0, span, (first, second), kinds)
    rec = _splice_all(rec, where, kinds, seconds, lambda r, t, kind, sec: splice(r, t, kind, random_plateau(rng, sec), depth, rng))
    if invert:
        rec.values = -rec.values
    return rec


def moving_around(name: str, rate_hz: float, seed: int, minute: float = 60.0) -> np.ndarray:
    """A minute of real breathing while moving about: bursts of large, irregular movement.

    Bursts mix steps of the strap's level, swaying at walking pace (1.5-2 Hz)
    and slow bends of several breath depths; after a burst the strap may sit
    tighter or looser (its gain changes).  There are no holds in it.
    """
    rng = np.random.default_rng(seed)
    x = recordings.load(name, rate_hz)
    ref = reference(name)
    depth = typical_depth(x, rate_hz, ref["peaks"], ref["troughs"])
    n = int(minute * rate_hz)
    t0 = int(rng.uniform(5.0, len(x) / rate_hz - minute - 5.0) * rate_hz)
    y = x[t0 : t0 + n] - x[t0]
    t = np.arange(n) / rate_hz
    gain = np.ones(n)
    motion = np.zeros(n)
    at = rng.uniform(3.0, 12.0)
    while at < minute - 3.0:
        length = rng.uniform(2.0, 10.0)
        inside = (t >= at) & (t < at + length)
        k = np.flatnonzero(inside)
        u = t[k] - at
        sway = rng.uniform(0.5, 3.0) * depth * np.sin(2 * np.pi * rng.uniform(1.5, 2.0) * u)
        bend = rng.uniform(-6.0, 6.0) * depth * np.sin(np.pi * u / length)
        motion[k] += sway + bend + rng.normal(0.0, 0.3 * depth, len(k))
        motion[k[-1] + 1 :] += rng.uniform(-2.0, 2.0) * depth  # the strap settles somewhere else
        gain[k[-1] + 1 :] = rng.uniform(0.6, 1.6)
        at += length + rng.uniform(4.0, 15.0)
    return y * gain + motion


def _hold_kinds(rng: np.random.Generator) -> list[str]:
    """Two holds: one at full inspiration and one at end-expiration, in either order; now and then one half way up."""
    kinds = ["inhaled", "exhaled"] if rng.random() < 0.5 else ["exhaled", "inhaled"]
    if rng.random() < 0.25:
        kinds[int(rng.integers(0, 2))] = "mid"
    return kinds


def _regular(peaks: list[float], t0: float, seconds: float) -> bool:
    """Does the reference find steady breathing here (no interval over twice its median)?  Where it
    does not, its peaks miss breaths (it merges small ones), and the breaths found there count as extra."""
    inside = [p for p in peaks if t0 <= p <= t0 + seconds]
    gaps = np.diff(inside)
    return len(gaps) > 3 and float(np.max(gaps)) <= 2.0 * float(np.median(gaps))


def realistic(name: str, rate_hz: float, seed: int, invert: bool = False) -> Spliced:
    """A stretch of a real recording with two realistic holds of 10-40 s, cold start, 60 s or more of breathing in all."""
    rng = np.random.default_rng(seed)
    chest_rng = random.Random(f"{name}:{seed}")
    x = recordings.load(name, rate_hz)
    ref = reference(name)
    peaks, troughs = ref["peaks"], ref["troughs"]
    depth = typical_depth(x, rate_hz, peaks, troughs)
    seconds = [float(rng.uniform(10.0, 40.0)), float(rng.uniform(10.0, 40.0))]
    kinds = _hold_kinds(rng)
    first = int(rng.integers(3, 8))
    second = first + int(rng.integers(3, 7))
    span = 60.0
    total = len(x) / rate_hz
    t0 = rng.uniform(5.0, total - span - 20.0)
    while any(t0 - 2.0 < end and start < t0 + span + 20.0 for start, end in MOVEMENT.get(name, ())) or not _regular(peaks, t0, span + 20.0):
        t0 = rng.uniform(5.0, total - span - 20.0)
    later = [p for p in peaks if p > t0]
    span = max(span, later[second + 3] - t0)
    rec, where = _stretch(x, rate_hz, ref, t0, span, (first, second), kinds)
    rec = _splice_all(rec, where, kinds, seconds, lambda r, t, kind, sec: splice_held(r, t, HeldChest.draw(chest_rng, kind), sec, depth, rng))
    if invert:
        rec.values = -rec.values
    return rec


def _into_hold(rng: random.Random, hold_kind: str) -> dict[str, object]:
    """How a person goes into a hold: a deeper breath to hold it full, the chest emptied further to hold it empty."""
    if hold_kind == "exhaled":
        return {"stop": None, "empty": rng.uniform(0.0, 0.3)}
    return {"stop": hold_kind, "last_depth": rng.uniform(1.0, 1.6)}


def _person(rate_hz: float, seed: int, invert: bool, rng: random.Random) -> Builder:
    """A person on a strap: their breaths vary in depth and length, the strap wanders, the heart beats."""
    return Builder(
        rate_hz,
        seed=seed,
        depth=1.0,
        ripple=rng.uniform(0.01, 0.04),
        noise=rng.uniform(0.003, 0.015),
        sign=-1.0 if invert else 1.0,
        wander=rng.uniform(0.0, 0.3),
        vary=rng.uniform(0.05, 0.2),
    )


def _recover(b: Builder, rng: random.Random, bpm: float, kind: str) -> None:
    """After a hold: one or two deeper, quicker breaths."""
    b.breathe(rng.randint(1, 2), bpm=bpm * rng.uniform(1.1, 1.3), depth=rng.uniform(1.1, 1.5), belt=kind)


def _built(b: Builder) -> Spliced:
    """What the person breathed, with its holds and breath peaks as the truth."""
    sig = b.build()
    holds = [Hold(s, e, k) for (s, e), k in zip(sig.holds, b.kinds)]
    return Spliced(np.asarray(sig.values, dtype=float), b.rate_hz, list(sig.peaks), holds)


def belt(kind: str, rate_hz: float, seed: int, invert: bool = False) -> Spliced:
    """Synthetic breathing on a ``"cord"`` or ``"force"`` belt with two realistic holds of 10-40 s, cold start."""
    rng = random.Random(f"belt:{kind}:{seed}")
    bpm = rng.uniform(10.0, 17.0)
    b = _person(rate_hz, seed, invert, rng)
    kinds = _hold_kinds(np.random.default_rng(seed))
    for hold_kind in kinds:
        b.breathe(rng.randint(3, 7), bpm=bpm, belt=kind, **_into_hold(rng, hold_kind))
        b.held(rng.uniform(10.0, 40.0), HeldChest.draw(rng, hold_kind))
        _recover(b, rng, bpm, kind)
    b.breathe(rng.randint(3, 6), bpm=bpm, belt=kind)
    return _built(b)


def belt_minute(kind: str, rate_hz: float, seed: int, invert: bool = False) -> Spliced:
    """About a minute of a ``"cord"`` or ``"force"`` belt from a cold start, with one or two holds of 12-19 s.

    Shaped as the recordings of real voluntary holds kept for acceptance
    (docs/detection.md): only 3-5 breaths before the first hold, so the
    polarity and the depth must be learnt from a few breaths, and a verdict
    must come within the minute; 2-4 breaths between holds, the first of
    them a deeper, quicker recovery.
    """
    rng = random.Random(f"minute:{kind}:{seed}")
    bpm = rng.uniform(10.0, 24.0)
    b = _person(rate_hz, seed, invert, rng)
    kinds = ["inhaled", "exhaled"] if rng.random() < 0.5 else ["exhaled", "inhaled"]
    if rng.random() < 0.25:
        kinds[rng.randrange(2)] = "mid"
    kinds = kinds[: rng.choice((1, 2))]
    for k, hold_kind in enumerate(kinds):
        b.breathe(rng.randint(3, 5) if k == 0 else rng.randint(1, 2), bpm=bpm, belt=kind, **_into_hold(rng, hold_kind))
        b.held(rng.uniform(12.0, 19.0), HeldChest.draw(rng, hold_kind))
        _recover(b, rng, bpm, kind)
    b.breathe(rng.randint(2, 4), bpm=bpm, belt=kind)
    return _built(b)


def slow_breather(rate_hz: float, seed: int, invert: bool = False) -> Spliced:
    """Five minutes of slow breathing with no hold: steady at 4.5-7 a minute, or slowing to that from 10-16.

    What the device teaches (resonance breathing, a ramp's last minutes) and
    what a trained person breathes between sessions.  Each half breath takes
    2-9 s, so an exhale moves the chest less in two seconds than the
    stillness bar: the halves are smooth on either belt (a force belt's
    one-second halves and long pause are spontaneous breathing's, not a
    paced slow breath's), the inhale 35-50 % of the breath.
    """
    rng = random.Random(f"slow:{seed}")
    b = _person(rate_hz, seed, invert, rng)
    slowest = rng.uniform(4.5, 7.0)
    share = rng.uniform(0.35, 0.5)
    if seed % 2:
        bpm = rng.uniform(10.0, 16.0)
        while bpm > slowest:  # a ramp: two breaths a step, half a breath a minute slower each
            b.breathe(2, bpm=bpm, inhale_share=share)
            bpm -= 0.5
    while b.t < 300.0:
        b.breathe(1, bpm=slowest, inhale_share=share)
    return _built(b)
