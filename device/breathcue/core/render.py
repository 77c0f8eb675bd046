"""From what the ring should mean to the bytes the LEDs get.

``glow`` and friends build a Frame of linear-light floats; ``FrameEncoder``
turns a Frame into 0-255 bytes with perceptual brightness and the
brightness cap.  The encoder is the only stateful step and keeps its state
on the instance, so frames are reproducible.
"""

from __future__ import annotations

from dataclasses import dataclass

from .types import RGB, Frame, RGBBytes


def glow(pixels: int, colour: RGB, level: float, floor: float = 0.0) -> Frame:
    """The whole ring at ``level`` (0-1) of ``colour``, never below ``floor``."""
    scale = floor + (1.0 - floor) * min(1.0, max(0.0, level))
    return Frame.solid(pixels, (colour[0] * scale, colour[1] * scale, colour[2] * scale))


@dataclass
class FrameEncoder:
    """Perceptual brightness (gamma) and the brightness cap, to bytes."""

    brightness: float = 1.0
    gamma: float = 2.2

    def encode(self, frame: Frame) -> list[RGBBytes]:
        cap, g = self.brightness, self.gamma
        return [
            (_byte(r, cap, g), _byte(gr, cap, g), _byte(b, cap, g)) for r, gr, b in frame.pixels
        ]


def _byte(x: float, cap: float, gamma: float) -> int:
    if x <= 0.0:
        return 0
    return min(255, round(255.0 * cap * min(1.0, x) ** gamma))
