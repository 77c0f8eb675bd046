"""The history store: schema and migrations, batching, what it keeps, crash safety."""

from __future__ import annotations

import io
import json
import math
import random
import signal
import sqlite3
import subprocess
import sys
import textwrap
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from breathcue import history
from breathcue.app import Daemon, EventWriter
from breathcue.clock import VirtualClock
from breathcue.core.types import Event, Sample
from breathcue.hw.sim import RecordingRing

from .conftest import ROOT

UTC = ZoneInfo("UTC")
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class HoldingBreather:
    """A strap on someone breathing 12 times a minute who holds their breath in the given spans.

    While holding, the chest is still but for the heartbeat and sensor noise.
    """

    def __init__(self, holds: list[tuple[float, float]], rate_hz: float = 25.0, seed: int = 0, bpm: float = 12.0):
        self.rate_hz = rate_hz
        self.holds = holds
        self.bpm = bpm
        self._rng = random.Random(seed)
        self._phase = 0.0
        self._last: float | None = None

    def read(self, t: float) -> Sample:
        held = any(a <= t < b for a, b in self.holds)
        if self._last is not None and not held:
            self._phase += (t - self._last) * self.bpm / 60.0
        self._last = t
        chest = 0.5 - 0.5 * math.cos(2 * math.pi * self._phase)
        ripple = 0.01 * math.sin(2 * math.pi * 1.1 * t)
        return Sample(t, 1.6 + 0.25 * chest + ripple + self._rng.gauss(0.0, 0.002))

    def close(self) -> None:
        pass


class Batches:
    """A writer that keeps the batches it is given instead of writing them."""

    def __init__(self, path: Path) -> None:
        self.batches: list[history.Batch] = []
        self.closed = False

    def put(self, batch: history.Batch) -> None:
        self.batches.append(batch)

    def close(self) -> None:
        self.closed = True


def run_day(default_config, state: Path, seconds: float, holds: list[tuple[float, float]]) -> list[dict]:
    """The daemon on a virtual clock with the history on; returns the events it emitted."""
    clock = VirtualClock(START)
    out = io.StringIO()
    sink = history.HistorySink(history.path_in(state), clock, flush_seconds=10.0)
    daemon = Daemon(default_config, clock, HoldingBreather(holds), RecordingRing(24), [EventWriter(out), sink], seconds)
    daemon.run()
    sink.close()  # idempotent: the daemon closed it already
    return [json.loads(line) for line in out.getvalue().splitlines()]


def query(path: Path, sql: str, *params) -> list[tuple]:
    with sqlite3.connect(path) as conn:
        return conn.execute(sql, params).fetchall()


# --- the file ----------------------------------------------------------------------


def test_a_new_file_has_the_schema_in_wal_mode(tmp_path: Path):
    conn = history.open_store(tmp_path / "h.sqlite3")
    assert conn.execute("PRAGMA user_version").fetchone()[0] == len(history.MIGRATIONS)
    assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert set(history.TIME_COLUMNS) <= tables
    conn.close()
    history.open_store(tmp_path / "h.sqlite3").close()  # opening again migrates nothing


def test_migrations_run_in_order_each_atomically(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    steps = ("CREATE TABLE a (x);", "ALTER TABLE a ADD COLUMN y; CREATE TABLE b (z);")
    conn = history.connect(path)
    assert history.migrate(conn, steps[:1]) == 1
    conn.execute("INSERT INTO a VALUES (1)")
    broken = steps + ("CREATE TABLE c (q); CREATE TABLE a (again);",)  # fails half way
    with pytest.raises(sqlite3.OperationalError):
        history.migrate(conn, broken)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == 2  # the good step stayed
    assert [tuple(r) for r in conn.execute("SELECT x, y FROM a")] == [(1, None)]
    assert not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'c'").fetchall()  # the bad one left nothing


def test_a_file_from_a_newer_breathcue_is_refused(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {len(history.MIGRATIONS) + 1}")
    with pytest.raises(history.HistoryError, match="newer"):
        history.open_store(path)
    with pytest.raises(history.HistoryError, match="upgrade breathcue"):
        history.open_reader(path)


def test_reading_a_missing_or_foreign_file(tmp_path: Path):
    with pytest.raises(history.HistoryError, match="no history"):
        history.open_reader(tmp_path / "none.sqlite3")
    sqlite3.connect(tmp_path / "other.sqlite3").close()
    with pytest.raises(history.HistoryError, match="not a breathcue history"):
        history.open_reader(tmp_path / "other.sqlite3")


def test_an_unusable_state_dir_is_a_clear_error(tmp_path: Path):
    (tmp_path / "file").write_text("")
    with pytest.raises(history.HistoryError, match="cannot create"):
        history.open_store(tmp_path / "file" / "h.sqlite3")


# --- batching ---------------------------------------------------------------------------


def test_the_loop_only_hands_over_one_batch_each_flush_interval(vclock: VirtualClock, tmp_path: Path):
    sink = history.HistorySink(tmp_path / "h", vclock, flush_seconds=10.0, writer=Batches)
    writer = sink.writer
    for i in range(25 * 95):  # 95 s of samples, with a status each second and an event every 2 s
        t = i / 25
        vclock.sleep_until(t)
        sink.sample(Sample(t, 1.6))
        if i % 25 == 0:
            sink.status({"t": t, "state": "breathing"})
        if i % 50 == 0:
            sink.event(Event("artifact_start", t, {"start": t}), vclock.wall())
    assert len(writer.batches) == 9  # at 10, 20, ... 90 s
    assert all(b.events for b in writer.batches)
    sink.close()
    assert len(writer.batches) == 10 and writer.closed  # the rest on close
    events = sum(len(b.events) for b in writer.batches)
    assert events == 48


def test_the_writer_thread_writes_each_batch_in_one_transaction(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    writer = history.Writer(path)
    batch = history.Batch()
    batch.minute(START.timestamp()).breaths = 3
    batch.events.append((START.timestamp(), "x", "{}"))
    writer.put(batch)
    writer.close()
    assert writer.written == 1 and writer.failures == 0
    assert query(path, "SELECT minute, breaths FROM minutes") == [(int(START.timestamp()), 3)]


def test_a_failing_write_is_logged_and_the_daemon_goes_on(tmp_path: Path, caplog):
    path = tmp_path / "h.sqlite3"
    writer = history.Writer(path)
    writer.conn.execute("DROP TABLE events")  # as a broken file would
    bad = history.Batch(events=[(1.0, "x", "{}")])
    good = history.Batch()
    good.minute(60.0).breaths = 1
    writer.put(bad)
    writer.put(good)
    writer.close()
    assert writer.failures == 1 and writer.written == 1
    assert "is lost" in caplog.text
    assert query(path, "SELECT breaths FROM minutes") == [(1,)]


# --- what is kept -----------------------------------------------------------------------


def feed(sink: history.HistorySink, clock: VirtualClock, events: list[tuple[float, str, dict]]) -> None:
    for t, name, fields in events:
        clock.sleep_until(t)
        sink.event(Event(name, t, fields), clock.wall())


def test_episodes_cues_sessions_buttons_and_other_events(vclock: VirtualClock, tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    sink = history.HistorySink(path, vclock)
    t0 = vclock.wall().timestamp()
    feed(sink, vclock, [
        (10.0, "breath", {"onset": 6.0, "peak": 8.0, "end": 10.0, "depth": 0.3, "rel_depth": 1.0, "rate_bpm": 12.0}),
        (22.0, "hold_start", {"start": 12.0}),
        (22.0, "cue_start", {"reason": "hold", "level": 1, "bpm": 6.0}),
        (37.0, "cue_level", {"reason": "hold", "level": 2}),
        (40.0, "hold_end", {"start": 12.0, "end": 39.5, "duration": 27.5}),
        (40.0, "cue_end", {"reason": "hold", "started": 22.0, "duration": 18.0, "level": 2, "outcome": "recovered"}),
        (100.0, "shallow_start", {"start": 70.0}),
        (100.0, "cue_start", {"reason": "shallow", "level": 1, "bpm": 6.0}),
        (160.0, "cue_end", {"reason": "shallow", "outcome": "timeout"}),
        (170.0, "shallow_end", {"start": 70.0}),
        (200.0, "button", {"press": "long", "action": "start_session"}),
        (200.0, "session_start", {"pattern": "resonance", "scheduled": None, "minutes": 5.0}),
        (500.0, "session_end", {"pattern": "resonance", "duration": 300.0, "breaths": 28, "in_pace": 0.75, "phase_lag_s": 0.4}),
        (510.0, "something_new", {"x": [1, 2]}),
    ])
    sink.close()
    assert query(path, "SELECT kind, start - ?, end - ? FROM episodes ORDER BY start", t0, t0) == [
        ("hold", 12.0, 39.5), ("shallow", 70.0, 170.0),
    ]
    assert query(path, "SELECT reason, level, start - ?, outcome, recovered, recovery_seconds FROM cues ORDER BY start", t0) == [
        ("hold", 2, 22.0, "recovered", 1, 17.5),  # breathing resumed at 39.5
        ("shallow", 1, 100.0, "timeout", 0, None),  # depth came back 70 s after the cue: too late
    ]
    assert query(path, "SELECT pattern, scheduled, end - start, adherence, phase_lag_s, breaths FROM sessions") == [
        ("resonance", 0, 300.0, 0.75, 0.4, 28),
    ]
    assert query(path, "SELECT action, json_extract(detail, '$.press') FROM buttons") == [("start_session", "long")]
    names = [r[0] for r in query(path, "SELECT name FROM events ORDER BY time, id")]
    assert "breath" not in names and names[-1] == "something_new" and len(names) == 13
    assert query(path, "SELECT minute - ?, breaths, rate_sum, rate_n FROM minutes", t0) == [(0, 1, 12.0, 1)]


def test_breathing_that_comes_back_after_30_s_is_a_cue_that_did_not_help(vclock: VirtualClock, tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    sink = history.HistorySink(path, vclock)
    t0 = vclock.wall().timestamp()
    feed(sink, vclock, [
        (20.0, "hold_start", {"start": 10.0}),
        (20.0, "cue_start", {"reason": "hold", "level": 1, "bpm": 6.0}),
        # nothing else happens until the hold ends: its end, not the 30 s expiry, decides
        (60.0, "hold_end", {"start": 10.0, "end": 58.0, "duration": 48.0}),
        (60.0, "cue_end", {"reason": "hold", "started": 20.0, "duration": 40.0, "level": 2, "outcome": "recovered"}),
        (100.0, "hold_start", {"start": 90.0}),
        (100.0, "cue_start", {"reason": "hold", "level": 1, "bpm": 6.0}),
        (131.0, "hold_end", {"start": 90.0, "end": 129.5, "duration": 39.5}),
        (131.0, "cue_end", {"reason": "hold", "started": 100.0, "duration": 31.0, "level": 2, "outcome": "recovered"}),
    ])
    sink.close()
    assert query(path, "SELECT start - ?, recovered, recovery_seconds FROM cues ORDER BY start", t0) == [
        (20.0, 0, 38.0),  # breathing resumed 38 s after the cue: too late to count
        (100.0, 1, 29.5),  # 29.5 s: within 30 s
    ]


def test_a_gap_between_status_calls_is_not_time_in_a_state(vclock: VirtualClock, tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    sink = history.HistorySink(path, vclock)
    for t in (1.0, 2.0, 3.0, 20.0, 21.0, 22.0, 23.0):  # the loop stalled (or the Pi slept) from 3 to 20 s
        vclock.sleep_until(t)
        sink.status({"t": t, "state": "breathing"})
    sink.close()
    assert query(path, "SELECT state, sum(seconds) FROM minute_states GROUP BY state") == [("breathing", 5.0)]


def test_an_episode_over_several_batches_is_one_row(vclock: VirtualClock, tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    sink = history.HistorySink(path, vclock, flush_seconds=5.0)
    feed(sink, vclock, [(10.0, "signal_lost", {"start": 10.0, "reason": "i2c_error"})])
    for t in range(11, 60):
        vclock.sleep_until(t)
        sink.status({"t": float(t), "state": "signal_lost"})
    feed(sink, vclock, [(60.0, "signal_ok", {"start": 10.0})])
    sink.close()
    assert query(path, "SELECT kind, end - start, reason FROM episodes") == [("signal_lost", 50.0, "i2c_error")]
    assert query(path, "SELECT state, sum(seconds) FROM minute_states GROUP BY state") == [("signal_lost", 48.0)]


def test_old_rows_go_after_keep_days(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    clock = VirtualClock(START)
    old = (START - timedelta(days=3)).timestamp()
    recent = (START - timedelta(days=1, hours=23)).timestamp()  # within two days, though older than two hours
    writer = history.Writer(path)
    writer.put(history.Batch(events=[(old, "old", "{}"), (recent, "recent", "{}")], buttons=[(old, "snooze", "{}")]))
    writer.close()
    sink = history.HistorySink(path, clock, keep_days=2)
    sink.event(Event("new", 0.0), clock.wall())
    sink.close()
    assert query(path, "SELECT name FROM events ORDER BY time") == [("recent",), ("new",)]
    assert query(path, "SELECT count(*) FROM buttons") == [(0,)]


def test_a_day_on_the_daemon_matches_its_events(default_config, tmp_path: Path):
    holds = [(120.0, 145.0), (300.0, 318.0), (480.0, 530.0)]
    events = run_day(default_config, tmp_path, 600.0, holds)
    path = history.path_in(tmp_path)
    names = [e["event"] for e in events]
    assert names.count("hold_start") == 3
    assert query(path, "SELECT count(*) FROM episodes WHERE kind = 'hold'") == [(3,)]
    assert query(path, "SELECT count(*) FROM cues") == [(names.count("cue_start"),)] and names.count("cue_start") >= 1
    assert query(path, "SELECT sum(breaths) FROM minutes") == [(names.count("breath"),)]
    seconds = dict(query(path, "SELECT state, sum(seconds) FROM minute_states GROUP BY state"))
    assert sum(seconds.values()) == pytest.approx(600.0, abs=1.5)
    assert seconds["hold"] > 40.0
    assert query(path, "PRAGMA integrity_check") == [("ok",)]


# --- crashes -------------------------------------------------------------------------------

CRASH_SCRIPT = textwrap.dedent(
    """
    import sys
    from datetime import datetime
    from zoneinfo import ZoneInfo
    from breathcue import config, history
    from breathcue.app import Daemon, Sink
    from breathcue.clock import MonotonicClock, VirtualClock
    from breathcue.hw.sim import RecordingRing, SimulatedBreather

    class Told(Sink):
        def status(self, status):
            print(status["t"], flush=True)

    real = sys.argv[2] == "real"
    clock = MonotonicClock() if real else VirtualClock(datetime(2026, 11, 24, 9, tzinfo=ZoneInfo("UTC")))
    cfg = config.parse_text(config.default_text())
    sink = history.HistorySink(history.path_in(sys.argv[1]), clock, flush_seconds=float(sys.argv[3]))
    Daemon(cfg, clock, SimulatedBreather(seed=1), RecordingRing(24), [sink, Told()], seconds=None).run()
    """
)


def crash(tmp_path: Path, clock: str, flush: float, after: float, ready=lambda: True) -> float:
    """Run a daemon with the history in a subprocess and kill -9 it once its clock passes ``after`` and ``ready()``."""
    proc = subprocess.Popen(
        [sys.executable, "-c", CRASH_SCRIPT, str(tmp_path), clock, str(flush)],
        stdout=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        for line in proc.stdout:
            if float(line) >= after and ready():
                proc.send_signal(signal.SIGKILL)
                return float(line)
    finally:
        proc.kill()
        proc.wait()
    raise AssertionError("the daemon ended by itself")


def test_kill_9_loses_at_most_the_last_flush_interval(tmp_path: Path):
    flush = 1.0
    killed_at = crash(tmp_path, "real", flush, after=3.0)
    path = history.path_in(tmp_path)
    assert query(path, "PRAGMA integrity_check") == [("ok",)]
    kept = query(path, "SELECT sum(seconds) FROM minute_states")[0][0]
    assert kept >= killed_at - flush - 1.0  # status time counts from the first status, once a second


def test_kill_9_while_writing_fast_leaves_a_sound_file(tmp_path: Path):
    path = history.path_in(tmp_path)

    def writing() -> bool:
        try:
            return query(path, "SELECT count(*) FROM minutes")[0][0] > 0
        except sqlite3.Error:  # not created yet
            return False

    crash(tmp_path, "virtual", 10.0, after=600.0, ready=writing)  # batches come back to back on a virtual clock
    assert query(path, "PRAGMA integrity_check") == [("ok",)]
    assert query(path, "SELECT count(*) FROM minutes")[0][0] > 0
    history.open_store(path).close()  # and the daemon can go on with it


def test_a_restart_keeps_the_days_nudges_against_the_budget(tmp_path: Path, default_config):
    """The known day has three nudges; a daemon started again that afternoon has 13 of its 16 left."""
    from breathcue.hw.sim import SimulatedBreather

    from .test_report import known_day

    known_day(tmp_path)
    clock = VirtualClock(datetime(2026, 11, 24, 15, 0, tzinfo=ZoneInfo("UTC")))
    daemon = Daemon(default_config, clock, SimulatedBreather(seed=1), RecordingRing(24), seconds=2)
    sinks = history.open_sinks(default_config, tmp_path, daemon)
    try:
        assert daemon.status()["nudges"]["today"] == 3
    finally:
        for sink in sinks:
            sink.close()
    fresh = Daemon(default_config, VirtualClock(datetime(2026, 11, 25, 9, 0, tzinfo=ZoneInfo("UTC"))), SimulatedBreather(seed=1), RecordingRing(24))
    assert history.nudges_today(history.path_in(tmp_path), fresh.clock.wall()) == 0  # the next day starts afresh
