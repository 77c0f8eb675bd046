"""`breathcue pace`: a paced-breathing session now, on the ring or in the terminal."""

from __future__ import annotations

import argparse
from typing import TYPE_CHECKING

from .. import config as configmod
from .args import breaths_per_minute, non_negative_seconds, positive_minutes, positive_seconds, whole_number
from .common import (
    UsageError, add_common, add_loop_options, calibrated_baseline, load_config, loop_state_dir, logs_above, make_clock,
    output_sinks, stop_on_signals,
)

if TYPE_CHECKING:
    from ..core.pacing import PacedSession


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pace", help="run a paced-breathing session now")
    add_common(p)
    add_loop_options(p)
    p.add_argument("--pattern", metavar="NAME", help="a preset (resonance, coherent, box, 4-7-8, cyclic-sigh) or your [patterns.NAME]; default resonance")
    for phase in ("inhale", "hold-in", "exhale", "hold-out"):
        p.add_argument(f"--{phase}", type=positive_seconds if phase in ("inhale", "exhale") else non_negative_seconds, metavar="S", help=f"seconds of {phase.replace('-', ' ')}, instead of --pattern")
    p.add_argument("--minutes", type=positive_minutes, metavar="M", help="length of the session (ends on a whole breath); default: until --seconds or Ctrl-C")
    p.add_argument("--ramp-from", type=breaths_per_minute, metavar="BPM", help="start at this many breaths a minute...")
    p.add_argument("--ramp-to", type=breaths_per_minute, metavar="BPM", help="...and move to this many...")
    p.add_argument("--ramp-minutes", type=positive_minutes, metavar="M", help="...over this many minutes, keeping the pattern's proportions")
    p.add_argument("--style", choices=("glow", "fill"), help="how the ring draws it (default: pacing.style)")
    p.add_argument("--seed", type=whole_number, default=0, help="seed of the simulated breather")
    p.set_defaults(func=cmd_pace)


def pace_session(args: argparse.Namespace, config: configmod.Config) -> PacedSession:
    """The session the pace options ask for."""
    from ..core.pacing import PacedSession, Pattern, PatternError, Ramp, pattern_by_name

    phases = (args.inhale, args.hold_in, args.exhale, args.hold_out)
    ramp = (args.ramp_from, args.ramp_to, args.ramp_minutes)
    if args.pattern and any(v is not None for v in phases):
        raise UsageError("give either --pattern or --inhale/--hold-in/--exhale/--hold-out, not both")
    if any(v is not None for v in phases) and (args.inhale is None or args.exhale is None):
        raise UsageError("a pattern given by its phases needs at least --inhale and --exhale")
    if any(v is not None for v in ramp) and not all(v is not None for v in ramp):
        raise UsageError("--ramp-from, --ramp-to and --ramp-minutes go together")
    try:
        if args.inhale is not None:
            pattern = Pattern(args.inhale, args.hold_in or 0.0, args.exhale, args.hold_out or 0.0)
        else:
            pattern = pattern_by_name(args.pattern or "resonance", config.patterns)
        return PacedSession(pattern, args.minutes, Ramp(*ramp) if ramp[0] is not None else None)
    except PatternError as exc:
        raise UsageError(str(exc)) from None


def pace_name(args: argparse.Namespace) -> str:
    """The pattern's name for events: the preset's or the user's, or its phases ("4-0-8-0")."""
    if args.inhale is None:
        return args.pattern or "resonance"
    return "-".join(f"{v or 0:g}" for v in (args.inhale, args.hold_in, args.exhale, args.hold_out))


def cmd_pace(args: argparse.Namespace) -> int:
    from ..app import Daemon, SessionFollower
    from ..hw import select
    from ..summary import RunSummary

    config = load_config(args)
    session = pace_session(args, config)
    clock = make_clock(args, config)
    with output_sinks(args) as sinks:
        parts = select.build(config, force_sim=args.sim, seed=args.seed)
        # As `run`: the calibrated baseline tells the detector the strap's polarity, which a
        # symmetric pattern such as box, from a cold start, cannot.
        state = loop_state_dir(args, live=not parts.simulated)
        daemon = Daemon(config, clock, parts.sensor, parts.ring, sinks, args.seconds, baseline=calibrated_baseline(state, config.sensor.full_scale_v))
        if state is not None and config.history.enabled:  # the session's card goes into the history too
            from .. import history

            daemon.sinks += history.open_sinks(config, state, daemon)
        if parts.breather is not None:
            daemon.sinks.append(SessionFollower(daemon, parts.breather.follow))
        summary = RunSummary()
        daemon.sinks.append(summary)
        if state is not None:  # a polarity the session corrects is kept (a simulated strap's in the simulation's state)
            from ..control import BaselineKeeper

            daemon.sinks.append(BaselineKeeper(state, daemon))
        daemon.start_session(session, style=args.style, name=pace_name(args))
        daemon.exit_when_session_ends = True
        with stop_on_signals(daemon.stop), logs_above(parts.ring):
            try:
                code = daemon.run()
            finally:
                parts.close()
    print(summary.text(clock.now()))
    return code
