"""The sampling layer at its edges: what the journal says, when a held value turns into a lost signal,
how often an absent chip is retried, the rails' margins, the ALERT/RDY pin, and the worker thread.

Found by `make mutate` (docs/testing.md). Each test asserts what a user
sees: samples and their faults, the log lines in the journal, the chip's
registers, a program that exits.
"""

from __future__ import annotations

import errno
import logging
import os
import subprocess
import sys
import time
import types

import pytest

from breathcue import config as configmod
from breathcue.core.types import Sample
from breathcue.hw import sampling
from breathcue.hw.sampling import AdcSensor, RailGuard, Rails, open_adc_sensor

from .ads1115_emulator import ADS1115Emulator, Clock
from .test_sampling import rig

RATE = 25.0
ABSENT = OSError(errno.EREMOTEIO, "Remote I/O error")  # what smbus2 raises when no chip acknowledges


class Chip:
    """A driver whose chip answers or not as the test says; a conversion is 1.0 V."""

    def __init__(self) -> None:
        self.away = False

    def read_raw(self) -> int:
        if self.away:
            raise ABSENT
        return 8000

    def to_volts(self, raw: int) -> float:
        return raw * 4.096 / 32768


def sensor_on(clock: Clock, chip: Chip, **options) -> AdcSensor:
    return AdcSensor(lambda: chip, RATE, Rails(0.0, 3.3, 0.02), monotonic=clock, threaded=False, **options)


def messages(caplog, level: int = logging.DEBUG) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "breathcue.hw.sampling" and r.levelno >= level]


# --- an absent chip: held value, then a lost signal, and the retries ---------------------------------


def test_the_last_value_is_held_for_just_under_half_a_second_then_the_signal_is_lost():
    clock, chip = Clock(), Chip()
    sensor = sensor_on(clock, chip)
    sensor.poll()  # one conversion at 0 s, then none
    assert sensor.read(0.0) == Sample(0.0, 1.0)
    clock.advance(0.49)
    assert sensor.read(0.49) == Sample(0.49, 1.0)  # late, not lost
    clock.advance(0.01)
    assert sensor.read(0.5) == Sample(0.5, None, "i2c_error")  # STALE_SECONDS without a conversion: the chip is away


def test_an_absent_chip_is_retried_after_2_ms_doubling_to_a_tenth_of_a_second_and_afresh_after_it_answers():
    clock, chip = Clock(), Chip()
    sensor = sensor_on(clock, chip)
    assert sensor.poll() == 0.0  # a conversion: read the next at once
    chip.away = True
    waits = [sensor.poll() for _ in range(9)]
    assert waits == pytest.approx([0.002, 0.004, 0.008, 0.016, 0.032, 0.064, 0.1, 0.1, 0.1])
    assert sensor.errors == 9
    chip.away = False
    assert sensor.poll() == 0.0
    chip.away = True
    assert sensor.poll() == pytest.approx(0.002)  # a new outage backs off from the start again


def outage(caplog, until: float, level: int) -> tuple[Clock, AdcSensor]:
    """A chip read once at 10 s, away until ``until`` (the sensor polled as its waits say), then back; logged from ``level``."""
    clock, chip = Clock(10.0), Chip()
    sensor = sensor_on(clock, chip)
    sensor.poll()
    chip.away = True
    with caplog.at_level(level, logger="breathcue.hw.sampling"):
        while clock() < until:
            clock.advance(sensor.poll())
        chip.away = False
        sensor.poll()
    return clock, sensor


def test_the_journal_says_once_that_the_chip_is_away_and_for_how_long_when_it_is_back(caplog):
    clock, sensor = outage(caplog, 12.0, logging.DEBUG)
    said = messages(caplog, logging.INFO)
    assert said == ["the ADC: [Errno 121] Remote I/O error; retrying every 0.1 s at most", f"the ADC is back after {clock() - 10.0:.1f} s"]
    assert said[1] in ("the ADC is back after 2.0 s", "the ADC is back after 2.1 s")
    retries = [r.getMessage() for r in caplog.records if r.levelno == logging.DEBUG]  # every other failed try, for -v
    assert len(retries) == sensor.errors - 1 and set(retries) == {"the ADC: [Errno 121] Remote I/O error; retrying"}


def test_a_chip_away_for_under_half_a_second_is_not_worth_a_warning(caplog):
    _, sensor = outage(caplog, 10.3, logging.INFO)
    assert messages(caplog, logging.INFO) == [] and sensor.errors > 3


def test_a_chip_never_seen_is_reported_at_its_first_failure_and_an_oserror_is_no_driver_bug(caplog):
    clock, chip = Clock(), Chip()
    chip.away = True
    sensor = sensor_on(clock, chip, name="ADS1115 at 0x48")
    with caplog.at_level(logging.INFO, logger="breathcue.hw.sampling"):
        sensor.poll()
    assert messages(caplog) == ["ADS1115 at 0x48: [Errno 121] Remote I/O error; retrying every 0.1 s at most"]


def test_a_driver_bug_is_named_as_one_in_the_journal(caplog):
    class Buggy(Chip):
        def read_raw(self) -> int:
            raise RuntimeError("driver bug")

    clock = Clock()
    sensor = sensor_on(clock, Buggy())
    with caplog.at_level(logging.WARNING, logger="breathcue.hw.sampling"):
        assert sensor.poll() == pytest.approx(0.002)
    assert messages(caplog)[0] == "the ADC: unexpected RuntimeError from the driver, counted as an I2C error: driver bug"
    assert sensor.read(0.0) == Sample(0.0, None, "i2c_error")


# --- the rails ---------------------------------------------------------------------------------


def pinned(value: float, rate: float = 20.0, seconds: float = 1.5) -> list[Sample]:
    """A strap reading ``value`` from the very first sample, through RailGuard (as a simulated strap is)."""

    class Stuck:
        rate_hz = rate

        def read(self, t: float) -> Sample:
            return Sample(t, value)

        def close(self) -> None: ...

    guard = RailGuard(Stuck(), Rails(0.0, 3.3, 0.02))
    return [guard.read(n / rate) for n in range(int(seconds * rate))]


def test_a_strap_at_a_rail_from_the_first_sample_is_saturated_from_half_a_second_on():
    samples = pinned(3.3)
    assert [s.fault for s in samples[:10]] == [None] * 10
    assert samples[10] == Sample(0.5, None, "saturated")  # SATURATED_SECONDS after the first at the rail
    assert {s.fault for s in samples[10:]} == {"saturated"}


@pytest.mark.parametrize("volts", [0.0, 0.01, 0.02, 3.3 - 0.02, 3.3])
def test_within_the_rail_margin_inclusive_is_at_the_rail(volts: float):
    """docs/configuration.md: a reading within rail_margin_v of 0 V or of the top rail for 0.5 s is saturated."""
    assert pinned(volts)[-1].fault == "saturated"


@pytest.mark.parametrize("volts", [0.021, 1.6, 3.3 - 0.021])
def test_just_inside_the_margin_is_a_reading(volts: float):
    assert {s.fault for s in pinned(volts)} == {None}


# --- the real ADC, opened from the config ---------------------------------------------------------


def test_an_absent_bus_is_logged_by_the_chip_and_address_configured(monkeypatch, caplog):
    asked = []

    def no_bus(number: int):
        asked.append(number)
        raise FileNotFoundError(errno.ENOENT, f"there is no I2C bus /dev/i2c-{number}")

    monkeypatch.setattr(sampling, "open_bus", no_bus)
    monkeypatch.setattr(sampling, "STARTUP_SECONDS", 0.05)
    with caplog.at_level(logging.WARNING, logger="breathcue.hw.sampling"):
        sensor = open_adc_sensor(configmod.SensorConfig(chip="ads1015", address=0x49, bus=3))
        sensor.close()
    said = messages(caplog, logging.WARNING)
    assert said[0] == "ADS1015 at 0x49: [Errno 2] there is no I2C bus /dev/i2c-3; retrying every 0.1 s at most"
    assert "no conversion from ADS1015 at 0x49 yet; `breathcue sensor scan` shows what answers on the bus" in said
    assert set(asked) == {3}


def test_the_journal_says_what_is_read_and_the_thread_retries_an_absent_chip_until_it_answers(monkeypatch, caplog):
    emu = ADS1115Emulator(time.monotonic, inputs=(1.25, 0, 0, 0), noise_lsb=1)
    now = time.monotonic()
    emu.unplug(now, now + 0.4)
    monkeypatch.setattr(sampling, "open_bus", lambda number: emu)
    monkeypatch.setattr(sampling, "STARTUP_SECONDS", 0.01)
    with caplog.at_level(logging.INFO, logger="breathcue.hw.sampling"):
        sensor = open_adc_sensor(configmod.SensorConfig(data_rate=860, sample_rate_hz=50.0))
        try:
            deadline = time.monotonic() + 5.0
            while sensor.conversions == 0 and time.monotonic() < deadline:
                time.sleep(0.02)
            value = sensor.read(0.0).value
            errors = sensor.errors
        finally:
            sensor.close()
    assert value == pytest.approx(1.25, abs=0.001)  # it kept trying and read the chip once it answered
    assert 1 <= errors <= 40  # with backoff: about ten tries in 0.4 s, not thousands
    assert "reading ADS1115 0x48 on /dev/i2c-1, AIN0, +-4.096 V, 860 SPS, averaged to 50 Hz" in messages(caplog)
    assert any(m.startswith("ADS1115 at 0x48 is back after ") for m in messages(caplog))
    assert emu.closed and not sensor._thread.is_alive()


class Pin:
    """gpiozero's DigitalInputDevice as open_ready_pin makes it (no GPIO here)."""

    opened: list["Pin"] = []

    def __init__(self, pin: int, pull_up: bool = False) -> None:
        self.pin, self.pull_up, self.closed, self.when_activated = pin, pull_up, False, None
        Pin.opened.append(self)

    def close(self) -> None:
        self.closed = True


def test_an_alert_pin_from_gpio_0_puts_the_chip_in_conversion_ready_mode_and_is_released(monkeypatch):
    monkeypatch.setitem(sys.modules, "gpiozero", types.SimpleNamespace(DigitalInputDevice=Pin))
    monkeypatch.setattr(Pin, "opened", [])
    emu = ADS1115Emulator(time.monotonic, inputs=(1.25, 0, 0, 0))
    monkeypatch.setattr(sampling, "open_bus", lambda number: emu)
    monkeypatch.setattr(sampling, "STARTUP_SECONDS", 0.01)
    sensor = open_adc_sensor(configmod.SensorConfig(alert_pin=0))
    try:
        deadline = time.monotonic() + 5.0
        while not emu.registers[3] & 0x8000 and time.monotonic() < deadline:
            time.sleep(0.01)
        assert emu.registers[3] & 0x8000 and not emu.registers[2] & 0x8000  # Hi_thresh MSB 1, Lo_thresh MSB 0
    finally:
        sensor.close()
    [pin] = Pin.opened
    assert (pin.pin, pin.pull_up, pin.closed) == (0, True, True)  # open drain, active low: pulled up; released with the sensor


def test_no_alert_pin_opens_no_gpio(monkeypatch):
    monkeypatch.setitem(sys.modules, "gpiozero", types.SimpleNamespace(DigitalInputDevice=Pin))
    monkeypatch.setattr(Pin, "opened", [])
    monkeypatch.setattr(sampling, "open_bus", lambda number: ADS1115Emulator(time.monotonic))
    monkeypatch.setattr(sampling, "STARTUP_SECONDS", 0.01)
    open_adc_sensor(configmod.SensorConfig(alert_pin=-1)).close()
    assert Pin.opened == []


def test_an_alert_pin_without_gpiozero_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "gpiozero", None)
    with pytest.raises(ImportError) as missing:
        open_adc_sensor(configmod.SensorConfig(alert_pin=17))
    assert str(missing.value) == "sensor.alert_pin needs the gpiozero package: install it with `pip install 'breathcue[pi]'`"


def test_a_sensor_without_a_thread_closes_the_chip_and_the_bus():
    clock, emu, sensor = rig()
    sensor.close()
    assert emu.closed and emu.config & 0x0100  # powered down (single-shot), bus released


EXITS = """
import time
from breathcue.config import SensorConfig
from breathcue.hw import sampling
from tests.ads1115_emulator import ADS1115Emulator

sampling.open_bus = lambda number: ADS1115Emulator(time.monotonic)
sensor = sampling.open_adc_sensor(SensorConfig(data_rate=860))
print(sensor.read(0.0).value is not None)
raise SystemExit(3)  # an error path that never closes the sensor
"""


def test_the_reading_thread_never_keeps_the_program_from_exiting(monkeypatch):
    monkeypatch.setattr(sampling, "open_bus", lambda number: ADS1115Emulator(time.monotonic))
    monkeypatch.setattr(sampling, "STARTUP_SECONDS", 0.5)
    sensor = open_adc_sensor(configmod.SensorConfig(data_rate=860))  # the same in this process: closed, it stops
    sensor.close()
    assert not sensor._thread.is_alive()
    done = subprocess.run([sys.executable, "-c", EXITS], cwd=os.getcwd(), capture_output=True, text=True, timeout=30)
    assert (done.returncode, done.stdout.strip()) == (3, "True"), done.stderr


def test_sensor_read_with_no_chip_yet_shows_no_raw_code_and_the_fault(tmp_path, monkeypatch, capsys):
    from breathcue.cli import main

    def no_bus(number: int):
        raise FileNotFoundError(errno.ENOENT, f"there is no I2C bus /dev/i2c-{number}")

    monkeypatch.delenv("BREATHCUE_CONFIG", raising=False)
    monkeypatch.setattr(sampling, "open_bus", no_bus)
    monkeypatch.setattr(sampling, "STARTUP_SECONDS", 0.01)
    cfg = tmp_path / "pi.toml"
    cfg.write_text('[hardware]\nmode = "pi"\n')
    assert main(["sensor", "read", "--config", str(cfg), "--seconds", "0.2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines and all(line.split("s  ", 1)[1].startswith("raw      -   i2c_error  25 samples/s") for line in lines)
