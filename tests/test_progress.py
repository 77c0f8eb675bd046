"""Long work shows progress on a terminal and stays quiet elsewhere; small things of issue 12."""

from __future__ import annotations

import io
from pathlib import Path

from breathcue.cli import main
from breathcue.progress import ProgressBar, bar_for


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_bar_only_on_a_terminal_and_at_most_once_a_percent():
    assert bar_for(io.StringIO(), "x") is None
    out = Tty()
    bar = bar_for(out, "simulating 8 h")
    assert isinstance(bar, ProgressBar)
    for i in range(1001):
        bar(i / 1000, "09:00")
    assert out.getvalue().count("\r") == 101 and out.getvalue().endswith("\n")


def test_simulate_shows_progress_on_a_terminal_only(tmp_path: Path, capsys, monkeypatch):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[hardware]\nmode = "sim"\n')
    assert main(["simulate", "--hours", "0.05", "--config", str(cfg)]) == 0
    assert "simulating" not in capsys.readouterr().err  # not a terminal: quiet
    err = Tty()
    monkeypatch.setattr("sys.stderr", err)
    assert main(["simulate", "--hours", "0.05", "--config", str(cfg)]) == 0
    assert "\rsimulating 0.05 h [" in err.getvalue() and "100%" in err.getvalue()


def test_sensor_record_asks_before_overwriting_and_shows_progress_on_a_terminal(tmp_path: Path, capsys, monkeypatch):
    out = tmp_path / "strap.csv"
    out.write_text("precious\n")
    argv = ["sensor", "record", str(out), "--sim", "--clock", "virtual", "--seconds", "3"]
    assert main(argv) == 2
    assert "exists; use --force" in capsys.readouterr().err and out.read_text() == "precious\n"
    screen = Tty()
    monkeypatch.setattr("sys.stdout", screen)
    assert main([*argv, "--force"]) == 0
    assert "\rrecording 0:01, 0:02 left: 25 samples" in screen.getvalue() and "recorded 75 samples" in screen.getvalue()


def test_analyze_summary_says_durations_as_people_do(tmp_path: Path, capsys):
    rec = tmp_path / "long.csv"
    rec.write_text("\n".join(f"{(i % 40) / 40:.3f}" for i in range(7200 * 5)) + "\n")
    assert main(["analyze", str(rec), "--rate", "5", "--format", "summary"]) == 0
    lines = dict(line.split(None, 1) for line in capsys.readouterr().out.splitlines())
    assert lines["duration"].strip() == "2 h 0 min" and "e+" not in "".join(lines.values())
