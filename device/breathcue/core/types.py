"""Values that flow through the loop: samples in, events and cues through, frames out.

They are plain frozen data so the core stays pure and every step can be
replayed and compared in tests.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

RGB = tuple[float, float, float]
"""A pixel colour as perceptual levels (0.0-1.0 of lightness, CIE L* or gamma), before the encoder."""

RGBBytes = tuple[int, int, int]
"""A pixel as the 0-255 bytes sent to the LED."""


@dataclass(frozen=True, slots=True)
class Sample:
    """One sensor reading at clock time ``t`` (seconds since the run started).

    ``value`` is None when the sensor layer could not read; ``fault`` then
    says why (``"i2c_error"``), so the detector reports a lost signal rather
    than mistaking silence for a breath hold.
    """

    t: float
    value: float | None
    fault: str | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """Something that happened at clock time ``t``: a breath, a hold, a cue.

    ``name`` is the ``"event"`` field of the JSON Lines contract in
    docs/formats.md; ``fields`` holds the rest of that line.
    """

    name: str
    t: float
    fields: Mapping[str, Any] = field(default_factory=dict)

    def get(self, key: str, default: Any = None) -> Any:
        return self.fields.get(key, default)

    def to_json_dict(self) -> dict[str, Any]:
        """The event as one JSON Lines record: ``{"event": ..., "t": ..., ...}``."""
        out: dict[str, Any] = {"event": self.name, "t": round(self.t, 3)}
        for key, value in self.fields.items():
            out[key] = round(value, 3) if isinstance(value, float) else value
        return out


@dataclass(frozen=True, slots=True)
class Frame:
    """What the ring should show: one perceptual RGB per pixel, 0.0-1.0; render.FrameEncoder makes it bytes."""

    pixels: tuple[RGB, ...]

    @classmethod
    def solid(cls, count: int, colour: RGB) -> "Frame":
        return cls((colour,) * count)

    @classmethod
    def dark(cls, count: int) -> "Frame":
        return cls.solid(count, (0.0, 0.0, 0.0))
