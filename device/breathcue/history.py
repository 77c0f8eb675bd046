"""The history store: what happened, kept in SQLite in the state directory.

The daemon's loop must never wait for the SD card, so ``HistorySink`` only
gathers what it sees into a ``Batch`` in memory; every ``flush_seconds`` of
clock time (10 by default) it hands the batch to a writer thread that
writes it in one transaction.  A ``kill -9`` therefore loses at most the
last batch, and SQLite's write-ahead log keeps the file consistent.

What is kept (docs/history.md): per-minute aggregates (breaths, rate,
depth, seconds in each detector state), episodes (hold, shallow, rapid,
artifact, signal lost), cues with whether breathing recovered within 30 s,
paced sessions with adherence, button actions, and every event but single
breaths in a generic ``events`` table, so new kinds of event need no code.
Times are Unix seconds (UTC); reports convert them to local time.
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import queue
import sqlite3
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Sequence

from . import jsonout, private
from .app import Daemon, Sink
from .clock import Clock
from .config import Config
from .core.types import Event, Sample
from .figures import EPISODE_ENDS, EPISODE_STARTS

log = logging.getLogger(__name__)

FILE_NAME = "history.sqlite3"
RECOVERY_SECONDS = 30.0
"""A cue helped when the breathing it was about recovered within this long of its start."""
PRUNE_EVERY_SECONDS = 3600.0
MAX_STATUS_GAP_SECONDS = 5.0
"""A longer gap between two status calls is not counted as time in a state."""

CONDITION_ENDS = {"hold_end": "hold", "shallow_end": "shallow", "rapid_end": "rapid"}
RECOVERED_OUTCOMES = {"recovered", "slowed"}
"""cue_end outcomes that mean the breathing came right (core/cues.py)."""

MIGRATIONS: tuple[str, ...] = (
    """
    CREATE TABLE minutes (
        minute INTEGER PRIMARY KEY,  -- Unix time of the minute's start
        breaths INTEGER NOT NULL DEFAULT 0,
        rate_sum REAL NOT NULL DEFAULT 0, rate_n INTEGER NOT NULL DEFAULT 0,
        depth_sum REAL NOT NULL DEFAULT 0, depth_n INTEGER NOT NULL DEFAULT 0,
        rel_depth_sum REAL NOT NULL DEFAULT 0, rel_depth_n INTEGER NOT NULL DEFAULT 0
    );
    CREATE TABLE minute_states (
        minute INTEGER NOT NULL,
        state TEXT NOT NULL,
        seconds REAL NOT NULL,
        PRIMARY KEY (minute, state)
    ) WITHOUT ROWID;
    CREATE TABLE episodes (
        id INTEGER PRIMARY KEY,
        kind TEXT NOT NULL,
        start REAL NOT NULL,
        end REAL,
        reason TEXT,
        detail TEXT NOT NULL DEFAULT '{}',
        UNIQUE (kind, start)
    );
    CREATE INDEX episodes_start ON episodes (start);
    CREATE TABLE cues (
        id INTEGER PRIMARY KEY,
        start REAL NOT NULL UNIQUE,
        reason TEXT NOT NULL,
        level INTEGER NOT NULL DEFAULT 1,
        end REAL,
        outcome TEXT,
        recovered INTEGER,  -- 1 within 30 s, 0 not, NULL not known yet
        recovery_seconds REAL,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE sessions (
        id INTEGER PRIMARY KEY,
        start REAL NOT NULL UNIQUE,
        pattern TEXT,
        scheduled INTEGER NOT NULL DEFAULT 0,
        end REAL,
        adherence REAL,  -- share of breaths within the pace
        phase_lag_s REAL,
        breaths INTEGER,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE TABLE buttons (
        id INTEGER PRIMARY KEY,
        time REAL NOT NULL,
        action TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX buttons_time ON buttons (time);
    CREATE TABLE events (
        id INTEGER PRIMARY KEY,
        time REAL NOT NULL,
        name TEXT NOT NULL,
        detail TEXT NOT NULL DEFAULT '{}'
    );
    CREATE INDEX events_time ON events (time);
    """,
)
"""The schema, one script per version: ``PRAGMA user_version`` says how many have run."""

TIME_COLUMNS = {
    "minutes": "minute",
    "minute_states": "minute",
    "episodes": "start",
    "cues": "start",
    "sessions": "start",
    "buttons": "time",
    "events": "time",
}
"""Every table and the column that dates its rows (retention, forget, export)."""


class HistoryError(Exception):
    """The history file cannot be used (unreadable, or from a newer breathcue)."""


# --- the file ------------------------------------------------------------------------


def path_in(state_dir: Path) -> Path:
    return Path(state_dir) / FILE_NAME


class DamagedHistoryError(HistoryError):
    """The history file is not a sound SQLite database."""


def connect(path: Path, *, readonly: bool = False) -> sqlite3.Connection:
    """A connection with the pragmas every user of the file needs.

    WAL lets the report and the dashboard read while the daemon writes;
    ``synchronous=NORMAL`` in WAL mode survives a crashed process (only a
    power cut can lose the last transactions) and spares the SD card.
    """
    try:
        if readonly:
            if not Path(path).exists():
                raise HistoryError(f"no history at {path}: `breathcue run` or `simulate` writes it (history.enabled)")
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=10.0, check_same_thread=False)
            try:
                conn.execute("PRAGMA schema_version").fetchone()
            except sqlite3.OperationalError:
                # A WAL file needs its -shm beside it, which a user who may read but not write the state
                # directory cannot make: such a reader opens the file as it is on disk (what the daemon
                # last checkpointed, at most a few minutes old), which never writes.
                conn.close()
                if os.access(Path(path).parent, os.W_OK):
                    raise
                conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True, timeout=10.0, check_same_thread=False)
        else:
            private.make_dir(Path(path).parent)
            private.create(Path(path))  # SQLite gives the -wal and -shm files the database's mode
            for extra in ("-wal", "-shm"):
                private.tighten(Path(f"{path}{extra}"))
            conn = sqlite3.connect(path, timeout=10.0, isolation_level=None, check_same_thread=False)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA synchronous=NORMAL")
        conn.row_factory = sqlite3.Row
        conn.text_factory = lambda raw: raw.decode("utf-8", "replace")  # a damaged page is not a UnicodeDecodeError
        return conn
    except sqlite3.Error as exc:
        if damaged(exc):
            raise DamagedHistoryError(f"the history at {path} is damaged: {exc}") from None
        raise HistoryError(f"cannot open the history at {path}: {exc}") from None
    except UnicodeDecodeError as exc:  # SQLite's message quotes a schema entry that is no longer text
        raise DamagedHistoryError(f"the history at {path} is damaged: {exc}") from None
    except OSError as exc:
        raise HistoryError(f"cannot create the history at {path}: {exc.strerror or exc}") from None


def damaged(exc: sqlite3.Error) -> bool:
    """Whether SQLite's error says the file is damaged, not merely unwritable or busy."""
    return (isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.OperationalError)) or "malformed" in str(exc)


def migrate(conn: sqlite3.Connection, migrations: Sequence[str] = MIGRATIONS) -> int:
    """Bring the schema up to date, one version per transaction; returns the version."""
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version > len(migrations):
        raise HistoryError(
            f"the history file has schema version {version}, newer than this breathcue knows ({len(migrations)}); upgrade breathcue"
        )
    for number, script in enumerate(migrations[version:], start=version + 1):
        try:
            conn.executescript(f"BEGIN;\n{script}\nPRAGMA user_version = {number};\nCOMMIT;")
        except sqlite3.Error:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise
        log.info("history schema now at version %d", number)
    return len(migrations)


def open_store(path: Path) -> sqlite3.Connection:
    """The history file for writing, created and migrated as needed; a damaged one is moved aside first."""
    try:
        conn: sqlite3.Connection | None = connect(path)
    except DamagedHistoryError:
        conn = None
    if conn is None or not intact(conn):
        if conn is not None:
            conn.close()
        aside = move_aside(Path(path))
        log.warning("history: %s is damaged; moved it to %s and started a new one", path, aside.name)
        conn = connect(path)
    try:
        migrate(conn)
    except sqlite3.Error as exc:
        conn.close()
        raise HistoryError(f"cannot set up the history at {path}: {exc}") from None
    except HistoryError:
        conn.close()
        raise
    return conn


def intact(conn: sqlite3.Connection) -> bool:
    """Whether SQLite's quick_check finds the file sound (a file that is not a database is not)."""
    try:
        return conn.execute("PRAGMA quick_check").fetchone()[0] == "ok"
    except sqlite3.Error as exc:
        if not damaged(exc):
            raise HistoryError(f"cannot check the history: {exc}") from None
        return False


def move_aside(path: Path) -> Path:
    """Rename a damaged history (and its -wal and -shm) to ``NAME.damaged-TIME``, kept for a look."""
    aside = path.with_name(f"{path.name}.damaged-{time.strftime('%Y%m%dT%H%M%S')}")
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}{suffix}", f"{aside}{suffix}")
    return aside


def open_reader(path: Path) -> sqlite3.Connection:
    """The history file for reading (reports, exports, the dashboard), while the daemon writes."""
    conn = connect(path, readonly=True)
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    if version != len(MIGRATIONS):
        conn.close()
        if version == 0:
            raise HistoryError(f"{path} is not a breathcue history")
        raise HistoryError(
            f"{path} has schema version {version}; this breathcue reads version {len(MIGRATIONS)}"
            + (": run the daemon once to upgrade it" if version < len(MIGRATIONS) else ": upgrade breathcue")
        )
    return conn


def delete_before(conn: sqlite3.Connection, cutoff: float | None) -> dict[str, int]:
    """Remove every row dated before ``cutoff`` (Unix seconds; None: every row), in one transaction."""
    with _transaction(conn):
        return _delete(conn, cutoff)


def _delete(conn: sqlite3.Connection, cutoff: float | None) -> dict[str, int]:
    removed = {}
    for table, column in TIME_COLUMNS.items():
        if cutoff is None:
            cur = conn.execute(f"DELETE FROM {table}")
        else:
            cur = conn.execute(f"DELETE FROM {table} WHERE {column} < ?", (cutoff,))
        removed[table] = cur.rowcount
    return removed


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT, or ROLLBACK on an error (autocommit connections)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn

    def __enter__(self) -> sqlite3.Connection:
        self.conn.execute("BEGIN IMMEDIATE")
        return self.conn

    def __exit__(self, kind: Any, *_: Any) -> None:
        self.conn.execute("COMMIT" if kind is None else "ROLLBACK")


# --- a batch of writes -----------------------------------------------------------------


@dataclass
class MinuteTotals:
    breaths: int = 0
    rate_sum: float = 0.0
    rate_n: int = 0
    depth_sum: float = 0.0
    depth_n: int = 0
    rel_depth_sum: float = 0.0
    rel_depth_n: int = 0


@dataclass
class Batch:
    """What one write transaction holds.

    Minute totals are increments added to what the file has; episodes, cues
    and sessions are whole rows, written again as they change.
    """

    minutes: dict[int, MinuteTotals] = field(default_factory=dict)
    states: dict[tuple[int, str], float] = field(default_factory=dict)
    episodes: dict[tuple[str, float], dict[str, Any]] = field(default_factory=dict)
    cues: dict[float, dict[str, Any]] = field(default_factory=dict)
    sessions: dict[float, dict[str, Any]] = field(default_factory=dict)
    buttons: list[tuple[float, str, str]] = field(default_factory=list)
    events: list[tuple[float, str, str]] = field(default_factory=list)
    prune_before: float | None = None

    def __bool__(self) -> bool:
        return bool(
            self.minutes or self.states or self.episodes or self.cues or self.sessions or self.buttons or self.events
        ) or self.prune_before is not None

    def minute(self, epoch: float) -> MinuteTotals:
        key = int(epoch // 60) * 60
        totals = self.minutes.get(key)
        if totals is None:
            totals = self.minutes[key] = MinuteTotals()
        return totals


UPSERT_MINUTES = """INSERT INTO minutes VALUES (?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (minute) DO UPDATE SET
      breaths = breaths + excluded.breaths,
      rate_sum = rate_sum + excluded.rate_sum, rate_n = rate_n + excluded.rate_n,
      depth_sum = depth_sum + excluded.depth_sum, depth_n = depth_n + excluded.depth_n,
      rel_depth_sum = rel_depth_sum + excluded.rel_depth_sum, rel_depth_n = rel_depth_n + excluded.rel_depth_n"""
UPSERT_STATES = """INSERT INTO minute_states VALUES (?, ?, ?)
    ON CONFLICT (minute, state) DO UPDATE SET seconds = seconds + excluded.seconds"""
UPSERT_EPISODE = """INSERT INTO episodes (kind, start, end, reason, detail) VALUES (:kind, :start, :end, :reason, :detail)
    ON CONFLICT (kind, start) DO UPDATE SET end = excluded.end, reason = excluded.reason, detail = excluded.detail"""
UPSERT_CUE = """INSERT INTO cues (start, reason, level, end, outcome, recovered, recovery_seconds, detail)
    VALUES (:start, :reason, :level, :end, :outcome, :recovered, :recovery_seconds, :detail)
    ON CONFLICT (start) DO UPDATE SET level = excluded.level, end = excluded.end, outcome = excluded.outcome,
      recovered = excluded.recovered, recovery_seconds = excluded.recovery_seconds, detail = excluded.detail"""
UPSERT_SESSION = """INSERT INTO sessions (start, pattern, scheduled, end, adherence, phase_lag_s, breaths, detail)
    VALUES (:start, :pattern, :scheduled, :end, :adherence, :phase_lag_s, :breaths, :detail)
    ON CONFLICT (start) DO UPDATE SET end = excluded.end, adherence = excluded.adherence,
      phase_lag_s = excluded.phase_lag_s, breaths = excluded.breaths, detail = excluded.detail"""


def write_batch(conn: sqlite3.Connection, batch: Batch) -> None:
    """Write one batch in one transaction."""
    minutes = [
        (m, v.breaths, v.rate_sum, v.rate_n, v.depth_sum, v.depth_n, v.rel_depth_sum, v.rel_depth_n)
        for m, v in batch.minutes.items()
    ]
    writes: list[tuple[str, list[Any]]] = [
        (UPSERT_MINUTES, minutes),
        (UPSERT_STATES, [(m, state, seconds) for (m, state), seconds in batch.states.items()]),
        (UPSERT_EPISODE, list(batch.episodes.values())),
        (UPSERT_CUE, list(batch.cues.values())),
        (UPSERT_SESSION, list(batch.sessions.values())),
        ("INSERT INTO buttons (time, action, detail) VALUES (?, ?, ?)", batch.buttons),
        ("INSERT INTO events (time, name, detail) VALUES (?, ?, ?)", batch.events),
    ]
    with _transaction(conn):
        for sql, rows in writes:
            if rows:
                conn.executemany(sql, rows)
        if batch.prune_before is not None:
            removed = _delete(conn, batch.prune_before)
            if any(removed.values()):
                log.info("history: removed rows older than history.keep_days: %s", removed)


# --- the writer thread -------------------------------------------------------------------


class Writer:
    """A thread that owns the write connection and writes batches as they come.

    A batch that fails (a full or failing SD card) is logged and dropped:
    the daemon goes on nudging without history rather than stopping.  A
    file that cannot be opened (a disk full at start-up) is tried again
    every ``retry_seconds`` while the batches wait, the last
    ``MAX_PENDING`` of them.  A failure is logged once, then at most every
    ``LOG_EVERY`` seconds while it lasts.
    """

    RETRY_SECONDS = 60.0
    MAX_PENDING = 360
    """An hour of batches at the default 10 s flush."""
    LOG_EVERY = 300.0

    def __init__(self, path: Path, *, monotonic: Callable[[], float] = time.monotonic, retry_seconds: float = RETRY_SECONDS) -> None:
        self.path = path
        self.failures = 0
        self.written = 0
        self._monotonic = monotonic
        self._retry_seconds = retry_seconds
        self._pending: deque[Batch] = deque(maxlen=self.MAX_PENDING)
        self._logged_at: float | None = None
        self._unlogged = 0
        self.conn: sqlite3.Connection | None = None
        self._next_open = 0.0
        self._open()
        self._queue: queue.SimpleQueue[Batch | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="history-writer", daemon=True)
        self._thread.start()

    def _open(self) -> bool:
        try:
            self.conn = open_store(self.path)
        except HistoryError as exc:
            self._next_open = self._monotonic() + self._retry_seconds
            self._complain(f"history: {exc}; trying again every {self._retry_seconds:g} s")
            return False
        if self._logged_at is not None:
            log.info("history: %s is usable again", self.path)
            self._logged_at, self._unlogged = None, 0
        return True

    def _complain(self, message: str) -> None:
        """Log a failure the first time, then at most every LOG_EVERY seconds (with how many were not logged)."""
        now = self._monotonic()
        if self._logged_at is None or now - self._logged_at >= self.LOG_EVERY:
            more = f" ({self._unlogged} more since the last message)" if self._unlogged else ""
            log.error("%s%s", message, more)
            self._logged_at, self._unlogged = now, 0
        else:
            self._unlogged += 1

    def put(self, batch: Batch) -> None:
        self._queue.put(batch)

    def close(self) -> None:
        """Write what is queued, then close the file."""
        self._queue.put(None)
        self._thread.join()
        if self.conn is not None:
            self.conn.close()

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            self._pending.append(batch)
            if self.conn is None and (self._monotonic() < self._next_open or not self._open()):
                continue
            while self._pending:
                batch = self._pending.popleft()
                try:
                    write_batch(self.conn, batch)
                    self.written += 1
                    self._logged_at, self._unlogged = None, 0  # working: the next failure is news
                except sqlite3.Error as exc:
                    self.failures += 1
                    self._complain(f"history: a batch could not be written to {self.path} and is lost: {exc}")


# --- the sink -----------------------------------------------------------------------------


def _json(fields: Any) -> str:
    return jsonout.dumps(fields, separators=(",", ":"), default=str)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)


@dataclass
class _OpenCue:
    row: dict[str, Any]
    t: float  # clock time of its start


class HistorySink(Sink):
    """Gathers what the daemon does into batches for the writer thread.

    Everything here runs on the loop thread and only touches memory; the
    clock time of each call decides when a batch is handed over.
    """

    def __init__(
        self,
        path: Path,
        clock: Clock,
        *,
        flush_seconds: float = 10.0,
        keep_days: int = 365,
        writer: Callable[[Path], Writer] = Writer,
    ) -> None:
        self.clock = clock
        self.flush_seconds = flush_seconds
        self.keep_days = keep_days
        self.writer = writer(path)
        self.batch = Batch()
        self._next_flush = clock.now() + flush_seconds
        self._next_prune = clock.now()
        self._last_status: tuple[float, str] | None = None
        self._episodes: dict[str, dict[str, Any]] = {}
        self._cues: list[_OpenCue] = []
        self._cue: _OpenCue | None = None  # the cue showing now
        self._session: dict[str, Any] | None = None
        self._closed = False

    # The loop's calls.

    def event(self, event: Event, wall: datetime) -> None:
        epoch = wall.timestamp()
        name, fields = event.name, dict(event.fields)

        def at(key: str) -> float:
            """A clock time named in the event (``start``, ``end``) as Unix time; else the event's."""
            value = _number(fields.get(key))
            return round(epoch - (event.t - value) if value is not None else epoch, 3)

        if name == "breath":
            self._breath(fields, at("end"))
        else:
            self.batch.events.append((round(epoch, 3), name, _json(fields)))
        if name in EPISODE_STARTS:
            self._episode_start(EPISODE_STARTS[name], at("start"), fields)
        elif name in EPISODE_ENDS:
            self._episode_end(EPISODE_ENDS[name], at("start"), at("end"), fields)
        if name in CONDITION_ENDS:
            self._condition_ended(CONDITION_ENDS[name], event.t, fields)
        if name.startswith("cue_"):
            self._cue_event(name, event.t, epoch, fields)
        elif name == "session_start":
            self._session_start(epoch, fields)
        elif name == "session_end":
            self._session_end(epoch, fields)
        elif name == "button":
            action = fields.get("action") or fields.get("press") or "press"
            self.batch.buttons.append((round(epoch, 3), str(action), _json(fields)))
        self._tick(event.t)

    def sample(self, sample: Sample) -> None:
        if sample.t >= self._next_flush:
            self._tick(sample.t)

    def status(self, status: dict[str, Any]) -> None:
        t = float(status.get("t", self.clock.now()))
        state = str(status.get("state") or "unknown")
        if self._last_status is not None:
            last_t, last_state = self._last_status
            if 0.0 < t - last_t <= MAX_STATUS_GAP_SECONDS:
                key = (int(self.clock.wall().timestamp() // 60) * 60, last_state)
                self.batch.states[key] = self.batch.states.get(key, 0.0) + (t - last_t)
        self._last_status = (t, state)
        self._tick(t)

    def close(self) -> None:
        """Hand over the last batch and wait until it is written."""
        if self._closed:
            return
        self._closed = True
        self.flush()
        self.writer.close()

    # Batching.

    def flush(self) -> None:
        """Hand the batch gathered so far to the writer (it writes it in one transaction)."""
        if self.batch:
            self.writer.put(self.batch)
        self.batch = Batch()

    def _tick(self, t: float) -> None:
        self._expire_cues(t)
        if t >= self._next_prune:
            self._next_prune = t + PRUNE_EVERY_SECONDS
            self.batch.prune_before = self.clock.wall().timestamp() - self.keep_days * 86400.0
        if t >= self._next_flush:
            self._next_flush = t + self.flush_seconds
            self.flush()

    # Minutes.

    def _breath(self, fields: dict[str, Any], epoch: float) -> None:
        totals = self.batch.minute(epoch)
        totals.breaths += 1
        for name, attr in (("rate_bpm", "rate"), ("depth", "depth"), ("rel_depth", "rel_depth")):
            value = _number(fields.get(name))
            if value is not None:
                setattr(totals, f"{attr}_sum", getattr(totals, f"{attr}_sum") + value)
                setattr(totals, f"{attr}_n", getattr(totals, f"{attr}_n") + 1)

    # Episodes.

    def _episode_start(self, kind: str, start: float, fields: dict[str, Any]) -> None:
        row = {"kind": kind, "start": start, "end": None, "reason": fields.get("reason"), "detail": _json(fields)}
        self._episodes[kind] = row
        self.batch.episodes[(kind, start)] = row

    def _episode_end(self, kind: str, start: float, end: float, fields: dict[str, Any]) -> None:
        row = self._episodes.pop(kind, None)
        if row is None:  # it began before this run, or its start was not seen
            row = {"kind": kind, "start": start, "end": None, "reason": fields.get("reason"), "detail": "{}"}
        row = {**row, "end": end, "detail": _json({**json.loads(row["detail"]), **fields})}
        self.batch.episodes[(kind, row["start"])] = row

    # Cues, and whether they helped.

    def _cue_event(self, name: str, t: float, epoch: float, fields: dict[str, Any]) -> None:
        if name == "cue_start":
            row = {
                "start": round(epoch, 3),
                "reason": str(fields.get("reason")),
                "level": int(fields.get("level") or 1),
                "end": None,
                "outcome": None,
                "recovered": None,
                "recovery_seconds": None,
                "detail": _json(fields),
            }
            self._cue = _OpenCue(row, t)
            self._cues.append(self._cue)
            self._save_cue(self._cue)
        elif self._cue is not None and name == "cue_level":
            self._cue.row["level"] = max(self._cue.row["level"], int(fields.get("level") or 1))
            self._save_cue(self._cue)
        elif self._cue is not None and name == "cue_end":
            cue, self._cue = self._cue, None
            cue.row.update(end=round(epoch, 3), outcome=fields.get("outcome"))
            cue.row["detail"] = _json({**json.loads(cue.row["detail"]), "end": fields})
            if fields.get("outcome") in RECOVERED_OUTCOMES:
                self._recovered(cue, t)
            self._save_cue(cue)

    def _condition_ended(self, reason: str, t: float, fields: dict[str, Any]) -> None:
        resumed = _number(fields.get("end"))
        for cue in self._cues:
            if cue.row["reason"] == reason and cue.row["recovered"] is None:
                self._recovered(cue, resumed if resumed is not None and resumed >= cue.t else t)

    def _recovered(self, cue: _OpenCue, t: float) -> None:
        if cue.row["recovered"] is None:
            seconds = max(0.0, t - cue.t)
            cue.row.update(recovered=int(seconds <= RECOVERY_SECONDS), recovery_seconds=round(seconds, 3))
            self._save_cue(cue)

    def _expire_cues(self, t: float) -> None:
        """A cue whose breathing has not recovered 30 s after its start did not help."""
        for cue in self._cues:
            if cue.row["recovered"] is None and t - cue.t > RECOVERY_SECONDS:
                cue.row["recovered"] = 0
                self._save_cue(cue)
        self._cues = [c for c in self._cues if c.row["recovered"] is None]

    def _save_cue(self, cue: _OpenCue) -> None:
        self.batch.cues[cue.row["start"]] = dict(cue.row)

    # Sessions.

    def _session_start(self, epoch: float, fields: dict[str, Any]) -> None:
        self._session = {
            "start": round(epoch, 3),
            "pattern": fields.get("pattern"),
            "scheduled": int(bool(fields.get("scheduled"))),
            "end": None,
            "adherence": None,
            "phase_lag_s": None,
            "breaths": None,
            "detail": _json(fields),
        }
        self.batch.sessions[self._session["start"]] = dict(self._session)

    def _session_end(self, epoch: float, fields: dict[str, Any]) -> None:
        row, self._session = self._session, None
        if row is None:  # it began before this run
            duration = _number(fields.get("duration")) or 0.0
            start = round(epoch - duration, 3)
            row = {"start": start, "pattern": fields.get("pattern"), "scheduled": 0, "detail": "{}"}
        breaths = _number(fields.get("breaths"))
        row = {
            **row,
            "end": round(epoch, 3),
            "adherence": _number(fields.get("in_pace")),
            "phase_lag_s": _number(fields.get("phase_lag_s")),
            "breaths": None if breaths is None else int(breaths),
            "detail": _json({**json.loads(row["detail"]), "end": fields}),
        }
        self.batch.sessions[row["start"]] = row


def open_sinks(config: Config, state_dir: Path, daemon: Daemon) -> list[Sink]:
    """The history sink of `run` and `simulate` (a file that cannot be opened yet is retried by its Writer).

    The day's nudges already in the history count against the daemon's daily budget.
    """
    path = path_in(state_dir)
    given = nudges_today(path, daemon.clock.wall()) if path.exists() else 0
    sink = HistorySink(path, daemon.clock, flush_seconds=config.history.flush_seconds, keep_days=config.history.keep_days)
    if given:
        daemon.restore_nudges_today(given)
    return [sink]


def nudges_today(path: Path, wall: datetime) -> int:
    """Nudges the history holds since the local midnight of ``wall``: a restart must not refill the daily budget."""
    midnight = wall.replace(hour=0, minute=0, second=0, microsecond=0).timestamp()
    try:
        with contextlib.closing(open_reader(path)) as conn:
            return int(conn.execute("SELECT count(*) FROM cues WHERE start >= ?", (midnight,)).fetchone()[0])
    except (HistoryError, sqlite3.Error, UnicodeDecodeError) as exc:
        log.warning("the day's nudges start from 0: %s", exc)
        return 0
