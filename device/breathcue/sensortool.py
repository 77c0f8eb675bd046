"""`breathcue sensor`: watch the strap live, record it, and find the ADC on the I2C bus.

These are for setting up and checking the sensor, so they talk to a person:
a live line of readings, a summary after a recording, and for a scan the
grid i2cdetect draws with what to check when the ADC is not in it.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import IO

from .clock import Clock
from .config import SensorConfig
from .hw import i2c
from .hw.ports import Sensor
from .hw.replay import RecordingWriter
from .hw.sampling import stream
from .words import clock as clock_words

LINES_PER_SECOND = 10
ADDR_PINS = {0x48: "GND", 0x49: "VDD", 0x4A: "SDA", 0x4B: "SCL"}


def read(sensor: Sensor, clock: Clock, seconds: float | None, stopped: Callable[[], bool], out: IO[str]) -> int:
    """Print the live reading about ten times a second: time, raw code, volts, and the rates achieved."""
    every = max(1, round(sensor.rate_hz / LINES_PER_SECOND))
    adc = getattr(sensor, "conversions", None) is not None
    started = time.monotonic()
    first_conversions = getattr(sensor, "conversions", 0)
    for n, sample in enumerate(stream(sensor, clock, seconds, stopped)):
        if n % every:
            continue
        line = f"t={sample.t:8.2f} s  "
        if adc:
            raw = sensor.last_raw
            line += f"raw {raw:6d}  " if raw is not None else "raw      -  "
        line += f"{sample.value:8.5f} V" if sample.value is not None else f"{sample.fault or 'no value':>10}"
        line += f"  {sensor.rate_hz:g} samples/s"
        if adc:
            elapsed = time.monotonic() - started
            rate = (sensor.conversions - first_conversions) / elapsed if elapsed > 0.5 else math.nan
            line += f"  {rate:6.1f} conversions/s  {sensor.errors} I2C errors"
        out.write(line + "\n")
        out.flush()
    return 0


def record(
    sensor: Sensor, clock: Clock, seconds: float | None, stopped: Callable[[], bool], path: Path, source: str, out: IO[str]
) -> int:
    """Record samples to ``path`` in breathcue's recording format (docs/formats.md).

    On a terminal a line shows the time recorded so far (and how much is
    left of ``seconds``), once a second.
    """
    count = faults = 0
    tty = out.isatty()
    every = max(1, round(sensor.rate_hz))
    with open(path, "w", encoding="utf-8", newline="") as f:
        writer = RecordingWriter(f, sensor.rate_hz, "V", source, started=datetime.now().astimezone().isoformat(timespec="seconds"))
        for sample in stream(sensor, clock, seconds, stopped):
            writer.write(sample)
            count += 1
            faults += sample.value is None
            if tty and count % every == 0:
                left = f", {clock_words(seconds - count / sensor.rate_hz)} left" if seconds else " (Ctrl-C stops)"
                out.write(f"\rrecording {clock_words(count / sensor.rate_hz)}{left}: {count} samples, {faults} without a value\x1b[K")
                out.flush()
    if tty and count >= every:
        out.write("\r\x1b[K")
    out.write(f"recorded {count} samples ({count / sensor.rate_hz:.1f} s at {sensor.rate_hz:g} Hz) to {path}")
    out.write(f"; {faults} without a value\n" if faults else "\n")
    return 0


def scan(config: SensorConfig, out: IO[str], err: IO[str]) -> int:
    """Draw what answers on the configured bus; 1 when the bus cannot be opened or the ADC is not there."""
    try:
        bus = i2c.open_bus(config.bus)
    except (OSError, ImportError) as exc:
        err.write(f"breathcue: {exc.strerror if isinstance(exc, OSError) and exc.strerror else exc}\n")
        return 1
    try:
        results = i2c.scan(bus)
    finally:
        close = getattr(bus, "close", None)
        if close is not None:
            close()
    out.write(i2c.draw(results))
    found = [a for a, state in results.items() if state == "found"]
    wanted = config.address
    if results.get(wanted) == "found":
        out.write(f"\n{wanted:#04x} answers: the {config.chip.upper()} at sensor.address\n")
        return 0
    out.write(f"\nnothing answers at {wanted:#04x} (sensor.address, ADDR to {ADDR_PINS[wanted]})\n")
    others = [a for a in found if a in ADDR_PINS]
    if others:
        out.write(f"an ADS1x15 may be at {', '.join(f'{a:#04x}' for a in others)}: set sensor.address to it "
                  f"(ADDR to {', '.join(ADDR_PINS[a] for a in others)})\n")
    else:
        out.write("check the wiring: VDD to 3.3 V, GND, SDA to GPIO2 (pin 3), SCL to GPIO3 (pin 5), and the ADDR pin\n")
    return 1
