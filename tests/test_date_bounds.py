"""Dates far outside a plausible range are one-line errors, not OverflowError (issue 14, item 8)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from breathcue.cli import main

from .test_web import make, request


@pytest.mark.parametrize("argv", [
    ["run", "--clock", "virtual", "--seconds", "1", "--start", "9999-12-31T23:59:59"],
    ["simulate", "--hours", "1", "--start", "9999-12-31T23:59:59"],
    ["simulate", "--hours", "1", "--start", "0001-01-01T00:00:00"],
])
def test_a_start_past_year_2999_is_refused(argv: list[str], capsys: pytest.CaptureFixture[str]):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert "--start: expected a time from 1970 to 2999" in err and len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("argv", [
    ["report", "--day", "0001-01-01"],
    ["report", "--day", "9999-12-31", "--week"],
    ["export", "--since", "0001-01-01"],
    ["forget", "--before", "9999-12-31"],
])
def test_days_outside_1970_to_2999_are_refused(argv: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    assert main([*argv, "--state-dir", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "expected a date from 1970-01-01 to 2999-12-31" in err and len(err.strip().splitlines()) == 1


def test_the_dashboard_answers_400_for_such_a_day(tmp_path: Path):
    (tmp_path / "history.sqlite3").touch()
    sink = make(lambda *a, **k: None, history_path=tmp_path / "history.sqlite3")
    try:
        for day in ("0001-01-01", "9999-12-31"):
            status, _, body = request(sink, "GET", f"/api/today?day={day}")
            assert status == 400 and "1970-01-01 to 2999-12-31" in json.loads(body)["error"]
    finally:
        sink.close()
