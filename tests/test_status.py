"""The status file and `breathcue status`."""

from __future__ import annotations

import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from breathcue import status
from breathcue.app import Daemon
from breathcue.cli import main
from breathcue.hw.sim import RecordingRing, SimulatedBreather

from .conftest import ROOT

NOW = datetime(2026, 11, 24, 10, 0, 5, tzinfo=timezone.utc)


def sample_status(**over) -> dict:
    s = {
        "t": 100.0,
        "wall": "2026-11-24T10:00:00+00:00",
        "state": "hold",
        "rate_bpm": 11.2,
        "depth": 0.25,
        "rel_depth": 0.96,
        "cue": {"reason": "hold", "level": 2, "started": 80.0, "seconds": 20.0, "bpm": 11.0},
        "session": None,
        "nudges": {"allowed": False, "blocked": None, "snoozed_until": None, "paused_until": None, "today": 3,
                   "max_per_day": 16, "learnt": {"shallow": {"dismissed": 1, "cooldown_seconds": 1800.0}}},
        "ambient": "pacer",
        "config": {"source": "/etc/breathcue/config.toml", "loaded": "2026-11-24T09:00:00+00:00", "errors": []},
        "recent_events": [{"event": "hold_start", "t": 80.0, "start": 70.0, "wall": "2026-11-24T09:59:40+00:00"}],
    }
    s.update(over)
    return s


def test_status_file_is_replaced_atomically_and_at_most_once_a_second(tmp_path: Path):
    now = [0.0]
    sink = status.StatusFile(tmp_path / "state", monotonic=lambda: now[0])
    for i in range(30):  # thirty statuses within a quarter of a second of real time
        now[0] = i * 0.01
        sink.status(sample_status(t=float(i)))
    written = json.loads((tmp_path / "state" / "status.json").read_text())
    assert written["t"] == 0.0 and written["running"] is True and "updated" in written and written["pid"] > 0
    now[0] = 1.0
    sink.status(sample_status(t=99.0))
    assert json.loads(sink.path.read_text())["t"] == 99.0
    sink.close()
    final = json.loads(sink.path.read_text())
    assert final["running"] is False and final["t"] == 99.0
    assert [p.name for p in sink.path.parent.iterdir()] == ["status.json"]  # no temporary files left


def test_a_status_that_cannot_be_written_is_logged_not_raised(tmp_path: Path, caplog):
    sink = status.StatusFile(tmp_path / "state")
    shutil.rmtree(tmp_path / "state")
    sink.status(sample_status())
    sink.close()
    assert caplog.text.count("cannot write") == 1


def test_read_errors_say_what_is_wrong(tmp_path: Path):
    with pytest.raises(status.StatusError, match="has not run"):
        status.read(tmp_path)
    (tmp_path / "status.json").write_text("{half")
    with pytest.raises(status.StatusError, match="not a status file"):
        status.read(tmp_path)


def test_describe_running_daemon():
    s = sample_status(running=True, pid=42, updated=(NOW - timedelta(seconds=2)).isoformat())
    text = status.describe(s, NOW)
    assert "running (pid 42)" in text and "updated 2 s ago" in text
    assert "11.2 breaths/min" in text and "depth 96 %" in text
    assert "cue        hold (level 2) for 20 s" in text
    assert "nudges     on; 3 of 16 today" in text
    assert "shallow nudges wait 30 min after one today (you dismissed 1)" in text
    assert "hold_start" in text and status.is_current(s, NOW)


def test_describe_session_pause_and_config_errors():
    s = sample_status(
        running=True,
        updated=NOW.isoformat(),
        cue=None,
        session={"pattern": "resonance", "scheduled": None, "started": 0, "seconds": 90, "minutes": 5,
                 "adherence": {"breaths": 8, "in_pace": 0.75, "phase_lag_s": 0.4, "phase_lag_deg": 14.0}},
        nudges={"allowed": False, "blocked": "paused", "snoozed_until": None,
                 "paused_until": "2026-11-25T09:00+00:00", "today": 0},
        config={"source": "c.toml", "loaded": "x", "errors": ["cues.max_per_hour = -1: expected an integer from 0 to 120"]},
    )
    text = status.describe(s, NOW)
    assert "session    resonance, 1.5 of 5.0 min, in pace 75 %, lag +0.4 s" in text
    assert "paused until Wed 09:00" in text
    assert "the last reload failed" in text and "max_per_hour = -1" in text


def test_describe_an_open_ended_session():
    s = sample_status(running=True, updated=NOW.isoformat(), cue=None,
                      session={"pattern": "", "scheduled": None, "started": 0, "seconds": 30, "minutes": None,
                               "adherence": {"breaths": 0, "in_pace": None, "phase_lag_s": None, "phase_lag_deg": None}})
    assert "session    paced, 0.5 min" in status.describe(s, NOW)


def test_describe_stale_and_stopped():
    stale = sample_status(running=True, updated=(NOW - timedelta(minutes=5)).isoformat(), pid=7)
    assert "not responding" in status.describe(stale, NOW) and not status.is_current(stale, NOW)
    stopped = sample_status(running=False, updated=NOW.isoformat())
    assert "stopped" in status.describe(stopped, NOW) and not status.is_current(stopped, NOW)


def test_breathcue_status_command(tmp_path: Path, capsys):
    assert main(["status", "--state-dir", str(tmp_path)]) == 1
    assert "has not run" in capsys.readouterr().err
    sink = status.StatusFile(tmp_path)
    sink.status(sample_status())
    assert main(["status", "--state-dir", str(tmp_path)]) == 0
    assert "breathcue is running" in capsys.readouterr().out
    assert main(["status", "--json", "--state-dir", str(tmp_path)]) == 0
    assert json.loads(capsys.readouterr().out)["cue"]["level"] == 2
    sink.close()
    assert main(["status", "--state-dir", str(tmp_path)]) == 3
    assert "stopped" in capsys.readouterr().out


def test_the_daemon_status_has_every_documented_key(default_config, vclock):
    daemon = Daemon(default_config, vclock, SimulatedBreather(seed=1), RecordingRing(24), seconds=30)
    daemon.run()
    s = daemon.status()
    assert set(s) == {"t", "wall", "state", "rate_bpm", "depth", "rel_depth", "cue", "session", "calibration", "nudges",
                      "ambient", "config", "recent_events"}
    assert set(s["nudges"]) == {"allowed", "blocked", "snoozed_until", "paused_until", "do_not_disturb_until", "today",
                                "max_per_day", "learnt"}
    assert set(s["config"]) == {"source", "loaded", "errors"}
    json.dumps(s)  # JSON-ready
    formats = (ROOT / "docs" / "formats.md").read_text()
    for key in list(s) + list(s["nudges"]) + list(s["config"]):
        assert f"`{key}`" in formats, f"status key {key} is not in docs/formats.md"
