"""`breathcue simulate --scenario workday --hours 8`: how long a simulated working day takes.

Run: .venv/bin/python tests/bench/bench_simulate.py [--hours 8] [--fps 2]
Goal: at most 30 s here.  Runs the issue's acceptance command (the
day.toml of issue 6, TZ=UTC) as a subprocess and reports its wall time,
CPU and peak RSS, then splits the cost in-process: the same day with the
ring drawn at 60 fps for a stretch (why simulate draws at 2), and where
the time goes (sensor, detector, cues, frames).
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import resource
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from breathcue.clock import VirtualClock
from breathcue.config import parse_text
from breathcue.simulate import breather, simulate

DAY = (Path(__file__).resolve().parents[1] / "data" / "workday.toml").read_text()  # the day.toml
START = datetime(2026, 11, 24, 9, 0, tzinfo=ZoneInfo("UTC"))


def whole_process(hours: float, fps: float) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "day.toml").write_text(DAY)
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.monotonic()
        done = subprocess.run(
            [sys.executable, "-m", "breathcue", "simulate", "--scenario", "workday", "--hours", str(hours), "--config", "day.toml",
             "--start", "2026-11-24T09:00:00", "--seed", "1", "--events-out", "e.jsonl", "--fps", str(fps)],
            cwd=tmp, capture_output=True, text=True, env={**os.environ, "TZ": "UTC"}, check=True,
        )
        wall = time.monotonic() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        events = sum(1 for _ in open(Path(tmp) / "e.jsonl"))
    cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(f"breathcue simulate --scenario workday --hours {hours:g} --fps {fps:g} (the acceptance command)")
    print(f"  wall {wall:.1f} s, CPU {cpu:.1f} s, peak RSS {after.ru_maxrss / 1024:.1f} MB, {events} events")
    print("  " + "\n  ".join(done.stdout.strip().splitlines()))


def in_process(hours: float, fps: float, profile: bool) -> float:
    config = parse_text(DAY)
    person = breather(config, "workday", 1)
    clock = VirtualClock(START)
    profiler = cProfile.Profile() if profile else None
    began = time.perf_counter()
    if profiler:
        profiler.enable()
    simulate(config, clock, person.sensor, 3600.0 * hours, fps=fps, breather=person.breather)
    if profiler:
        profiler.disable()
    elapsed = time.perf_counter() - began
    if profiler:
        stats = pstats.Stats(profiler)
        total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
        print(f"  where the time goes ({hours:g} h at {fps:g} fps, profiled, tottime share):")
        groups: dict[str, float] = {}
        for (path, _, func), v in stats.stats.items():  # type: ignore[attr-defined]
            name = Path(path).stem if path.endswith(".py") else "builtins"
            groups[name] = groups.get(name, 0.0) + v[2]
        for name, seconds in sorted(groups.items(), key=lambda kv: -kv[1])[:8]:
            print(f"    {name:<12} {100 * seconds / total:5.1f} %")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hours", type=float, default=8.0)
    parser.add_argument("--fps", type=float, default=2.0)
    args = parser.parse_args()
    whole_process(args.hours, args.fps)
    stretch = 0.5
    slow = in_process(stretch, 60.0, profile=False)
    fast = in_process(stretch, args.fps, profile=False)
    print(f"  in process, {stretch:g} h: {fast:.2f} s at {args.fps:g} fps, {slow:.2f} s at 60 fps "
          f"(8 h at 60 fps would take about {slow * 8 / stretch:.0f} s)")
    in_process(stretch, args.fps, profile=True)


if __name__ == "__main__":
    main()
