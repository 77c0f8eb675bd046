"""The second cue channel: a vibration motor (or an active buzzer) on a GPIO pin.

A light is missed when the ring is out of sight, so a breath-hold nudge
that turns bright (level 2) also buzzes: ``pulses`` pulses of
``pulse_seconds`` with ``gap_seconds`` between.  Only level 2: the soft
first invitation stays silent, and the other nudges never buzz.  The motor
hangs on an NPN transistor with a flyback diode (hardware/vibration.md);
gpiozero's ``PWMOutputDevice`` drives it, playing the pattern on its own
background thread so the daemon's loop never waits.  gpiozero is imported
only when the motor opens; the pin factory is injectable (tests pass
gpiozero's MockFactory).  ``should_buzz`` is the rule, kept apart so it is
tested without a pin.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..core import schedule
from ..core.types import Event

if TYPE_CHECKING:
    from ..config import VibrationConfig

log = logging.getLogger(__name__)


def should_buzz(event: Event, wall: datetime, config: "VibrationConfig") -> bool:
    """A hold nudge turning bright, outside the vibration's own quiet periods."""
    if event.name != "cue_level" or event.get("level") != 2 or event.get("reason") != "hold":
        return False
    now = wall.time()
    return not any(schedule.in_range(now, period) for period in config.quiet)


class Vibrator:
    """A PWMOutputDevice that plays the buzz pattern in the background."""

    def __init__(self, config: "VibrationConfig", pin_factory: Any = None) -> None:
        from gpiozero import PWMOutputDevice

        self.config = config
        self._device = PWMOutputDevice(config.pin, initial_value=0.0, pin_factory=pin_factory)

    def buzz(self) -> None:
        """Start the pattern (a new one replaces one still playing); returns at once."""
        c = self.config
        self._device.blink(on_time=c.pulse_seconds, off_time=c.gap_seconds, n=c.pulses, background=True)

    def close(self) -> None:
        self._device.close()


def open_vibrator(config: "VibrationConfig", pin_factory: Any = None) -> Vibrator | None:
    """The configured motor, or None when there is none or it cannot be opened (logged; the ring works without it)."""
    if not config.enabled:
        return None
    try:
        from gpiozero.exc import GPIOZeroError
    except ImportError:
        log.error("the vibration motor needs gpiozero: pip install 'breathcue[pi]'; running without it")
        return None
    try:
        return Vibrator(config, pin_factory)
    except (GPIOZeroError, OSError) as exc:
        log.error("cannot open the vibration motor on GPIO%d (%s); running without it", config.pin, exc)
        return None
