"""`breathcue sensor read|record|scan`: the strap live, to a file, and the ADC on the I2C bus."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from .. import config as configmod
from ..clock import Clock
from .args import positive_seconds, whole_number
from .common import UsageError, add_common, output_file, add_source_options, load_config, make_clock, stop_on_signals

if TYPE_CHECKING:
    from ..hw.ports import Sensor


def add(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sensor", help="watch, record or find the strap sensor")
    ssub = p.add_subparsers(dest="sensor_command", required=True, metavar="{read,record,scan}")
    read = ssub.add_parser("read", help="print the live reading: raw code, volts and rates")
    read.set_defaults(func=cmd_sensor_read)
    record = ssub.add_parser("record", help="record the strap to a file in breathcue's recording format")
    record.add_argument("out", type=Path, metavar="OUT.csv", help="the file to write")
    record.add_argument("--force", action="store_true", help="overwrite OUT.csv if it exists")
    record.set_defaults(func=cmd_sensor_record)
    for q in (read, record):
        add_common(q)
        q.add_argument("--seconds", type=positive_seconds, help="stop after this many seconds (default: at Ctrl-C)")
        q.add_argument("--sim", action="store_true", help="the simulated breather instead of the ADC")
        add_source_options(q, "calm")
        q.add_argument("--seed", type=whole_number, default=0, help="seed of the simulated breather")
        q.add_argument("--clock", choices=("real", "virtual"), default="real", help="virtual (with --sim) runs as fast as possible")
        q.set_defaults(start=None)
    scan = ssub.add_parser("scan", help="the I2C addresses that answer on sensor.bus, drawn as i2cdetect does")
    add_common(scan)
    scan.set_defaults(func=cmd_sensor_scan)


def sensor_source(args: argparse.Namespace) -> tuple[configmod.Config, Clock, "Sensor", str]:
    from ..hw import select

    config = load_config(args)
    clock = make_clock(args, config)
    if args.clock == "virtual" and select.use_real_hardware(config, args.sim, select.pi_model()):
        raise UsageError("--clock virtual needs --sim: the ADC converts in real time")
    sensor, source = select.open_sensor(config, force_sim=args.sim, seed=args.seed, scenario=args.scenario)
    return config, clock, sensor, source


def cmd_sensor_read(args: argparse.Namespace) -> int:
    from .. import sensortool

    config, clock, sensor, source = sensor_source(args)
    adc = getattr(sensor, "conversions", None) is not None
    print(f"reading {source}" + ("" if adc else ": volts only (the raw code, conversions a second and I2C errors are the ADC's)"), file=sys.stderr)
    stopped: list[bool] = []
    with stop_on_signals(lambda: stopped.append(True)):
        try:
            return sensortool.read(sensor, clock, args.seconds, lambda: bool(stopped), sys.stdout)
        finally:
            sensor.close()


def cmd_sensor_record(args: argparse.Namespace) -> int:
    from .. import sensortool

    if args.out.exists() and not args.force:
        raise UsageError(f"{args.out} exists; use --force to overwrite it")
    config, clock, sensor, source = sensor_source(args)
    stopped: list[bool] = []
    with stop_on_signals(lambda: stopped.append(True)):
        try:
            return sensortool.record(sensor, clock, args.seconds, lambda: bool(stopped), output_file(args.out), source, sys.stdout)
        finally:
            sensor.close()


def cmd_sensor_scan(args: argparse.Namespace) -> int:
    from .. import sensortool

    return sensortool.scan(load_config(args).sensor, sys.stdout, sys.stderr)
