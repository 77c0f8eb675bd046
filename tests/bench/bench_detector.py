"""Speed of the breath detector, and of `breathcue analyze` against NeuroKit2 on a 16-minute recording.

Run: .venv/bin/python tests/bench/bench_detector.py
Prints samples per second of the detector alone (goal: 200,000 here, 8,000
times real time at 25 Hz), then wall time and peak memory (ru_maxrss) of a
whole `breathcue analyze` process next to a whole process running
NeuroKit2's rsp_process on the same file (the GPL RespInPeace RIP recording,
read from ../shared; skipped when it is absent).
"""

from __future__ import annotations

import math
import os
import random
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RIP = ROOT.parent / "shared" / "data" / "respiration" / "respinpeace" / "resp.wav"
NEUROKIT = """
import sys, wave, numpy as np, neurokit2 as nk
with wave.open(sys.argv[1]) as w:
    rate = w.getframerate()
    x = np.frombuffer(w.readframes(w.getnframes()), dtype="<i2").astype(float)
signals, info = nk.rsp_process(x, sampling_rate=rate)
print(len(info["RSP_Peaks"]), "breaths")
"""


def synthetic(seconds: float, rate: float) -> list:
    """Breathing with holds, ripple and noise, as Samples (made before timing starts)."""
    from breathcue.core.types import Sample

    rng = random.Random(1)
    out = []
    for i in range(int(seconds * rate)):
        t = i / rate
        cycle = t % 90.0
        volume = 0.6 if 60.0 <= cycle < 75.0 else 0.5 - 0.5 * math.cos(2 * math.pi * t / 4.5)
        out.append(Sample(t, volume + 0.03 * math.sin(2 * math.pi * 1.1 * t) + rng.gauss(0, 0.005)))
    return out


def bench_detector(rate: float = 25.0, seconds: float = 3600.0) -> None:
    from breathcue.config import DetectorConfig
    from breathcue.core.detector import BreathDetector

    samples = synthetic(seconds, rate)
    best = math.inf
    for _ in range(3):
        det = BreathDetector(DetectorConfig(), rate)
        update = det.update
        start = time.perf_counter()
        for s in samples:
            update(s)
        best = min(best, time.perf_counter() - start)
    per_s = len(samples) / best
    print(f"detector alone: {len(samples):,} samples at {rate:g} Hz in {best:.3f} s = {per_s:,.0f} samples/s "
          f"({per_s / rate:,.0f}x real time; goal 200,000 samples/s)")


def run_process(argv: list[str]) -> tuple[float, float, str]:
    """Wall seconds, peak resident MB (this child's own ru_maxrss) and last output line of a process."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    out = child.stdout.read()
    _, status, usage = os.wait4(child.pid, 0)
    wall = time.perf_counter() - start
    child.returncode = os.waitstatus_to_exitcode(status)
    if child.returncode:
        raise SystemExit(f"{argv[:3]} failed with {child.returncode}")
    return wall, usage.ru_maxrss / 1024.0, out.strip().splitlines()[-1]


def bench_analyze() -> None:
    if not RIP.exists():
        print(f"analyze vs NeuroKit2: skipped ({RIP} is absent)")
        return
    python = sys.executable
    ours = run_process([python, "-m", "breathcue", "analyze", str(RIP), "--format", "summary"])
    try:
        import neurokit2  # noqa: F401
    except ImportError:
        print("NeuroKit2: skipped (pip install neurokit2)")
        theirs = None
    else:
        theirs = run_process([python, "-c", NEUROKIT, str(RIP)])
    print(f"breathcue analyze, 16.4 min RIP at 200 Hz (whole process): {ours[0]:.2f} s, peak {ours[1]:.0f} MB")
    if theirs:
        print(f"NeuroKit2 rsp_process, same file (whole process):        {theirs[0]:.2f} s, peak {theirs[1]:.0f} MB ({theirs[2]})")
        print(f"analyze is {theirs[0] / ours[0]:.1f}x faster")


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT / "device"))
    os.environ.setdefault("PYTHONHASHSEED", "0")
    bench_detector(25.0)
    bench_detector(10.0)
    bench_analyze()
