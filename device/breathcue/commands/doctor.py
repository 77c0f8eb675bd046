"""`breathcue doctor`: this Pi's hardware, permissions, config and service, each with its fix."""

from __future__ import annotations

import argparse
import sys

from .common import add_common


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check this Pi's hardware, permissions, config and service, with fixes")
    add_common(p)
    p.set_defaults(func=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
    from .. import doctor

    return doctor.main(args.config, args.state_dir, sys.stdout)
