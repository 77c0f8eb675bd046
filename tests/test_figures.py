"""One number for one thing: a simulated day's figures are the same wherever a person reads them."""

from __future__ import annotations

import json
import re
from pathlib import Path

from breathcue import figures
from breathcue.cli import main

from .test_web import Commands, make, request


def test_shallow_minutes_agree_across_simulate_the_reports_and_the_dashboard(tmp_path: Path, capsys):
    """Two simulated hours of the workday (seed 3 has shallow spells in them), kept in a history."""
    state = tmp_path / "state"
    assert main(["simulate", "--scenario", "workday", "--hours", "2", "--seed", "3", "--start", "2026-11-24T09:00:00",
                 "--state-dir", str(state)]) == 0
    simulated = re.search(r"^  shallow +([0-9.]+) min;", capsys.readouterr().out, re.M)
    assert main(["report", "--day", "2026-11-24", "--state-dir", str(state)]) == 0
    text = re.search(r"^  shallow +([0-9.]+) min;", capsys.readouterr().out, re.M)
    assert main(["report", "--day", "2026-11-24", "--format", "json", "--state-dir", str(state)]) == 0
    reported = json.loads(capsys.readouterr().out)["shallow_minutes"]
    sink = make(Commands(), history_path=state / "history.sqlite3")
    try:
        status, _, body = request(sink, "GET", "/api/today?day=2026-11-24")
    finally:
        sink.close()
    assert status == 200
    dashboard = json.loads(body)["report"]["shallow_minutes"]
    assert simulated and text and reported > 0
    assert float(simulated.group(1)) == float(text.group(1)) == reported == dashboard
    assert figures.minutes_text(dashboard) == f"{text.group(1)} min"


def test_spell_minutes_clip_to_the_day_and_round_once():
    assert figures.spell_minutes([(0.0, 90.0), (100.0, 130.0)]) == 2.0
    assert figures.spell_minutes([(-60.0, 60.0)], 0.0, 3600.0) == 1.0
    assert figures.minutes_text(13.66) == "13.7 min"


def test_episode_edges_as_the_history_keeps_them():
    assert figures.edge("shallow_start", 100.0, {"start": 70.0}) == ("shallow", 70.0)
    assert figures.edge("shallow_end", 200.0, {"start": 70.0}) == ("shallow", 200.0)  # ends when it was reported over
    assert figures.edge("hold_end", 50.0, {"start": 30.0, "end": 48.5}) == ("hold", 48.5)
    assert figures.edge("breath", 1.0, {}) is None


def test_one_word_for_each_nudge_and_plurals():
    assert [figures.nudge_name(r) for r in ("hold", "shallow", "rapid")] == ["hold", "deepen", "slow down"]
    assert figures.plural(1, "nudge") == "1 nudge" and figures.plural(2, "breath hold") == "2 breath holds"


def test_the_line_of_insight():
    from breathcue.insight import insight

    hours = {f"{h:02d}": 0 for h in range(24)}
    day = {"day": "2026-11-24", "recorded_minutes": 480, "holds": 12, "holds_per_hour": {**hours, "10": 5, "14": 4, "15": 3},
           "cues": 14, "cues_recovered": 9}
    week_before = {"day": "2026-11-17", "recorded_minutes": 470, "holds": 15}
    assert insight(day, week_before) == (
        "Most breath holds between 10:00 and 11:00 (5 of 12); 9 of 14 nudges followed by recovery within 30 s; "
        "3 holds fewer than last Tuesday."
    )
    assert insight({**day, "holds": 1, "holds_per_hour": {**hours, "09": 1}, "cues": 0}) == "1 breath hold, spread over the day."
    assert insight({**day, "recorded_minutes": 0}) == "Nothing was recorded on this day."
    assert insight({**day, "holds": 0, "cues": 1, "cues_recovered": 1}, {**week_before, "holds": 0}).endswith("as many holds as last Tuesday.")


def test_the_week_from_the_dashboard_api(tmp_path: Path):
    from .test_report import known_day

    known_day(tmp_path)
    sink = make(Commands(), history_path=tmp_path / "history.sqlite3")
    try:
        status, _, body = request(sink, "GET", "/api/week?day=2026-11-26")
        bad, _, _ = request(sink, "GET", "/api/week?day=26.11.2026")
    finally:
        sink.close()
    week = json.loads(body)["week"]
    assert status == 200 and bad == 400
    assert (week["from"], week["to"], week["holds"], week["session_minutes"]) == ("2026-11-20", "2026-11-26", 2, 10.0)
    assert [d["holds"] for d in week["days"]] == [0, 0, 0, 0, 2, 0, 0]
