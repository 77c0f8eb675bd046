"""`breathcue calibrate`: record calm breathing and keep it as the personal baseline."""

from __future__ import annotations

import argparse
import sys

from .. import config as configmod
from .common import EXIT_FAIL, EXIT_OK, UsageError, add_common, load_config, make_clock


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="record calm breathing and save it as your baseline")
    add_common(p)
    p.add_argument("--seconds", type=float, default=60.0, help="how long to record (default 60)")
    p.add_argument("--sim", action="store_true", help="use the simulated breather even on a Pi")
    p.add_argument("--clock", choices=("real", "virtual"), default="real", help="virtual runs as fast as possible")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated breather")
    p.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from .. import analyze
    from ..hw import select

    if not 20 <= args.seconds <= 600:
        raise UsageError(f"--seconds {args.seconds:g}: expected 20 to 600 seconds of calm breathing")
    config = load_config(args)
    args.start = None
    clock = make_clock(args, config)
    sensor, where = select.open_sensor(config, force_sim=args.sim, seed=args.seed)
    print(f"Breathe calmly for {args.seconds:g} s ({where})...", file=sys.stderr)
    try:
        baseline, info = analyze.calibrate(sensor, clock, config.detector, args.seconds)
    except analyze.CalibrationError as exc:
        print(f"breathcue: calibration failed: {exc}", file=sys.stderr)
        return EXIT_FAIL
    finally:
        sensor.close()
    path = analyze.baseline_path(configmod.state_dir(args.state_dir))
    analyze.save_baseline(baseline, path, info)
    print(f"depth {baseline.depth:.4g}  rate {baseline.rate_bpm:.1f} breaths/min  polarity {baseline.polarity}  ({info['breaths']} breaths)")
    print(f"saved to {path}")
    return EXIT_OK
