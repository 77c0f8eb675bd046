"""Whole-process CPU of `breathcue pace --sim` at 60 fps on the real clock, stdout not a TTY.

Run: .venv/bin/python tests/bench/bench_pace_cpu.py [--seconds 30] [--fps 60]
Goal: at most 1 % of one core here.  The child's CPU time is read from
/proc/PID/stat after a warm-up (so start-up, imports included, is counted
apart), and its whole-life total from getrusage once it has exited.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from proc_cpu import cpu_seconds, wake_floor

WARMUP = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="measured span after the warm-up")
    parser.add_argument("--fps", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "c.toml"
        config.write_text(f"[ring]\nfps = {args.fps}\n")
        out = open(Path(tmp) / "stdout.txt", "w")  # a file: not a TTY, as under systemd
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        child = subprocess.Popen(
            [sys.executable, "-m", "breathcue", "pace", "--sim", "--config", str(config), "--pattern", "resonance",
             "--seconds", str(WARMUP + args.seconds + 2.0)],
            stdout=out, stderr=subprocess.DEVNULL,
        )
        time.sleep(WARMUP)
        c0, w0 = cpu_seconds(child.pid), time.monotonic()
        time.sleep(args.seconds)
        c1, w1 = cpu_seconds(child.pid), time.monotonic()
        child.wait()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.close()
        lines = (Path(tmp) / "stdout.txt").read_text().count("\n")
    total = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    print(f"breathcue pace --sim, {args.fps} fps, real clock, stdout to a file ({lines} status lines)")
    print(f"  steady state over {w1 - w0:.1f} s after a {WARMUP:.0f} s warm-up: "
          f"{100 * (c1 - c0) / (w1 - w0):.2f} % of one core")
    print(f"  whole life including start-up ({WARMUP + args.seconds + 2:.0f} s): {total:.2f} s CPU, "
          f"{100 * total / (WARMUP + args.seconds + 2):.2f} % of one core")
    print(f"  peak RSS of the child: {after.ru_maxrss / 1024:.1f} MB")
    floor = wake_floor(args.fps, args.seconds)
    print(f"  for scale: a bare Python loop waking {args.fps} times a second costs {floor:.2f} % of one core here;"
          f" breathcue's own work adds {100 * (c1 - c0) / (w1 - w0) - floor:.2f} %")


if __name__ == "__main__":
    main()
