"""The real LED ring: Adafruit's NeoPixel drivers, one show() per frame, off on close.

Three backends, picked by ``ring.backend``:

- ``spi``: ``neopixel_spi.NeoPixel_SPI`` on the SPI bus, data on GPIO10
  (MOSI).  Needs only the ``spi`` group, no root: the recommended one.
- ``pwm``: ``neopixel.NeoPixel`` on GPIO18, 12 or 21, through rpi_ws281x's
  PWM and DMA.  Needs root.
- ``pi5``: ``neopixel.NeoPixel`` on a Pi 5, where Blinka hands the pixels
  to the Pi 5's PIO driver (Adafruit-Blinka-Raspberry-Pi5-Neopixel); needs
  access to /dev/pio0.

Either way the driver is an ``adafruit_pixelbuf.PixelBuf``: this adapter
fills its buffer and calls ``show()`` once per frame (``auto_write`` off),
with the driver's own brightness at 1.0 because the FrameEncoder already
applied the brightness and power caps.  The libraries are imported only in
``open_strip``, so this module imports anywhere; tests pass their own
PixelBuf through ``NeoPixelRing.open(config, opener=...)``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
from typing import TYPE_CHECKING, Any, Callable, Sequence

from ..core.types import RGBBytes

if TYPE_CHECKING:
    from ..config import RingConfig

log = logging.getLogger(__name__)

INSTALL = "pip install 'breathcue[pi]'"
PACKAGES = {
    "board": "adafruit-blinka",
    "busio": "adafruit-blinka",
    "digitalio": "adafruit-blinka",
    "neopixel_write": "adafruit-blinka",
    "adafruit_blinka": "adafruit-blinka",
    "neopixel": "adafruit-circuitpython-neopixel",
    "neopixel_spi": "adafruit-circuitpython-neopixel-spi",
    "adafruit_pixelbuf": "adafruit-circuitpython-pixelbuf",
    "adafruit_bus_device": "adafruit-circuitpython-busdevice",
    "spidev": "spidev",
    "rpi_ws281x": "rpi_ws281x",
    "_rpi_ws281x": "rpi_ws281x",
    "adafruit_raspberry_pi5_neopixel_write": "Adafruit-Blinka-Raspberry-Pi5-Neopixel",
}
HINTS = {
    "spi": "enable SPI (sudo raspi-config nonint do_spi 0), reboot, and add the user to the spi group",
    "pwm": 'the pwm backend needs root: run as root, or wire the ring to GPIO10 and use backend = "spi"',
    "pi5": "the Pi 5 driver needs read-write access to /dev/pio0 (see docs/install.md)",
}

Strip = Any
"""An ``adafruit_pixelbuf.PixelBuf``: slice assignment, ``fill``, ``show``, ``bpp``."""


class RingError(RuntimeError):
    """The ring cannot be opened; the message says what to install or change."""


@functools.cache
def _neopixel_spi_class() -> type:
    """neopixel_spi.NeoPixel_SPI, with its bit expansion done by table.

    The driver turns every data bit into one SPI byte in a Python loop, 576
    turns for 24 pixels: a large part of a frame's cost on a Pi Zero at 60
    frames a second.  A table of the 8-byte pattern of each byte value,
    built from the driver's own bit patterns, gives the same bytes at C
    speed (tests/test_neopixel_ring.py decodes them off a fake bus).
    """
    import neopixel_spi

    class NeoPixelSPI(neopixel_spi.NeoPixel_SPI):
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            bit0, bit1 = self._bit0, self._bit1
            self._patterns = [bytes(bit1 if v >> i & 1 else bit0 for i in range(7, -1, -1)) for v in range(256)]

        def _transmogrify(self, buffer: bytearray) -> None:
            self._spibuf[:] = b"".join(map(self._patterns.__getitem__, buffer))

    return NeoPixelSPI


def open_strip(ring: "RingConfig", spi: Any = None) -> Strip:
    """The Adafruit driver for this config, with auto_write off and its own brightness at 1.0.

    ``spi`` is a busio.SPI-like bus for the spi backend; by default the Pi's
    own (``board.SPI()``).
    """
    if ring.backend == "spi":
        strip_class = _neopixel_spi_class()
        if spi is None:
            import board

            spi = board.SPI()
        return strip_class(spi, ring.pixels, pixel_order=ring.pixel_order, brightness=1.0, auto_write=False)
    import board
    import neopixel

    return neopixel.NeoPixel(
        getattr(board, f"D{ring.pin}"), ring.pixels, pixel_order=ring.pixel_order, brightness=1.0, auto_write=False
    )


def open_error(ring: "RingConfig", exc: BaseException) -> RingError:
    """What went wrong opening the ring, and what to install or change."""
    where = f"cannot open the {ring.backend} ring on GPIO{ring.pin}"
    if isinstance(exc, ImportError):
        name = (exc.name or "").split(".")[0]
        package = PACKAGES.get(name, name or "the NeoPixel libraries")
        return RingError(f"{where}: the Python module {name or '?'} is missing; install {package} with {INSTALL}")
    return RingError(f"{where}: {exc}; {HINTS[ring.backend]}")


class NeoPixelRing:
    """The Ring of hw/ports.py on a real WS2812 ring."""

    def __init__(self, strip: Strip, pixels: int) -> None:
        self._strip = strip
        self.pixels = pixels
        self._rgbw = strip.bpp == 4
        self._closed = False
        self.status = ""

    @classmethod
    def open(cls, ring: "RingConfig", opener: Callable[["RingConfig"], Strip] = open_strip) -> "NeoPixelRing":
        """Open the ring and blank it, so a driver that cannot write fails here, not mid-run."""
        try:
            strip = opener(ring)
        except Exception as exc:  # the drivers raise anything from ImportError to RuntimeError
            raise open_error(ring, exc) from exc
        adapter = cls(strip, ring.pixels)
        try:
            adapter._blank()
        except Exception as exc:  # rpi_ws281x, for one, fails only on the first write without root
            with contextlib.suppress(Exception):
                adapter._release()
            raise open_error(ring, exc) from exc
        log.info("opened the %s ring on GPIO%d: %d %s pixels", ring.backend, ring.pin, ring.pixels, ring.pixel_order)
        return adapter

    def show(self, rgb: Sequence[RGBBytes], t: float) -> None:
        # RGBW pixels get an explicit white of 0: given three equal values,
        # pixelbuf would move them to the white LED, and a dithered grey
        # would flick between the two.
        self._strip[:] = [(r, g, b, 0) for r, g, b in rgb] if self._rgbw else list(rgb)
        self._strip.show()

    def set_status(self, text: str) -> None:
        """Kept for whoever asks; the LEDs themselves cannot show text."""
        self.status = text

    def close(self) -> None:
        """Turn every pixel off and release the pin; safe to call twice."""
        if self._closed:
            return
        self._closed = True
        try:
            self._blank()
        finally:
            self._release()

    def _release(self) -> None:
        deinit = getattr(self._strip, "deinit", None)  # the drivers' deinit frees the pin or SPI bus
        if deinit is not None:
            deinit()

    def _blank(self) -> None:
        self._strip.fill(0)
        self._strip.show()
