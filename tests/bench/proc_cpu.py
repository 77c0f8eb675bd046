"""What the CPU benchmarks share: a child's CPU time and peak memory from /proc, and the floor of waking.

The floor is a bare Python loop that sleeps to the same deadlines as the
daemon and does nothing else, run in a child like the daemon: what any
Python process waking ``fps`` times a second costs on this machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

BARE_LOOP = """
import sys, time
dt, end = 1.0 / float(sys.argv[1]), time.monotonic() + float(sys.argv[2])
t0, n = time.monotonic(), 0
while True:
    n += 1
    due = t0 + n * dt
    if due > end:
        break
    delay = due - time.monotonic()
    if delay > 0:
        time.sleep(delay)
"""


def cpu_seconds(pid: int) -> float:
    """utime + stime of a running process, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def wake_floor(fps: float, seconds: float, warmup: float = 1.0) -> float:
    """Percent of one core that a bare Python loop waking ``fps`` times a second costs here."""
    child = subprocess.Popen([sys.executable, "-c", BARE_LOOP, str(fps), str(warmup + seconds + 1.0)])
    time.sleep(warmup)
    c0, w0 = cpu_seconds(child.pid), time.monotonic()
    time.sleep(seconds)
    c1, w1 = cpu_seconds(child.pid), time.monotonic()
    child.wait()
    return 100 * (c1 - c0) / (w1 - w0)
