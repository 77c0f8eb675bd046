"""History and status files that are damaged, full or read-only never stop breathcue (issue 14, item 6)."""

from __future__ import annotations

import json
import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from breathcue import history
from breathcue.cli import main


GOOD_STATUS = {"t": 5.0, "state": "breathing", "running": True, "pid": 1, "updated": "2026-11-24T09:00:00+00:00",
               "rate_bpm": 12.0, "rel_depth": 1.0, "nudges": {"today": 0}, "recent_events": []}
DAMAGED = [
    "", "{", "[]", "null", "42", '"text"', "\xff\xfe", "[" * 5000 + "]" * 5000,
    json.dumps({**GOOD_STATUS, "cue": {"reason": 1}}),
    json.dumps({**GOOD_STATUS, "cue": "yes"}),
    json.dumps({**GOOD_STATUS, "session": {"pattern": None, "seconds": "x"}}),
    json.dumps({**GOOD_STATUS, "rel_depth": "deep"}),
    json.dumps({**GOOD_STATUS, "nudges": []}),
    json.dumps({**GOOD_STATUS, "recent_events": [1, 2]}),
    json.dumps({**GOOD_STATUS, "config": {"errors": 7}}),
]


@pytest.mark.parametrize("text", DAMAGED, ids=range(len(DAMAGED)))
def test_status_of_a_damaged_status_file_is_one_line(text: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    (tmp_path / "status.json").write_bytes(text.encode("utf-8", "surrogateescape") if text != "\xff\xfe" else b"\xff\xfe")
    code = main(["status", "--state-dir", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code in (0, 1, 3) and "Traceback" not in err
    if code == 1:
        assert len(err.strip().splitlines()) == 1


def batch(minute: float, breaths: int = 1) -> history.Batch:
    b = history.Batch()
    b.minute(minute).breaths = breaths
    return b


def test_a_history_that_cannot_be_opened_is_retried_and_nothing_waiting_is_lost(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = tmp_path / "h.sqlite3"
    path.mkdir()  # stands in for a disk that is full at start-up: the file cannot be created
    now = [0.0]
    with caplog.at_level(logging.ERROR):
        writer = history.Writer(path, monotonic=lambda: now[0], retry_seconds=60.0)
        writer.put(batch(60.0))
        path.rmdir()  # space is freed
        now[0] = 61.0
        writer.put(batch(120.0))
        writer.close()
    assert writer.written == 2
    assert sqlite3.connect(path).execute("SELECT count(*) FROM minutes").fetchone() == (2,)
    assert caplog.text.count("trying again every 60 s") == 1


def test_a_damaged_history_is_moved_aside_with_a_warning(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"SQLite format 3\x00" + os.urandom(4096))
    with caplog.at_level(logging.WARNING):
        conn = history.open_store(path)
    conn.close()
    aside = [p.name for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert len(aside) == 1 and "is damaged; moved it to" in caplog.text
    assert history.intact(sqlite3.connect(path))


def test_a_read_only_history_says_so_once_not_every_flush(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    path = tmp_path / "h.sqlite3"
    writer = history.Writer(path)
    writer.conn.execute("DROP TABLE minutes")  # every write of minutes now fails, as on a read-only file
    with caplog.at_level(logging.ERROR):
        for n in range(50):
            writer.put(batch(60.0 * n))
        writer.close()
    assert writer.failures == 50
    assert caplog.text.count("could not be written") == 1


@pytest.mark.skipif(os.geteuid() != 0 or not shutil.which("setpriv"), reason="needs root and setpriv to act as another user")
def test_report_and_export_by_a_user_who_may_only_read():
    base = Path(tempfile.mkdtemp(prefix="breathcue-ro-"))  # not under pytest's 0700 tmp: the other user must reach it
    try:
        state = base / "state"
        assert main(["simulate", "--hours", "0.2", "--start", "2026-11-24T09:00:00", "--state-dir", str(state)]) == 0
        for p in [base, state, *state.iterdir()]:
            p.chmod(0o755 if p.is_dir() else 0o644)
        for argv in (["report", "--day", "2026-11-24"], ["export"]):
            done = subprocess.run(["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", sys.executable, "-m", "breathcue",
                                   *argv, "--state-dir", str(state)], capture_output=True, text=True, cwd=base, timeout=60)
            assert done.returncode == 0, done.stderr
            assert "readonly" not in done.stderr and done.stdout
    finally:
        shutil.rmtree(base)


def test_report_and_export_of_a_damaged_history_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    import random

    state = tmp_path / "state"
    assert main(["simulate", "--hours", "1", "--start", "2026-11-24T09:00:00", "--state-dir", str(state)]) == 0
    capsys.readouterr()
    clean = (state / "history.sqlite3").read_bytes()
    rng = random.Random(3)
    for trial in range(4):
        data = bytearray(clean)
        for _ in range(30 * (trial + 1)):
            data[rng.randrange(100, len(data))] = rng.randrange(256)
        (state / "history.sqlite3").write_bytes(bytes(data))
        for argv in (["export"], ["report", "--day", "2026-11-24"], ["report", "--week", "--day", "2026-11-24"]):
            code = main([*argv, "--state-dir", str(state)])
            err = capsys.readouterr().err
            assert "Traceback" not in err
            if code:
                assert len(err.strip().split("\n")) == 1, err
