"""`breathcue analyze`: the command-line contract, and the baseline file `calibrate` writes."""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pytest

from breathcue import analyze
from breathcue.cli import main
from breathcue.config import DetectorConfig
from breathcue.core.detector import Baseline
from breathcue.hw.replay import load_recording

from .validation import scenarios
from .validation.splice import Plateau, Spliced

DATA = Path(__file__).resolve().parent / "data"
EXCERPT = DATA / "det_physio_belt_120s_10hz.csv"
REFERENCE = json.loads((DATA / "det_reference.json").read_text())["recordings"]["physio_belt"]


def jsonl(capsys) -> list[dict]:
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.fixture
def belt_file(tmp_path: Path) -> tuple[Path, Spliced]:
    """A held-out-like belt file: headerless "unix time,force" at 10 Hz with two spliced holds."""
    rec = load_recording(EXCERPT, rate=10, column=2)
    x = np.asarray(rec.values)
    peaks = [p - 30.0 for p in REFERENCE["peaks"] if 30.0 <= p < 150.0]
    troughs = [q - 30.0 for q in REFERENCE["troughs"] if 30.0 <= q < 150.0]
    depth = scenarios.typical_depth(x, 10.0, peaks, troughs)
    rng = np.random.default_rng(1)
    after = next(q for q in troughs if q > peaks[3])  # held at end-expiration: at the trough after the fourth breath
    spliced = scenarios.splice(Spliced(x, 10.0, peaks), after, "exhaled", Plateau(13.0, 0.06, 1.2, 0.2, 3.0, 0.1), depth, rng)
    spliced = scenarios.splice(spliced, spliced.peaks[8], "inhaled", Plateau(18.0, 0.09, 1.0, 0.1, 5.0, 0.05), depth, rng)
    path = tmp_path / "belt.csv"
    t = 1_700_000_000.0 + np.arange(len(spliced.values)) / 10.0
    np.savetxt(path, np.c_[t, spliced.values], delimiter=",", fmt=["%.1f", "%.4f"])
    return path, spliced


def test_jsonl_is_the_documented_contract(belt_file, capsys):
    path, truth = belt_file
    assert main(["analyze", str(path), "--rate", "10", "--column", "2", "--format", "jsonl"]) == 0
    lines = jsonl(capsys)
    events, summary = lines[:-1], lines[-1]
    assert [e["t"] for e in events] == sorted(e["t"] for e in events)
    assert summary["event"] == "summary"
    assert {"duration", "breaths", "mean_rate_bpm", "holds", "shallow_seconds"} <= set(summary)
    assert summary["holds"] == 2 and summary["duration"] == pytest.approx(len(truth.values) / 10.0)
    breaths = [e for e in events if e["event"] == "breath"]
    assert summary["breaths"] == len(breaths)
    assert all({"t", "onset", "peak", "end", "depth", "rel_depth", "rate_bpm"} <= set(b) for b in breaths)
    starts = [e for e in events if e["event"] == "hold_start"]
    ends = [e for e in events if e["event"] == "hold_end"]
    assert len(starts) == len(ends) == 2
    for s, e, h in zip(starts, ends, truth.holds):
        assert abs(s["start"] - h.start) <= 3.0 and s["t"] <= h.start + 10.0 + 2.0 and s["t"] >= s["start"] + 10.0
        assert e["start"] == s["start"] and e["duration"] == pytest.approx(e["end"] - e["start"], abs=0.002)
        assert not [b for b in breaths if h.start + 0.5 < b["peak"] < h.end]


def test_table_and_summary_formats(belt_file, capsys):
    path, _ = belt_file
    assert main(["analyze", str(path), "--rate", "10", "--column", "2"]) == 0
    table = capsys.readouterr().out
    assert "hold_start" in table and "breath" in table and "holds" in table.splitlines()[-12:][0] + table
    assert main(["analyze", str(path), "--rate", "10", "--column", "2", "--format", "summary"]) == 0
    summary = dict(line.split(None, 1) for line in capsys.readouterr().out.splitlines())
    assert summary["holds"].strip() == "2" and float(summary["mean_rate_bpm"]) > 5


def test_hold_seconds_option(belt_file, capsys):
    path, _ = belt_file
    assert main(["analyze", str(path), "--rate", "10", "--column", "2", "--format", "jsonl", "--hold-seconds", "20"]) == 0
    assert jsonl(capsys)[-1]["holds"] == 0
    assert main(["analyze", str(path), "--rate", "10", "--column", "2", "--hold-seconds", "1"]) == 2
    assert "hold_seconds = 1.0: expected a number from 3 to 60" in capsys.readouterr().err


def test_polarity_option_overrides_the_config(belt_file, capsys):
    path, _ = belt_file
    args = ["analyze", str(path), "--rate", "10", "--column", "2", "--format", "summary"]
    for polarity in ("normal", "inverted"):
        assert main(args + ["--polarity", polarity]) == 0
        summary = dict(line.split(None, 1) for line in capsys.readouterr().out.splitlines())
        assert summary["polarity"].strip() == polarity
    assert main(args + ["--polarity", "up"]) == 2
    assert "--polarity: invalid choice: 'up'" in capsys.readouterr().err


def test_a_fast_recording_is_analysed_at_25_hz():
    rec = load_recording(DATA / "det_nk_eventrelated_150s_10hz.csv", rate=10, column=2)
    fast = type(rec)(analyze.resample(rec.values, 10.0, 100.0), 100.0, "upsampled")
    slow_result = analyze.analyze(rec, DetectorConfig())
    fast_result = analyze.analyze(fast, DetectorConfig())
    assert (slow_result.rate_hz, fast_result.rate_hz) == (10.0, 25.0)
    a = [e.get("peak") for e in slow_result.events if e.name == "breath"]
    b = [e.get("peak") for e in fast_result.events if e.name == "breath"]
    assert abs(len(a) - len(b)) <= 1
    assert np.median([min(abs(p - q) for q in b) for p in a]) < 0.2


def test_missing_values_are_a_lost_signal(tmp_path, capsys):
    rec = load_recording(EXCERPT, rate=10, column=2)
    lines = [f"{v:.4f}" if not 500 <= i < 540 else "nan" for i, v in enumerate(rec.values)]
    path = tmp_path / "gap.csv"
    path.write_text("belt\n" + "\n".join(lines) + "\n")
    assert main(["analyze", str(path), "--rate", "10", "--format", "jsonl"]) == 0
    events = jsonl(capsys)
    lost = [e for e in events if e["event"] == "signal_lost"]
    assert len(lost) == 1 and lost[0]["start"] == pytest.approx(50.0) and lost[0]["reason"] == "missing"
    assert [e["start"] for e in events if e["event"] == "signal_ok"] == [50.0]
    assert events[-1]["signal_lost_seconds"] == pytest.approx(4.0, abs=0.2)


@pytest.mark.parametrize(
    "argv, message",
    [
        (["analyze", "/nonexistent/x.csv"], "no such file"),
        (["analyze", str(DATA / "neurokit2_rsp_90s_100hz.csv")], "no sampling rate"),  # no time column, no rate given
        (["analyze", str(EXCERPT), "--rate", "10", "--column", "7"], "column"),
    ],
)
def test_bad_input_is_a_clear_error(argv, message, capsys):
    assert main(argv) == 2
    assert message in capsys.readouterr().err


def test_plot(belt_file, tmp_path):
    pytest.importorskip("matplotlib")
    path, _ = belt_file
    out = tmp_path / "plot.png"
    assert main(["analyze", str(path), "--rate", "10", "--column", "2", "--format", "summary", "--plot", str(out)]) == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_bar_only_for_long_recordings_on_a_terminal():
    assert analyze.progress_for(Terminal(), 60.0, "x") is None
    assert analyze.progress_for(io.StringIO(), 3600.0, "x") is None
    err = Terminal()
    bar = analyze.progress_for(err, 3600.0, "analyzing long.wav")
    rec = load_recording(EXCERPT, rate=10, column=2)
    analyze.analyze(rec, DetectorConfig(), progress=bar)
    assert err.getvalue().startswith("\ranalyzing long.wav [") and err.getvalue().endswith("100%\n")


def test_calibrate_saves_a_baseline_that_analyze_uses(tmp_path, capsys):
    state = tmp_path / "state"
    assert main(["calibrate", "--sim", "--clock", "virtual", "--seconds", "60", "--state-dir", str(state)]) == 0
    out = capsys.readouterr().out
    assert "saved to" in out and "breaths a minute" in out
    baseline = analyze.load_baseline(state / "baseline.json")
    assert baseline.depth > 0 and 6 < baseline.rate_bpm < 18 and baseline.polarity == "normal"
    path = tmp_path / "rec.csv"
    half = baseline.depth / 2
    path.write_text("v\n" + "\n".join(f"{half * np.sin(2 * np.pi * i / 50):.5f}" for i in range(1500)) + "\n")
    assert main(["analyze", str(path), "--rate", "10", "--format", "jsonl", "--baseline", str(state / "baseline.json")]) == 0
    assert jsonl(capsys)[-1]["baseline_depth"] == pytest.approx(baseline.depth, rel=0.1)


def test_calibrate_seconds_are_checked(capsys):
    assert main(["calibrate", "--sim", "--clock", "virtual", "--seconds", "5"]) == 2
    assert "--seconds 5: expected 30 to 600" in capsys.readouterr().err


@pytest.mark.parametrize(
    "text, message",
    [
        ("not json", "invalid JSON"),
        ("[1, 2]", "JSON object"),
        ('{"depth": -1, "rate_bpm": 12}', "depth = -1"),
        ('{"depth": 1, "rate_bpm": 200}', "rate_bpm = 200"),
        ('{"depth": 1, "rate_bpm": 12, "polarity": "up"}', "polarity"),
    ],
)
def test_bad_baseline_files_are_named(tmp_path, text, message, capsys):
    path = tmp_path / "baseline.json"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        analyze.load_baseline(path)
    assert main(["analyze", str(EXCERPT), "--rate", "10", "--column", "2", "--baseline", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_baseline_round_trip(tmp_path):
    path = tmp_path / "b" / "baseline.json"
    analyze.save_baseline(Baseline(0.3, 11.0, "inverted"), path, {"breaths": 9})
    assert analyze.load_baseline(path) == Baseline(0.3, 11.0, "inverted")
    assert json.loads(path.read_text())["breaths"] == 9
