"""The dashboard of a real daemon under a flood of idle connections (issue 14, item 1).

The daemon runs as systemd's default would have it, with 1,024 descriptors.  A
thousand idle TCP connections must cost it neither its light nor its status
file: a request with the token is still answered within a second, status.json
is still written every second, the daemon stays under 10 % of a core, and
when the connections close it is back to where it was.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import selectors
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

TOKEN = "flood-test-token-0123456789"
CONNECTIONS = 1000
TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def descriptors(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))


def threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no Threads line")


def token_request(port: int) -> tuple[int, float]:
    """Status and seconds of an authorized request for /api/status."""
    start = time.monotonic()
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/api/status", headers={"Authorization": f"Bearer {TOKEN}"})
        answer = conn.getresponse()
        answer.read()
        return answer.status, time.monotonic() - start
    finally:
        conn.close()


def open_idle(port: int, count: int, timeout: float = 10.0) -> list[socket.socket]:
    """``count`` TCP connections that send nothing, connected in parallel."""
    socks, sel = [], selectors.DefaultSelector()
    for _ in range(count):
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        socks.append(s)
        sel.register(s, selectors.EVENT_WRITE)
    pending, deadline = set(socks), time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for key, _ in sel.select(timeout=0.5):
            sel.unregister(key.fileobj)
            pending.discard(key.fileobj)
    sel.close()
    return socks


def status_writes(path: Path, seconds: float) -> list[float]:
    """Monotonic times at which status.json was seen replaced, polled for ``seconds``."""
    seen, last, end = [], None, time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            stamp = os.stat(path).st_mtime_ns
        except FileNotFoundError:
            stamp = None
        if stamp != last:
            seen.append(time.monotonic())
            last = stamp
        time.sleep(0.02)
    return seen


@pytest.fixture
def daemon(tmp_path: Path):
    port = free_port()
    config = tmp_path / "c.toml"
    config.write_text(f'[ring]\nfps = 10\n[web]\nenabled = true\nhost = "127.0.0.1"\nport = {port}\ntoken = "{TOKEN}"\n')
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2 * CONNECTIONS + 100:
        pytest.skip(f"this test needs {2 * CONNECTIONS + 100} descriptors; the hard limit is {hard}")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2 * CONNECTIONS + 100), hard))
    proc = subprocess.Popen(
        [sys.executable, "-m", "breathcue", "run", "--sim", "--config", str(config), "--state-dir", str(tmp_path / "state")],
        stdout=subprocess.DEVNULL, stderr=open(tmp_path / "stderr", "wb"),
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024)),
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                if token_request(port)[0] == 200:
                    break
            except OSError:
                pass
            assert proc.poll() is None and time.monotonic() < deadline, (tmp_path / "stderr").read_text()
            time.sleep(0.1)
        yield proc, port, tmp_path / "state" / "status.json", tmp_path / "stderr"
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_a_thousand_idle_connections_change_nothing(daemon):
    proc, port, status_file, stderr = daemon
    time.sleep(1.0)  # past start-up, so its CPU does not count
    fds_before, threads_before = descriptors(proc.pid), threads(proc.pid)

    idle = open_idle(port, CONNECTIONS)
    try:
        cpu_start, wall_start = cpu_seconds(proc.pid), time.monotonic()
        code, seconds = token_request(port)
        assert code == 200 and seconds < 1.0, (code, seconds)
        writes = status_writes(status_file, 3.5)
        code, seconds = token_request(port)
        assert code == 200 and seconds < 1.0, (code, seconds)
        cpu = (cpu_seconds(proc.pid) - cpu_start) / (time.monotonic() - wall_start)
        gaps = [b - a for a, b in zip(writes, writes[1:])]
        assert len(writes) >= 3 and max(gaps) < 1.6, gaps
        assert cpu < 0.10, f"{cpu:.0%} of a core"
        assert descriptors(proc.pid) < 1024 - 32  # descriptors kept in reserve for the daemon
        assert threads(proc.pid) <= threads_before + 8  # a few workers, not a thread per connection
    finally:
        for s in idle:
            s.close()

    deadline = time.monotonic() + 5
    while descriptors(proc.pid) > fds_before + 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert descriptors(proc.pid) <= fds_before + 2
    assert token_request(port)[0] == 200
    assert proc.poll() is None
    status = json.loads(status_file.read_text())
    assert status["running"] is True
    assert "Too many open files" not in stderr.read_text()
