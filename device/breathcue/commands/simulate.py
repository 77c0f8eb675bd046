"""`breathcue simulate`: the whole daemon on a simulated breather and a virtual clock."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from ..app import Sink
from ..progress import ProgressBar, bar_for

from .args import finite_float, wall_time, whole_number
from .common import EXIT_OK, UsageError, add_common, extra_sinks, load_config, make_clock, output_sinks


def add(sub: argparse._SubParsersAction) -> None:
    from ..simulate import DEFAULT_FPS

    p = sub.add_parser("simulate", help="run the whole daemon on a simulated breather, as fast as possible")
    add_common(p)
    p.add_argument("--scenario", default="calm", help="what the simulated person does: calm, workday, demo, ... (docs/cli.md)")
    p.add_argument("--hours", type=finite_float, default=8.0, help="simulated hours (default 8)")
    p.add_argument("--start", type=wall_time, help="wall-clock start, ISO 8601 in the configured timezone (default: now)")
    p.add_argument("--seed", type=whole_number, default=0, help="seed of the simulated breather")
    p.add_argument("--events-out", type=Path, help="write events as JSON Lines to this file")
    p.add_argument("--fps", type=finite_float, default=DEFAULT_FPS, help=f"frames drawn per simulated second (default {DEFAULT_FPS:g})")
    p.set_defaults(func=cmd_simulate, clock="virtual")


def cmd_simulate(args: argparse.Namespace) -> int:
    from ..simulate import breather, simulate

    if not 0 < args.hours <= 24 * 31:
        raise UsageError(f"--hours {args.hours:g}: expected more than 0 and at most a month (744)")
    if not 0.1 <= args.fps <= 120:
        raise UsageError(f"--fps {args.fps:g}: expected 0.1 to 120")
    config = load_config(args)
    try:
        person = breather(config, args.scenario, args.seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    clock = make_clock(args, config)
    if not args.verbose:
        logging.getLogger("breathcue.app").setLevel(logging.WARNING)  # the summary says it all
    seconds = 3600.0 * args.hours
    bar = bar_for(sys.stderr, f"simulating {args.hours:g} h")
    with output_sinks(args) as sinks:
        summary = simulate(
            config, clock, person.sensor, seconds, [*sinks, *([SimulatedTime(bar, seconds)] if bar else [])],
            more_sinks=lambda daemon: extra_sinks(config, args.state_dir, daemon), fps=args.fps, breather=person.breather,
        )
    print(f"scenario {args.scenario}, seed {args.seed}")
    print(summary.text())
    return EXIT_OK


class SimulatedTime(Sink):
    """Moves the progress bar as simulated time passes (statuses come once a simulated second)."""

    def __init__(self, bar: ProgressBar, seconds: float) -> None:
        self.bar, self.seconds = bar, seconds

    def status(self, status: dict[str, Any]) -> None:
        self.bar(status["t"] / self.seconds, status["wall"][11:16])

    def close(self) -> None:
        self.bar(1.0)
