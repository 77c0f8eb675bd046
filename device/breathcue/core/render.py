"""From what the ring should mean to the bytes the LEDs get.

Two steps.  Drawing (``glow``, ``fill``, ``pacer``) builds a Frame whose
channel values are *perceptual* levels 0-1, like sRGB values: 0.5 looks
half as bright as 1.0.  ``FrameEncoder`` then turns a Frame into the 0-255
bytes a WS2812 wants, which are linear in light: the perceptual curve (CIE
L* or a gamma), the brightness cap, the power cap and temporal dithering.
The encoder is the only stateful step and keeps its state (the dither
error of each channel) on the instance, so a run is reproducible.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Sequence

from .pacing import Guide
from .types import RGB, Frame, RGBBytes

if TYPE_CHECKING:
    from ..config import PacingConfig, RingConfig

BLACK: RGB = (0.0, 0.0, 0.0)
WHITE: RGB = (1.0, 1.0, 1.0)
CROSS_FADE_SECONDS = 0.8
"""How long the colour takes to blend into the next phase's colour."""
TABLE_STEPS = 4096
"""Perceptual input resolution of the encoder's lookup table (12 bits, finer than the 8-bit output)."""
ONE = 256
"""Fixed point: encoder targets are in 1/256 of an output byte."""


# --- perceptual brightness ----------------------------------------------------


@dataclass(frozen=True, slots=True)
class Curve:
    """How a perceptual level maps to linear light: CIE L* (``gamma=None``) or a power law."""

    gamma: float | None = None

    def to_linear(self, level: float) -> float:
        if level <= 0.0:
            return 0.0
        level = min(level, 1.0)
        if self.gamma is not None:
            return level**self.gamma
        lstar = 100.0 * level
        return ((lstar + 16.0) / 116.0) ** 3 if lstar > 8.0 else lstar / 903.3

    def to_perceptual(self, light: float) -> float:
        if light <= 0.0:
            return 0.0
        light = min(light, 1.0)
        if self.gamma is not None:
            return light ** (1.0 / self.gamma)
        return (116.0 * light ** (1.0 / 3.0) - 16.0) / 100.0 if light > 0.008856 else 9.033 * light

    @classmethod
    def from_config(cls, ring: "RingConfig") -> "Curve":
        return cls(ring.gamma if ring.curve == "gamma" else None)


CIE = Curve()


def parse_colour(text: str) -> RGB:
    """``"#rrggbb"`` as perceptual levels 0-1 (the same meaning as CSS colours)."""
    value = int(text[1:], 16)
    return ((value >> 16) / 255.0, ((value >> 8) & 0xFF) / 255.0, (value & 0xFF) / 255.0)


def _scaled(colour: RGB, k: float) -> RGB:
    return (colour[0] * k, colour[1] * k, colour[2] * k)


def _mix(a: RGB, b: RGB, w: float) -> RGB:
    return (a[0] + (b[0] - a[0]) * w, a[1] + (b[1] - a[1]) * w, a[2] + (b[2] - a[2]) * w)


# --- drawing --------------------------------------------------------------------


def glow(pixels: int, colour: RGB, level: float, floor: float = 0.0) -> Frame:
    """The whole ring at ``level`` (0-1, perceptual) of ``colour``, never below ``floor``."""
    return Frame.solid(pixels, _scaled(colour, floor + (1.0 - floor) * min(1.0, max(0.0, level))))


def fill(pixels: int, colour: RGB, level: float, floor: float = 0.0, curve: Curve = CIE) -> Frame:
    """An arc of ``level`` (0-1) of the ring lit clockwise from pixel 0; the rest at ``floor``.

    The leading pixel is anti-aliased: its light (not its perceptual level)
    is its covered share, so the edge moves at an even speed.
    """
    lit = min(1.0, max(0.0, level)) * pixels
    whole = int(lit)
    full, dim = colour, _scaled(colour, floor)
    out = [full] * whole + [dim] * (pixels - whole)
    if whole < pixels and lit > whole:
        low = curve.to_linear(floor)
        out[whole] = _scaled(colour, curve.to_perceptual(low + (1.0 - low) * (lit - whole)))
    return Frame(tuple(out))


@dataclass(frozen=True, slots=True)
class PhaseColours:
    """The pacer's colour in each phase, as perceptual RGB."""

    inhale: RGB
    hold_in: RGB
    exhale: RGB
    hold_out: RGB

    @classmethod
    def from_config(cls, pacing: "PacingConfig") -> "PhaseColours":
        return cls(
            parse_colour(pacing.inhale_colour),
            parse_colour(pacing.hold_in_colour),
            parse_colour(pacing.exhale_colour),
            parse_colour(pacing.hold_out_colour),
        )

    @classmethod
    def single(cls, colour: RGB) -> "PhaseColours":
        return cls(colour, colour, colour, colour)

    def at(self, guide: Guide) -> RGB:
        """The colour for ``guide``: the phase's, cross-faded from the previous phase's as it begins."""
        colour = getattr(self, guide.phase)
        fade = min(CROSS_FADE_SECONDS, 0.5 * guide.phase_seconds)
        if guide.elapsed >= fade:
            return colour
        return _mix(getattr(self, guide.previous), colour, 0.5 - 0.5 * math.cos(math.pi * guide.elapsed / fade))


def pacer(
    guide: Guide,
    style: str,
    colours: PhaseColours,
    pixels: int,
    floor: float = 0.0,
    curve: Curve = CIE,
    level: float = 1.0,
) -> Frame:
    """The breathing pacer for one moment, in ``style`` ("glow" or "fill"), at most ``level`` bright."""
    colour = _scaled(colours.at(guide), level)
    if style == "fill":
        return fill(pixels, colour, guide.volume, floor, curve)
    return glow(pixels, colour, guide.volume, floor)


def check_sequence(pixels: int, step: float) -> list[tuple[float, str, Frame]]:
    """``breathcue leds test``: each pixel in turn, then red, green, blue and white at full.

    Returns (seconds to show, label, frame): ``step`` per pixel, five steps per colour.
    """
    steps = [
        (step, f"pixel {i}", Frame(tuple(WHITE if j == i else BLACK for j in range(pixels)))) for i in range(pixels)
    ]
    for name, colour in (("red", (1.0, 0.0, 0.0)), ("green", (0.0, 1.0, 0.0)), ("blue", (0.0, 0.0, 1.0)), ("white", WHITE)):
        steps.append((5 * step, name, Frame.solid(pixels, colour)))
    return steps


# --- to bytes -------------------------------------------------------------------


class FrameEncoder:
    """Perceptual levels to LED bytes: curve, brightness cap, power cap, temporal dithering.

    - A 4096-entry table maps a perceptual level to linear light times the
      brightness cap, in 1/256 of a byte, so a frame costs lookups, not powers.
    - The power cap: a WS2812 draws about ``ma_per_channel`` mA per channel
      at 255, in proportion to the byte.  When a frame's estimate exceeds
      ``max_current_ma`` the whole frame is scaled down to fit, and the
      bytes actually sent never exceed it.
    - Temporal dithering, one decision per pixel: the pixel's brightest
      channel carries the fraction of a byte it could not show to the next
      frame (error diffusion in time), so its mean over frames is the exact
      target and a slow fade at low brightness shows no steps; the other
      channels follow it in proportion, rounded down, so a pixel keeps its
      hue as closely as whole bytes allow.  Dithering each channel on its
      own lit, at byte values 0-2, a green pixel in a blue glow or a
      magenta one in amber now and then.  The price: the other channels
      lose their fractions of a byte, so the dimmest light is a little
      purer in colour than asked for (the brightest channel, which carries
      the brightness, keeps its exact mean).
      The pixels start at staggered fractions so a uniform glow does not
      flicker in unison.

    Speed: the daemon encodes every frame.  The targets are looked up as
    16-bit lanes of one big integer (at most 255 x 256 each); without
    dithering, rounding is one integer operation for the whole ring.  With
    it, one pass over the pixels does a few integer operations each.
    ``error`` shows the carried fractions, one per pixel.
    """

    def __init__(
        self,
        *,
        brightness: float = 1.0,
        curve: Curve = CIE,
        dither: bool = True,
        max_current_ma: float | None = None,
        ma_per_channel: float = 20.0,
    ) -> None:
        self.brightness = brightness
        self.dither = dither
        scale = 255.0 * ONE * brightness
        self._table = [round(curve.to_linear(i / (TABLE_STEPS - 1)) * scale) for i in range(TABLE_STEPS)]
        self._lanes = [x.to_bytes(2, "little") for x in self._table]
        self.budget = math.inf if max_current_ma is None else math.floor(255.0 * max_current_ma / ma_per_channel)
        """The most the sum of all bytes of a frame may be."""
        self.ma_per_channel = ma_per_channel
        self._channels = 0
        self._low = 0  # 0x00ff in every lane
        self._error: list[int] = []  # each pixel's carried fraction of a byte, in 1/256
        self._half = 0  # half a byte in every lane: rounding without dithering

    @classmethod
    def from_config(cls, ring: "RingConfig") -> "FrameEncoder":
        return cls(
            brightness=ring.brightness,
            curve=Curve.from_config(ring),
            dither=ring.dither,
            max_current_ma=ring.max_current_ma,
            ma_per_channel=ring.ma_per_channel,
        )

    @property
    def error(self) -> list[int]:
        """Each pixel's carried fraction of a byte (of its brightest channel), in 1/256 (0-255)."""
        return list(self._error)

    def current_ma(self, rgb: Sequence[RGBBytes]) -> float:
        """The estimated current of a frame of bytes."""
        return sum(r + g + b for r, g, b in rgb) * self.ma_per_channel / 255.0

    def _pixel(self, pixel: RGB) -> tuple[bytes, int]:
        """One pixel's three lanes, and the sum of its targets."""
        table, lanes, top = self._table, self._lanes, TABLE_STEPS - 1
        r, g, b = int(pixel[0] * top + 0.5), int(pixel[1] * top + 0.5), int(pixel[2] * top + 0.5)
        if not (0 <= r <= top and 0 <= g <= top and 0 <= b <= top):
            r, g, b = (min(top, max(0, i)) for i in (r, g, b))
        return lanes[r] + lanes[g] + lanes[b], table[r] + table[g] + table[b]

    def _pack(self, frame: Frame) -> tuple[int, int]:
        """The frame's targets as lanes of one integer, and their sum; before the power cap."""
        pixels = frame.pixels
        if pixels.count(pixels[0]) == len(pixels):  # a glow: one colour all round
            chunk, weight = self._pixel(pixels[0])
            return int.from_bytes(chunk * len(pixels), "little"), weight * len(pixels)
        chunks: list[bytes] = []
        total = 0
        last: RGB | None = None
        chunk, weight = b"", 0
        for pixel in pixels:
            if pixel is not last:  # a fill repeats a few tuples: look each run up once
                last = pixel
                chunk, weight = self._pixel(pixel)
            chunks.append(chunk)
            total += weight
        return int.from_bytes(b"".join(chunks), "little"), total

    def targets(self, frame: Frame) -> list[int]:
        """Each channel's linear target in 1/256 of a byte, after the brightness and power caps."""
        packed, total = self._pack(frame)
        targets = _unpack(packed, 3 * len(frame.pixels))
        if total > self.budget * ONE:
            k = self.budget * ONE / total
            targets = [int(x * k) for x in targets]
        return targets

    def encode(self, frame: Frame) -> list[RGBBytes]:
        """The bytes for one frame; call once per frame shown (dithering counts frames)."""
        n = 3 * len(frame.pixels)
        if n != self._channels:
            self._resize(n)
        packed, total = self._pack(frame)
        if total > self.budget * ONE:
            k = self.budget * ONE / total
            packed = _pack_ints([int(x * k) for x in _unpack(packed, n)])
        if self.dither:
            values = self._dithered(_unpack(packed, n))
        else:
            values = (((packed + self._half) >> 8) & self._low).to_bytes(2 * n, "little")[0::2]
        # each channel rounds up by less than one byte: only a frame near the cap can cross it
        if total + n * ONE > self.budget * ONE and sum(values) > self.budget:
            values = self._fit_budget(values, _unpack(packed, n))
        return list(zip(values[0::3], values[1::3], values[2::3]))

    def _dithered(self, targets: list[int]) -> bytes:
        """One dither decision per pixel: its brightest channel's, the others scaled to match."""
        error = self._error
        out = bytearray(len(targets))
        shares: dict[tuple[int, int, int, int], bytes] = {}  # a glow or a fill repeats a few targets
        for p, rgb in enumerate(zip(targets[0::3], targets[1::3], targets[2::3])):
            top = max(rgb)
            if top == 0:
                continue
            acc = top + error[p]
            level = acc >> 8
            error[p] = acc & 0xFF
            if level:  # each channel its share of the level, never more: a dim pixel errs toward its main colour
                key = (*rgb, level)
                share = shares.get(key)
                if share is None:
                    share = shares[key] = bytes(x * level // top for x in rgb)
                out[3 * p : 3 * p + 3] = share
        return bytes(out)

    def _resize(self, n: int) -> None:
        """Lanes for ``n`` channels; the pixels' fractions staggered by the golden ratio."""
        self._channels = n
        self._low = int.from_bytes(b"\xff\x00" * n, "little")
        self._half = _pack_ints([ONE // 2] * n)  # without dithering: round to nearest
        self._error = [int(p * 0.6180339887 % 1.0 * ONE) for p in range(n // 3)]

    def _fit_budget(self, values: bytes, targets: list[int]) -> bytes:
        """Rounding went past the power cap: take back the biggest round-ups.

        When dithering, the pixel then carries as much of the taken-back
        share as it holds (just under a byte) to later frames.
        """
        out = list(values)
        excess = sum(out) - int(self.budget)
        order = sorted(range(len(out)), key=lambda i: targets[i] - (out[i] << 8))
        for i in order[:excess]:
            out[i] -= 1
        if self.dither:
            for i in order[:excess]:
                self._error[i // 3] = ONE - 1
        return bytes(out)


def _pack_ints(values: list[int]) -> int:
    return int.from_bytes(b"".join(v.to_bytes(2, "little") for v in values), "little")


def _unpack(packed: int, n: int) -> list[int]:
    raw = packed.to_bytes(2 * n, "little")
    return [raw[i] | raw[i + 1] << 8 for i in range(0, 2 * n, 2)]
