"""Reports, pictures, exports and forgetting, on histories with known contents."""

from __future__ import annotations

import contextlib
import csv
import io
import json
import sys
import time
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from breathcue import history, report
from breathcue.cli import main
from breathcue.clock import VirtualClock
from breathcue.core.types import Event

from .test_history import feed, run_day

UTC = ZoneInfo("UTC")
DAY = date(2026, 11, 24)
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC).timestamp()  # the known day's record begins
SECRET = "zz-remember-me-not"


def breaths(t0: float, t1: float, every: float = 5.0, rate: float = 12.0, rel: float = 1.0) -> list[tuple[float, str, dict]]:
    out = []
    t = t0 + every
    while t <= t1:
        out.append((t, "breath", {"onset": t - every, "peak": t - every / 2, "end": t, "depth": 0.25, "rel_depth": rel, "rate_bpm": rate}))
        t += every
    return out


def known_day(state: Path) -> None:
    """Two hours from 09:00 UTC: 12/min with a 10-min shallow spell at 8/min, two holds, three cues, two sessions.

    A third hold, inside the box session, is the pattern's: reports leave it out.
    """
    clock = VirtualClock(datetime(2026, 11, 24, 9, 0, tzinfo=UTC))
    sink = history.HistorySink(history.path_in(state), clock)
    events = breaths(0, 1800) + breaths(1800, 2400, rate=8.0, rel=0.4) + breaths(2400, 7200)
    events += [
        (1000.0, "hold_start", {"start": 990.0}),
        (1000.0, "cue_start", {"reason": "hold", "level": 1}),
        (1010.0, "hold_end", {"start": 990.0, "end": 1010.0, "duration": 20.0}),
        (1010.0, "cue_end", {"reason": "hold", "outcome": "recovered"}),
        (1830.0, "shallow_start", {"start": 1800.0}),
        (1830.0, "cue_start", {"reason": "shallow", "level": 1}),
        (1890.0, "cue_end", {"reason": "shallow", "outcome": "timeout"}),
        (2400.0, "shallow_end", {"start": 1800.0}),
        (3700.0, "hold_start", {"start": 3690.0}),  # 10:01:30
        (3700.0, "cue_start", {"reason": "hold", "level": 1}),
        (3715.0, "cue_level", {"reason": "hold", "level": 2}),
        (3725.0, "hold_end", {"start": 3690.0, "end": 3725.0, "duration": 35.0}),
        (3725.0, "cue_end", {"reason": "hold", "outcome": "recovered"}),
        (4000.0, "session_start", {"pattern": "resonance", "scheduled": "2026-11-24T10:06", "minutes": 5}),
        (4300.0, "session_end", {"pattern": "resonance", "duration": 300.0, "breaths": 30, "in_pace": 0.8, "phase_lag_s": 0.2}),
        (5000.0, "button", {"press": "long", "action": "start_session"}),
        (5000.0, "session_start", {"pattern": "box", "scheduled": None, "minutes": 5}),
        (5121.0, "hold_start", {"start": 5110.0}),  # held with the pacer: the exercise, not counted
        (5122.0, "hold_end", {"start": 5110.0, "end": 5121.0, "duration": 11.0}),
        (5300.0, "session_end", {"pattern": "box", "duration": 300.0, "breaths": 20, "in_pace": 0.6, "phase_lag_s": 1.0}),
        (6000.0, "snooze", {"minutes": 30, "until": 7800.0}),
        (6040.0, "cue_skipped", {"reason": "rapid", "why": "snoozed"}),  # 10:40
        (6500.0, "cue_skipped", {"reason": "shallow", "why": "short"}),
        (6001.0, SECRET, {"note": SECRET}),
    ]
    statuses = [(float(t), "", {"t": float(t), "state": "shallow" if 1830 <= t < 2400 else "breathing"}) for t in range(7201)]
    for t, name, fields in sorted(events + statuses, key=lambda e: e[0]):
        if name:
            feed(sink, clock, [(t, name, fields)])
        else:
            clock.sleep_until(t)
            sink.status(fields)
    sink.close()


@pytest.fixture(scope="module")
def state(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("state")
    known_day(path)
    return path


def day_report(state: Path, day: date = DAY, tz=UTC) -> dict:
    with contextlib.closing(history.open_reader(history.path_in(state))) as conn:
        return report.day_report(conn, day, tz)


def test_the_numbers_of_a_known_day(state: Path):
    r = day_report(state)
    assert set(report.REPORT_KEYS) <= set(r)
    assert r["holds"] == 2
    assert r["longest_hold_seconds"] == 35.0 and r["mean_hold_seconds"] == 27.5
    assert r["shallow_minutes"] == 10.0
    assert r["mean_rate_bpm"] == pytest.approx((1320 * 12 + 120 * 8) / 1440, abs=0.01)  # breath-weighted
    assert r["mean_depth_pct"] == pytest.approx(100 * (1320 + 120 * 0.4) / 1440, abs=0.1)
    assert r["breaths"] == 1440 and r["recorded_minutes"] == 121
    assert r["holds_per_hour"]["09"] == 1 and r["holds_per_hour"]["10"] == 1 and sum(r["holds_per_hour"].values()) == 2
    assert r["holds_per_recorded_hour"] == pytest.approx(2 / (121 / 60), abs=0.01)
    assert r["cues"] == 3 and r["cues_by_reason"] == {"hold": 2, "shallow": 1}
    assert r["cues_recovered"] == 2 and r["cues_recovered_share"] == pytest.approx(2 / 3, abs=1e-3)
    assert r["mean_recovery_seconds"] == 17.5  # 10 s and 25 s
    assert r["sessions"] == 2 and r["mean_adherence"] == 0.7
    assert r["buttons"] == 1 and r["snoozes"] == 1
    assert r["state_minutes"] == {"breathing": 110.5, "shallow": 9.5}
    assert r["nudges_held_back"] == 2
    assert r["nudges_per_hour"] == {
        "09": {"given": 2, "held_back": 0, "why": {}},
        "10": {"given": 1, "held_back": 2, "why": {"snoozed": 1, "short": 1}},
    }


def test_holds_in_a_paced_session_are_the_exercise_not_counted(state: Path):
    with contextlib.closing(history.open_reader(history.path_in(state))) as conn:
        assert conn.execute("SELECT count(*) FROM episodes WHERE kind = 'hold'").fetchone()[0] == 3  # all are kept
        assert report.holds_on(conn, DAY, UTC) == 2
        t = report.timeline(conn, DAY, UTC)
    assert [e["start"] for e in t["episodes"] if e["kind"] == "hold"] == [START + 990.0, START + 3690.0]


def test_other_days_are_empty(state: Path):
    r = day_report(state, date(2026, 11, 23))
    assert r["holds"] == 0 and r["mean_rate_bpm"] is None and r["longest_hold_seconds"] is None and r["mean_adherence"] is None


def test_days_are_local(state: Path):
    # In Tokyo (UTC+9) the 09:00-11:00 UTC record is 18:00-20:00 on the 24th.
    r = day_report(state, DAY, ZoneInfo("Asia/Tokyo"))
    assert r["holds_per_hour"]["18"] == 1 and r["holds_per_hour"]["19"] == 1
    # In Los Angeles (UTC-8) it is 01:00-03:00 on the 24th; the 23rd is empty.
    assert day_report(state, DAY, ZoneInfo("America/Los_Angeles"))["holds"] == 2
    assert day_report(state, date(2026, 11, 23), ZoneInfo("America/Los_Angeles"))["holds"] == 0


def test_a_dst_day_has_23_hours():
    berlin = ZoneInfo("Europe/Berlin")
    assert report.midnight(date(2026, 3, 30), berlin) - report.midnight(date(2026, 3, 29), berlin) == 23 * 3600
    assert report.midnight(date(2026, 10, 26), berlin) - report.midnight(date(2026, 10, 25), berlin) == 25 * 3600


def test_week(state: Path):
    with contextlib.closing(history.open_reader(history.path_in(state))) as conn:
        w = report.week_report(conn, date(2026, 11, 26), UTC)
    assert (w["from"], w["to"]) == ("2026-11-20", "2026-11-26") and len(w["days"]) == 7
    assert w["holds"] == 2 and w["cues"] == 3 and w["sessions"] == 2 and w["mean_adherence"] == 0.7
    assert w["days"][4]["day"] == "2026-11-24" and w["days"][4]["holds"] == 2


def test_text_report(state: Path):
    text = report.day_text(day_report(state))
    assert "Tuesday 24 November 2026" in text
    assert "breath holds    2, longest 35 s" in text
    assert "nudges          3 (hold 2, deepen 1), breathing recovered within 30 s after 2 (67 %)" in text
    assert "sessions        2, adherence 70 %" in text
    assert "nudges per hour given  held back  (held back 2 in all)" in text
    assert "    09:00            2          0\n" in text
    assert "    10:00            1          2  (snoozed 1, short 1)" in text


def test_report_command_json_and_text(state: Path, capsys):
    assert main(["report", "--day", "2026-11-24", "--format", "json", "--state-dir", str(state)]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["holds"] == 2 and out["cues"] == 3
    assert main(["report", "--day", "2026-11-24", "--week", "--state-dir", str(state)]) == 0
    assert "2026-11-18 to 2026-11-24" in capsys.readouterr().out


def test_report_errors(tmp_path: Path, capsys):
    assert main(["report", "--day", "24/11/2026", "--state-dir", str(tmp_path)]) == 2
    assert "expected a date YYYY-MM-DD" in capsys.readouterr().err
    assert main(["report", "--state-dir", str(tmp_path)]) == 1
    assert "no history at" in capsys.readouterr().err


def png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")


def test_pictures(state: Path, tmp_path: Path, capsys):
    pytest.importorskip("matplotlib")
    from PIL import Image

    day = tmp_path / "day.png"
    assert main(["report", "--day", "2026-11-24", "--png", str(day), "--state-dir", str(state)]) == 0
    assert f"wrote {day}" in capsys.readouterr().err
    assert png_size(day) == (1320, 935)
    with Image.open(day) as image:
        colours = image.convert("RGB").getcolors(1 << 20)
    red = sum(n for n, (r, g, b) in colours if r > 180 and g < 90 and b < 90)  # the holds
    assert red > 500 and len(colours) > 50
    week = tmp_path / "week.png"
    assert main(["report", "--week", "--day", "2026-11-24", "--png", str(week), "--format", "json", "--state-dir", str(state)]) == 0
    assert json.loads(capsys.readouterr().out)["holds"] == 2
    assert png_size(week)[0] > 800


def test_a_picture_without_matplotlib_says_what_to_install(state: Path, tmp_path: Path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    assert main(["report", "--png", str(tmp_path / "x.png"), "--state-dir", str(state)]) == 1
    assert "pip install 'breathcue[report]'" in capsys.readouterr().err


def test_the_daemon_is_light():
    code = "import sys, breathcue.app, breathcue.history, breathcue.cli; assert 'matplotlib' not in sys.modules and 'numpy' not in sys.modules"
    import subprocess

    subprocess.run([sys.executable, "-c", code], check=True)


def test_report_counts_match_the_events_of_a_run(default_config, tmp_path: Path, capsys):
    events = run_day(default_config, tmp_path, 600.0, [(100.0, 130.0), (400.0, 425.0)])
    assert main(["report", "--day", "2026-11-24", "--format", "json", "--state-dir", str(tmp_path)]) == 0
    r = json.loads(capsys.readouterr().out)
    names = [e["event"] for e in events]
    assert (r["holds"], r["cues"], r["sessions"]) == (names.count("hold_start"), names.count("cue_start"), names.count("session_start"))
    assert r["holds"] == 2


# --- export -------------------------------------------------------------------------


def test_export_jsonl(state: Path, capsys):
    assert main(["export", "--state-dir", str(state)]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    tables = {line["table"] for line in lines}
    assert tables == {"minutes", "episodes", "cues", "sessions", "buttons", "events"}
    minutes = [line for line in lines if line["table"] == "minutes"]
    assert len(minutes) == 121 and minutes[0]["time"] == "2026-11-24T09:00:00.000+00:00"
    assert minutes[1]["breaths"] == 12 and minutes[1]["rate_bpm"] == 12.0 and minutes[1]["seconds_breathing"] == 60.0
    holds = [line for line in lines if line["table"] == "episodes" and line["kind"] == "hold"]
    assert [h["duration_s"] for h in holds] == [20.0, 35.0, 11.0]  # the export keeps the session's hold too
    cue = next(line for line in lines if line["table"] == "cues")
    assert cue["recovered"] == 1 and cue["detail"]["end"]["outcome"] == "recovered"


def test_export_csv_one_table_since_a_day(state: Path, tmp_path: Path, capsys):
    out = tmp_path / "cues.csv"
    assert main(["export", "--format", "csv", "--table", "cues", "--since", "2026-11-24", "-o", str(out), "--state-dir", str(state)]) == 0
    rows = list(csv.DictReader(out.open()))
    assert [r["reason"] for r in rows] == ["hold", "shallow", "hold"]
    assert rows[0]["start"] == "2026-11-24T09:16:40.000+00:00" and rows[1]["recovered"] == "0"
    assert main(["export", "--format", "csv", "--since", "2026-11-25", "--state-dir", str(state)]) == 0
    assert capsys.readouterr().out.startswith("table,time,breaths,rate_bpm,depth,rel_depth,kind,start,end,")  # the header alone


def test_export_csv_all_tables(state: Path, capsys):
    assert main(["export", "--format", "csv", "--state-dir", str(state)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert {r["table"] for r in rows} == {"minutes", "episodes", "cues", "sessions", "buttons", "events"}
    session = next(r for r in rows if r["table"] == "sessions")
    assert session["pattern"] == "resonance" and session["adherence"] == "0.8" and json.loads(session["detail"])["minutes"] == 5


# --- forget --------------------------------------------------------------------------


def test_forget_before_a_day_and_all(tmp_path: Path, capsys):
    known_day(tmp_path)
    path = history.path_in(tmp_path)
    assert main(["forget", "--before", "2026-11-24", "--state-dir", str(tmp_path)]) == 0
    assert "nothing was there" in capsys.readouterr().out
    assert day_report(tmp_path)["holds"] == 2
    assert main(["forget", "--before", "2026-11-25", "--state-dir", str(tmp_path)]) == 0
    assert "121 minutes" in capsys.readouterr().out
    assert day_report(tmp_path)["holds"] == 0
    for f in path.parent.glob(path.name + "*"):  # the file, and any -wal or -shm beside it
        assert SECRET.encode() not in f.read_bytes(), f"{f.name} still holds forgotten data"
    assert main(["forget", "--all", "--state-dir", str(tmp_path)]) == 2  # not without --yes (no terminal to ask on)
    refused = capsys.readouterr()
    assert "--yes" in refused.err and "removed" not in refused.out
    assert main(["forget", "--all", "--yes", "--state-dir", str(tmp_path)]) == 0
    assert main(["forget", "--state-dir", str(tmp_path)]) == 2  # which one?


def test_forget_all_while_the_daemon_runs(tmp_path: Path, vclock):
    path = history.path_in(tmp_path)
    sink = history.HistorySink(path, vclock)
    sink.event(Event(SECRET, 1.0), vclock.wall())
    sink.flush()
    deadline = time.monotonic() + 10
    while sink.writer.written < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    report.forget(path, None)  # the daemon's connection stays open
    sink.event(Event("after", 2.0), vclock.wall())
    sink.close()
    with contextlib.closing(history.open_reader(path)) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM events")] == ["after"]
    assert SECRET.encode() not in path.read_bytes()
