"""The ``breathcue`` command: builds the parser and turns every error into one line and an exit status.

The commands themselves live in ``commands/``, one module per group; each
declares its subcommands with ``add(subparsers)``.  This is the only place
that decides how a failure looks to the person at the terminal: a line on
stderr starting ``breathcue:`` and an exit status, never a traceback.
docs/cli.md documents the commands and the statuses.
"""

from __future__ import annotations

import argparse
import logging
import sys

from . import __version__
from . import config as configmod
from .commands import analyze, calibrate, doctor, leds, pace, report, run, sensor, simulate, status
from .commands import config as config_command
from .commands.args import Parser
from .commands.common import EXIT_FAIL, EXIT_INTERRUPTED, EXIT_OK, EXIT_USAGE, UsageError, quiet_stdout
from .hw.neopixel_ring import RingError

COMMANDS = (run, pace, leds, simulate, status, report, config_command, doctor, analyze, calibrate, sensor)
"""The command groups, in the order `breathcue --help` lists them."""


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="breathcue", description="A desk light that paces your breathing and nudges you to breathe."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for group in COMMANDS:
        group.add(sub)
    return parser


def setup_logging(verbosity: int) -> None:
    from .notify import JournalFormatter, journal_stderr

    level = logging.WARNING - 10 * min(verbosity + 1, 2)  # INFO by default, DEBUG with -v
    handler = logging.StreamHandler(sys.stderr)
    if journal_stderr():  # under systemd: journald's priority prefixes, no timestamps of our own
        handler.setFormatter(JournalFormatter())
    elif sys.stderr.isatty():  # a person watching: the words alone, and how bad when it is bad
        handler.setFormatter(_TerminalFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


class _TerminalFormatter(logging.Formatter):
    """Information as it is; a warning or an error says so first."""

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        return text if record.levelno <= logging.INFO else f"{record.levelname.lower()}: {text}"


def main(argv: list[str] | None = None) -> int:
    """Run one command line; returns the exit status (a bad command line too: 2, after its one line)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has said why (or printed --help, --version): keep its status
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    setup_logging(getattr(args, "verbose", 0))
    try:
        return args.func(args)
    except configmod.ConfigError as exc:
        print(f"breathcue: invalid configuration in {configmod.shown_path(exc.source)}:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"breathcue: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RingError as exc:
        print(f"breathcue: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except BrokenPipeError:
        quiet_stdout()
        return EXIT_OK
    except OSError as exc:  # a file that cannot be read or written: say which and why
        where = f"{exc.filename}: " if exc.filename else ""
        print(f"breathcue: {where}{exc.strerror or exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:  # Ctrl-C where no command stops cleanly by itself: the shell's status
        return EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
