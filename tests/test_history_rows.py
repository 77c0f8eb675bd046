"""The rows the history keeps, field by field, as reports and `breathcue export` read them.

What `make mutate` found no test for (docs/testing.md): times kept to the
millisecond, episodes and sessions whose start came before this run, the
event details as compact JSON, cue levels, the state of a status without
one, and where the history sink comes from.
"""

from __future__ import annotations

import json
import sqlite3
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from breathcue import history
from breathcue.clock import VirtualClock

from .test_history import feed, query

START = datetime(2026, 11, 24, 9, 0, 0, 123456, tzinfo=ZoneInfo("UTC"))  # a wall clock between milliseconds
T0 = START.timestamp()


def sink_at(tmp_path: Path) -> tuple[history.HistorySink, VirtualClock, Path]:
    clock = VirtualClock(START)
    path = tmp_path / "h.sqlite3"
    return history.HistorySink(path, clock), clock, path


def test_times_are_kept_to_the_millisecond(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [
        (10.0, "hold_start", {"start": 2.0}),
        (10.0, "cue_start", {"reason": "hold", "level": 1, "bpm": 6.0}),
        (20.0, "session_start", {"pattern": "box", "scheduled": None, "minutes": 1.0}),
    ])
    sink.close()
    ms = round(T0 + 10.0, 3)
    assert query(path, "SELECT time FROM events ORDER BY id")[:2] == [(ms,), (ms,)]
    assert query(path, "SELECT start FROM cues") == [(ms,)]
    assert query(path, "SELECT start FROM sessions") == [(round(T0 + 20.0, 3),)]
    assert query(path, "SELECT start FROM episodes") == [(round(T0 + 2.0, 3),)]


def test_an_episode_that_began_before_this_run_is_kept_from_its_start(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [(40.0, "hold_end", {"start": 12.0, "end": 39.5, "duration": 27.5, "reason": "still"})])
    sink.close()
    rows = query(path, "SELECT kind, start, end, reason, detail FROM episodes")
    assert [(k, round(s - T0, 3), round(e - T0, 3), r) for k, s, e, r, _ in rows] == [("hold", 12.0, 39.5, "still")]
    assert json.loads(rows[0][4]) == {"start": 12.0, "end": 39.5, "duration": 27.5, "reason": "still"}


def test_an_episodes_detail_holds_what_its_start_and_its_end_said(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [
        (10.0, "signal_lost", {"start": 10.0, "reason": "i2c_error"}),
        (30.0, "signal_ok", {"start": 10.0, "seconds": 20.0}),
    ])
    sink.close()
    assert [json.loads(d) for (d,) in query(path, "SELECT detail FROM episodes")] == [
        {"start": 10.0, "reason": "i2c_error", "seconds": 20.0}
    ]


def test_a_session_that_began_before_this_run_is_kept_from_its_start(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [(500.0, "session_end", {"pattern": "resonance", "duration": 300.0, "breaths": 28, "in_pace": 0.75,
                                               "phase_lag_s": 0.4, "outcome": "completed"})])
    sink.close()
    (start, end, pattern, scheduled, adherence, lag, breaths, detail), = query(
        path, "SELECT start, end, pattern, scheduled, adherence, phase_lag_s, breaths, detail FROM sessions")
    assert (round(start - T0, 3), round(end - T0, 3), pattern, scheduled, adherence, lag, breaths) == (
        200.0, 500.0, "resonance", 0, 0.75, 0.4, 28)
    assert json.loads(detail)["end"]["outcome"] == "completed"


def test_a_scheduled_session_is_marked_so_and_written_while_it_runs(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [(20.0, "session_start", {"pattern": "box", "scheduled": "2026-11-24T09:00+00:00", "minutes": 5.0})])
    sink.flush()
    sink.writer.close()
    assert query(path, "SELECT pattern, scheduled, end, adherence, phase_lag_s, breaths FROM sessions") == [
        ("box", 1, None, None, None, None)
    ]


def test_event_details_are_compact_json_and_odd_values_become_text(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [(5.0, "something_new", {"x": [1, 2], "where": Path("/tmp/x"), "when": START})])
    sink.close()
    (detail,), = query(path, "SELECT detail FROM events")
    assert detail == '{"x":[1,2],"where":"/tmp/x","when":"2026-11-24 09:00:00.123456+00:00"}'


def test_a_breath_counts_in_the_minute_it_ended(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    minute0 = int(T0 // 60) * 60
    feed(sink, clock, [(61.0, "breath", {"onset": 55.0, "end": 59.0, "rate_bpm": 15.0})])  # reported a little later
    sink.close()
    assert query(path, "SELECT minute, breaths FROM minutes") == [(minute0, 1)]


def test_cue_levels_and_a_hold_end_without_an_end_time(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [
        (10.0, "hold_start", {"start": 2.0}),
        (10.0, "cue_start", {"reason": "hold", "level": 2}),
        (22.0, "hold_end", {"start": 2.0}),  # no end time: breathing resumed when it was reported
        (30.0, "cue_start", {"reason": "shallow"}),  # no level: level 1
    ])
    sink.close()
    assert query(path, "SELECT reason, level, recovered, recovery_seconds FROM cues ORDER BY start") == [
        ("hold", 2, 1, 12.0), ("shallow", 1, None, None)
    ]


def test_a_status_without_time_or_state_counts_at_the_clock_as_unknown(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    minute0 = int(T0 // 60) * 60
    for t in (1.0, 2.0, 7.0):  # a gap of exactly 5 s still counts
        clock.sleep_until(t)
        sink.status({})
    sink.close()
    assert query(path, "SELECT minute, state, seconds FROM minute_states") == [(minute0, "unknown", 6.0)]


def test_a_history_file_from_a_newer_breathcue_says_to_upgrade(tmp_path: Path):
    path = tmp_path / "h.sqlite3"
    history.Writer(path).close()
    assert history.open_reader(path) is not None
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA user_version = {len(history.MIGRATIONS) + 1}")
    conn.close()
    with pytest.raises(history.HistoryError, match=rf"has schema version {len(history.MIGRATIONS) + 1}; "
                       rf"this breathcue reads version {len(history.MIGRATIONS)}: upgrade breathcue$"):
        history.open_reader(path)


def test_the_daemons_history_sink_follows_the_config(default_config, tmp_path: Path):
    from dataclasses import replace

    from breathcue.app import Daemon
    from breathcue.hw.sim import RecordingRing, SimulatedBreather

    config = replace(default_config, history=replace(default_config.history, keep_days=30, flush_seconds=20.0))
    daemon = Daemon(config, VirtualClock(START), SimulatedBreather(), RecordingRing(24))
    (sink,) = history.open_sinks(config, tmp_path, daemon)
    assert (sink.keep_days, sink.flush_seconds, sink.clock) == (30, 20.0, daemon.clock)
    sink.close()
    assert history.path_in(tmp_path).exists()


def test_a_spell_ending_settles_only_the_cues_about_it_and_30_s_exactly_counts(tmp_path: Path):
    sink, clock, path = sink_at(tmp_path)
    feed(sink, clock, [
        (10.0, "cue_start", {"reason": "shallow", "level": 1}),
        (12.0, "hold_end", {"start": 1.0, "end": 11.5}),  # a hold ends: the shallow cue is not settled by it
        (45.0, "shallow_end", {"start": 5.0, "end": 40.0}),  # breathing deepened again 30 s after the cue began
    ])
    sink.close()
    assert query(path, "SELECT reason, recovered, recovery_seconds FROM cues") == [("shallow", 1, 30.0)]
