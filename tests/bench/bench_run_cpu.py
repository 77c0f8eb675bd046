"""Whole-process CPU and peak memory of `breathcue run --sim` in real time, as the service runs it.

Run: .venv/bin/python tests/bench/bench_run_cpu.py [--seconds 30] [--fps 60] [--scenario demo]
Goal: at most 1 % of one core and at most 40 MB peak RSS here.  stdout goes
to a file (not a TTY, as under systemd), the status file to a temporary
state dir.  The child's CPU time is read from /proc/PID/stat after a
warm-up (start-up and imports are counted apart), its peak RSS from
/proc/PID/status (VmHWM) just before it exits; the whole-life CPU comes
from getrusage once it has exited.
"""

from __future__ import annotations

import argparse
import os
import resource
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from proc_cpu import cpu_seconds, peak_rss_mb, wake_floor

WARMUP = 5.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="measured span after the warm-up")
    parser.add_argument("--fps", type=int, default=60)
    parser.add_argument("--scenario", default="demo", help="what the simulated breather does (demo: holds, cues, a shallow spell)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "c.toml"
        config.write_text(f"[ring]\nfps = {args.fps}\n")
        out = open(Path(tmp) / "stdout.txt", "w")
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        child = subprocess.Popen(
            [sys.executable, "-m", "breathcue", "run", "--sim", "--config", str(config), "--state-dir", str(Path(tmp) / "state"),
             "--scenario", args.scenario],
            stdout=out, stderr=subprocess.DEVNULL, env={**os.environ, "TZ": "UTC"},
        )
        time.sleep(WARMUP)
        c0, w0 = cpu_seconds(child.pid), time.monotonic()
        time.sleep(args.seconds)
        c1, w1 = cpu_seconds(child.pid), time.monotonic()
        rss = peak_rss_mb(child.pid)
        child.send_signal(signal.SIGTERM)
        child.wait()
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        out.close()
    total = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    life = WARMUP + args.seconds
    print(f"breathcue run --sim --scenario {args.scenario}, {args.fps} fps, real clock, stdout to a file, status file on")
    print(f"  steady state over {w1 - w0:.1f} s after a {WARMUP:.0f} s warm-up: {100 * (c1 - c0) / (w1 - w0):.2f} % of one core")
    print(f"  whole life including start-up ({life:.0f} s): {total:.2f} s CPU, {100 * total / life:.2f} % of one core")
    print(f"  peak RSS: {rss:.1f} MB")
    floor = wake_floor(args.fps, args.seconds)
    print(f"  for scale: a bare Python loop waking {args.fps} times a second costs {floor:.2f} % of one core here;"
          f" breathcue's own work adds {100 * (c1 - c0) / (w1 - w0) - floor:.2f} %")


if __name__ == "__main__":
    main()
