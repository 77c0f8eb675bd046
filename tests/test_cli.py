"""The command line as a user runs it: exit codes, messages, output files."""

from __future__ import annotations

import json
import re
import select
import subprocess
import sys
import time
from pathlib import Path

from breathcue.cli import main


def test_config_check_bad_file_exits_2(tmp_path: Path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[ring]\npixels = -3\n[cues]\ncooldwn_seconds = 5\n")
    assert main(["config", "check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "ring.pixels" in err and "cooldown_seconds" in err


def test_config_init_then_check(tmp_path: Path, capsys):
    path = tmp_path / "etc" / "config.toml"
    assert main(["config", "init", str(path)]) == 0
    assert main(["config", "check", str(path)]) == 0
    assert main(["config", "init", str(path)]) == 2  # never overwrites without --force
    assert "exists" in capsys.readouterr().err


def test_config_show_prints_effective_toml(tmp_path: Path, capsys):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[ring]\npixels = 12\n")
    assert main(["config", "show", "--config", str(cfg)]) == 0
    out = capsys.readouterr().out
    assert "pixels = 12" in out and str(cfg) in out


def test_start_needs_virtual_clock(capsys):
    assert main(["run", "--sim", "--start", "2026-11-24T09:00:00", "--seconds", "1"]) == 2
    assert "--clock virtual" in capsys.readouterr().err


def test_acceptance_600_seconds_virtual(tmp_path: Path):
    frames, events = tmp_path / "f.jsonl", tmp_path / "e.jsonl"
    began = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-m", "breathcue", "run", "--sim", "--clock", "virtual", "--seconds", "600",
         "--frames-out", str(frames), "--events-out", str(events)],
        capture_output=True, text=True, cwd=tmp_path,
    )
    elapsed = time.monotonic() - began
    assert done.returncode == 0, done.stderr
    assert elapsed < 60  # the figure is 10 s; this only guards against a hang
    lines = frames.read_text().splitlines()
    first, last = json.loads(lines[0]), json.loads(lines[-1])
    assert first["t"] == 0.0 and last["t"] == 600.0
    assert len(lines) == 600 * 60 + 1
    assert all("event" in json.loads(line) and "t" in json.loads(line) for line in events.read_text().splitlines())


def test_sigterm_exits_0_within_a_second(tmp_path: Path):
    frames = tmp_path / "f.jsonl"
    proc = subprocess.Popen(
        [sys.executable, "-m", "breathcue", "run", "--sim", "--frames-out", str(frames)],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert select.select([proc.stdout], [], [], 20)[0], "no status line within 20 s"
    first = proc.stdout.readline()  # the loop's first status line: it runs, with its signal handlers in place
    time.sleep(0.5)
    proc.terminate()
    sent = time.monotonic()
    out, err = proc.communicate(timeout=10)
    assert time.monotonic() - sent < 1.0
    assert proc.returncode == 0, err
    out = first + out
    assert re.match(r"0:0\d  ", out)  # not a TTY: a plain status line each second, elapsed time first (0:00, or 0:01 on a busy machine)
    assert "\nafter 0:" in out and "breaths" in out  # and the run's summary at the end
    assert json.loads(frames.read_text().splitlines()[-1])["rgb"]  # the frames shown until then are all written


def test_log_lines_go_above_the_ring_drawn_in_place():
    import io
    import logging
    import re

    from breathcue.commands.common import logs_above
    from breathcue.hw.terminal import TerminalRing

    screen = io.StringIO()
    ring = TerminalRing(12, screen, tty=True)
    handler = logging.StreamHandler(screen)
    logger = logging.getLogger("breathcue.test_logs_above")
    logger.addHandler(handler)
    logger.propagate = False
    try:
        ring.show([(255, 255, 255)] * 12, 0.0)
        logging.getLogger().addHandler(handler)
        with logs_above(ring):
            logger.warning("hold_start")
            ring.show([(255, 255, 255)] * 12, 1.0)
    finally:
        logging.getLogger().removeHandler(handler)
        logger.removeHandler(handler)
    text = screen.getvalue()
    drawn = ring._rows + 1
    # The drawing is erased (cursor up over all its lines, clear to the end) before the log line,
    # and the next frame is drawn fresh below it, with no cursor movement up into the log line.
    erase = text.index(f"\x1b[{drawn}F\x1b[J")
    assert erase < text.index("hold_start")
    after = text[text.index("hold_start"):]
    assert not re.search(r"\x1b\[\d+F", after)
    assert after.count("\u25cf") == 12
