"""The daemon as systemd runs it: a real subprocess, real signals, a real notify socket."""

from __future__ import annotations

import json
import os
import pty
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

GOOD = "[ring]\nfps = 20\n[cues]\nmax_per_hour = 6\n"


class Notifications:
    """A unix datagram socket standing in for systemd's $NOTIFY_SOCKET."""

    def __init__(self, path: Path) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(str(path))
        self.path = path
        self.seen: list[dict[str, str]] = []

    def wait_for(self, key: str, timeout: float = 15.0) -> dict[str, str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            self.sock.settimeout(max(0.01, deadline - time.monotonic()))
            try:
                data = self.sock.recv(4096).decode()
            except socket.timeout:
                break
            message = dict(line.split("=", 1) for line in data.split("\n") if line)
            self.seen.append(message)
            if key in message:
                return message
        raise AssertionError(f"no {key} within {timeout} s; saw {self.seen}")

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def daemon(tmp_path: Path):
    """`breathcue run --sim` with a notify socket, a watchdog, a TTY for the ring, and journald-style stderr."""
    config = tmp_path / "c.toml"
    config.write_text(GOOD)
    notes = Notifications(tmp_path / "notify")
    master, slave = pty.openpty()
    err_read, err_write = os.pipe()
    st = os.fstat(err_write)
    env = {
        **os.environ,
        "NOTIFY_SOCKET": str(notes.path),
        "WATCHDOG_USEC": "1000000",
        "JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}",
    }
    events = tmp_path / "e.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "breathcue", "run", "--sim", "--config", str(config), "--state-dir", str(tmp_path / "state"),
         "--events-out", str(events)],
        stdout=slave, stderr=err_write, env=env,
    )
    os.close(slave)
    os.close(err_write)
    screen, log = bytearray(), bytearray()

    def drain(fd: int, into: bytearray) -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return
            if not chunk:
                return
            into.extend(chunk)

    readers = [threading.Thread(target=drain, args=(master, screen), daemon=True),
               threading.Thread(target=drain, args=(err_read, log), daemon=True)]
    for r in readers:
        r.start()
    yield proc, notes, config, events, tmp_path / "state" / "status.json", screen, log
    if proc.poll() is None:
        proc.kill()
        proc.wait()
    for r in readers:
        r.join(timeout=2)
    os.close(master)
    os.close(err_read)
    notes.close()


BLACK_CELL = b"\x1b[38;2;0;0;0m"


def last_drawing(screen: bytearray) -> bytes:
    """What the terminal ring drew last: it redraws in place after moving the cursor up."""
    return re.split(rb"\x1b\[\d+F", bytes(screen))[-1]


def wait_until(check, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.05)
    raise AssertionError("timed out")


def recent(status_file: Path) -> list[str]:
    """The recent events of the status file (the events file is written in blocks)."""
    try:
        return [e["event"] for e in json.loads(status_file.read_text())["recent_events"]]
    except (OSError, ValueError):
        return []


def test_ready_watchdog_reload_and_stop(daemon):
    proc, notes, config, events, status_file, screen, log = daemon
    ready = notes.wait_for("READY")
    assert ready["READY"] == "1" and "STATUS" in ready
    notes.wait_for("WATCHDOG", timeout=3)  # every half of WATCHDOG_USEC

    # SIGHUP with a good file: RELOADING with the monotonic time, then READY again
    config.write_text(GOOD.replace("max_per_hour = 6", "max_per_hour = 3"))
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    proc.send_signal(signal.SIGHUP)
    reloading = notes.wait_for("RELOADING")
    assert int(reloading["MONOTONIC_USEC"]) >= before
    notes.wait_for("READY")
    wait_until(lambda: "config_reloaded" in recent(status_file))

    # SIGHUP with a broken file: the old config keeps running, the error is in the status
    config.write_text("[cues]\nmax_per_hour = -1\n")
    proc.send_signal(signal.SIGHUP)
    notes.wait_for("RELOADING")
    notes.wait_for("READY")
    wait_until(lambda: status_file.exists() and json.loads(status_file.read_text())["config"]["errors"])
    status = json.loads(status_file.read_text())
    assert "cues.max_per_hour = -1" in status["config"]["errors"][0] and status["running"] is True
    assert proc.poll() is None

    # SIGTERM: STOPPING, the ring dark within a second, exit 0
    proc.send_signal(signal.SIGTERM)
    sent = time.monotonic()
    notes.wait_for("STOPPING", timeout=2)
    assert proc.wait(timeout=5) == 0
    assert time.monotonic() - sent < 1.0
    wait_until(lambda: last_drawing(screen).count(BLACK_CELL) == 24)  # the ring drawn dark at the end
    assert json.loads(status_file.read_text())["running"] is False
    assert {"config_reloaded", "config_error"} <= {json.loads(line)["event"] for line in events.read_text().splitlines()}

    # journald got priorities: info lines <6>, the reload failure as an error <3>
    text = bytes(log).decode()
    assert "<6>breathcue" in text and "<3>breathcue.app: config reload failed" in text


def test_sigint_also_stops_cleanly(tmp_path: Path):
    proc = subprocess.Popen([sys.executable, "-m", "breathcue", "run", "--sim", "--state-dir", str(tmp_path)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    wait_until(lambda: (tmp_path / "status.json").exists(), timeout=20)
    proc.send_signal(signal.SIGINT)
    sent = time.monotonic()
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert time.monotonic() - sent < 1.0
    assert json.loads((tmp_path / "status.json").read_text())["running"] is False
