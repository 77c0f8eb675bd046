"""`breathcue run`: the daemon itself, on the real hardware, the simulated breather or a recording."""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from .. import config as configmod
from .args import positive_hz, whole_number
from .common import (
    add_common, add_loop_options, add_source_options, calibrated_baseline, extra_sinks, loop_state_dir, logs_above,
    make_clock, output_sinks, reload_on_hangup, replay_of, stop_on_signals,
)

log = logging.getLogger("breathcue")


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the daemon: pace, detect, nudge")
    add_common(p)
    add_loop_options(p)
    p.add_argument("--seed", type=whole_number, default=0, help="seed of the simulated breather")
    add_source_options(p, "demo")
    p.add_argument("--replay", type=Path, metavar="FILE", help="use a recording as the sensor; the run ends when it does (docs/sensor.md)")
    p.add_argument("--rate", type=positive_hz, metavar="HZ", help="the recording's samples per second, when the file does not say")
    p.add_argument("--column", metavar="C", help="the recording's column: a header name, or a number counted from 1")
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from ..app import Daemon, SessionFollower
    from ..hw import select
    from ..notify import Notifier
    from ..summary import RunSummary

    config, source = configmod.load(args.config)
    log.debug("config from %s", source)
    clock = make_clock(args, config)
    recording = replay_of(args)
    with output_sinks(args) as sinks:
        parts = select.build(config, force_sim=args.sim, seed=args.seed, scenario=args.scenario, replay=recording)
        state = loop_state_dir(args, live=not parts.simulated and recording is None)
        daemon = Daemon(
            config, clock, parts.sensor, parts.ring, sinks, args.seconds,
            notifier=Notifier.from_env(), reload=lambda: configmod.load(args.config), source=source,
            baseline=calibrated_baseline(state, config.sensor.full_scale_v),
        )
        daemon.sinks.extend(extra_sinks(config, state, daemon))
        if state is not None:  # a simulated strap's state is the simulation's own (loop_state_dir)
            from .. import control

            daemon.sinks += control.open_sinks(state, daemon)  # `calibrate` asks this daemon; what it learns is kept
        if parts.breather is not None:
            daemon.sinks.append(SessionFollower(daemon, parts.breather.follow))
        button = select.button_for(config, parts, lambda press: daemon.submit("button", press=press))
        summary = RunSummary()
        daemon.sinks.append(summary)
        with stop_on_signals(daemon.stop), reload_on_hangup(daemon.submit), logs_above(parts.ring):
            try:
                code = daemon.run()
            finally:
                if button is not None:
                    button.close()
                parts.close()
    print(summary.text(clock.now()))
    return code
