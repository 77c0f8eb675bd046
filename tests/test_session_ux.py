"""A paced session a person can follow: useful from the first cycle, a card at the end, in the history too."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from breathcue.cli import main

from .daemon_helpers import Statuses, config
from .daemon_helpers import run as daemon_run


def test_box_from_a_cold_start_says_it_follows_early_and_settles_the_polarity_in_three_cycles():
    cfg = config('[[session]]\nat = "10:00"\npattern = "box"\nminutes = 3\n')
    events, _, _, statuses = daemon_run(cfg, 200, follow=True, extra=lambda daemon, script: Statuses())
    early = [s for s in statuses if s["session"] is not None and s["t"] <= 25.0]
    assert any((s["session"]["following"] or 0) >= 0.6 for s in early)  # the user hears they are following, by the second cycle
    assert all(s["session"]["phase"] in ("inhale", "hold_in", "exhale", "hold_out") for s in early)
    polarity = next(e for e in events if e["event"] == "polarity")
    assert polarity["polarity"] == "normal" and polarity["t"] <= 60.0
    end = next(e for e in events if e["event"] == "session_end")
    assert end["breaths"] >= 6 and end["in_pace"] >= 0.9


def test_pace_prints_the_card_and_the_history_keeps_it(tmp_path: Path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[hardware]\nmode = "sim"\n')
    state = tmp_path / "state"
    assert main(["pace", "--pattern", "resonance", "--minutes", "2", "--sim", "--clock", "virtual", "--config", str(cfg),
                 "--state-dir", str(state), "--start", "2026-11-24T10:00:00"]) == 0
    out = capsys.readouterr().out
    card = next(line for line in out.splitlines() if "resonance session completed" in line)
    assert "2 min" in card and "breaths" in card and "% in pace" in card and "the light" in card and "breathing rate" in card
    with sqlite3.connect(state / "history.sqlite3") as db:
        detail = json.loads(db.execute("SELECT detail FROM sessions").fetchone()[0])
    assert detail["end"]["rate_after_bpm"] is not None and detail["end"]["in_pace"] >= 0.9
