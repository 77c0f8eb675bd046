"""SIGHUP with hostile and broken config files: the daemon keeps running with its old config (issue 14, item 2)."""

from __future__ import annotations

import json
import os
import signal
import time
from pathlib import Path

from .test_daemon_signals import GOOD, daemon, wait_until  # noqa: F401 (daemon is a fixture)

DEEP = 600


def bad_configs() -> list[tuple[str, object]]:
    """(name, what to put at the config path): text, bytes, or a callable that replaces the path."""

    def missing(path: Path) -> None:
        path.unlink()

    def directory(path: Path) -> None:
        path.unlink()
        path.mkdir()

    def device(path: Path) -> None:
        path.unlink()
        path.symlink_to("/dev/full")

    return [
        ("nested arrays", "x = " + "[" * DEEP + "]" * DEEP + "\n"),
        ("nested inline tables", "x = " + "{a = " * DEEP + "1" + "}" * DEEP + "\n"),
        ("nested arrays in a known key", "[ring]\nfps = " + "[" * 2000 + "]" * 2000 + "\n"),
        ("not TOML", "[ring\nfps = 20\n"),
        ("not UTF-8", b"\xff\xfe[ring]\nfps = 20\n"),
        ("NUL bytes", "[ring]\nfps = 20\0\n"),
        ("too large", "# padding\n" * 40_000),
        ("an integer of 5,000 digits", "[ring]\nfps = " + "9" * 5000 + "\n"),
        ("a float past any float", "[ring]\nbrightness = 1e400\n"),
        ("inf", "[ring]\nbrightness = inf\n"),
        ("nan", "[ring]\nbrightness = nan\n"),
        ("out of range", "[cues]\nmax_per_hour = -1\n"),
        ("wrong type", '[ring]\nfps = "fast"\n'),
        ("unknown section", "[nonsense]\nx = 1\n"),
        ("a section that is a value", "ring = 5\n"),
        ("a duplicate key", "[ring]\nfps = 20\nfps = 30\n"),
        ("web on all addresses without a token", '[web]\nhost = "0.0.0.0"\n'),
        ("missing", missing),
        ("a directory", directory),
        ("/dev/full", device),
    ]


def test_twenty_kinds_of_bad_config_leave_the_daemon_running_with_its_old_one(daemon):  # noqa: F811
    proc, notes, config, events, status_file, screen, log = daemon
    notes.wait_for("READY")
    wait_until(lambda: status_file.exists())
    first = json.loads(status_file.read_text())["config"]
    kinds = bad_configs()
    assert len(kinds) == 20
    for count, (name, bad) in enumerate(kinds, start=1):
        if config.is_symlink() or config.is_dir():
            os.rmdir(config) if config.is_dir() else config.unlink()
        config.write_text(GOOD)
        if callable(bad):
            bad(config)
        elif isinstance(bad, bytes):
            config.write_bytes(bad)
        else:
            config.write_text(bad)
        proc.send_signal(signal.SIGHUP)
        notes.wait_for("RELOADING")
        notes.wait_for("READY")
        wait_until(lambda: bytes(log).count(b"config reload failed") >= count)
        assert proc.poll() is None, name
        assert b"Traceback" not in bytes(log), name
    time.sleep(1.2)  # one more status file
    status = json.loads(status_file.read_text())
    assert status["running"] is True and status["config"]["errors"]
    assert status["config"]["source"] == first["source"] and status["config"]["loaded"] == first["loaded"]

    config.unlink()
    config.write_text(GOOD)
    proc.send_signal(signal.SIGHUP)
    notes.wait_for("READY")
    wait_until(lambda: not json.loads(status_file.read_text())["config"]["errors"])
