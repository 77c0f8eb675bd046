"""The vibration motor as one of the daemon's outputs: it buzzes for a bright breath-hold nudge (hw/vibration.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from .app import Sink
from .config import VibrationConfig
from .core.types import Event
from .hw.vibration import Vibrator, open_vibrator, should_buzz


class VibrationSink(Sink):
    """Watches the events; a hold nudge reaching level 2 outside ``vibration.quiet`` starts the pattern."""

    def __init__(self, config: VibrationConfig, vibrator: Vibrator) -> None:
        self.config = config
        self.vibrator = vibrator

    def event(self, event: Event, wall: datetime) -> None:
        if should_buzz(event, wall, self.config):
            self.vibrator.buzz()

    def close(self) -> None:
        self.vibrator.close()


def open_sinks(config: VibrationConfig, pin_factory: Any = None) -> list[Sink]:
    """The motor's sink when ``vibration.enabled`` and the pin opens; else none (the reason is logged)."""
    vibrator = open_vibrator(config, pin_factory)
    return [] if vibrator is None else [VibrationSink(config, vibrator)]
