"""The small interfaces the daemon talks to: a sensor and a ring."""

from __future__ import annotations

from typing import Protocol, Sequence

from ..core.types import RGBBytes, Sample


class Sensor(Protocol):
    """A source of strap readings, sampled by the loop on its own schedule."""

    rate_hz: float

    def read(self, t: float) -> Sample | None:
        """The reading for clock time ``t``; None when a recording has ended.

        Faults come back as a Sample with ``value=None`` and a ``fault``,
        never as an exception: a lost signal is a state, not a crash.
        """

    def close(self) -> None: ...


class Ring(Protocol):
    """An LED ring that shows one frame of 0-255 bytes at a time."""

    pixels: int

    def show(self, rgb: Sequence[RGBBytes], t: float) -> None:
        """Send one frame; ``t`` is clock time, for sinks that record it."""

    def set_status(self, text: str) -> None:
        """A one-line description of the device state, for sinks that can show it."""

    def close(self) -> None:
        """Turn every pixel off and release the device."""
