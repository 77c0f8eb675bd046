"""Render + encode cost per frame, for 24 and 60 pixels: the daemon pays this 60 times a second.

Run: .venv/bin/python tests/bench/bench_render.py
Goal: at most 0.1 ms a frame for 24 pixels (glow and fill, pacer colours
cross-fading, dithering on) on the development machine.  Also times the
NeoPixel adapter's show() through Adafruit's neopixel_spi driver on a null
SPI bus, which a real ring adds when a frame changed.
"""

from __future__ import annotations

import time


from breathcue import config as configmod
from breathcue.core.pacing import PRESETS, PacedSession
from breathcue.core.render import Curve, FrameEncoder, PhaseColours, pacer

FPS = 60
SECONDS = 60  # frames over a minute of box breathing: every phase, every cross-fade


def per_frame_ms(pixels: int, style: str, repeats: int = 3) -> float:
    ring = configmod.RingConfig()
    curve = Curve.from_config(ring)
    colours = PhaseColours.from_config(configmod.parse_text('[pacing]\nhold_in_colour = "#8a7dff"').pacing)
    session = PacedSession(PRESETS["box"])
    times = [n / FPS for n in range(SECONDS * FPS)]
    best = float("inf")
    for _ in range(repeats):
        encoder = FrameEncoder.from_config(ring)
        began = time.perf_counter()
        for t in times:
            encoder.encode(pacer(session.guide(t), style, colours, pixels, ring.floor, curve))
        best = min(best, (time.perf_counter() - began) / len(times))
    return 1000.0 * best


class NullSPI:
    """A busio.SPI that discards what it is sent: the driver's own cost, without the wire."""

    frequency = 6_400_000

    def try_lock(self) -> bool:
        return True

    def unlock(self) -> None:
        pass

    def configure(self, **settings: int) -> None:
        pass

    def write(self, buffer: bytes, start: int = 0, end: int | None = None) -> None:
        pass


def show_ms(pixels: int, frames: int = 2000) -> float:
    from breathcue.hw.neopixel_ring import NeoPixelRing, open_strip

    ring = NeoPixelRing.open(configmod.RingConfig(pixels=pixels), opener=lambda c: open_strip(c, spi=NullSPI()))
    rgb = [(i % 256, (2 * i) % 256, (3 * i) % 256) for i in range(pixels)]
    began = time.perf_counter()
    for n in range(frames):
        ring.show(rgb, n / FPS)
    return 1000.0 * (time.perf_counter() - began) / frames


def main() -> None:
    print(f"render + encode per frame (box pattern, {SECONDS} s at {FPS} fps, dithering on; best of 3):")
    for pixels in (24, 60):
        for style in ("glow", "fill"):
            ms = per_frame_ms(pixels, style)
            print(f"  {pixels:3d} pixels  {style:4s}  {ms:.4f} ms/frame  ({100 * ms * FPS / 1000:.2f} % of a core at {FPS} fps)")
    print("NeoPixelRing.show on the spi backend (neopixel_spi, a null SPI bus), paid when a frame changed:")
    for pixels in (24, 60):
        print(f"  {pixels:3d} pixels  {show_ms(pixels):.4f} ms/frame")


if __name__ == "__main__":
    main()
