"""The ring in a terminal looks like the LEDs do to an eye in a room: visible pulse, amber hold cue."""

from __future__ import annotations

import io
from datetime import datetime
from zoneinfo import ZoneInfo

from breathcue import config as configmod
from breathcue.app import Daemon
from breathcue.clock import VirtualClock
from breathcue.hw import select
from breathcue.hw.terminal import TerminalRing

from .conftest import ROOT


class Screen(TerminalRing):
    """A terminal ring that keeps each drawing's cell colours with its time."""

    def __init__(self, pixels: int) -> None:
        super().__init__(pixels, io.StringIO(), tty=True)
        self.drawn: list[tuple[float, list[tuple[int, int, int]]]] = []
        self._now = 0.0

    def show(self, rgb, t: float) -> None:
        self._now = t
        super().show(rgb, t)

    def _draw(self, colours) -> None:
        super()._draw(colours)
        self.drawn.append((self._now, list(colours)))


def demo_screen(seconds: float) -> Screen:
    config, _ = configmod.load(ROOT / "docs" / "examples" / "demo.toml")
    parts = select.build(config, force_sim=True, seed=0, scenario="demo")
    screen = Screen(config.ring.pixels)
    clock = VirtualClock(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("UTC")))
    Daemon(config, clock, parts.sensor, screen, [], seconds).run()
    return screen


def brightness(colour: tuple[int, int, int]) -> float:
    """A screen colour's brightness as a share of white (its largest channel: blue at full counts as full)."""
    return max(colour) / 255


def test_demo_pulse_and_hold_cue_are_visible_on_screen():
    screen = demo_screen(50.0)
    ambient = [max(map(brightness, cells)) for t, cells in screen.drawn if 12.0 <= t < 28.0]  # calm, before the hold
    crest, trough = max(ambient), min(ambient)
    assert crest >= 0.4, crest
    assert crest - trough >= 0.25, (crest, trough)  # the pulse is seen, not a steady glow
    cue = [cells for t, cells in screen.drawn if 41.0 <= t < 50.0]  # the hold cue shows from about 40 s
    brightest = max((c for cells in cue for c in cells), key=brightness)
    r, g, b = brightest
    assert brightness(brightest) >= 0.4, brightest
    assert r > g > b and b < 0.5 * r, brightest  # amber: red, some green, little blue; not a dark brown dot


def test_the_hue_stays_when_the_screen_brightens_a_dim_ring():
    screen = TerminalRing(2, io.StringIO(), tty=True)
    screen.show([(2, 1, 0), (0, 0, 3)], 0.0)
    amber, blue = screen.seen([(2, 1, 0), (0, 0, 3)], 0.0)
    assert amber[0] > amber[1] > amber[2] == 0 and blue[:2] == (0, 0) and blue[2] == 255


def test_dithering_is_averaged_as_the_eye_averages_it():
    """A pixel flickering between bytes 2 and 4 every frame at 60 fps looks steady, as it does on the LEDs."""
    screen = Screen(1)
    for i in range(120):
        screen.show([(2 if i % 2 else 4, 0, 0)], i / 60)
    reds = [cells[0][0] for t, cells in screen.drawn if t >= 0.5]
    # drawn unaveraged, every other cell would be 186 next to 255 (a ratio of 1.37)
    assert len(reds) >= 20 and max(reds) / min(reds) <= 1.2, reds
