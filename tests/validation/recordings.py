"""The real respiration recordings under shared/data/respiration, loaded and resampled.

Test-only (numpy, scipy).  Each entry names the file, its rate and how to
pull out the breathing channel; ``load`` resamples with a polyphase
anti-aliasing filter so 10 Hz and 25 Hz versions match what a belt at that
rate would have recorded.
"""

from __future__ import annotations

import wave
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy import signal

SHARED = Path(__file__).resolve().parents[3] / "shared" / "data" / "respiration"


@dataclass(frozen=True)
class Source:
    name: str
    path: str
    rate_hz: float
    licence: str
    clean: bool  # normal breathing, good enough for a breath-count reference


SOURCES = {
    s.name: s
    for s in (
        Source("nk_resting_5min", "neurokit2/bio_resting_5min_100hz.csv", 100, "MIT", True),
        Source("nk_eventrelated", "neurokit2/bio_eventrelated_100hz.csv", 100, "MIT", True),
        Source("nk_resting_8min", "neurokit2/bio_resting_8min_100hz.csv", 100, "MIT", True),
        Source("physio_belt", "physio-samuelgarcia/resp3_belt.npy", 1000, "MIT", True),
        Source("biosppy", "biosppy/resp.txt", 1000, "BSD-3-Clause", False),
        Source("plux", "biosignalsnotebooks/signal_sample_single_hub_RESPIRATION_2018_7_5.txt", 1000, "MIT", True),
        Source("respinpeace", "respinpeace/resp.wav", 200, "GPL-3.0", False),
    )
}


def available(name: str) -> bool:
    return (SHARED / SOURCES[name].path).exists()


def raw(name: str) -> tuple[np.ndarray, float]:
    """The breathing channel of a recording at its own rate."""
    src = SOURCES[name]
    path = SHARED / src.path
    if path.suffix == ".csv":
        table = np.genfromtxt(path, delimiter=",", names=True)
        x = table["RSP"]
    elif path.suffix == ".npy":
        x = np.load(path)
    elif path.suffix == ".wav":
        with wave.open(str(path)) as w:
            x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2")
    elif src.name == "plux":
        x = np.loadtxt(path)[:, 2]
    else:
        x = np.loadtxt(path)
    return np.asarray(x, dtype=float), float(src.rate_hz)


def resample(x: np.ndarray, from_hz: float, to_hz: float) -> np.ndarray:
    """Polyphase resampling, edges padded with the end values so they do not ring."""
    if from_hz == to_hz:
        return x.copy()
    f = Fraction(to_hz / from_hz).limit_denominator(1000)
    return signal.resample_poly(x, f.numerator, f.denominator, padtype="line")


def load(name: str, rate_hz: float) -> np.ndarray:
    x, fs = raw(name)
    return resample(x, fs, rate_hz)
