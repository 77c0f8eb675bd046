"""What a person reads in the terminal: plain words for the status and events, and a summary at the end."""

from __future__ import annotations

from pathlib import Path

from breathcue.cli import main
from breathcue.core.types import Event
from breathcue.words import clock, duration, event_line, session_card, status_line

from .conftest import ROOT


def status(**over) -> dict:
    base = {"t": 75.0, "state": "breathing", "rate_bpm": 11.2, "cue": None, "session": None,
            "nudges": {"blocked": None}, "recent_events": []}
    return {**base, **over}


def test_status_line_says_what_is_happening_and_what_to_do():
    holding = status(state="hold", cue={"reason": "hold", "level": 1}, t=42.0,
                     recent_events=[{"event": "hold_start", "t": 40.0, "start": 30.0}])
    assert status_line(holding) == "0:42  holding your breath 12 s: breathe out, then in with the light  (11 breaths a minute)"
    assert status_line(status(state="shallow", cue={"reason": "shallow", "level": 1})).startswith("1:15  breathing shallowly: deepen")
    assert status_line(status(nudges={"blocked": "quiet_hours"})).endswith("no nudges now: quiet hours")
    assert "level" not in status_line(holding) and "cue:" not in status_line(holding)
    paced = status(session={"pattern": "box", "seconds": 20.0, "left": 250.0, "phase": "hold_in", "phase_left": 2.6})
    assert status_line(paced) == "1:15  box: hold, lungs full 3 s, 4:10 left  (11 breaths a minute)"


def test_event_lines_are_sentences_not_dicts():
    assert event_line(Event("hold_start", 40.0, {"start": 30.0})) == "breath hold: no breathing for 10 s"
    assert event_line(Event("cue_skipped", 60.0, {"reason": "shallow", "why": "cooldown"})) == (
        "nudge (deepen) held back: too soon after the last nudge")
    assert event_line(Event("signal_lost", 9.0, {"start": 7.0, "reason": "saturated"})).startswith("signal lost: the signal is at its limit")
    assert all("{" not in (event_line(Event(n, 1.0, {"x": 1})) or "") for n in ("something_new", "resume"))


def test_times_read_as_a_person_reads_them():
    assert [clock(s) for s in (0, 42.9, 725, 3723)] == ["0:00", "0:42", "12:05", "1:02:03"]
    assert [duration(s) for s in (45, 200, 180, 7200)] == ["45 s", "3 min 20 s", "3 min", "2 h 0 min"]


def test_session_card_has_minutes_breaths_pace_lag_and_rates():
    card = session_card({"pattern": "box", "outcome": "completed", "duration": 304.0, "breaths": 19, "in_pace": 0.947,
                         "phase_lag_s": -0.42, "rate_before_bpm": 12.1, "rate_after_bpm": 4.0})
    assert card == ("box session completed: 5 min 4 s, 19 breaths, 95 % in pace, 0.4 s ahead of the light, "
                    "breathing rate 12.1 -> 4.0 a minute")


def test_a_virtual_run_that_flashes_past_leaves_its_summary(capsys, tmp_path: Path):
    assert main(["run", "--sim", "--config", str(ROOT / "docs/examples/demo.toml"), "--clock", "virtual", "--seconds", "0.3"]) == 0
    out = capsys.readouterr().out
    assert "after 0:00" in out and "breaths       0" in out and "nudges        0" in out


def test_the_demo_summary_counts_the_story(capsys):
    assert main(["run", "--sim", "--config", str(ROOT / "docs/examples/demo.toml"), "--clock", "virtual", "--seconds", "120",
                 "--start", "2026-11-24T10:00:00"]) == 0
    summary = capsys.readouterr().out.split("after 2:00")[1]
    assert "breath holds  1 (longest" in summary and "nudges        2: hold 1, shallow 1" in summary
