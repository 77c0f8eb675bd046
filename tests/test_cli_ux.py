"""What a person meets on the command line: progress on long work (quiet off a terminal), no silent
overwrites, durations in words, legible long plots."""

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


def test_a_long_plot_is_legible_rows_of_five_minutes(tmp_path: Path):
    import math

    import pytest

    pytest.importorskip("matplotlib")
    from PIL import Image

    rec, png = tmp_path / "long.csv", tmp_path / "long.png"
    rec.write_text("".join(f"{math.sin(2 * math.pi * i / 125):.4f}\n" for i in range(16 * 60 * 25)))  # 16 min at 25 Hz
    assert main(["analyze", str(rec), "--rate", "25", "--format", "summary", "--plot", str(png)]) == 0
    width, height = Image.open(png).size
    assert width == 1600 and 900 <= height <= 1200  # four rows of 5 minutes, not one strip 6000 px wide


def test_analyze_piped_into_head_still_draws_the_plot(tmp_path: Path):
    import subprocess
    import sys

    import pytest

    pytest.importorskip("matplotlib")
    rec, png = tmp_path / "r.csv", tmp_path / "r.png"
    rec.write_text("".join(f"{(i % 50) / 50:.3f}\n" for i in range(3000)))
    proc = subprocess.Popen([sys.executable, "-m", "breathcue", "analyze", str(rec), "--rate", "10", "--plot", str(png)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    proc.stdout.close()
    err = proc.stderr.read()
    assert proc.wait(timeout=60) == 0 and "Traceback" not in err and png.exists()


def test_config_errors_say_each_problem_once_and_overlaps_are_noted(tmp_path: Path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[session]]\nevery = "abc"\npattern = "box"\n')
    assert main(["config", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert 'session[0].every = "abc"' in err and "neither" not in err
    overlapping = tmp_path / "q.toml"
    overlapping.write_text('[schedule]\nquiet = ["12:00-14:00", "13:00-15:00", "23:00-01:00", "00:30-02:00", "16:00-17:00"]\n')
    assert main(["config", "check", str(overlapping)]) == 0
    notes = [line for line in capsys.readouterr().err.splitlines() if line.startswith("note:")]
    assert len(notes) == 2 and '"23:00-01:00" and "00:30-02:00" overlap' in notes[1]


def test_a_headerless_csv_with_unix_time_first_needs_no_options(tmp_path: Path, capsys):
    import math

    rec = tmp_path / "logger.csv"
    rec.write_text("".join(f"{1764750000.0 + i / 10:.1f},{math.sin(2 * math.pi * i / 50):.3f}\n" for i in range(600)))
    assert main(["analyze", str(rec), "--format", "summary"]) == 0
    summary = dict(line.split(None, 1) for line in capsys.readouterr().out.splitlines())
    assert summary["duration"].strip() == "1 min" and 10 <= int(summary["breaths"]) <= 13  # 12 a minute, rate from the times
