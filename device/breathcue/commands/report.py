"""`breathcue report|export|forget`: the history read back as a report, exported, or removed."""

from __future__ import annotations

import argparse
import contextlib
import sys
from pathlib import Path

from .. import config as configmod
from .common import UsageError, add_common, load_config, output_file, timezone_of


def add(sub: argparse._SubParsersAction) -> None:
    from ..report import EXPORT_TABLES

    p = sub.add_parser("report", help="a day or a week from the history: text, JSON or a picture")
    add_common(p)
    p.add_argument("--day", metavar="YYYY-MM-DD", help="the day (default: today); with --week, the last day of the week")
    p.add_argument("--week", action="store_true", help="the seven days ending with --day")
    p.add_argument("--format", choices=("text", "json"), help="print as text (the default without --png) or JSON")
    p.add_argument("--png", type=Path, metavar="FILE", help="draw the day (or week) as a PNG picture (the report extra)")
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("export", help="the history as CSV or JSON Lines")
    add_common(p)
    p.add_argument("--format", choices=("csv", "jsonl"), default="jsonl", help="jsonl (default) or csv")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only from this day on (local midnight)")
    p.add_argument("--table", choices=EXPORT_TABLES, help="only this table (default: all of them)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")
    p.set_defaults(func=cmd_export)

    p = sub.add_parser("forget", help="remove history for good")
    add_common(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--before", metavar="YYYY-MM-DD", help="everything before this day (local midnight)")
    which.add_argument("--all", action="store_true", help="everything (asks first on a terminal; elsewhere needs --yes)")
    p.add_argument("--yes", action="store_true", help="remove everything without asking")
    p.set_defaults(func=cmd_forget)


def cmd_report(args: argparse.Namespace) -> int:
    from .. import report

    config = load_config(args)
    return report.report_command(
        configmod.state_dir(args.state_dir), timezone_of(config),
        day=args.day, week=args.week, fmt=args.format, png=args.png and output_file(args.png), out=sys.stdout, err=sys.stderr,
    )


def cmd_export(args: argparse.Namespace) -> int:
    from .. import report

    config = load_config(args)
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(output_file(args.output), "w", encoding="utf-8", newline="")) if args.output else sys.stdout
        return report.export_command(
            configmod.state_dir(args.state_dir), timezone_of(config),
            fmt=args.format, since=args.since, table=args.table, out=out, err=sys.stderr,
        )


def cmd_forget(args: argparse.Namespace) -> int:
    from .. import report

    config = load_config(args)
    if args.all and not args.yes and not _confirmed("Remove your whole breathing history for good? [y/N] "):
        raise UsageError("forget --all removes the whole history for good: add --yes to confirm" if not sys.stdin.isatty()
                         else "nothing removed")
    return report.forget_command(
        configmod.state_dir(args.state_dir), timezone_of(config), before=args.before, out=sys.stdout, err=sys.stderr
    )


def _confirmed(question: str) -> bool:
    """Ask on a terminal; never without one (a script must say --yes)."""
    if not sys.stdin.isatty():
        return False
    try:
        return input(question).strip().lower() in ("y", "yes")
    except EOFError:
        return False
