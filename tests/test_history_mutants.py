"""What the history keeps and says, at the edges `make mutate` found no test for (docs/testing.md).

Each test reads back what a user sees: the rows `breathcue report` and
`export` read, the file names a damaged history is moved to, the log lines
of a failing SD card, the day's nudge count a restart starts from.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import sqlite3
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from breathcue import history
from breathcue.app import Daemon
from breathcue.clock import VirtualClock
from breathcue.core.types import Event, Sample
from breathcue.hw.sim import RecordingRing, SimulatedBreather

from .test_history import Batches, feed, query

UTC = ZoneInfo("UTC")
START = datetime(2026, 11, 24, 9, 30, 30, 123456, tzinfo=UTC)  # a wall clock between milliseconds
T0 = START.timestamp()


def sink_at(tmp_path: Path, **options) -> tuple[history.HistorySink, VirtualClock, Path]:
    clock = VirtualClock(START)
    path = tmp_path / "h.sqlite3"
    return history.HistorySink(path, clock, **options), clock, path


def ms(t: float) -> float:
    """Clock time ``t`` as the Unix time the history keeps (to the millisecond)."""
    return round(T0 + t, 3)


# --- a failing SD card: logged once, then every five minutes with a count ------------------


def test_write_failures_are_logged_once_then_every_five_minutes_with_how_many_were_not(tmp_path: Path, caplog):
    times = [0.0, 100.0, 200.0, 299.9, 300.0, 400.0, 600.0, 601.0]  # when each batch fails
    writer = history.Writer(tmp_path / "h.sqlite3", monotonic=lambda: times.pop(0))
    writer.conn.execute("DROP TABLE minutes")  # every write of minutes now fails
    with caplog.at_level(logging.ERROR, logger="breathcue.history"):
        for n in range(8):
            batch = history.Batch()
            batch.minute(60.0 * n).breaths = 1
            writer.put(batch)
        writer.close()
    assert writer.failures == 8 and not times
    lost = f"history: a batch could not be written to {tmp_path / 'h.sqlite3'} and is lost: no such table: minutes"
    assert [r.getMessage() for r in caplog.records] == [
        lost,  # at 0 s
        f"{lost} (3 more since the last message)",  # at 300 s: 100, 200 and 299.9 were not logged
        f"{lost} (1 more since the last message)",  # at 600 s: 400 was not
    ]


def test_damage_is_told_from_a_file_that_is_merely_busy_or_unwritable():
    assert history.damaged(sqlite3.DatabaseError("file is not a database"))
    assert history.damaged(sqlite3.OperationalError("database disk image is malformed"))
    assert not history.damaged(sqlite3.OperationalError("database is locked"))
    assert not history.damaged(sqlite3.OperationalError("attempt to write a readonly database"))


def test_a_damaged_history_goes_aside_with_its_log_files_under_a_dated_name(tmp_path: Path):
    path = tmp_path / "history.sqlite3"
    for suffix, data in (("", b"not a database at all " * 200), ("-wal", b"wal junk"), ("-shm", b"shm junk")):
        Path(f"{path}{suffix}").write_bytes(data)
    history.open_store(path).close()
    aside = sorted(p.name for p in tmp_path.iterdir() if ".damaged-" in p.name)
    assert len(aside) == 3
    stamp = re.fullmatch(r"history\.sqlite3\.damaged-(\d{8}T\d{6})", aside[0])
    assert stamp, aside
    name = aside[0]
    assert aside == [name, f"{name}-shm", f"{name}-wal"]
    assert (tmp_path / f"{name}-wal").read_bytes() == b"wal junk"  # the log is kept as it was (SQLite rebuilds the -shm index)
    assert history.intact(sqlite3.connect(path))  # and a new, sound history took its place


def test_a_history_from_an_older_breathcue_says_to_run_the_daemon_once(tmp_path: Path, monkeypatch):
    path = tmp_path / "h.sqlite3"
    history.Writer(path).close()  # schema version 1
    monkeypatch.setattr(history, "MIGRATIONS", (*history.MIGRATIONS, "CREATE TABLE later (x);"))
    with pytest.raises(history.HistoryError, match=r"has schema version 1; this breathcue reads version 2: "
                       r"run the daemon once to upgrade it$"):
        history.open_reader(path)


# --- batching and retention --------------------------------------------------------------


def test_a_sample_at_the_flush_time_hands_the_batch_over_then():
    clock = VirtualClock(START)
    sink = history.HistorySink(Path("unused"), clock, writer=Batches)  # every 10 s by default
    sink.event(Event("snooze", 1.0, {"minutes": 30}), clock.wall())
    sink.sample(Sample(9.96, 1.6))
    assert sink.writer.batches == []
    clock.sleep_until(10.0)
    sink.sample(Sample(10.0, 1.6))
    assert [len(b.events) for b in sink.writer.batches] == [1]


def test_an_idle_daemon_writes_only_the_hourly_pruning():
    """Nothing to keep: the SD card sees a pruning once an hour, not an empty transaction every flush."""
    clock = VirtualClock(START)
    sink = history.HistorySink(Path("unused"), clock, flush_seconds=10.0, writer=Batches)
    for t in range(0, 7300):
        clock.sleep_until(float(t))
        sink.sample(Sample(float(t), 1.6))
    batches = sink.writer.batches
    assert len(batches) == 3  # at 10 s, 3610 s and 7210 s
    assert [round(b.prune_before - T0) for b in batches] == [10 - 365 * 86400, 3610 - 365 * 86400, 7210 - 365 * 86400]
    assert not any(b.minutes or b.states or b.events for b in batches)


def test_rows_go_when_they_are_older_than_keep_days_to_the_second(tmp_path: Path, caplog):
    path = tmp_path / "h.sqlite3"
    cutoff = T0 - 86400.0
    writer = history.Writer(path)
    writer.put(history.Batch(events=[(cutoff - 0.5, "older", "{}"), (cutoff + 0.5, "newer", "{}")]))
    writer.close()
    sink, clock, _ = sink_at(tmp_path, keep_days=1)
    with caplog.at_level(logging.INFO, logger="breathcue.history"):
        sink.status({"t": 0.0, "state": "breathing"})
        sink.close()
    assert query(path, "SELECT name FROM events ORDER BY time") == [("newer",)]
    removed = {table: 0 for table in history.TIME_COLUMNS} | {"events": 1}
    assert f"history: removed rows older than history.keep_days: {removed}" in caplog.messages


def test_a_batch_is_written_whole_or_not_at_all(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    writer = history.Writer(path)
    writer.conn.execute("DROP TABLE events")  # the batch's last write fails
    batch = history.Batch(events=[(T0, "snooze", "{}")])
    batch.minute(T0).breaths = 3
    writer.put(batch)
    writer.close()
    assert writer.failures == 1
    assert query(path, "SELECT count(*) FROM minutes") == [(0,)]  # its minutes were not kept either


def test_an_hour_of_batches_waits_for_a_history_that_cannot_be_opened_and_older_ones_go(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    path.mkdir()  # the file cannot be created (a full disk at start-up)
    # when the writer looks at the clock: at start (retry time, log), then once per batch, in order
    readings = [0.0, 0.0] + [1.0] * 365 + [61.0]
    writer = history.Writer(path, monotonic=lambda: readings.pop(0), retry_seconds=60.0)
    for n in range(365):
        batch = history.Batch()
        batch.minute(60.0 * n).breaths = 1
        writer.put(batch)
    path.rmdir()  # space is freed; the next batch finds the file can be made
    last = history.Batch()
    last.minute(60.0 * 365).breaths = 1
    writer.put(last)
    writer.close()
    assert not readings
    kept = query(path, "SELECT min(minute), max(minute), count(*) FROM minutes")
    assert kept == [(60 * 6, 60 * 365, history.Writer.MAX_PENDING)]  # the oldest six batches were dropped


# --- what the rows say ---------------------------------------------------------------------


def test_a_minute_keeps_the_depths_of_its_breaths_for_the_reports_means(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [
        (5.0, "breath", {"end": 5.0, "rate_bpm": 12.0, "depth": 0.3, "rel_depth": 1.1}),
        (10.0, "breath", {"end": 10.0, "rate_bpm": 12.0, "depth": 0.4, "rel_depth": 0.9}),
        (15.0, "breath", {"end": 15.0, "rate_bpm": 12.0}),  # no depth measured
    ])
    sink.close()
    (row,) = query(path, "SELECT breaths, rate_n, round(depth_sum, 6), depth_n, round(rel_depth_sum, 6), rel_depth_n FROM minutes")
    assert row == (3, 3, 0.7, 2, 2.0, 2)


def test_a_button_press_without_an_action_is_kept_as_the_press(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [
        (5.0004, "button", {"press": "double", "action": None}),  # a press that did nothing
        (6.0, "button", {}),
    ])
    sink.close()
    assert query(path, "SELECT time, action FROM buttons ORDER BY time") == [(ms(5.0004), "double"), (ms(6.0), "press")]


def test_a_cue_that_ended_recovered_or_slowed_helped_in_the_seconds_it_took(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [
        (10.0, "cue_start", {"reason": "rapid", "level": 1, "bpm": 10.0}),
        (21.12345, "cue_end", {"reason": "rapid", "outcome": "slowed"}),
        (50.0, "cue_start", {"reason": "shallow", "level": 1}),
        (55.0, "cue_level", {"reason": "shallow"}),  # says no level: the cue keeps its own
        (62.5, "cue_end", {"reason": "shallow", "outcome": "recovered", "duration": 12.5}),
        (70.0, "cue_start", {"reason": "hold", "level": 1}),
        (75.0, "cue_end", {"reason": "hold", "outcome": "cancelled"}),
    ])
    sink.close()
    rows = query(path, "SELECT start, reason, level, end, outcome, recovered, recovery_seconds, detail FROM cues ORDER BY start")
    assert [r[:7] for r in rows] == [
        (ms(10.0), "rapid", 1, ms(21.12345), "slowed", 1, 11.123),
        (ms(50.0), "shallow", 1, ms(62.5), "recovered", 1, 12.5),
        (ms(70.0), "hold", 1, ms(75.0), "cancelled", None, None),  # not known yet: 30 s had not passed
    ]
    assert json.loads(rows[1][7]) == {"reason": "shallow", "level": 1,
                                      "end": {"reason": "shallow", "outcome": "recovered", "duration": 12.5}}


def test_a_cue_that_did_not_help_is_written_so_even_when_nothing_else_happens(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [(10.0, "cue_start", {"reason": "shallow", "level": 1})])
    for t in range(11, 70):  # only samples: no event, no status to carry the cue's row
        clock.sleep_until(float(t))
        sink.sample(Sample(float(t), 1.6))
    sink.close()
    assert query(path, "SELECT recovered FROM cues") == [(0,)]


def test_a_cue_end_for_a_cue_that_began_before_this_run_is_left_alone(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [(5.0, "cue_end", {"reason": "hold", "outcome": "recovered"})])
    sink.close()
    assert query(path, "SELECT count(*) FROM cues") == [(0,)]
    assert query(path, "SELECT name FROM events") == [("cue_end",)]


def test_breathing_back_as_the_cue_starts_took_no_time(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [
        (20.0, "cue_start", {"reason": "hold", "level": 1}),
        (21.0, "hold_end", {"start": 8.0, "end": 20.0}),  # breathing resumed the moment the cue began
    ])
    sink.close()
    assert query(path, "SELECT recovered, recovery_seconds FROM cues") == [(1, 0.0)]


def test_a_tick_exactly_30_s_after_a_cue_does_not_yet_call_it_unhelped(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [(10.0, "cue_start", {"reason": "hold", "level": 1})])
    clock.sleep_until(40.0)
    sink.status({"t": 40.0, "state": "hold"})
    feed(sink, clock, [(40.0, "hold_end", {"start": 2.0, "end": 40.0})])
    sink.close()
    assert query(path, "SELECT recovered, recovery_seconds FROM cues") == [(1, 30.0)]


def test_a_session_stopped_before_any_breath_has_no_adherence(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [
        (10.0, "session_start", {"pattern": "box", "scheduled": None, "minutes": 5.0}),
        (12.34567, "session_end", {"pattern": "box", "duration": 2.34567, "outcome": "cancelled", "breaths": None,
                                   "in_pace": None, "phase_lag_s": None}),
    ])
    sink.close()
    assert query(path, "SELECT start, end, adherence, phase_lag_s, breaths FROM sessions") == [
        (ms(10.0), ms(12.34567), None, None, None)
    ]


def test_a_session_that_began_before_this_run_without_a_duration_is_kept_at_its_end(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [
        (100.0, "session_end", {"pattern": "box", "breaths": 10, "in_pace": 0.5, "phase_lag_s": 0.2}),
        (400.0, "session_end", {"pattern": "box", "duration": 123.45678, "breaths": 10, "in_pace": 0.5, "phase_lag_s": 0.2}),
    ])
    sink.close()
    assert query(path, "SELECT start, end FROM sessions ORDER BY start") == [
        (ms(100.0), ms(100.0)), (round(T0 + 400.0 - 123.45678, 3), ms(400.0))
    ]


def test_time_in_a_state_runs_by_the_statuses_own_times(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    for t, state in ((1.0, "breathing"), (2.0, "hold"), (2.0, "breathing"), (4.5, "breathing")):
        sink.status({"t": t, "state": state})  # the loop's times (the clock is not asked); the hold lasted no time
    sink.close()
    assert query(path, "SELECT state, seconds FROM minute_states") == [("breathing", 3.5)]


# --- the day's nudges across a restart ------------------------------------------------------


def daemon_at(default_config, wall: datetime) -> Daemon:
    return Daemon(default_config, VirtualClock(wall), SimulatedBreather(seed=1), RecordingRing(24))


def open_and_close(default_config, tmp_path: Path, daemon: Daemon) -> None:
    """Start the history as the daemon does (it counts the day's nudges then), and close it again."""
    for sink in history.open_sinks(default_config, tmp_path, daemon):
        sink.close()


def test_a_first_start_has_its_whole_budget_and_says_nothing(default_config, tmp_path: Path, caplog):
    daemon = daemon_at(default_config, START)
    with caplog.at_level(logging.INFO):
        open_and_close(default_config, tmp_path, daemon)
    assert daemon.status()["nudges"]["today"] == 0
    assert "nudges" not in caplog.text


def test_a_damaged_history_at_start_counts_the_days_nudges_from_0_and_says_why(default_config, tmp_path: Path, caplog):
    history.path_in(tmp_path).write_bytes(b"not a database " * 100)
    daemon = daemon_at(default_config, START)
    with caplog.at_level(logging.WARNING):
        open_and_close(default_config, tmp_path, daemon)
    assert daemon.status()["nudges"]["today"] == 0
    assert any(re.fullmatch(r"the day's nudges start from 0: the history at .*history\.sqlite3 is damaged: .*", m) for m in caplog.messages)


def test_the_days_nudges_count_from_local_midnight_exactly(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    midnight = datetime(2026, 11, 24, tzinfo=UTC).timestamp()
    cue = {"reason": "hold", "level": 1, "end": None, "outcome": None, "recovered": None, "recovery_seconds": None, "detail": "{}"}
    writer = history.Writer(path)
    writer.put(history.Batch(cues={t: {**cue, "start": t} for t in (midnight - 0.001, midnight, midnight + 3600.0)}))
    writer.close()
    assert history.nudges_today(path, START) == 2
    assert history.nudges_today(path, START + timedelta(days=1)) == 0


# --- opening the file: retries, foreign and damaged files -------------------------------------


def test_a_history_that_cannot_be_opened_is_tried_again_every_retry_seconds_then_said_to_be_usable(tmp_path: Path, monkeypatch, caplog):
    path = tmp_path / "h.sqlite3"
    path.mkdir()  # the file cannot be created (a full disk at start-up)
    tries: list[float] = []
    opened = history.open_store
    readings = [0.0, 0.0, 30.0, 60.0, 60.0, 60.0, 119.0, 120.0]  # the writer's clock, read in order
    now = [0.0]

    def clock() -> float:
        now[0] = readings.pop(0)
        return now[0]

    def open_store(p: Path):
        tries.append(now[0])
        return opened(p)

    monkeypatch.setattr(history, "open_store", open_store)
    with caplog.at_level(logging.INFO, logger="breathcue.history"):
        writer = history.Writer(path, monotonic=clock, retry_seconds=60.0)  # tries at 0: fails
        for n in range(3):  # at 30 s: waits; at 60 s: tries and fails; at 119 s: waits
            batch = history.Batch()
            batch.minute(60.0 * n).breaths = 1
            writer.put(batch)
        for _ in range(5000):  # until the third batch has been looked at (5 s at most)
            if not readings or readings[0] == 120.0:
                break
            time.sleep(0.001)
        assert readings == [120.0], "the writer did not look at its clock once per batch"
        path.rmdir()
        last = history.Batch()
        last.minute(180.0).breaths = 1
        writer.put(last)  # at 120 s: tries, and the file can be made
        writer.close()
    assert not Path(f"{path}-wal").exists()  # closed: the log folded into the file, one file to copy
    assert tries == [0.0, 60.0, 120.0] and not readings
    assert writer.written == 4 and query(path, "SELECT count(*) FROM minutes") == [(4,)]
    assert caplog.messages[-2:] == ["history schema now at version 1", f"history: {path} is usable again"]


def test_a_history_that_opened_first_time_says_nothing_about_being_usable_again(tmp_path: Path, caplog):
    with caplog.at_level(logging.INFO, logger="breathcue.history"):
        history.Writer(tmp_path / "h.sqlite3").close()
    assert caplog.messages == ["history schema now at version 1"]


def test_the_writer_never_keeps_a_stopping_process_alive(tmp_path: Path):
    import threading

    before = set(threading.enumerate())
    writer = history.Writer(tmp_path / "h.sqlite3")
    try:
        (thread,) = set(threading.enumerate()) - before
        assert thread.daemon  # a daemon stopped without closing its history still exits
    finally:
        writer.close()


def test_another_programs_database_is_a_clear_error_and_left_alone(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE minutes (whatever)")  # some other program's file, at version 0
    with pytest.raises(history.HistoryError, match=rf"^cannot set up the history at {re.escape(str(path))}: table minutes already exists$"):
        history.open_store(path)
    assert query(path, "SELECT name FROM sqlite_master") == [("minutes",)]


def test_the_warning_names_the_damaged_file_and_where_it_went(tmp_path: Path, caplog):
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"not a database at all " * 200)
    with caplog.at_level(logging.WARNING, logger="breathcue.history"):
        history.open_store(path).close()
    (aside,) = [p.name for p in tmp_path.iterdir() if ".damaged-" in p.name]
    assert caplog.messages == [f"history: {path} is damaged; moved it to {aside} and started a new one"]


def garble_schema(path: Path) -> None:
    """Damage the file as a bad SD card sector can: a table's name in the schema is no longer UTF-8."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET name = CAST(X'6375F273' AS TEXT), sql = CAST(X'6375F273' AS TEXT) WHERE name = 'cues'")
        conn.commit()


def test_a_history_whose_schema_is_not_utf8_is_moved_aside_when_the_daemon_starts(default_config, tmp_path: Path, caplog):
    path = history.path_in(tmp_path)
    history.Writer(path).close()
    garble_schema(path)
    daemon = daemon_at(default_config, START)
    with caplog.at_level(logging.WARNING):
        (sink,) = history.open_sinks(default_config, tmp_path, daemon)  # no UnicodeDecodeError
    sink.event(Event("snooze", 0.0, {"minutes": 30}), daemon.clock.wall())
    sink.close()
    assert daemon.status()["nudges"]["today"] == 0
    assert "the day's nudges start from 0" in caplog.text and "is damaged; moved it to" in caplog.text
    assert query(path, "SELECT name FROM events") == [("snooze",)]  # a new, sound history
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("history.sqlite3.damaged-")]) >= 1


# --- a reader who may not write the state directory ----------------------------------------


def read_as_nobody(path: Path) -> object:
    """What `breathcue report` run by a user who may only read finds: the events' names, or the error (in a forked child)."""
    import os

    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: become nobody, read, say what was found, and go
        try:
            os.close(r)
            os.setgroups([])
            os.setgid(65534)
            os.setuid(65534)
            with contextlib.closing(history.open_reader(path)) as conn:
                found: object = [row[0] for row in conn.execute("SELECT name FROM events ORDER BY time")]
        except BaseException as exc:  # noqa: BLE001 - whatever it is, the parent asserts on it
            found = f"{type(exc).__name__}: {exc}"
        os.write(w, json.dumps(found).encode())
        os._exit(0)
    os.close(w)
    with os.fdopen(r, "rb") as pipe:
        data = pipe.read()
    os.waitpid(pid, 0)
    return json.loads(data)


@pytest.mark.skipif(not hasattr(__import__("os"), "fork") or __import__("os").geteuid() != 0, reason="needs root to act as nobody")
def test_a_reader_who_may_not_write_the_state_dir_reads_what_is_on_disk():
    import shutil
    import tempfile

    base = Path(tempfile.mkdtemp(prefix="breathcue-ro-"))  # not under pytest's 0700 tmp: nobody must reach it
    try:
        path = base / "history.sqlite3"
        writer = history.Writer(path)
        writer.put(history.Batch(events=[(T0, "snooze", "{}"), (T0 + 1, "cancel", "{}")]))
        writer.close()  # a stopped daemon: the file alone, in WAL mode, and no -shm that nobody could make
        for p in (base, path):
            p.chmod(0o755 if p.is_dir() else 0o644)
        assert read_as_nobody(path) == ["snooze", "cancel"]
        assert sorted(p.name for p in base.iterdir()) == ["history.sqlite3"]  # the reader wrote nothing
    finally:
        shutil.rmtree(base)


def test_a_history_damaged_where_only_a_full_check_sees_it_is_moved_aside(tmp_path: Path):
    path = tmp_path / "history.sqlite3"
    history.Writer(path).close()
    with contextlib.closing(sqlite3.connect(path)) as conn:  # the events table's root page lost: it opens, but cannot be read
        conn.execute("PRAGMA writable_schema = ON")
        conn.execute("UPDATE sqlite_master SET rootpage = 0 WHERE name = 'events'")
        conn.commit()
    history.Writer(path).close()  # the daemon starting
    assert len([p for p in tmp_path.iterdir() if ".damaged-" in p.name]) == 1
    assert history.intact(sqlite3.connect(path))


def test_a_crash_left_log_files_others_could_read_and_the_next_start_closes_them(tmp_path: Path):
    path = tmp_path / "history.sqlite3"
    crashed = history.connect(path)  # a daemon killed with its log files open and, from an older breathcue, world-readable
    crashed.execute("CREATE TABLE t (x)")
    for extra in ("-wal", "-shm"):
        Path(f"{path}{extra}").chmod(0o644)
    conn = history.connect(path)
    try:
        assert {extra: Path(f"{path}{extra}").stat().st_mode & 0o777 for extra in ("-wal", "-shm")} == {"-wal": 0o640, "-shm": 0o640}
    finally:
        conn.close()
        crashed.close()


def test_a_failure_after_writes_that_worked_is_news_logged_at_once_without_a_count(tmp_path: Path, caplog):
    path = tmp_path / "h.sqlite3"
    writer = history.Writer(path, monotonic=lambda: 0.0)
    good = history.Batch()
    good.minute(0.0).breaths = 1
    with caplog.at_level(logging.ERROR, logger="breathcue.history"):
        writer.put(good)
        for _ in range(5000):  # until it is written (5 s at most)
            if writer.written:
                break
            time.sleep(0.001)
        writer.conn.execute("DROP TABLE minutes")  # the card fails from now on
        bad = history.Batch()
        bad.minute(60.0).breaths = 1
        writer.put(bad)
        writer.close()
    assert writer.written == 1 and writer.failures == 1
    assert caplog.messages == [f"history: a batch could not be written to {path} and is lost: no such table: minutes"]
