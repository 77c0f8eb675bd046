"""`breathcue leds test`: every pixel in turn, then each colour at the brightness cap."""

from __future__ import annotations

import argparse

from ..clock import MonotonicClock
from .args import finite_float
from .common import EXIT_OK, UsageError, add_common, load_config, stop_on_signals


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("leds", help="check the LED ring")
    lsub = p.add_subparsers(dest="leds_command", required=True, metavar="{test}")
    test = lsub.add_parser("test", help="light each pixel in turn, then red, green, blue and white at the brightness cap")
    add_common(test)
    test.add_argument("--sim", action="store_true", help="draw in the terminal even on a Pi")
    test.add_argument("--step", type=finite_float, default=0.25, metavar="S", help="seconds per pixel; each colour shows for 5 steps (default 0.25)")
    test.set_defaults(func=cmd_leds_test)


def cmd_leds_test(args: argparse.Namespace) -> int:
    from ..app import play
    from ..core.render import FrameEncoder, check_sequence
    from ..hw import select
    from ..hw.neopixel_ring import NeoPixelRing
    from ..hw.terminal import TerminalRing

    config = load_config(args)
    if not 0.0 < args.step <= 10.0:
        raise UsageError(f"--step {args.step:g}: expected more than 0 and at most 10 seconds")
    real = select.use_real_hardware(config, args.sim, select.pi_model())
    ring = NeoPixelRing.open(config.ring) if real else TerminalRing(config.ring.pixels)
    encoder = FrameEncoder.from_config(config.ring)
    encoder.dither = False  # each step is one still frame
    stopped = []
    with stop_on_signals(lambda: stopped.append(True)):
        try:
            play(ring, check_sequence(config.ring.pixels, args.step), encoder, MonotonicClock(), lambda: bool(stopped))
        finally:
            ring.close()
    return EXIT_OK
