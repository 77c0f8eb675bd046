"""`breathcue status`: what the running daemon is doing, from its status file."""

from __future__ import annotations

import argparse
import sys

from .. import config as configmod
from .. import jsonout
from .common import EXIT_FAIL, EXIT_NOT_RUNNING, EXIT_OK, add_common


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="what the running daemon is doing")
    add_common(p)
    p.add_argument("--json", action="store_true", help="print the status file as it is (docs/formats.md)")
    p.set_defaults(func=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    """Exit 0 when a daemon is running and current, 3 when it is stopped or silent, 1 without a status."""
    from .. import status

    directory = configmod.state_dir(args.state_dir)
    try:
        current = status.read(directory)
        text = None if args.json else status.describe_file(current, directory / status.FILE_NAME)
    except status.StatusError as exc:
        print(f"breathcue: {exc}", file=sys.stderr)
        return EXIT_FAIL
    print(jsonout.dumps(current, indent=1, ensure_ascii=False) if text is None else text)
    return EXIT_OK if status.is_current(current) else EXIT_NOT_RUNNING
