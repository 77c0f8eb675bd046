"""`breathcue calibrate`: calm breathing, then slow breaths with the light; the personal baseline.

With the service running, the running daemon does it (over its control
socket in the state dir, control.py) and applies the baseline at once;
otherwise this command runs the same loop on its own.  Either way the
procedure is core/calibration.py.
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any, Callable, Sequence, TextIO

from .. import config as configmod
from ..core.calibration import GUIDED_BREATHS, Progress
from ..core.types import RGBBytes
from .common import (
    EXIT_FAIL, EXIT_OK, UsageError, add_common, add_source_options, load_config, make_clock, output_file, stop_on_signals,
)


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="record calm breathing and a few guided breaths; save them as your baseline")
    add_common(p)
    p.add_argument("--seconds", type=float, default=60.0, help="how long to record calm breathing, 30-600 (default 60)")
    p.add_argument("--sim", action="store_true", help="use the simulated breather even on a Pi (never asks the daemon)")
    p.add_argument("--clock", choices=("real", "virtual"), default="real", help="virtual runs as fast as possible (never asks the daemon)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated breather")
    add_source_options(p, "calm")
    p.set_defaults(func=cmd_calibrate)


class ProgressLine:
    """The calibration's progress on one terminal line, redrawn in place."""

    def __init__(self, out: TextIO) -> None:
        self.out = out
        self.shown = False

    def __call__(self, progress: dict[str, Any]) -> None:
        text = Progress(**progress).describe()
        self.out.write(f"\r\x1b[2K{text}")
        self.out.flush()
        self.shown = True

    def end(self) -> None:
        if self.shown:
            self.out.write("\r\x1b[2K")
            self.out.flush()


class UnseenRing:
    """The ring of a simulated calibration whose output is not a terminal: nobody sees it."""

    def __init__(self, pixels: int) -> None:
        self.pixels = pixels

    def show(self, rgb: Sequence[RGBBytes], t: float) -> None: ...

    def set_status(self, text: str) -> None: ...

    def close(self) -> None: ...


def cmd_calibrate(args: argparse.Namespace) -> int:
    """Ask the running daemon (on the real clock, real strap); without one, calibrate here."""
    from .. import control
    from ..analyze import baseline_path
    from ..hw import select

    try:
        seconds = control.check_seconds(args.seconds)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    config = load_config(args)
    simulated = args.sim or not select.use_real_hardware(config, False, select.pi_model())
    # as `run`: a simulated strap's baseline is the simulation's (and so is the daemon it asks), never the real one
    state = args.state_dir or (configmod.sim_state_dir() if simulated else configmod.state_dir(None))
    output_file(baseline_path(state))  # a state dir that cannot be made is one line and status 1, before any breathing
    line = ProgressLine(sys.stdout) if sys.stdout.isatty() else None
    plan = f"Breathe calmly for {seconds:g} s, then {GUIDED_BREATHS} slow breaths with the light: in as it brightens, out as it dims"
    try:
        result = None
        if not args.sim and args.clock == "real":
            result = control.ask_daemon(state, seconds, line or (lambda progress: None), lambda: print(f"{plan} (the running daemon).", file=sys.stderr))
            where = "the running daemon saved it and uses it now"
        if result is None:
            result = _standalone(args, config, state, simulated, seconds, line, plan)
            where = f"saved to {baseline_path(state)}"
    except (control.ControlError, KeyboardInterrupt) as exc:
        if line is not None:
            line.end()
        print(f"breathcue: calibration failed: {str(exc) or 'interrupted'}", file=sys.stderr)
        return EXIT_FAIL
    if line is not None:
        line.end()
    print(result["text"])
    print(where)
    return EXIT_OK


def _standalone(
    args: argparse.Namespace, config: configmod.Config, state: Path, simulated: bool, seconds: float, line: ProgressLine | None, plan: str
) -> dict[str, Any]:
    """Calibrate with the daemon's loop in this process (no daemon runs); the result, or ControlError."""
    from ..app import Daemon, SessionFollower
    from ..control import BaselineKeeper, ControlError
    from ..hw import select
    from ..hw.terminal import TerminalRing

    args.start = None
    clock = make_clock(args, config)
    if simulated:
        sensor, breather = select.simulated_sensor(config, args.scenario, args.seed)
        terminal = sys.stdout.isatty() and args.clock == "real"
        ring: Any = TerminalRing(config.ring.pixels) if terminal else UnseenRing(config.ring.pixels)
        parts = select.Parts(sensor, ring, simulated=True, breather=breather)
        line = None if terminal else line  # the terminal ring's status line shows the progress
    else:
        parts = select.build(config)
    print(f"{plan} ({'simulated breather' if parts.simulated else 'the strap'}).", file=sys.stderr)
    if not args.verbose:  # the daemon's event log is for the service's journal, not this command
        logging.getLogger("breathcue.app").setLevel(logging.WARNING)
    answer: dict[str, Any] = {}
    try:
        daemon = Daemon(config, clock, parts.sensor, parts.ring)
        if parts.breather is not None:
            daemon.sinks.append(SessionFollower(daemon, parts.breather.follow))
        show: Callable[[dict[str, Any]], None] = line or (lambda progress: None)

        def reply(message: dict[str, Any]) -> None:
            if "progress" in message:
                show(message["progress"])
            else:
                answer.update(message)
                daemon.stop()

        daemon.submit("calibrate", seconds=seconds, reply=reply)
        with stop_on_signals(daemon.stop):
            daemon.run()
    finally:
        parts.close()
    if "error" in answer or "result" not in answer:
        raise ControlError(answer.get("error", "interrupted before the end; nothing saved"))
    BaselineKeeper(state, daemon).save_calibration(answer["result"], clock.wall())  # OSError: one line, status 1
    return answer["result"]

