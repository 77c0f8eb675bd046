"""sd_notify against a real unix datagram socket, and journald's priority prefixes."""

from __future__ import annotations

import logging
import os
import socket
import time
import uuid
from pathlib import Path

import pytest

from breathcue.notify import JournalFormatter, Notifier, journal_stderr


@pytest.fixture
def listener(tmp_path: Path):
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    path = tmp_path / "notify"
    sock.bind(str(path))
    sock.settimeout(2)
    yield str(path), sock
    sock.close()


def fields(sock: socket.socket) -> dict[str, str]:
    data = sock.recv(4096).decode()
    return dict(line.split("=", 1) for line in data.split("\n"))


def test_ready_status_stopping_reach_the_socket(listener):
    path, sock = listener
    n = Notifier.from_env({"NOTIFY_SOCKET": path})
    assert n.enabled
    assert n.ready("up and running")
    assert fields(sock) == {"READY": "1", "STATUS": "up and running"}
    assert n.stopping()
    assert fields(sock) == {"STOPPING": "1"}
    n.close()


def test_reloading_carries_the_monotonic_time(listener):
    path, sock = listener
    n = Notifier(path)
    before = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    assert n.reloading()
    got = fields(sock)
    after = time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000
    assert got["RELOADING"] == "1" and before <= int(got["MONOTONIC_USEC"]) <= after


def test_abstract_namespace_address():
    name = f"breathcue-test-{uuid.uuid4().hex}"
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind("\0" + name)
    sock.settimeout(2)
    try:
        assert Notifier.from_env({"NOTIFY_SOCKET": "@" + name}).ready()
        assert fields(sock) == {"READY": "1"}
    finally:
        sock.close()


def test_watchdog_at_half_the_interval(listener):
    path, sock = listener
    now = [100.0]
    n = Notifier(path, watchdog_seconds=10.0, monotonic=lambda: now[0])
    assert n.watchdog_interval == 5.0
    sent = []
    for step in range(40):  # 20 s in half-second ticks
        now[0] = 100.0 + 0.5 * step
        if n.watchdog():
            sent.append(now[0])
            assert fields(sock) == {"WATCHDOG": "1"}
    assert sent == [100.0, 105.0, 110.0, 115.0]


def test_watchdog_for_another_process_is_ignored(listener):
    path, _ = listener
    assert Notifier.from_env({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "4000000", "WATCHDOG_PID": "1"}).watchdog_interval is None
    mine = Notifier.from_env({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "4000000", "WATCHDOG_PID": str(os.getpid())})
    assert mine.watchdog_interval == 2.0


def test_without_notify_socket_everything_is_a_no_op():
    n = Notifier.from_env({})
    assert not n.enabled
    assert not any([n.ready(), n.reloading(), n.stopping(), n.status("x"), n.watchdog()])


def test_a_missing_socket_is_logged_once_and_never_raises(tmp_path: Path, caplog):
    n = Notifier(str(tmp_path / "absent"))
    with caplog.at_level(logging.WARNING):
        assert not n.ready()
        assert not n.status("still nobody")
    assert len([r for r in caplog.records if "cannot notify" in r.message]) == 1


def test_journal_formatter_prefixes_every_line_with_the_priority():
    f = JournalFormatter()
    record = logging.LogRecord("breathcue.app", logging.WARNING, __file__, 1, "loose strap\nsecond line", None, None)
    assert f.format(record) == "<4>breathcue.app: loose strap\n<4>second line"
    for level, prefix in ((logging.ERROR, "<3>"), (logging.INFO, "<6>"), (logging.DEBUG, "<7>"), (logging.CRITICAL, "<2>")):
        record.levelno = level
        assert f.format(record).startswith(prefix)


def test_journal_stream_must_match_stderr(tmp_path: Path):
    with open(tmp_path / "log", "w") as out:
        st = os.fstat(out.fileno())
        assert journal_stderr({"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}, fd=out.fileno())
        assert not journal_stderr({"JOURNAL_STREAM": "1:2"}, fd=out.fileno())
        assert not journal_stderr({}, fd=out.fileno())
        assert not journal_stderr({"JOURNAL_STREAM": "garbage"}, fd=out.fileno())
