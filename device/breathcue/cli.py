"""The ``breathcue`` command: parses arguments and calls into the app and the core.

Every subcommand is a pair: ``_add_NAME(subparsers)`` declares it and
``cmd_NAME(args)`` runs it, returning the exit status.  docs/cli.md
documents each one.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterator
from zoneinfo import ZoneInfo

from . import config as configmod
from .clock import Clock, MonotonicClock, VirtualClock
from .hw.neopixel_ring import RingError

if TYPE_CHECKING:
    from .app import Daemon, Sink
    from .core.detector import Baseline
    from .core.pacing import PacedSession
    from .hw.ports import Sensor
    from .hw.replay import Recording
    from .hw.sim import TerminalRing

log = logging.getLogger("breathcue")

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2
EXIT_NOT_RUNNING = 3  # `breathcue status`: as `systemctl status` says of a stopped unit


# --- shared options -----------------------------------------------------------


def _add_common(p: argparse.ArgumentParser) -> None:
    p.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    p.add_argument("--config", type=Path, help="config file (default: $BREATHCUE_CONFIG, then /etc/breathcue/config.toml)")
    p.add_argument("--state-dir", type=Path, help="where state is kept (default: $STATE_DIRECTORY or ~/.local/share/breathcue)")


def _add_loop_options(p: argparse.ArgumentParser) -> None:
    """Options of every command that runs the daemon loop."""
    p.add_argument("--sim", action="store_true", help="use simulated hardware even on a Pi")
    p.add_argument("--clock", choices=("real", "virtual"), default="real", help="virtual runs as fast as possible")
    p.add_argument("--seconds", type=float, help="stop after this many seconds of clock time")
    p.add_argument("--start", help="wall-clock start of a virtual clock, ISO 8601, local time of the configured timezone")
    p.add_argument("--events-out", type=Path, help="write events as JSON Lines to this file")
    p.add_argument("--frames-out", type=Path, help="write every frame shown as JSON Lines to this file")


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


class UsageError(Exception):
    """A command line that cannot be carried out; exits 2 with the message."""


def load_config(args: argparse.Namespace) -> configmod.Config:
    cfg, source = configmod.load(args.config)
    log.debug("config from %s", source)
    return cfg


@contextlib.contextmanager
def output_sinks(args: argparse.Namespace) -> Iterator[list]:
    """The --events-out and --frames-out writers this command line asks for."""
    from .app import EventWriter, FrameWriter

    with contextlib.ExitStack() as stack:
        sinks = []
        for path, writer in ((args.events_out, EventWriter), (getattr(args, "frames_out", None), FrameWriter)):
            if path is not None:
                sinks.append(writer(stack.enter_context(open(path, "w", encoding="utf-8", buffering=1 << 16))))
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
    from .hw.sim import TerminalRing

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
    history; on the real clock, the dashboard, MQTT and metrics when enabled.
    """
    from .status import StatusFile

    sinks: list[Sink] = []
    if state_dir is not None:
        try:
            sinks.append(StatusFile(state_dir))
        except OSError as exc:
            log.error("no status file: cannot use the state dir %s: %s", state_dir, exc.strerror or exc)
        if config.history.enabled:
            from . import history

            sinks += history.open_sinks(config, state_dir, daemon)
    if not isinstance(daemon.clock, VirtualClock):  # a simulation stays off the dashboard, MQTT and metrics
        if config.web.enabled:
            from .web import server

            sinks += server.open_sinks(config, state_dir, daemon)
        if config.mqtt.enabled:
            from . import mqtt

            sinks += mqtt.open_sinks(config, state_dir, daemon)
        if config.metrics.textfile:
            from . import metrics

            sinks += metrics.open_sinks(config, daemon)
    return sinks


# --- run ----------------------------------------------------------------------


def _add_run(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the daemon: pace, detect, nudge")
    _add_common(p)
    _add_loop_options(p)
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated breather")
    _add_source_options(p, "demo")
    p.add_argument("--replay", type=Path, metavar="FILE", help="use a recording as the sensor; the run ends when it does (docs/sensor.md)")
    p.add_argument("--rate", type=float, metavar="HZ", help="the recording's samples per second, when the file does not say")
    p.add_argument("--column", metavar="C", help="the recording's column: a header name, or a number counted from 1")
    p.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from .app import Daemon, SessionFollower
    from .hw import select
    from .hw.button import open_button
    from .notify import Notifier

    config, source = configmod.load(args.config)
    log.debug("config from %s", source)
    clock = make_clock(args, config)
    # A virtual-clock run is a simulation: it keeps out of the live status unless told where to write.
    state = configmod.state_dir(args.state_dir) if args.clock == "real" or args.state_dir else None
    parts = select.build(config, force_sim=args.sim, seed=args.seed, scenario=args.scenario, replay=replay_of(args))
    with output_sinks(args) as sinks:
        daemon = Daemon(
            config, clock, parts.sensor, parts.ring, sinks, args.seconds,
            notifier=Notifier.from_env(), reload=lambda: configmod.load(args.config), source=source,
            baseline=calibrated_baseline(state),
        )
        daemon.sinks.extend(extra_sinks(config, state, daemon))
        if parts.breather is not None:
            daemon.sinks.append(SessionFollower(daemon, parts.breather.follow))
        button = None if parts.simulated else open_button(config.button, lambda press: daemon.submit("button", press=press))
        with stop_on_signals(daemon.stop), reload_on_hangup(daemon.submit), logs_above(parts.ring):
            try:
                return daemon.run()
            finally:
                if button is not None:
                    button.close()
                parts.close()


def calibrated_baseline(state_dir: Path | None) -> "Baseline | None":
    """The baseline `breathcue calibrate` saved in the state dir, if any; a bad file is logged and left out."""
    from .analyze import baseline_path, load_baseline

    if state_dir is None or not baseline_path(state_dir).exists():
        return None
    try:
        return load_baseline(baseline_path(state_dir))
    except ValueError as exc:
        log.warning("%s; starting without a calibrated baseline", exc)
        return None


# --- pace -----------------------------------------------------------------------


def _add_pace(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("pace", help="run a paced-breathing session now")
    _add_common(p)
    _add_loop_options(p)
    p.add_argument("--pattern", metavar="NAME", help="a preset (resonance, coherent, box, 4-7-8, cyclic-sigh) or your [patterns.NAME]; default resonance")
    for phase in ("inhale", "hold-in", "exhale", "hold-out"):
        p.add_argument(f"--{phase}", type=float, metavar="S", help=f"seconds of {phase.replace('-', ' ')}, instead of --pattern")
    p.add_argument("--minutes", type=float, metavar="M", help="length of the session (ends on a whole breath); default: until --seconds or Ctrl-C")
    p.add_argument("--ramp-from", type=float, metavar="BPM", help="start at this many breaths a minute...")
    p.add_argument("--ramp-to", type=float, metavar="BPM", help="...and move to this many...")
    p.add_argument("--ramp-minutes", type=float, metavar="M", help="...over this many minutes, keeping the pattern's proportions")
    p.add_argument("--style", choices=("glow", "fill"), help="how the ring draws it (default: pacing.style)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated breather")
    p.set_defaults(func=cmd_pace)


def pace_session(args: argparse.Namespace, config: configmod.Config) -> PacedSession:
    """The session the pace options ask for."""
    from .core.pacing import PacedSession, Pattern, PatternError, Ramp, pattern_by_name

    phases = (args.inhale, args.hold_in, args.exhale, args.hold_out)
    ramp = (args.ramp_from, args.ramp_to, args.ramp_minutes)
    if args.pattern and any(v is not None for v in phases):
        raise UsageError("give either --pattern or --inhale/--hold-in/--exhale/--hold-out, not both")
    if any(v is not None for v in phases) and (args.inhale is None or args.exhale is None):
        raise UsageError("a pattern given by its phases needs at least --inhale and --exhale")
    if any(v is not None for v in ramp) and not all(v is not None for v in ramp):
        raise UsageError("--ramp-from, --ramp-to and --ramp-minutes go together")
    try:
        if args.inhale is not None:
            pattern = Pattern(args.inhale, args.hold_in or 0.0, args.exhale, args.hold_out or 0.0)
        else:
            pattern = pattern_by_name(args.pattern or "resonance", config)
        return PacedSession(pattern, args.minutes, Ramp(*ramp) if ramp[0] is not None else None)
    except PatternError as exc:
        raise UsageError(str(exc)) from None


def pace_name(args: argparse.Namespace) -> str:
    """The pattern's name for events: the preset's or the user's, or its phases ("4-0-8-0")."""
    if args.inhale is None:
        return args.pattern or "resonance"
    return "-".join(f"{v or 0:g}" for v in (args.inhale, args.hold_in, args.exhale, args.hold_out))


def cmd_pace(args: argparse.Namespace) -> int:
    from .app import Daemon, SessionFollower
    from .hw import select

    config = load_config(args)
    session = pace_session(args, config)
    clock = make_clock(args, config)
    # As `run`: the calibrated baseline tells the detector the strap's polarity, which a
    # symmetric pattern such as box, from a cold start, cannot.
    state = configmod.state_dir(args.state_dir) if args.clock == "real" or args.state_dir else None
    parts = select.build(config, force_sim=args.sim, seed=args.seed)
    with output_sinks(args) as sinks:
        daemon = Daemon(config, clock, parts.sensor, parts.ring, sinks, args.seconds, baseline=calibrated_baseline(state))
        if parts.breather is not None:
            daemon.sinks.append(SessionFollower(daemon, parts.breather.follow))
        daemon.start_session(session, style=args.style, name=pace_name(args))
        daemon.exit_when_session_ends = True
        with stop_on_signals(daemon.stop), logs_above(parts.ring):
            try:
                return daemon.run()
            finally:
                parts.close()


# --- leds -----------------------------------------------------------------------


def _add_leds(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("leds", help="check the LED ring")
    lsub = p.add_subparsers(dest="leds_command", required=True, metavar="{test}")
    test = lsub.add_parser("test", help="light each pixel in turn, then red, green, blue and white at the brightness cap")
    _add_common(test)
    test.add_argument("--sim", action="store_true", help="draw in the terminal even on a Pi")
    test.add_argument("--step", type=float, default=0.25, metavar="S", help="seconds per pixel; each colour shows for 5 steps (default 0.25)")
    test.set_defaults(func=cmd_leds_test)


def cmd_leds_test(args: argparse.Namespace) -> int:
    from .app import play
    from .core.render import FrameEncoder, check_sequence
    from .hw import select
    from .hw.neopixel_ring import NeoPixelRing
    from .hw.sim import TerminalRing

    config = load_config(args)
    if not 0.0 < args.step <= 10.0:
        raise UsageError(f"--step {args.step:g}: expected more than 0 and at most 10 seconds")
    real = select.use_real_hardware(config, args.sim, select.pi_model())
    ring = NeoPixelRing.open(config.ring) if real else TerminalRing(config.ring.pixels)
    encoder = FrameEncoder.from_config(config.ring)
    encoder.dither = False  # each step is one still frame
    stopped = []
    with stop_on_signals(lambda: stopped.append(True)):
        try:
            play(ring, check_sequence(config.ring.pixels, args.step), encoder, MonotonicClock(), lambda: bool(stopped))
        finally:
            ring.close()
    return EXIT_OK


# --- sensor ---------------------------------------------------------------------


def _add_source_options(p: argparse.ArgumentParser, default: str) -> None:
    from .hw.scenarios import SCENARIOS

    p.add_argument("--scenario", default=default, choices=tuple(SCENARIOS), help=f"what the simulated person does (default {default}; docs/sensor.md)")


def replay_of(args: argparse.Namespace) -> "Recording | None":
    """The recording `run --replay` asks for; a bad file or option is a usage error."""
    from .hw.replay import RecordingError, load_recording

    if args.replay is None:
        if args.rate is not None or args.column is not None:
            raise UsageError("--rate and --column go with --replay FILE")
        return None
    try:
        return load_recording(args.replay, rate=args.rate, column=args.column)
    except RecordingError as exc:
        raise UsageError(str(exc)) from None


def _add_sensor(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sensor", help="watch, record or find the strap sensor")
    ssub = p.add_subparsers(dest="sensor_command", required=True, metavar="{read,record,scan}")
    read = ssub.add_parser("read", help="print the live reading: raw code, volts and rates")
    read.set_defaults(func=cmd_sensor_read)
    record = ssub.add_parser("record", help="record the strap to a file in breathcue's recording format")
    record.add_argument("out", type=Path, metavar="OUT.csv", help="the file to write")
    record.set_defaults(func=cmd_sensor_record)
    for q in (read, record):
        _add_common(q)
        q.add_argument("--seconds", type=float, help="stop after this many seconds (default: at Ctrl-C)")
        q.add_argument("--sim", action="store_true", help="the simulated breather instead of the ADC")
        _add_source_options(q, "calm")
        q.add_argument("--seed", type=int, default=0, help="seed of the simulated breather")
        q.add_argument("--clock", choices=("real", "virtual"), default="real", help="virtual (with --sim) runs as fast as possible")
        q.set_defaults(start=None)
    scan = ssub.add_parser("scan", help="the I2C addresses that answer on sensor.bus, drawn as i2cdetect does")
    _add_common(scan)
    scan.set_defaults(func=cmd_sensor_scan)


def sensor_source(args: argparse.Namespace) -> tuple[configmod.Config, Clock, "Sensor", str]:
    from .hw import select

    config = load_config(args)
    clock = make_clock(args, config)
    if args.clock == "virtual" and select.use_real_hardware(config, args.sim, select.pi_model()):
        raise UsageError("--clock virtual needs --sim: the ADC converts in real time")
    sensor, source = select.open_sensor(config, force_sim=args.sim, seed=args.seed, scenario=args.scenario)
    return config, clock, sensor, source


def cmd_sensor_read(args: argparse.Namespace) -> int:
    from . import sensortool

    config, clock, sensor, source = sensor_source(args)
    print(f"reading {source}", file=sys.stderr)
    stopped: list[bool] = []
    with stop_on_signals(lambda: stopped.append(True)):
        try:
            return sensortool.read(sensor, clock, args.seconds, lambda: bool(stopped), sys.stdout)
        finally:
            sensor.close()


def cmd_sensor_record(args: argparse.Namespace) -> int:
    from . import sensortool

    config, clock, sensor, source = sensor_source(args)
    stopped: list[bool] = []
    with stop_on_signals(lambda: stopped.append(True)):
        try:
            return sensortool.record(sensor, clock, args.seconds, lambda: bool(stopped), args.out, source, sys.stdout)
        finally:
            sensor.close()


def cmd_sensor_scan(args: argparse.Namespace) -> int:
    from . import sensortool

    return sensortool.scan(load_config(args).sensor, sys.stdout, sys.stderr)


# --- config ---------------------------------------------------------------------


def _add_config(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("config", help="write, check or show the configuration")
    csub = p.add_subparsers(dest="config_command", required=True, metavar="{init,check,show}")
    init = csub.add_parser("init", help="write the commented default config")
    init.add_argument("path", nargs="?", type=Path, help="where to write it (default: stdout)")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.set_defaults(func=cmd_config_init)
    check = csub.add_parser("check", help="validate a config file; exit 2 with every error")
    check.add_argument("path", type=Path)
    check.set_defaults(func=cmd_config_check)
    show = csub.add_parser("show", help="print the effective config as TOML")
    _add_common(show)
    show.set_defaults(func=cmd_config_show)
    for q in (init, check):
        q.add_argument("-v", "--verbose", action="count", default=0, help=argparse.SUPPRESS)


def cmd_config_init(args: argparse.Namespace) -> int:
    text = configmod.default_text()
    if args.path is None:
        sys.stdout.write(text)
        return EXIT_OK
    if args.path.exists() and not args.force:
        raise UsageError(f"{args.path} exists; use --force to overwrite it")
    args.path.parent.mkdir(parents=True, exist_ok=True)
    args.path.write_text(text, encoding="utf-8")
    print(f"wrote {args.path}")
    return EXIT_OK


def cmd_config_check(args: argparse.Namespace) -> int:
    configmod.load_file(args.path)
    print(f"{args.path}: ok")
    return EXIT_OK


def cmd_config_show(args: argparse.Namespace) -> int:
    cfg, source = configmod.load(args.config)
    sys.stdout.write(f"# effective configuration, from {source}\n")
    sys.stdout.write(configmod.to_toml(cfg))
    return EXIT_OK


# --- simulate -------------------------------------------------------------------


def _add_simulate(sub: argparse._SubParsersAction) -> None:
    from .simulate import DEFAULT_FPS

    p = sub.add_parser("simulate", help="run the whole daemon on a simulated breather, as fast as possible")
    _add_common(p)
    p.add_argument("--scenario", default="calm", help="what the simulated person does: calm, workday, demo, ... (docs/cli.md)")
    p.add_argument("--hours", type=float, default=8.0, help="simulated hours (default 8)")
    p.add_argument("--start", help="wall-clock start, ISO 8601 in the configured timezone (default: now)")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated breather")
    p.add_argument("--events-out", type=Path, help="write events as JSON Lines to this file")
    p.add_argument("--fps", type=float, default=DEFAULT_FPS, help=f"frames drawn per simulated second (default {DEFAULT_FPS:g})")
    p.set_defaults(func=cmd_simulate, clock="virtual")


def cmd_simulate(args: argparse.Namespace) -> int:
    from .simulate import breather, simulate

    if not 0 < args.hours <= 24 * 31:
        raise UsageError(f"--hours {args.hours:g}: expected more than 0 and at most a month (744)")
    if not 0.1 <= args.fps <= 120:
        raise UsageError(f"--fps {args.fps:g}: expected 0.1 to 120")
    config = load_config(args)
    try:
        person = breather(config, args.scenario, args.seed)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    clock = make_clock(args, config)
    if not args.verbose:
        logging.getLogger("breathcue.app").setLevel(logging.WARNING)  # the summary says it all
    with output_sinks(args) as sinks:
        summary = simulate(
            config, clock, person.sensor, 3600.0 * args.hours, sinks,
            more_sinks=lambda daemon: extra_sinks(config, args.state_dir, daemon), fps=args.fps, breather=person.breather,
        )
    print(f"scenario {args.scenario}, seed {args.seed}")
    print(summary.text())
    return EXIT_OK


# --- report, export, forget ----------------------------------------------------------


def _add_report(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="a day or a week from the history: text, JSON or a picture")
    _add_common(p)
    p.add_argument("--day", metavar="YYYY-MM-DD", help="the day (default: today); with --week, the last day of the week")
    p.add_argument("--week", action="store_true", help="the seven days ending with --day")
    p.add_argument("--format", choices=("text", "json"), help="print as text (the default without --png) or JSON")
    p.add_argument("--png", type=Path, metavar="FILE", help="draw the day (or week) as a PNG picture (the report extra)")
    p.set_defaults(func=cmd_report)


def cmd_report(args: argparse.Namespace) -> int:
    from . import report

    config = load_config(args)
    return report.report_command(
        configmod.state_dir(args.state_dir), timezone_of(config),
        day=args.day, week=args.week, fmt=args.format, png=args.png, out=sys.stdout, err=sys.stderr,
    )


def _add_export(sub: argparse._SubParsersAction) -> None:
    from .report import EXPORT_TABLES

    p = sub.add_parser("export", help="the history as CSV or JSON Lines")
    _add_common(p)
    p.add_argument("--format", choices=("csv", "jsonl"), default="jsonl", help="jsonl (default) or csv")
    p.add_argument("--since", metavar="YYYY-MM-DD", help="only from this day on (local midnight)")
    p.add_argument("--table", choices=EXPORT_TABLES, help="only this table (default: all of them)")
    p.add_argument("-o", "--output", type=Path, metavar="FILE", help="write here instead of stdout")
    p.set_defaults(func=cmd_export)


def cmd_export(args: argparse.Namespace) -> int:
    from . import report

    config = load_config(args)
    with contextlib.ExitStack() as stack:
        out = stack.enter_context(open(args.output, "w", encoding="utf-8", newline="")) if args.output else sys.stdout
        return report.export_command(
            configmod.state_dir(args.state_dir), timezone_of(config),
            fmt=args.format, since=args.since, table=args.table, out=out, err=sys.stderr,
        )


def _add_forget(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("forget", help="remove history for good")
    _add_common(p)
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--before", metavar="YYYY-MM-DD", help="everything before this day (local midnight)")
    which.add_argument("--all", action="store_true", help="everything")
    p.set_defaults(func=cmd_forget)


def cmd_forget(args: argparse.Namespace) -> int:
    from . import report

    config = load_config(args)
    return report.forget_command(
        configmod.state_dir(args.state_dir), timezone_of(config), before=args.before, out=sys.stdout, err=sys.stderr
    )


# --- status ---------------------------------------------------------------------


def _add_status(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("status", help="what the running daemon is doing")
    _add_common(p)
    p.add_argument("--json", action="store_true", help="print the status file as it is (docs/formats.md)")
    p.set_defaults(func=cmd_status)


def cmd_status(args: argparse.Namespace) -> int:
    """Exit 0 when a daemon is running and current, 3 when it is stopped or silent, 1 without a status."""
    from . import status

    try:
        current = status.read(configmod.state_dir(args.state_dir))
    except status.StatusError as exc:
        print(f"breathcue: {exc}", file=sys.stderr)
        return EXIT_FAIL
    if args.json:
        print(json.dumps(current, indent=1, ensure_ascii=False))
    else:
        print(status.describe(current))
    return EXIT_OK if status.is_current(current) else EXIT_NOT_RUNNING


# --- doctor ----------------------------------------------------------------------


def _add_doctor(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("doctor", help="check this Pi's hardware, permissions, config and service, with fixes")
    _add_common(p)
    p.set_defaults(func=cmd_doctor)


def cmd_doctor(args: argparse.Namespace) -> int:
    from . import doctor

    return doctor.main(args.config, args.state_dir, sys.stdout)


# --- analyze, calibrate ---------------------------------------------------------------


def _add_analyze(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="run the breath detector over a recording")
    _add_common(p)
    p.add_argument("file", type=Path, help="a recording: CSV, whitespace text, WAV, NPY or breathcue's own")
    p.add_argument("--rate", type=float, help="samples per second (default: from the file)")
    p.add_argument("--column", help="the signal column: a header name or a 1-based number")
    p.add_argument("--format", choices=("jsonl", "table", "summary"), default="table", help="output (default table)")
    p.add_argument("--plot", type=Path, metavar="OUT.png", help="also draw the signal and what was found (extra 'plot')")
    p.add_argument("--hold-seconds", type=float, help="seconds without breathing movement that make a hold")
    p.add_argument("--baseline", type=Path, help="a baseline file from `breathcue calibrate` (default: start cold)")
    p.set_defaults(func=cmd_analyze)


def cmd_analyze(args: argparse.Namespace) -> int:
    from . import analyze
    from .hw.replay import RecordingError
    from .plot import PlotUnavailable

    config = load_config(args)
    column = int(args.column) if args.column and args.column.isdigit() else args.column
    try:
        baseline = analyze.load_baseline(args.baseline) if args.baseline else None
        analyze.run_analyze(
            args.file, rate=args.rate, column=column, fmt=args.format, plot_to=args.plot,
            detector=analyze.with_hold_seconds(config, args.hold_seconds), baseline=baseline,
            out=sys.stdout, err=sys.stderr,
        )
    except (RecordingError, ValueError, PlotUnavailable) as exc:
        raise UsageError(str(exc)) from None
    except BrokenPipeError:  # the reader (head, less) has had enough
        sys.stdout = open(os.devnull, "w")
    return EXIT_OK


def _add_calibrate(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("calibrate", help="record calm breathing and save it as your baseline")
    _add_common(p)
    p.add_argument("--seconds", type=float, default=60.0, help="how long to record (default 60)")
    p.add_argument("--sim", action="store_true", help="use the simulated breather even on a Pi")
    p.add_argument("--clock", choices=("real", "virtual"), default="real", help="virtual runs as fast as possible")
    p.add_argument("--seed", type=int, default=0, help="seed of the simulated breather")
    p.set_defaults(func=cmd_calibrate)


def cmd_calibrate(args: argparse.Namespace) -> int:
    from . import analyze
    from .hw import select

    if not 20 <= args.seconds <= 600:
        raise UsageError(f"--seconds {args.seconds:g}: expected 20 to 600 seconds of calm breathing")
    config = load_config(args)
    args.start = None
    clock = make_clock(args, config)
    sensor, where = select.open_sensor(config, force_sim=args.sim, seed=args.seed)
    print(f"Breathe calmly for {args.seconds:g} s ({where})...", file=sys.stderr)
    try:
        baseline, info = analyze.calibrate(sensor, clock, config.detector, args.seconds)
    except analyze.CalibrationError as exc:
        print(f"breathcue: calibration failed: {exc}", file=sys.stderr)
        return EXIT_FAIL
    finally:
        sensor.close()
    path = analyze.baseline_path(configmod.state_dir(args.state_dir))
    analyze.save_baseline(baseline, path, info)
    print(f"depth {baseline.depth:.4g}  rate {baseline.rate_bpm:.1f} breaths/min  polarity {baseline.polarity}  ({info['breaths']} breaths)")
    print(f"saved to {path}")
    return EXIT_OK


# --- entry point --------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="breathcue", description="A desk light that paces your breathing and nudges you to breathe."
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (
        _add_run, _add_pace, _add_leds, _add_simulate, _add_status, _add_report, _add_export, _add_forget,
        _add_config, _add_doctor, _add_analyze, _add_calibrate, _add_sensor,
    ):
        add(sub)
    return parser


def setup_logging(verbosity: int) -> None:
    from .notify import JournalFormatter, journal_stderr

    level = logging.WARNING - 10 * min(verbosity + 1, 2)  # INFO by default, DEBUG with -v
    handler = logging.StreamHandler(sys.stderr)
    if journal_stderr():  # under systemd: journald's priority prefixes, no timestamps of our own
        handler.setFormatter(JournalFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    logging.basicConfig(level=level, handlers=[handler])


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    setup_logging(getattr(args, "verbose", 0))
    try:
        return args.func(args)
    except configmod.ConfigError as exc:
        print(f"breathcue: invalid configuration in {exc.source}:", file=sys.stderr)
        for error in exc.errors:
            print(f"  {error}", file=sys.stderr)
        return EXIT_USAGE
    except UsageError as exc:
        print(f"breathcue: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except RingError as exc:
        print(f"breathcue: {exc}", file=sys.stderr)
        return EXIT_FAIL
    except KeyboardInterrupt:
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
