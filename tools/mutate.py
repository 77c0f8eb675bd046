"""Mutation testing (`make mutate`): does the suite notice when the code is changed a little?

mutmut changes one operator, constant or call at a time inside a function
and runs the tests that reach that function; a mutant no test notices
*survived*.  mutmut 3 expects the package at the top of the tree or in src/,
while ours lives in device/, so each module runs in its own work directory
.mutate/<module>/ that holds ``breathcue`` and ``tests`` as links and a
generated pyproject.toml: there the package is at the top.  Each module runs
against its own test selection, and mutmut runs only the tests that reach
the mutated function, which keeps a run practical on 2 cores
(docs/testing.md has the figures).  A run starts afresh each time.

    python tools/mutate.py [run] [MODULE ...]   mutate these modules (default: all), then report
    python tools/mutate.py report [MODULE ...]  the score per module and the surviving mutants

A MODULE is a path under device/breathcue, e.g. core/cues.py or history.py.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / ".mutate"
NOT_SLOW = ["-m", "not slow", "-k", "not replayed and not workday"]

# Each module and the tests that exercise it.
MODULES: dict[str, list[str]] = {
    "core/adherence.py": ["tests/test_sessions.py", "tests/test_pace_cli.py", "tests/test_adherence_more.py"],
    "core/conditioning.py": ["tests/test_stage_conditioning.py"],
    "core/segmenter.py": ["tests/test_stage_segmenter.py"],
    "core/polarity.py": ["tests/test_stage_polarity.py", "tests/test_stage_polarity_more.py"],
    "core/rhythm.py": ["tests/test_stage_rhythm.py", "tests/test_stage_rhythm_more.py"],
    "core/patterns.py": ["tests/test_stage_patterns.py"],
    "core/calibration.py": [
        "tests/test_calibration.py", "tests/test_calibration_mutants.py", "tests/test_calibration_outcomes.py",
        "tests/test_calibration_undecided.py",
    ],
    "core/holds.py": ["tests/test_stage_holds.py", "tests/test_stage_holds_more.py"],
    "core/detector.py": [
        "tests/test_stage_detector.py", "tests/test_stage_detector_holds.py", "tests/test_stage_detector_edges.py",
        "tests/test_stage_detector_stops.py", "tests/test_stage_detector_paces.py",
        "tests/test_stage_detector_pins.py", "tests/test_stage_detector_scales.py", "tests/test_stage_detector_moving.py",
        "tests/test_stage_detector_ends.py", "tests/test_stage_detector_onsets.py", "tests/test_stage_detector_ready.py",
        "tests/test_stage_detector_minutes.py", "tests/test_stage_detector_artifacts.py",
        "tests/test_detector.py", "tests/test_detector_weak.py", "tests/test_detector_polarity.py",
        # the motion bars on a force belt's minute (0.2 s); the rest of test_detector_motion.py replays minutes
        "tests/test_detector_motion.py::test_quick_deep_breaths_after_a_hold_are_breathing_and_the_next_hold_is_called",
    ],
    "core/cues.py": ["tests/test_cues.py", "tests/test_cues_events.py", "tests/test_cues_more.py"],
    "core/filters.py": ["tests/test_filters.py", "tests/test_filters_more.py"],
    "core/guided.py": ["tests/test_guided.py", "tests/test_calibration_mutants.py", "tests/test_guided_more.py"],
    "core/pacing.py": ["tests/test_pacing.py", "tests/test_sessions.py", "tests/test_pacing_more.py"],
    "core/relaxation.py": ["tests/test_sessions.py", "tests/test_render.py", "tests/test_relaxation_more.py"],
    "core/render.py": ["tests/test_render.py", "tests/test_render_mutants.py"],
    "core/scene.py": ["tests/test_render.py", "tests/test_scene.py", "tests/test_simulate.py", *NOT_SLOW],
    "core/schedule.py": ["tests/test_schedule.py"],
    "core/types.py": ["tests/test_types.py", "tests/test_cues.py", "tests/test_render.py"],
    "hw/ads1115.py": ["tests/test_ads1115.py", "tests/test_ads1115_faults.py", "tests/test_ads1115_more.py"],
    "hw/sampling.py": ["tests/test_sampling.py", "tests/test_sampling_edges.py"],
    "history.py": [
        "tests/test_history.py", "tests/test_history_rows.py", "tests/test_damaged_state.py", "tests/test_history_mutants.py",
        "tests/test_report.py::test_forget_before_a_day_and_all", "tests/test_report.py::test_forget_all_while_the_daemon_runs",
        # a simulated day in a subprocess or through the report: slow for every mutant of connect(), and what they
        # check of history.py, tests/test_history_mutants.py checks in-process (a forked reader)
        "--deselect", "tests/test_damaged_state.py::test_report_and_export_by_a_user_who_may_only_read",
        "--deselect", "tests/test_damaged_state.py::test_report_and_export_of_a_damaged_history_are_one_line",
    ],
    "app.py": ["tests/test_daemon_wiring.py", "tests/test_daemon_commands.py", "tests/test_simulate.py", "tests/test_sessions.py", *NOT_SLOW],
}

# app.py is mutated only in its cue and session wiring; the rest (the loop's timing, the status, the sinks)
# is left to slower end-to-end tests.
APP_WIRING = [
    "x_session_plan", "xǁSessionFollowerǁevent", "xǁActiveSessionǁended", "xǁActiveSessionǁvolume",
    "xǁDaemonǁstart_session", "xǁDaemonǁend_session", "xǁDaemonǁ_start_named", "xǁDaemonǁ_update_schedule",
    "xǁDaemonǁ_score", "xǁDaemonǁ_inputs", "xǁDaemonǁ_sample", "xǁDaemonǁ_apply", "xǁDaemonǁ_do_snooze",
    "xǁDaemonǁ_do_cancel", "xǁDaemonǁ_do_start_session", "xǁDaemonǁ_do_pause", "xǁDaemonǁ_do_do_not_disturb",
    "xǁDaemonǁ_do_resume", "xǁDaemonǁ_do_button",
]

KILLED = ("killed", "timeout", "caught by type check")  # a mutant that hangs the tests is noticed too


def workdir(module: str) -> Path:
    return WORK / module.replace("/", "_").removesuffix(".py")


def prepare(module: str, tests: list[str]) -> Path:
    """A fresh work directory where the package is at the top, as mutmut expects."""
    where = workdir(module)
    shutil.rmtree(where, ignore_errors=True)
    where.mkdir(parents=True)
    (where / "breathcue").symlink_to(ROOT / "device" / "breathcue")
    (where / "tests").symlink_to(ROOT / "tests")
    args = ["-p", "no:randomly", "-p", "no:cacheprovider", "-W", "ignore"]
    (where / "pyproject.toml").write_text(
        "[tool.mutmut]\n"
        'source_paths = ["breathcue"]\n'
        f"only_mutate = {json.dumps(['breathcue/' + module])}\n"
        f"pytest_add_cli_args = {json.dumps(args)}\n"
        f"pytest_add_cli_args_test_selection = {json.dumps(tests)}\n"
        "\n[tool.pytest.ini_options]\n"
        'markers = ["slow: takes more than a few seconds"]\n'
    )
    return where


def run(module: str) -> None:
    tests = MODULES.get(module)
    if tests is None:
        sys.exit(f"no test selection for {module}: one of {', '.join(MODULES)}")
    where = prepare(module, tests)
    names = [f"breathcue.app.{name}__mutmut_*" for name in APP_WIRING] if module == "app.py" else []
    print(f"== {module}: mutmut against {' '.join(tests)}", flush=True)
    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "mutmut", "run", *names], cwd=where, capture_output=True, text=True)
    seconds = time.monotonic() - start
    (where / "seconds").write_text(f"{seconds:.0f}\n")
    if done.returncode != 0:
        print(done.stdout[-2000:], done.stderr[-2000:], sep="\n", file=sys.stderr)
        sys.exit(f"mutmut failed on {module} (exit {done.returncode})")


def statuses(module: str) -> dict[str, str] | None:
    """Each mutant of the module and what became of it, from mutmut's meta file; None before a run."""
    from mutmut.stats import status_by_exit_code

    meta = workdir(module) / "mutants" / "breathcue" / f"{module}.meta"
    if not meta.exists():
        return None
    codes = json.loads(meta.read_text())["exit_code_by_key"]
    if module == "app.py":
        codes = {k: v for k, v in codes.items() if k.split(".")[-1].partition("__mutmut_")[0] in APP_WIRING}
    return {name: status_by_exit_code[code] for name, code in codes.items()}


def change(module: str, name: str) -> str:
    """A mutant as its changed lines, old -> new.

    What `mutmut show NAME` prints, read in this process: a `mutmut show` per survivor started a Python and
    imported mutmut each time, about a second per line of the report.
    """
    from mutmut.mutation.diff_apply import get_diff_for_mutant

    with contextlib.chdir(workdir(module)):  # mutmut reads mutants/... relative to the work directory
        shown = get_diff_for_mutant(name, path=f"breathcue/{module}")
    old = [x[1:].strip() for x in shown.splitlines() if x.startswith("-") and not x.startswith("---")]
    new = [x[1:].strip() for x in shown.splitlines() if x.startswith("+") and not x.startswith("+++")]
    return f"{' / '.join(old)}  ->  {' / '.join(new)}"


def report(modules: list[str]) -> int:
    print(f"\n{'module':<22} {'mutants':>8} {'killed':>7} {'survived':>9} {'no tests':>9} {'score':>7} {'seconds':>8}")
    alive: list[tuple[str, str, str]] = []
    for module in modules:
        found = statuses(module)
        if not found:
            print(f"{module:<22} {'-':>8}   (not run)")
            continue
        pending = sum(1 for s in found.values() if s == "not checked")  # a run cut short
        found = {n: s for n, s in found.items() if s != "not checked"}
        killed = sum(1 for s in found.values() if s in KILLED)
        untested = [n for n, s in found.items() if s == "no tests"]
        alive += [(module, n, s) for n, s in found.items() if s not in KILLED]
        seconds = (workdir(module) / "seconds").read_text().strip() if (workdir(module) / "seconds").exists() else "-"
        score = f"{100 * killed / len(found):>6.1f}%" if found else "      -"
        print(f"{module:<22} {len(found):>8} {killed:>7} {len(found) - killed - len(untested):>9} {len(untested):>9}"
              f" {score} {seconds:>8}" + (f"  ({pending} not checked yet)" if pending else ""))
    if alive:
        print("\nmutants no test noticed (docs/testing.md lists the equivalent ones; "
              "`cd .mutate/MODULE && mutmut show NAME` prints one as a diff):")
        for module, name, status in alive:
            print(f"  {name.removeprefix('breathcue.')}  [{status}]  {change(module, name)}")
    return 0


def main(argv: list[str]) -> int:
    command = argv[0] if argv and argv[0] in ("run", "report") else "run"
    modules = [m for m in argv if m not in ("run", "report")] or list(MODULES)
    if command == "run":
        for module in modules:
            run(module)
    return report(modules)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
