"""The dashboard of `breathcue run --sim` under 1,000 idle connections, with 1,024 descriptors (issue 14).

Run: .venv/bin/python tests/bench/bench_web_flood.py [--connections 1000] [--seconds 5]
Goal: an authorized request answered within 1 s, status.json written every
second, under 10 % of a core, and back to its descriptors and threads when
the connections close.  Prints the figures; tests/test_web_flood.py asserts them.
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.test_web_flood import TOKEN, cpu_seconds, descriptors, free_port, open_idle, status_writes, threads, token_request  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--connections", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    args = parser.parse_args()
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, 2 * args.connections + 100), hard))
    with tempfile.TemporaryDirectory() as tmp:
        port = free_port()
        config = Path(tmp) / "c.toml"
        config.write_text(f'[ring]\nfps = 10\n[web]\nenabled = true\nport = {port}\ntoken = "{TOKEN}"\n')
        proc = subprocess.Popen(
            [sys.executable, "-m", "breathcue", "run", "--sim", "--config", str(config), "--state-dir", f"{tmp}/state"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024)),
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    if token_request(port)[0] == 200:
                        break
                except OSError:
                    time.sleep(0.1)
                if time.monotonic() > deadline:
                    raise SystemExit("the daemon did not start")
            time.sleep(2.0)
            before = descriptors(proc.pid), threads(proc.pid)
            cpu0, wall0 = cpu_seconds(proc.pid), time.monotonic()
            idle = open_idle(port, args.connections)
            _, first = token_request(port)
            writes = status_writes(Path(tmp) / "state" / "status.json", args.seconds)
            _, last = token_request(port)
            cpu = (cpu_seconds(proc.pid) - cpu0) / (time.monotonic() - wall0)
            during = descriptors(proc.pid), threads(proc.pid)
            for s in idle:
                s.close()
            time.sleep(1.0)
            after = descriptors(proc.pid), threads(proc.pid)
        finally:
            proc.terminate()
            proc.wait(10)
    gaps = [b - a for a, b in zip(writes, writes[1:])]
    print(f"{args.connections} idle connections, daemon limited to 1024 descriptors")
    print(f"authorized request: {first * 1000:.0f} ms at once, {last * 1000:.0f} ms {args.seconds:g} s later (goal < 1000 ms)")
    print(f"status.json writes: {len(writes)} in {args.seconds:g} s, longest gap {max(gaps):.2f} s (goal about 1 s)")
    print(f"daemon CPU from the first connect: {100 * cpu:.1f} % of a core (goal < 10 %)")
    print(f"descriptors / threads: {before[0]} / {before[1]} before, {during[0]} / {during[1]} during, {after[0]} / {after[1]} after")


if __name__ == "__main__":
    main()
