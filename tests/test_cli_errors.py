"""Never a traceback: every subcommand, given broken arguments or an output it cannot write,
exits non-zero with one line naming the problem; and every command ends quietly when the
reader of its output goes away (`breathcue ... | head`)."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import pytest

from breathcue.cli import build_parser, main

DATA = Path(__file__).resolve().parent / "data"
RECORDING = DATA / "biosppy_resp_2s.txt"
SIM_CONFIG = '[hardware]\nmode = "sim"\n'
UNWRITABLE = "blocker/sub/out.file"  # below a regular file: the folder can never be made

# A run of each subcommand that works, so that one broken argument added to it is the only problem.
# {cfg}, {state}, {rec} and {out} are filled in per test.
WORKING = {
    "run": ["run", "--sim", "--clock", "virtual", "--seconds", "0.5"],
    "pace": ["pace", "--sim", "--clock", "virtual", "--seconds", "0.5"],
    "leds test": ["leds", "test", "--sim", "--step", "0.001"],
    "simulate": ["simulate", "--hours", "0.001"],
    "status": ["status"],
    "report": ["report"],
    "export": ["export"],
    "forget": ["forget", "--all", "--yes"],
    "config init": ["config", "init"],
    "config check": ["config", "check", "{cfg}"],
    "config show": ["config", "show"],
    "doctor": ["doctor"],
    "analyze": ["analyze", "{rec}"],
    "calibrate": ["calibrate", "--sim", "--clock", "virtual", "--seconds", "60"],
    "sensor read": ["sensor", "read", "--sim", "--clock", "virtual", "--seconds", "0.5"],
    "sensor record": ["sensor", "record", "{out}", "--sim", "--clock", "virtual", "--seconds", "0.5"],
    "sensor scan": ["sensor", "scan"],
}
# Where each command writes files a person names: every such option is tried unwritable.
OUTPUTS = {"events_out", "frames_out", "output", "png", "plot", "out"}
WRITES_STATE = {"calibrate"}  # the commands whose job is to write into --state-dir


def leaves(parser: argparse.ArgumentParser, prefix: str = "") -> dict[str, argparse.ArgumentParser]:
    """Every runnable subcommand by its name ("sensor read"), with its parser."""
    found = {}
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found.update(leaves(sub, f"{prefix} {name}".strip()))
    return found or {prefix: parser}


LEAVES = leaves(build_parser())


def working(name: str, tmp_path: Path) -> list[str]:
    cfg = tmp_path / "sim.toml"
    cfg.write_text(SIM_CONFIG)
    (tmp_path / "blocker").write_text("a file, not a folder\n")
    fill = {"{cfg}": str(cfg), "{rec}": str(RECORDING), "{out}": str(tmp_path / "rec.csv")}
    argv = [fill.get(a, a) for a in WORKING[name]]
    options = {s for a in LEAVES[name]._actions for s in a.option_strings}
    if "--config" in options:
        argv += ["--config", str(cfg)]
    if "--state-dir" in options:
        argv += ["--state-dir", str(tmp_path / "state")]
    return argv


def outcome(argv: list[str], capsys) -> tuple[int, list[str]]:
    """Exit status and the lines of stderr that are not log lines, with main() run in this process."""
    code = main(argv)
    err = capsys.readouterr().err
    assert "Traceback" not in err, err
    return code, [line for line in err.splitlines() if line.startswith("breathcue")]


def broken_values(action: argparse.Action) -> list[str]:
    """Values this option must refuse."""
    if action.choices:
        return ["no-such-choice"]
    kind = getattr(action.type, "__name__", "")
    if kind == "whole_number" or action.type is int:
        return ["abc", "1.5"]
    if action.type is float or kind.startswith(("number", "finite")):
        return ["abc", "nan", "inf", "-5"]
    return []


def test_every_subcommand_has_a_working_run_here():
    assert set(WORKING) == set(LEAVES)


def broken_cases() -> list[tuple[str, str, str]]:
    cases = []
    for name, parser in LEAVES.items():
        cases.append((name, "--no-such-option", ""))
        for action in parser._actions:
            if action.option_strings and action.nargs != 0:
                cases += [(name, action.option_strings[-1], v) for v in broken_values(action)]
    return cases


@pytest.mark.parametrize("name,option,value", broken_cases(), ids=lambda x: str(x))
def test_broken_argument_is_one_line_and_a_non_zero_exit(name: str, option: str, value: str, tmp_path: Path, capsys):
    argv = working(name, tmp_path) + [option] + ([value] if value else [])
    code, lines = outcome(argv, capsys)
    assert code != 0
    assert len(lines) == 1, lines
    assert option in lines[0], lines


def unwritable_cases() -> list[tuple[str, str]]:
    cases = []
    for name, parser in LEAVES.items():
        for action in parser._actions:
            if action.dest in OUTPUTS or (action.dest == "path" and name == "config init"):
                cases.append((name, action.option_strings[-1] if action.option_strings else action.dest))
        if name in WRITES_STATE:
            cases.append((name, "--state-dir"))
    return cases


def test_the_outputs_found_are_the_ones_expected():
    assert sorted(unwritable_cases()) == sorted([
        ("analyze", "--plot"), ("calibrate", "--state-dir"), ("config init", "path"), ("export", "--output"),
        ("pace", "--events-out"), ("pace", "--frames-out"), ("report", "--png"), ("run", "--events-out"),
        ("run", "--frames-out"), ("sensor record", "out"), ("simulate", "--events-out"),
    ])


@pytest.mark.parametrize("name,option", unwritable_cases(), ids=lambda x: str(x))
def test_unwritable_output_is_one_line_and_exit_1(name: str, option: str, tmp_path: Path, capsys):
    argv = working(name, tmp_path)
    bad = str(tmp_path / UNWRITABLE)
    if option.startswith("-"):
        if option in argv:  # --state-dir is there already: replace its value
            argv[argv.index(option) + 1] = bad
        else:
            argv += [option, bad]
    else:  # a positional: the file to write
        argv = [bad if a == str(tmp_path / "rec.csv") else a for a in argv] if name == "sensor record" else argv + [bad]
    code, lines = outcome(argv, capsys)
    assert code == 1
    assert len(lines) == 1, lines
    assert str(tmp_path / "blocker") in lines[0] and "Not a directory" in lines[0]


def test_missing_output_folders_are_made(tmp_path: Path, capsys):
    deep = tmp_path / "new" / "folder"
    argv = working("run", tmp_path) + ["--events-out", str(deep / "e.jsonl"), "--frames-out", str(deep / "f.jsonl")]
    assert main(argv) == 0
    assert (deep / "e.jsonl").exists() and (deep / "f.jsonl").stat().st_size > 0
    assert main(working("export", tmp_path) + ["-o", str(deep / "x" / "export.jsonl")]) == 0
    assert (deep / "x" / "export.jsonl").exists()


def test_version(capsys):
    assert main(["--version"]) == 0
    assert capsys.readouterr().out.strip() == "breathcue 0.1.0"


PIPED = {
    "run": ["run", "--sim", "--clock", "virtual", "--seconds", "3"],
    "pace": ["pace", "--sim", "--clock", "virtual", "--seconds", "3"],
    "simulate": ["simulate", "--hours", "0.01"],
    "sensor read": ["sensor", "read", "--sim", "--clock", "virtual", "--seconds", "2"],
    "analyze": ["analyze", str(RECORDING)],
    "export": ["export"],
    "config show": ["config", "show"],
}


def test_every_command_ends_quietly_when_its_reader_goes_away(tmp_path: Path):
    """As `breathcue ... | head -0`: stdout is closed before the command writes a byte."""
    state = tmp_path / "state"
    cfg = tmp_path / "sim.toml"
    cfg.write_text(SIM_CONFIG)
    assert main(["simulate", "--hours", "0.2", "--config", str(cfg), "--state-dir", str(state)]) == 0  # a history to export
    procs = {}
    for name, argv in PIPED.items():
        more = ["--config", str(cfg), "--state-dir", str(state)]
        proc = subprocess.Popen(
            [sys.executable, "-m", "breathcue", *argv, *more], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        proc.stdout.close()
        procs[name] = proc
    for name, proc in procs.items():
        err = proc.stderr.read()
        proc.wait(timeout=60)
        proc.stderr.close()
        assert "Traceback" not in err and "Exception ignored" not in err and "BrokenPipe" not in err, (name, err)
        assert proc.returncode == 0, (name, err)
