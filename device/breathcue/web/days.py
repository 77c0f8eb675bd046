"""The dashboard's history answers: a day (report, timeline, insight) and a week, read from the history file.

Kept apart from the transport (server.py) so each can change alone; each
function returns (HTTP status, JSON body) and never raises for a missing
history or a bad date.
"""

from __future__ import annotations

import contextlib
import sqlite3
from datetime import date, timedelta, tzinfo
from http import HTTPStatus
from pathlib import Path
from typing import Any, Callable

from .. import history, report
from ..insight import insight

Answer = tuple[HTTPStatus, dict[str, Any]]


def _with_history(path: Path | None, tz: tzinfo | None, day: str | None, work: Callable[[Any, date], dict[str, Any]]) -> Answer:
    if path is None:
        return HTTPStatus.NOT_FOUND, {"error": "no history: history.enabled is off"}
    try:
        when = report.parse_day(day) if day else report.today(tz)
    except report.ReportError as exc:
        return HTTPStatus.BAD_REQUEST, {"error": str(exc)}
    try:
        with contextlib.closing(history.open_reader(path)) as conn:
            return HTTPStatus.OK, work(conn, when)
    except history.HistoryError as exc:
        return HTTPStatus.NOT_FOUND, {"error": str(exc)}
    except (sqlite3.Error, TypeError, ValueError) as exc:  # a damaged history: an answer, not a dropped connection
        return HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"the history cannot be read: {type(exc).__name__}: {exc}"}


def day_answer(path: Path | None, tz: tzinfo | None, day: str | None) -> Answer:
    """``GET /api/today[?day=]``: the day's report and timeline, and its line of insight."""

    def work(conn: Any, when: date) -> dict[str, Any]:
        r = report.day_report(conn, when, tz)
        before = report.day_report(conn, when - timedelta(days=7), tz)
        return {"report": r, "timeline": report.timeline(conn, when, tz), "insight": insight(r, before)}

    return _with_history(path, tz, day, work)


def week_answer(path: Path | None, tz: tzinfo | None, day: str | None) -> Answer:
    """``GET /api/week[?day=]``: the seven days ending with ``day`` (report.week_report)."""
    return _with_history(path, tz, day, lambda conn, when: {"week": report.week_report(conn, when, tz)})
