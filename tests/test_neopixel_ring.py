"""The real-ring adapter, driven through Adafruit's own pixelbuf layer.

``CapturedStrip`` is an ``adafruit_pixelbuf.PixelBuf`` -- the base class of
both neopixel.NeoPixel and neopixel_spi.NeoPixel_SPI -- whose ``_transmit``
keeps the bytes instead of clocking them out, so byte order, auto_write,
one write per frame and "off on close" are checked on the real buffer code.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import signal
import sys
from pathlib import Path

import adafruit_pixelbuf
import pytest

from breathcue import cli
from breathcue import config as configmod
from breathcue.app import Daemon, FrameWriter
from breathcue.core.pacing import PRESETS, PacedSession
from breathcue.hw import select
from breathcue.hw.neopixel_ring import NeoPixelRing, RingError, _neopixel_spi_class, open_strip
from breathcue.hw.sim import SimulatedBreather


class CapturedStrip(adafruit_pixelbuf.PixelBuf):
    """A NeoPixel strip whose wire is a list of the byte buffers sent."""

    def __init__(self, n: int, order: str) -> None:
        super().__init__(n, byteorder=order, brightness=1.0, auto_write=False)
        self.sent: list[bytes] = []
        self.released = False

    def _transmit(self, buffer: bytearray) -> None:
        self.sent.append(bytes(buffer))

    def deinit(self) -> None:
        self.released = True


def ring_config(**keys) -> configmod.RingConfig:
    return dataclasses.replace(configmod.RingConfig(), **keys)


def open_captured(config: configmod.RingConfig) -> tuple[NeoPixelRing, CapturedStrip]:
    strips = []

    def opener(c):
        strips.append(CapturedStrip(c.pixels, c.pixel_order))
        return strips[-1]

    return NeoPixelRing.open(config, opener=opener), strips[0]


@pytest.mark.parametrize(
    "order, wire",
    [
        ("GRB", bytes([20, 10, 30, 2, 1, 3])),
        ("RGB", bytes([10, 20, 30, 1, 2, 3])),
        ("GRBW", bytes([20, 10, 30, 0, 2, 1, 3, 0])),
        ("RGBW", bytes([10, 20, 30, 0, 1, 2, 3, 0])),
    ],
)
def test_bytes_on_the_wire_in_pixel_order(order, wire):
    ring, strip = open_captured(ring_config(pixels=2, pixel_order=order))
    assert strip.sent == [bytes(len(wire))]  # opening blanks the ring
    ring.show([(10, 20, 30), (1, 2, 3)], 0.0)
    assert strip.sent[-1] == wire
    assert len(strip.sent) == 2  # auto_write off: filling the buffer sent nothing, show() once


def test_rgbw_grey_stays_on_the_rgb_leds():
    """Three equal values would go to the white LED in pixelbuf; a dithered grey must not flick over."""
    ring, strip = open_captured(ring_config(pixels=2, pixel_order="GRBW"))
    ring.show([(7, 7, 7), (7, 8, 7)], 0.0)
    assert strip.sent[-1] == bytes([7, 7, 7, 0, 8, 7, 7, 0])


def test_close_turns_every_pixel_off_once_and_releases():
    ring, strip = open_captured(ring_config(pixels=3))
    ring.show([(255, 255, 255)] * 3, 0.0)
    ring.close()
    ring.close()
    assert strip.sent[-1] == bytes(9) and len(strip.sent) == 3
    assert strip.released
    ring.set_status("breathing")
    assert ring.status == "breathing"


def test_a_driver_that_fails_on_first_write_is_released_and_explained():
    class NoRoot(CapturedStrip):
        def _transmit(self, buffer):
            raise RuntimeError("ws2811_init failed with code -5 (mmap() failed)")

    made = []

    def opener(c):
        made.append(NoRoot(c.pixels, c.pixel_order))
        return made[-1]

    with pytest.raises(RingError, match=r"pwm ring on GPIO18: ws2811_init failed.*needs root"):
        NeoPixelRing.open(ring_config(backend="pwm", pin=18), opener=opener)
    assert made[0].released


def test_missing_library_names_the_package_and_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "neopixel_spi", None)  # as on a machine without it
    _neopixel_spi_class.cache_clear()  # an earlier test may have imported it already
    with pytest.raises(RingError) as info:
        NeoPixelRing.open(ring_config())
    text = str(info.value)
    assert "adafruit-circuitpython-neopixel-spi" in text and "pip install 'breathcue[pi]'" in text


def test_pi_mode_without_libraries_exits_1_with_the_fix(tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "neopixel", None)
    cfg = tmp_path / "c.toml"
    cfg.write_text('[hardware]\nmode = "pi"\n[ring]\nbackend = "pwm"\npin = 18\n')
    assert cli.main(["leds", "test", "--config", str(cfg)]) == 1
    err = capsys.readouterr().err
    assert "adafruit-circuitpython-neopixel " in err and "breathcue[pi]" in err and "Traceback" not in err


class FakeSPI:
    """A busio.SPI as neopixel_spi uses it (lock, configure, write), recording what is clocked out.

    Every data bit goes out as one SPI byte (0b11110000 for a 1, 0b11000000
    for a 0, at 6.4 MHz), framed by runs of zero bytes (the reset time).
    """

    def __init__(self) -> None:
        self.writes: list[bytes] = []
        self.baudrate = 0
        self.locked = False

    def try_lock(self) -> bool:
        if self.locked:
            return False
        self.locked = True
        return True

    def unlock(self) -> None:
        self.locked = False

    def configure(self, *, baudrate: int = 100000, polarity: int = 0, phase: int = 0, bits: int = 8) -> None:
        self.baudrate = baudrate

    @property
    def frequency(self) -> int:
        return self.baudrate

    def write(self, buffer: bytes, start: int = 0, end: int | None = None) -> None:
        self.writes.append(bytes(buffer[start:end]))

    def pixels(self, i: int = -1) -> bytes:
        """The NeoPixel bytes of write ``i``, decoded from the bit patterns."""
        bits = [b for b in self.writes[i] if b]  # drop the reset framing
        assert set(bits) <= {0b11110000, 0b11000000}
        return bytes(
            sum((bits[k + j] == 0b11110000) << (7 - j) for j in range(8)) for k in range(0, len(bits), 8)
        )


def test_the_spi_backend_through_neopixel_spi_on_a_fake_bus():
    """The real neopixel_spi driver, on a bus that records the SPI bytes: GRB order, one write per frame."""
    bus = FakeSPI()
    ring = NeoPixelRing.open(ring_config(pixels=3), opener=lambda c: open_strip(c, spi=bus))
    assert bus.baudrate == 6_400_000 and len(bus.writes) == 1 and bus.pixels() == bytes(9)  # blanked on open
    ring.show([(255, 0, 0), (0, 255, 0), (1, 2, 128)], 0.0)
    assert len(bus.writes) == 2
    assert bus.pixels() == bytes([0, 255, 0, 255, 0, 0, 2, 1, 128])
    assert bus.writes[-1][:10] == bytes(10)  # a leading reset, for a MOSI line that rests high
    ring.close()
    assert bus.pixels() == bytes(9) and not bus.locked


def test_the_spi_backend_without_spi_names_the_fix(monkeypatch):
    class NoSPI:
        def SPI(self):
            raise FileNotFoundError(2, "No such file or directory", "/dev/spidev0.0")

    monkeypatch.setitem(sys.modules, "board", NoSPI())
    with pytest.raises(RingError, match=r"spidev0.0.*enable SPI \(sudo raspi-config nonint do_spi 0\)"):
        NeoPixelRing.open(ring_config())


def test_daemon_writes_the_ring_only_when_the_frame_changed(default_config, vclock):
    config = dataclasses.replace(default_config, ring=dataclasses.replace(default_config.ring, dither=False))
    ring, strip = open_captured(config.ring)
    out = io.StringIO()
    daemon = Daemon(config, vclock, SimulatedBreather(seed=1), ring, [FrameWriter(out)], seconds=32)
    daemon.start_session(PacedSession(PRESETS["box"]))
    daemon.run()
    ring.close()
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert len(lines) == 32 * 60 + 1  # the sinks get every frame tick
    changed = [f for i, f in enumerate(lines) if i == 0 or f["rgb"] != lines[i - 1]["rgb"]]
    assert daemon.frames_written < len(lines) / 2  # the holds are still: most frames are not sent
    assert daemon.frames_written >= len(changed)  # every change is sent (plus a refresh each second)
    assert len(strip.sent) == daemon.frames_written + 2  # + blank on open and on close
    grb = [bytes(b for r, g, bl in f["rgb"] for b in (g, r, bl)) for f in lines]
    assert set(strip.sent[1:-1]) <= set(grb)  # what was sent is what the frames say, in GRB order
    assert strip.sent[-1] == bytes(72)


class _Failing:
    """A sensor that breaks mid-run (the bug the daemon must survive with the ring off)."""

    rate_hz = 25.0

    def __init__(self, at: float, action) -> None:
        self.at, self.action, self.inner = at, action, SimulatedBreather()

    def read(self, t: float):
        if t >= self.at:
            self.action()
        return self.inner.read(t)

    def close(self) -> None:
        pass


def _patch_parts(monkeypatch, sensor) -> list[CapturedStrip]:
    strips: list[CapturedStrip] = []

    def build(config, *, force_sim=False, seed=0):
        ring = NeoPixelRing.open(config.ring, opener=lambda c: strips.append(CapturedStrip(c.pixels, c.pixel_order)) or strips[-1])
        return select.Parts(sensor, ring, simulated=False)

    monkeypatch.setattr(select, "build", build)
    return strips


def test_the_ring_goes_off_on_a_crash(monkeypatch):
    def crash():
        raise ZeroDivisionError("a bug")

    strips = _patch_parts(monkeypatch, _Failing(2.0, crash))
    with pytest.raises(ZeroDivisionError):
        cli.main(["pace", "--pattern", "box", "--clock", "virtual", "--seconds", "10"])
    assert any(any(b) for b in strips[0].sent)  # it was lit
    assert strips[0].sent[-1] == bytes(72) and strips[0].released


def test_the_ring_goes_off_on_sigterm(monkeypatch):
    sent = []

    def terminate():
        if not sent:
            sent.append(True)
            os.kill(os.getpid(), signal.SIGTERM)

    strips = _patch_parts(monkeypatch, _Failing(3.0, terminate))
    assert cli.main(["pace", "--pattern", "box", "--clock", "virtual", "--seconds", "30"]) == 0
    assert sent and strips[0].sent[-1] == bytes(72) and strips[0].released
    assert len(strips[0].sent) < 30 * 60  # it stopped at the signal, not at 30 s
