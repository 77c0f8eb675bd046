"""The ring drawn in a terminal, as the eye would see the LEDs in a room.

A screen is not an LED in a room.  The ambient pacer glows at a few bytes
of 255: plenty in a dim room, where the eye adapts to the brightest thing
it sees, but black on a screen next to white text.  So the terminal ring
does what the eye does:

- it averages the frames shown since its last redraw (the eye does not see
  the LEDs' temporal dithering, only its mean), and
- it scales by an exposure that follows the ring's own recent peak (up at
  once, down slowly over about ``ADAPT_SECONDS``), so the brightest light
  the ring has shown lately is drawn at full screen brightness.

One gain multiplies all three channels, so every hue stays as it is (the
amber hold cue stays amber); the result is linear light, shown through the
sRGB curve the terminal expects.
"""

from __future__ import annotations

import math
import shutil
import sys
from typing import Sequence, TextIO

from ..core.types import RGBBytes

ADAPT_SECONDS = 10.0
"""How long the exposure takes to come down to a dimmer ring: about the eye's, and longer than a slow breath."""
MIN_PEAK = 2.0
"""The least LED byte drawn at full brightness: a ring at 0 or 1 stays dark rather than showing noise."""


class TerminalRing:
    """The ring as a circle of 24-bit colour cells, with a status line under it.

    On a TTY it redraws in place about 20 times a second; otherwise it
    prints the status line once a second.
    """

    REDRAW_SECONDS = 0.05
    PLAIN_SECONDS = 1.0

    def __init__(self, pixels: int, out: TextIO | None = None, tty: bool | None = None) -> None:
        self.pixels = pixels
        self.out = out if out is not None else sys.stdout  # looked up now: tests swap sys.stdout
        self.tty = self.out.isatty() if tty is None else tty
        self.status = ""
        self.screen: list[tuple[int, int, int]] = []  # the sRGB colours of the cells last drawn
        self._last_draw: float | None = None
        self._drawn_lines = 0
        self._sum = [0.0] * (3 * pixels)  # light since the last redraw, byte-seconds per channel
        self._summed = 0.0
        self._shown: tuple[Sequence[RGBBytes], float] | None = None  # the frame on the LEDs now, since when
        self._peak = 0.0
        self._peak_t = 0.0
        radius = max(4, math.ceil(pixels / 4))
        self._rows = 2 * radius + 1
        self._cols = 4 * radius + 3
        self._cells: list[tuple[int, int]] = []
        for i in range(pixels):
            angle = 2 * math.pi * i / pixels  # pixel 0 at the top, clockwise
            # floor(x + 0.5), not round(): banker's rounding makes the circle lopsided
            row = math.floor(radius - radius * math.cos(angle) + 0.5)
            col = math.floor(2 * radius + 1 + 2 * radius * math.sin(angle) + 0.5)
            self._cells.append((row, col))

    def show(self, rgb: Sequence[RGBBytes], t: float) -> None:
        self._integrate(t)
        self._shown = (rgb, t)
        period = self.REDRAW_SECONDS if self.tty else self.PLAIN_SECONDS
        if self._last_draw is not None and t - self._last_draw < period:
            return
        self._last_draw = t
        if self.tty:
            self._draw(self.seen(rgb, t))
        else:
            level = sum(sum(p) for p in rgb) / (3 * 255 * max(1, len(rgb)))
            self.out.write(f"{self.status}  (ring {100 * level:.1f} %)\n")
            self.out.flush()

    def _integrate(self, t: float) -> None:
        """Add the light of the frame that was on until ``t``."""
        if self._shown is None:
            return
        rgb, since = self._shown
        dt = t - since
        if dt <= 0.0:
            return
        acc = self._sum
        for i, (r, g, b) in enumerate(rgb):
            acc[3 * i] += r * dt
            acc[3 * i + 1] += g * dt
            acc[3 * i + 2] += b * dt
        self._summed += dt

    def seen(self, rgb: Sequence[RGBBytes], t: float) -> list[tuple[int, int, int]]:
        """The screen colours (sRGB) that look like the LEDs did since the last redraw; resets the mean."""
        if self._summed > 0.0:
            mean = [v / self._summed for v in self._sum]
        else:
            mean = [float(c) for p in rgb for c in p[:3]]
        self._sum = [0.0] * (3 * self.pixels)
        self._summed = 0.0
        brightest = max(mean, default=0.0)
        decay = math.exp(-max(0.0, t - self._peak_t) / ADAPT_SECONDS)
        self._peak = max(brightest, self._peak * decay)
        self._peak_t = t
        gain = 1.0 / max(self._peak, MIN_PEAK)
        return [tuple(_srgb(min(1.0, mean[3 * i + k] * gain)) for k in range(3)) for i in range(len(mean) // 3)]  # type: ignore[misc]

    def _draw(self, colours: list[tuple[int, int, int]]) -> None:
        self.screen = colours
        grid = [[" "] * self._cols for _ in range(self._rows)]
        for (row, col), (r, g, b) in zip(self._cells, colours):
            grid[row][col] = f"\x1b[38;2;{r};{g};{b}m\u25cf\x1b[0m"
        width = shutil.get_terminal_size((80, 24)).columns
        lines = ["".join(row) for row in grid] + [self.status[: width - 1]]
        up = f"\x1b[{self._drawn_lines}F" if self._drawn_lines else ""
        self.out.write(up + "".join(f"\x1b[2K{line}\n" for line in lines))
        self.out.flush()
        self._drawn_lines = len(lines)

    def set_status(self, text: str) -> None:
        self.status = text

    def erase(self) -> None:
        """Take the drawing off the screen so a log line can go where it was; the next frame redraws below it."""
        if self._drawn_lines:
            self.out.write(f"\x1b[{self._drawn_lines}F\x1b[J")
            self.out.flush()
            self._drawn_lines = 0
            self._last_draw = None

    def close(self) -> None:
        if self.tty:
            self._last_draw = None
            self._draw([(0, 0, 0)] * self.pixels)


def _srgb(linear: float) -> int:
    """Linear light 0-1 as the sRGB byte that a screen shows as that bright."""
    return round(255 * linear ** (1 / 2.2))
