"""Argument types that reject bad values while the command line is parsed, with one clear line.

Each is a function ``str -> value`` for ``add_argument(type=...)``: a value
that cannot be used raises ``argparse.ArgumentTypeError``, which the parser
reports as ``breathcue CMD: argument --OPT: expected ..., not 'VALUE'``.
Numbers are always finite: ``nan`` and ``inf`` parse as floats in Python but
are never a duration, a rate or a count anyone means.
"""

from __future__ import annotations

import argparse
import math
from datetime import datetime
from typing import Callable


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line (the usage is one ``--help`` away), exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def finite_float(text: str) -> float:
    """A number that is not nan or infinite."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, not {text!r}") from None
    if not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected a finite number, not {text!r}")
    return value


def number_in(low: float | None = None, high: float | None = None, *, above: bool = False, unit: str = "") -> Callable[[str], float]:
    """A finite number from ``low`` (exclusive when ``above``) to ``high``, both inclusive otherwise.

    ``unit`` ends the message: ``expected more than 0 s, not '-5'``.
    """
    suffix = f" {unit}" if unit else ""
    if low is not None and high is not None:
        wanted = f"more than {low:g} and at most {high:g}{suffix}" if above else f"{low:g} to {high:g}{suffix}"
    elif low is not None:
        wanted = f"more than {low:g}{suffix}" if above else f"{low:g}{suffix} or more"
    else:
        wanted = f"at most {high:g}{suffix}"

    def parse(text: str) -> float:
        value = finite_float(text)
        too_low = low is not None and (value <= low if above else value < low)
        if too_low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"expected {wanted}, not {text!r}")
        return value

    parse.__name__ = f"number {wanted}"
    return parse


positive_seconds = number_in(0.0, above=True, unit="s")
"""A duration: more than 0 seconds."""
non_negative_seconds = number_in(0.0, unit="s")
"""A phase that may be left out: 0 seconds or more."""
positive_minutes = number_in(0.0, above=True, unit="min")
positive_hz = number_in(0.0, above=True, unit="Hz")
breaths_per_minute = number_in(0.0, above=True, unit="breaths a minute")


def whole_number(text: str) -> int:
    """An integer such as a seed, written in digits."""
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None


FIRST_YEAR, LAST_YEAR = 1970, 2999
"""Years a wall-clock start may be in: the clock must be able to run on for years without overflowing."""


def wall_time(text: str) -> str:
    """An ISO 8601 date and time (as given, parsed later with the configured timezone) in a plausible year."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected ISO 8601, e.g. 2026-11-24T09:00:00, not {text[:40]!r}") from None
    if not FIRST_YEAR <= when.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(f"expected a time from {FIRST_YEAR} to {LAST_YEAR}, not {text!r}")
    return text
