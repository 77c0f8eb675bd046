"""Run the streaming detector over an array and collect its events."""

from __future__ import annotations

from typing import Iterable

from breathcue import config as configmod
from breathcue.core.detector import Baseline, BreathDetector
from breathcue.core.types import Event, Sample


def detector_config(**overrides) -> configmod.DetectorConfig:
    return configmod.DetectorConfig(**overrides)


def detect(values: Iterable[float], rate_hz: float, baseline: Baseline | None = None, **overrides) -> list[Event]:
    det = BreathDetector(detector_config(**overrides), rate_hz, baseline)
    events: list[Event] = []
    i = -1
    for i, v in enumerate(values):
        events += det.update(Sample(i / rate_hz, None if v is None else float(v)))
    return events + det.finish(i / rate_hz)


def named(events: list[Event], name: str) -> list[Event]:
    return [e for e in events if e.name == name]
