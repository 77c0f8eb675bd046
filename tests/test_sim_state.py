"""Simulation never touches the real history: simulated and replayed runs keep their own state."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from breathcue import config as configmod
from breathcue.cli import main

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "docs" / "examples" / "demo.toml"


@pytest.fixture
def fresh_home(tmp_path: Path, monkeypatch) -> Path:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.delenv("XDG_DATA_HOME", raising=False)
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    return home


def test_sim_state_dir_is_beside_the_real_one():
    assert configmod.sim_state_dir({"XDG_DATA_HOME": "/d"}) == Path("/d/breathcue-sim")
    assert configmod.sim_state_dir({"STATE_DIRECTORY": "/var/lib/breathcue"}) == Path("/var/lib/breathcue-sim")


def test_make_run_virtual_with_a_fresh_home_leaves_no_history(fresh_home: Path):
    """The issue's acceptance: `make run ARGS="--clock virtual --seconds 120"` with a fresh HOME."""
    done = subprocess.run(
        [sys.executable, "-m", "breathcue", "run", "--sim", "--config", str(DEMO), "--clock", "virtual", "--seconds", "120"],
        capture_output=True, text=True, cwd=ROOT, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    real = fresh_home / ".local" / "share" / "breathcue"
    assert not real.exists() or not any(real.iterdir())


@pytest.mark.parametrize("command", [["run"], ["pace", "--pattern", "box"]])
def test_simulated_run_on_the_real_clock_keeps_its_own_state(command: list[str], fresh_home: Path, tmp_path: Path):
    cfg = tmp_path / "sim.toml"
    cfg.write_text('[hardware]\nmode = "sim"\n[history]\nenabled = true\n')
    assert main([*command, "--sim", "--config", str(cfg), "--seconds", "0.3"]) == 0
    share = fresh_home / ".local" / "share"
    assert not (share / "breathcue").exists()
    if command == ["run"]:
        assert (share / "breathcue-sim" / "status.json").exists()  # `breathcue status --state-dir` can follow it


def test_explicit_state_dir_wins(fresh_home: Path, tmp_path: Path):
    cfg = tmp_path / "sim.toml"
    cfg.write_text('[hardware]\nmode = "sim"\n')
    state = tmp_path / "mine"
    assert main(["run", "--sim", "--config", str(cfg), "--clock", "virtual", "--seconds", "1", "--state-dir", str(state)]) == 0
    assert (state / "status.json").exists()
    assert not (fresh_home / ".local" / "share" / "breathcue-sim").exists()
