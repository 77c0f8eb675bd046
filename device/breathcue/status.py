"""The status file: what the daemon is doing now, for `breathcue status` and other tools.

The daemon's status (docs/formats.md) is written as JSON to ``status.json``
in the state dir about once a second of real time, atomically: a temporary
file in the same directory is renamed over the old one, so a reader never
sees half a file.  It is not fsynced: it is a snapshot that the next second
replaces, and a flash card need not be written every second.  When the
daemon stops it writes a last status with ``"running": false``.
"""

from __future__ import annotations

import json
import logging
import os
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Callable

from . import jsonout, private
from .config import shown_path
from .private import write_atomic
from .app import Sink

log = logging.getLogger(__name__)

FILE_NAME = "status.json"
MAX_BYTES = 1024 * 1024
"""A status file is a few kB; past this it is not one."""
STALE_SECONDS = 10.0  # a running daemon older than this has stopped without saying so


class StatusError(Exception):
    """There is no status to show; the message says why."""


class StatusFile(Sink):
    """A Sink that keeps ``status.json`` in ``directory`` up to date."""

    def __init__(self, directory: Path, every: float = 1.0, monotonic: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(directory) / FILE_NAME
        private.make_dir(self.path.parent)
        self.every = every
        self._monotonic = monotonic
        self._next = monotonic()
        self._last: dict[str, Any] | None = None
        self._pid = os.getpid()
        self._failing = False

    def status(self, status: dict[str, Any]) -> None:
        """Keep the newest; write at most once per ``every`` seconds of real time.

        On a virtual clock the loop reports a status each simulated second,
        thousands a real second: only the newest is worth a write.  On the
        real clock it reports one a second, a little early or late: the 20 %
        slack keeps an early one from being skipped (a 2 s gap).
        """
        self._last = status
        now = self._monotonic()
        if now >= self._next:
            self._next = now + 0.8 * self.every
            self._write(status, running=True)

    def close(self) -> None:
        if self._last is not None:
            self._write(self._last, running=False)

    def _write(self, status: dict[str, Any], running: bool) -> None:
        record = {
            **status,
            "running": running,
            "pid": self._pid,
            "updated": datetime.now(timezone.utc).astimezone().isoformat(timespec="seconds"),
        }
        try:
            write_atomic(self.path, jsonout.dumps(record, indent=1, ensure_ascii=False) + "\n")
        except OSError as exc:  # a full or read-only disk must not stop the ring
            if not self._failing:
                log.error("cannot write %s: %s", self.path, exc.strerror or exc)
            self._failing = True
        else:
            self._failing = False


def read(directory: Path) -> dict[str, Any]:
    path = Path(directory) / FILE_NAME
    shown = shown_path(path)
    try:
        with open(path, "rb") as f:
            data = json.loads(f.read(MAX_BYTES + 1).decode("utf-8"))
    except FileNotFoundError:
        raise StatusError(f"no status at {shown}: breathcue has not run with this state dir") from None
    except OSError as exc:
        raise StatusError(f"cannot read {shown}: {exc.strerror or exc}") from None
    except (ValueError, RecursionError):  # not JSON, not UTF-8, cut short, nested without end; a NUL in the path
        raise StatusError(f"{shown} is not a status file") from None
    if not isinstance(data, dict):
        raise StatusError(f"{shown} is not a status file")
    return data


def describe_file(status: dict[str, Any], path: Path) -> str:
    """``describe``, or StatusError when the file holds fields of the wrong kinds (damaged, or not ours)."""
    try:
        return describe(status)
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, OverflowError) as exc:
        raise StatusError(f"{shown_path(path)} is damaged ({type(exc).__name__}: {exc}); `breathcue status --json` shows it as it is") from None


def age_seconds(status: dict[str, Any], now: datetime | None = None) -> float | None:
    """Seconds since the daemon last wrote the status (real time), or None when unknown."""
    try:
        updated = datetime.fromisoformat(status["updated"])
    except (KeyError, TypeError, ValueError):
        return None
    return ((now or datetime.now(timezone.utc)) - updated).total_seconds()


def is_current(status: dict[str, Any], now: datetime | None = None) -> bool:
    """Whether a daemon is running and wrote this status recently."""
    age = age_seconds(status, now)
    return bool(status.get("running")) and age is not None and age <= STALE_SECONDS


def _clock(iso: str | None) -> str:
    return "" if not iso else datetime.fromisoformat(iso).strftime("%a %H:%M")


def _number(value: Any, fmt: str, none: str = "--") -> str:
    return none if value is None else format(value, fmt)


def describe(status: dict[str, Any], now: datetime | None = None) -> str:
    """The status for people: a few aligned lines."""
    age = age_seconds(status, now)
    if is_current(status, now):
        head = f"breathcue is running (pid {status.get('pid')}), updated {age:.0f} s ago"
    elif status.get("running"):
        head = f"breathcue is not responding: last update {_number(age, '.0f', '?')} s ago (pid {status.get('pid')})"
    else:
        head = f"breathcue is stopped (last update {status.get('updated', '?')})"
    lines = [head]
    rate, rel = status.get("rate_bpm"), status.get("rel_depth")
    lines.append(
        f"  breathing  {status.get('state', '?')}, {_number(rate, '.1f')} breaths/min, "
        f"depth {_number(None if rel is None else 100 * rel, '.0f')} % of usual"
    )
    cue = status.get("cue")
    if cue:
        lines.append(f"  cue        {cue['reason']} (level {cue['level']}) for {cue['seconds']:.0f} s, pacing {cue['bpm']:.1f}/min")
    session = status.get("session")
    if session:
        a = session.get("adherence") or {}
        pace = "" if a.get("in_pace") is None else f", in pace {100 * a['in_pace']:.0f} %, lag {a['phase_lag_s']:+.1f} s"
        length = "" if session.get("minutes") is None else f" of {session['minutes']:.1f}"
        lines.append(f"  session    {session['pattern'] or 'paced'}, {session['seconds'] / 60:.1f}{length} min{pace}")
    nudges = status.get("nudges") or {}
    if nudges.get("paused_until"):
        how = f"paused until {_clock(nudges['paused_until'])}"
    elif nudges.get("do_not_disturb_until"):
        how = f"do not disturb until {_clock(nudges['do_not_disturb_until'])}"
    elif nudges.get("snoozed_until"):
        how = f"snoozed until {_clock(nudges['snoozed_until'])}"
    elif nudges.get("blocked"):
        how = f"not now ({nudges['blocked'].replace('_', ' ')})"
    else:
        how = "on"
    budget = f" of {nudges['max_per_day']}" if nudges.get("max_per_day") is not None else ""
    lines.append(f"  nudges     {how}; {nudges.get('today', 0)}{budget} today")
    for kind, learnt in (nudges.get("learnt") or {}).items():
        lines.append(f"             {kind} nudges wait {learnt['cooldown_seconds'] / 60:.0f} min after one today (you dismissed {learnt['dismissed']})")
    config = status.get("config") or {}
    if config.get("errors"):
        lines.append(f"  config     {config.get('source')}: the last reload failed, the previous config is running:")
        lines += [f"               {e}" for e in config["errors"]]
    recent = status.get("recent_events") or []
    if recent:
        lines.append("  recent     " + "\n             ".join(
            f"{_clock(e.get('wall'))[-5:]}  {e['event']}" + (f" {e['reason']}" if "reason" in e else "") for e in recent[-5:]
        ))
    return "\n".join(lines)
