"""What several commands share: common options, the clock, the config, output files, signals."""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator
from zoneinfo import ZoneInfo

from .. import config as configmod
from ..clock import Clock, MonotonicClock, VirtualClock
from .args import positive_seconds, wall_time

if TYPE_CHECKING:
    from ..app import Daemon, Sink
    from ..core.detector import Baseline
    from ..hw.replay import Recording
    from ..hw.terminal import TerminalRing

log = logging.getLogger("breathcue")

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXIT_NOT_RUNNING = 3  # `breathcue status`: as `systemctl status` says of a stopped unit
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as the shell reports a command stopped by Ctrl-C


def quiet_stdout() -> None:
    """The reader of stdout (head, less) went away: send what is still buffered nowhere.

    As the Python docs advise for SIGPIPE: point the file descriptor at
    /dev/null, so the flush at exit does not fail a second time.
    """
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (a test's capture)
        pass


class UsageError(Exception):
    """A command line that cannot be carried out; exits 2 with the message."""


def add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    p.add_argument("--config", type=Path, help="config file (default: $BREATHCUE_CONFIG, then /etc/breathcue/config.toml)")
    p.add_argument("--state-dir", type=Path, help="where state is kept (default: $STATE_DIRECTORY or ~/.local/share/breathcue)")


def add_loop_options(p: argparse.ArgumentParser) -> None:
    """Options of every command that runs the daemon loop."""
    p.add_argument("--sim", action="store_true", help="use simulated hardware even on a Pi")
    p.add_argument("--clock", choices=("real", "virtual"), default="real", help="virtual runs as fast as possible")
    p.add_argument("--seconds", type=positive_seconds, help="stop after this many seconds of clock time")
    p.add_argument("--start", type=wall_time, help="wall-clock start of a virtual clock, ISO 8601, local time of the configured timezone")
    p.add_argument("--events-out", type=Path, help="write events as JSON Lines to this file")
    p.add_argument("--frames-out", type=Path, help="write every frame shown as JSON Lines to this file")


def add_source_options(p: argparse.ArgumentParser, default: str) -> None:
    from ..hw.scenarios import SCENARIOS

    p.add_argument("--scenario", default=default, choices=tuple(SCENARIOS), help=f"what the simulated person does (default {default}; docs/sensor.md)")


def timezone_of(config: configmod.Config) -> ZoneInfo | None:
    return ZoneInfo(config.schedule.timezone) if config.schedule.timezone else None


def make_clock(args: argparse.Namespace, config: configmod.Config) -> Clock:
    tz = timezone_of(config)
    if args.clock == "real":
        if args.start:
            raise UsageError("--start needs --clock virtual")
        return MonotonicClock(tz)
    if args.start:
        try:
            start = datetime.fromisoformat(args.start)
        except ValueError:
            raise UsageError(f"--start {args.start!r}: expected ISO 8601, e.g. 2026-11-24T09:00:00") from None
    else:
        start = datetime.now(tz).replace(microsecond=0)
    if start.tzinfo is None:
        start = start.replace(tzinfo=tz) if tz else start.astimezone()
    return VirtualClock(start)


def load_config(args: argparse.Namespace) -> configmod.Config:
    cfg, source = configmod.load(args.config)
    log.debug("config from %s", source)
    for note in configmod.notes(cfg):
        log.warning("%s (%s)", note, source)
    return cfg


def output_file(path: Path) -> Path:
    """``path``, with its folder made if missing (as `config init` does), ready to be written.

    A folder that cannot be made raises OSError naming it, which ``cli.main``
    turns into one line and exit status 1.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def output_sinks(args: argparse.Namespace) -> Iterator[list]:
    """The --events-out and --frames-out writers this command line asks for."""
    from ..app import EventWriter, FrameWriter

    with contextlib.ExitStack() as stack:
        sinks = []
        for path, writer in ((args.events_out, EventWriter), (getattr(args, "frames_out", None), FrameWriter)):
            if path is not None:
                sinks.append(writer(stack.enter_context(open(output_file(path), "w", encoding="utf-8", buffering=1 << 16))))
        yield sinks


class _EraseRingFirst(logging.Filter):
    """Lets a log line through only after the ring drawn in place has been taken off the screen."""

    def __init__(self, ring: "TerminalRing") -> None:
        super().__init__()
        self.ring = ring

    def filter(self, record: logging.LogRecord) -> bool:
        self.ring.erase()
        return True


@contextlib.contextmanager
def logs_above(ring: object) -> Iterator[None]:
    """On a terminal, log lines go above the ring drawn in place instead of through it."""
    from ..hw.terminal import TerminalRing

    handlers = logging.getLogger().handlers if isinstance(ring, TerminalRing) and ring.tty else []
    erase = _EraseRingFirst(ring) if handlers else None
    for handler in handlers:
        handler.addFilter(erase)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(erase)


@contextlib.contextmanager
def stop_on_signals(stop: Callable[[], None]) -> Iterator[None]:
    """SIGINT and SIGTERM ask the loop to stop, so the ring is turned off cleanly."""
    previous = {s: signal.signal(s, lambda *_: stop()) for s in (signal.SIGINT, signal.SIGTERM)}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)


@contextlib.contextmanager
def reload_on_hangup(submit: Callable[..., None]) -> Iterator[None]:
    """SIGHUP (``systemctl reload breathcue``) asks the loop to reload the config."""
    previous = signal.signal(signal.SIGHUP, lambda *_: submit("reload"))
    try:
        yield
    finally:
        signal.signal(signal.SIGHUP, previous)


def extra_sinks(config: configmod.Config, state_dir: Path | None, daemon: "Daemon") -> list["Sink"]:
    """The outputs of `run` and `simulate` beyond --events-out/--frames-out: add new ones here.

    With a state dir, the status file that `breathcue status` reads and the
    history; on the real clock, the dashboard, MQTT, metrics and the vibration motor when enabled.
    """
    from ..status import StatusFile

    sinks: list[Sink] = []
    if state_dir is not None:
        try:
            sinks.append(StatusFile(state_dir))
        except OSError as exc:
            log.error("no status file: cannot use the state dir %s: %s", state_dir, exc.strerror or exc)
        if config.history.enabled:
            from .. import history

            sinks += history.open_sinks(config, state_dir, daemon)
    if not isinstance(daemon.clock, VirtualClock):  # a simulation stays off the dashboard, MQTT and metrics
        if config.web.enabled:
            from ..web import server

            sinks += server.open_sinks(config, state_dir, daemon)
        if config.mqtt.enabled:
            from .. import mqtt

            sinks += mqtt.open_sinks(config, state_dir, daemon)
        if config.metrics.textfile:
            from .. import metrics

            sinks += metrics.open_sinks(config, daemon)
        if config.vibration.enabled:
            from .. import vibrate

            sinks += vibrate.open_sinks(config.vibration)
    return sinks


def loop_state_dir(args: argparse.Namespace, live: bool) -> Path | None:
    """Where a command running the loop keeps its state (status, history, baseline).

    ``--state-dir`` when given; otherwise none on the virtual clock (a
    simulation), the real state dir only when the real strap is ``live``,
    and for the simulated breather or a recording a folder of their own.
    """
    if args.state_dir is not None:
        return args.state_dir
    if args.clock == "virtual":
        return None
    return configmod.state_dir(None) if live else configmod.sim_state_dir()


def calibrated_baseline(state_dir: Path | None, full_scale_v: float | None = None) -> "Baseline | None":
    """The baseline `breathcue calibrate` saved in the state dir, if any; a bad file is logged and left out.

    ``full_scale_v`` (sensor.full_scale_v) bounds a plausible depth.
    """
    from ..analyze import baseline_path, load_baseline

    if state_dir is None or not baseline_path(state_dir).exists():
        return None
    try:
        return load_baseline(baseline_path(state_dir), full_scale_v)
    except ValueError as exc:
        log.warning("%s; starting without a calibrated baseline", exc)
        return None


def replay_of(args: argparse.Namespace) -> "Recording | None":
    """The recording `run --replay` asks for; a bad file or option is a usage error."""
    from ..hw.replay import RecordingError, load_recording

    if args.replay is None:
        if args.rate is not None or args.column is not None:
            raise UsageError("--rate and --column go with --replay FILE")
        return None
    try:
        return load_recording(args.replay, rate=args.rate, column=args.column)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None
