"""The inputs that broke breathcue in issue 14's attack campaign, kept as a regression corpus.

tests/data/make_hostile.py writes them; each must now be one clean line of
error (exit 2) from the command that reads it, never a traceback, a hang or
unbounded memory.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

import breathcue.hw.sim  # noqa: F401  imported here, not first inside a capsys test: TerminalRing's default out is sys.stdout at import
from breathcue.analyze import load_baseline
from breathcue.cli import main
from breathcue.hw.replay import MISSING, load_recording

from .conftest import ROOT

CORPUS = ROOT / "tests" / "data" / "hostile"
READABLE = {"inf_values.txt", "wav_partial_sample.wav"}
"""Read cleanly now: infinities are missing samples; a last sample cut short is dropped."""
RECORDINGS = sorted(p.name for p in CORPUS.iterdir() if p.suffix in (".wav", ".npy", ".csv", ".txt") and p.name not in READABLE)
CONFIGS = sorted(p.name for p in CORPUS.glob("config_*.toml"))
BASELINES = sorted(p.name for p in CORPUS.glob("baseline_*.json"))


def one_line_error(capsys: pytest.CaptureFixture[str]) -> str:
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("breathcue") and "Traceback" not in err, err[:2000]
    return lines[0]


def test_the_corpus_is_complete():
    assert len(RECORDINGS) == 9 and len(CONFIGS) == 3 and len(BASELINES) == 2


@pytest.mark.parametrize("name", RECORDINGS)
def test_analyze_refuses_each_hostile_recording_in_one_line(name: str, capsys: pytest.CaptureFixture[str]):
    rate = ["--rate", "25"] if name.endswith(".npy") else []  # with a rate, a negative shape used to give garbage
    assert main(["analyze", str(CORPUS / name), *rate]) == 2
    assert name in one_line_error(capsys)


@pytest.mark.parametrize("name", ["wav_bad_chunk_size.wav", "text_rate_0.001.txt", "csv_time_gap_1e9.csv"])
def test_replay_refuses_them_too(name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["run", "--replay", str(CORPUS / name), "--clock", "virtual", "--seconds", "5", "--state-dir", str(tmp_path)])
    assert code == 2
    assert name in one_line_error(capsys)


def test_a_superscript_column_is_a_clean_error(capsys: pytest.CaptureFixture[str]):
    assert main(["analyze", str(ROOT / "tests" / "data" / "neurokit2_rsp_90s_100hz.csv"), "--column", "²"]) == 2
    assert "no column named '²'" in one_line_error(capsys)


def test_a_wav_cut_short_mid_sample_drops_the_partial_sample():
    recording = load_recording(CORPUS / "wav_partial_sample.wav")
    assert len(recording.values) == 20 and recording.rate_hz == 25.0


def test_infinities_in_a_recording_are_missing_samples_not_motion():
    recording = load_recording(CORPUS / "inf_values.txt")
    infs = [i for i in range(1000) if i % 50 == 0]
    assert all(math.isnan(recording.values[i]) and recording.faults[i] == MISSING for i in infs)
    assert all(math.isfinite(v) for i, v in enumerate(recording.values) if i not in infs)


@pytest.mark.parametrize("name", CONFIGS)
def test_config_check_refuses_each_hostile_config(name: str, capsys: pytest.CaptureFixture[str]):
    assert main(["config", "check", str(CORPUS / name)]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 2  # the heading and the one error


@pytest.mark.parametrize("name", BASELINES)
def test_each_hostile_baseline_is_refused(name: str):
    with pytest.raises(ValueError, match="depth"):
        load_baseline(CORPUS / name, full_scale_v=4.096)
