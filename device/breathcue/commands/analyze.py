"""`breathcue analyze`: the daemon's breath detector over a recording, as a table, JSON Lines or a plot."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .args import positive_hz, positive_seconds
from .common import EXIT_OK, UsageError, add_common, load_config, output_file, quiet_stdout


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="run the breath detector over a recording")
    add_common(p)
    p.add_argument("file", type=Path, help="a recording: CSV, whitespace text, WAV, NPY or breathcue's own")
    p.add_argument("--rate", type=positive_hz, help="samples per second (default: from the file)")
    p.add_argument("--column", help="the signal column: a header name or a 1-based number")
    p.add_argument("--format", choices=("jsonl", "table", "summary"), default="table", help="output (default table)")
    p.add_argument("--plot", type=Path, metavar="OUT.png", help="also draw the signal and what was found (extra 'plot')")
    p.add_argument("--hold-seconds", type=positive_seconds, help="seconds without breathing movement that make a hold")
    p.add_argument("--baseline", type=Path, help="a baseline file from `breathcue calibrate` (default: start cold)")
    p.add_argument(
        "--polarity", choices=("normal", "inverted", "auto"),
        help="which way a breath in moves the signal (default: the config's detector.polarity)",
    )
    p.set_defaults(func=cmd_analyze)


def cmd_analyze(args: argparse.Namespace) -> int:
    from .. import analyze
    from ..hw.replay import RecordingError
    from ..plot import PlotUnavailable, plot

    config = load_config(args)
    column = int(args.column) if args.column and args.column.isascii() and args.column.isdigit() else args.column
    try:
        baseline = analyze.load_baseline(args.baseline) if args.baseline else None
        result = analyze.analyze_file(
            args.file, rate=args.rate, column=column,
            detector=analyze.detector_options(config, args.hold_seconds, args.polarity), baseline=baseline, err=sys.stderr,
        )
        try:
            analyze.WRITERS[args.format](result, sys.stdout)
            sys.stdout.flush()
        except BrokenPipeError:  # `analyze ... --plot p.png | head`: the reader has had enough, the picture is still wanted
            quiet_stdout()
        if args.plot is not None:
            plot(result, output_file(args.plot), f"{args.file.name}: {result.summary['breaths']} breaths, {result.summary['holds']} holds")
    except (RecordingError, ValueError, PlotUnavailable) as exc:
        raise UsageError(str(exc)) from None
    return EXIT_OK
