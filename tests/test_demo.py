"""What `make run` shows a newcomer: the whole story within two minutes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT


def test_make_run_config_shows_hold_cue_recovery_and_shallow_cue(tmp_path: Path):
    makefile = (ROOT / "Makefile").read_text()
    assert "--config docs/examples/demo.toml" in makefile
    events = tmp_path / "e.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "breathcue", "run", "--sim", "--config", str(ROOT / "docs/examples/demo.toml"),
         "--clock", "virtual", "--start", "2026-11-29T23:00:00", "--seconds", "150",  # a Sunday night
         "--events-out", str(events), "--state-dir", str(tmp_path)],
        capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in events.read_text().splitlines()]
    story = [(e["event"], e.get("reason")) for e in lines if e["event"] != "breath"]
    assert story.index(("hold_start", None)) < story.index(("cue_start", "hold")) < story.index(("hold_end", None))
    assert ("cue_start", "shallow") in story
    assert sum(1 for e in lines if e["event"] == "breath" and e["t"] < 30) >= 3  # calm breathing first
    cue_times = [e["t"] for e in lines if e["event"] == "cue_start"]
    assert all(t < 120 for t in cue_times)
