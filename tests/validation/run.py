"""Run the streaming detector over an array and collect its events."""

from __future__ import annotations

from typing import Iterable

from breathcue import config as configmod
from breathcue.core.detector import Baseline, BreathDetector
from breathcue.core.types import Event, Sample


def detector_config(**overrides) -> configmod.DetectorConfig:
    return configmod.DetectorConfig(**overrides)


def run_detector(values: Iterable[float], rate_hz: float, baseline: Baseline | None = None, **overrides) -> tuple[list[Event], BreathDetector]:
    """Every event of a recording, and the detector after it (for what it learnt)."""
    det = BreathDetector(detector_config(**overrides), rate_hz, baseline)
    events: list[Event] = []
    i = -1
    for i, v in enumerate(values):
        events += det.update(Sample(i / rate_hz, None if v is None else float(v)))
    return events + det.finish(i / rate_hz), det


def detect(values: Iterable[float], rate_hz: float, baseline: Baseline | None = None, **overrides) -> list[Event]:
    return run_detector(values, rate_hz, baseline, **overrides)[0]


def named(events: list[Event], name: str) -> list[Event]:
    return [e for e in events if e.name == name]
