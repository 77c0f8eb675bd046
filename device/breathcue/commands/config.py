"""`breathcue config init|check|show`: write, validate or print the configuration."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import config as configmod
from .common import EXIT_OK, UsageError, add_common


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="write, check or show the configuration")
    csub = p.add_subparsers(dest="config_command", required=True, metavar="{init,check,show}")
    init = csub.add_parser("init", help="write the commented default config")
    init.add_argument("path", nargs="?", type=Path, help="where to write it (default: stdout)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(func=cmd_config_init)
    check = csub.add_parser("check", help="validate a config file; exit 2 with every error")
    check.add_argument("path", type=Path)
    check.set_defaults(func=cmd_config_check)
    show = csub.add_parser("show", help="print the effective config as TOML")
    add_common(show)
    show.set_defaults(func=cmd_config_show)
    for q in (init, check):
        q.add_argument("-v", "--verbose", action="count", default=0, help=argparse.SUPPRESS)


def cmd_config_init(args: argparse.Namespace) -> int:
    text = configmod.default_text()
    if args.path is None:
        sys.stdout.write(text)
        return EXIT_OK
    if args.path.exists() and not args.force:
        raise UsageError(f"{args.path} exists; use --force to overwrite it")
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(text, encoding="utf-8")
    print(f"wrote {args.path}")
    return EXIT_OK


def cmd_config_check(args: argparse.Namespace) -> int:
    config = configmod.load_file(args.path)
    for note in configmod.notes(config):
        print(f"note: {note}", file=sys.stderr)
    print(f"{args.path}: ok")
    return EXIT_OK


def cmd_config_show(args: argparse.Namespace) -> int:
    cfg, source = configmod.load(args.config)
    sys.stdout.write(f"# effective configuration, from {source}\n")
    sys.stdout.write(configmod.to_toml(cfg))
    return EXIT_OK
