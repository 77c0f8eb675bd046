"""The sampling layer: conversions averaged into samples on schedule, and faults as states, never holds."""

from __future__ import annotations

import errno
import logging
import math
import time

import pytest

from breathcue import config as configmod
from breathcue.cli import main
from breathcue.core.detector import BreathDetector
from breathcue.core.types import Sample
from breathcue.hw import i2c, sampling
from breathcue.hw.ads1115 import ADS1115
from breathcue.hw.replay import ReplaySensor, load_recording
from breathcue.hw.sampling import AdcSensor, RailGuard, Rails, open_adc_sensor, stream
from breathcue.hw.sim import SimulatedBreather

from .ads1115_emulator import ADS1115Emulator, Clock
from .conftest import DATA

RATE = 25.0


def strap_volts() -> callable:
    """A real breathing recording (NeuroKit2, 100 Hz) as volts at the divider: 1.6 V +- about 0.15 V."""
    rec = load_recording(DATA / "neurokit2_rsp_90s_100hz.csv", rate=100)
    lo, hi = min(rec.values), max(rec.values)
    volts = [1.45 + 0.3 * (v - lo) / (hi - lo) for v in rec.values]

    def at(t: float) -> float:
        x = min(max(t * 100, 0.0), len(volts) - 1.001)
        i = int(x)
        return volts[i] + (x - i) * (volts[i + 1] - volts[i])

    return at


class Worker:
    """The sensor's worker thread, run in step with test time: a poll whenever the last one said."""

    def __init__(self, clock: Clock, sensor: AdcSensor) -> None:
        self.clock, self.sensor, self.next = clock, sensor, clock()

    def until(self, t: float) -> None:
        while self.next <= t:
            if self.clock() < self.next:
                self.clock.advance(self.next - self.clock())
            delay = self.sensor.poll()  # the driver's own waits move the clock on too
            self.next = self.clock() + delay
        if self.clock() < t:
            self.clock.advance(t - self.clock())


def rig(inputs=(1.0, 0, 0, 0), rate=RATE, margin=0.02, data_rate=128, **emu_options):
    clock = Clock()
    emu = ADS1115Emulator(clock, inputs=inputs, **emu_options)
    clock.watchers.append(emu.update)

    def connect() -> ADS1115:
        adc = ADS1115(emu, data_rate=data_rate, monotonic=clock, sleep=clock.sleep)
        adc.start()
        return adc

    sensor = AdcSensor(connect, rate, Rails(0.0, 3.3, margin), monotonic=clock, threaded=False)
    sensor.worker = Worker(clock, sensor)
    while not sensor.conversions:  # as open_adc_sensor waits for the first conversion
        sensor.worker.until(sensor.worker.next)
    return clock, emu, sensor


def run(clock: Clock, sensor: AdcSensor, seconds: float, start: int = 0) -> list[Sample]:
    """What the daemon does while the worker polls: read at n / rate."""
    samples = []
    for n in range(start, start + int(seconds * sensor.rate_hz)):
        deadline = n / sensor.rate_hz
        sensor.worker.until(deadline)
        samples.append(sensor.read(deadline))
    return samples


def amplitude(values: list[float], freq: float, rate: float) -> float:
    """The amplitude of ``freq`` in ``values`` (a single-bin DFT)."""
    re = sum(v * math.cos(2 * math.pi * freq * i / rate) for i, v in enumerate(values))
    im = sum(v * math.sin(2 * math.pi * freq * i / rate) for i, v in enumerate(values))
    return 2 * math.hypot(re, im) / len(values)


# --- averaging and schedule --------------------------------------------------------


def test_samples_are_on_the_schedule_and_average_the_conversions():
    clock, emu, sensor = rig(inputs=(lambda t: 1.5 + 0.2 * math.sin(2 * math.pi * 0.25 * t), 0, 0, 0), noise_lsb=3, rate_error=0.07)
    samples = run(clock, sensor, 20)
    assert [s.t for s in samples] == [n / RATE for n in range(500)]
    assert all(s.fault is None for s in samples)
    # Each sample is the mean over the period before it: the sine half a period (20 ms) late.
    expected = [1.5 + 0.2 * math.sin(2 * math.pi * 0.25 * (s.t - 0.02)) for s in samples]
    assert [s.value for s in samples[5:]] == pytest.approx(expected[5:], abs=0.003)
    # Timed reads take one conversion per nominal period, even from a chip that runs 7 % fast.
    assert sensor.conversions == pytest.approx(20 * 128, rel=0.01)


def test_averaging_removes_what_would_alias_onto_breathing():
    # Taken one conversion per sample, 24 Hz at 25 Hz would fold onto 1 Hz, a breathing
    # rate, at full amplitude, and 50 Hz mains onto a constant offset that wanders.
    clock, emu, sensor = rig(inputs=(lambda t: 1.5 + 0.1 * math.sin(2 * math.pi * 24.0 * t), 0, 0, 0), data_rate=860)
    values = [s.value for s in run(clock, sensor, 20)][25:]
    assert amplitude(values, 1.0, RATE) < 0.01  # 0.1 V in: at least 20 dB down
    clock, emu, sensor = rig(inputs=(lambda t: 1.5 + 0.1 * math.sin(2 * math.pi * 50.0 * t + 0.3), 0, 0, 0), data_rate=860)
    values = [s.value for s in run(clock, sensor, 20)][25:]
    assert max(values) - min(values) < 0.01


def test_a_late_conversion_holds_the_last_value_without_a_fault():
    clock, emu, sensor = rig(data_rate=32)  # 32 conversions a second for 25 samples: now and then none
    samples = run(clock, sensor, 4)
    assert all(s.value == pytest.approx(1.0, abs=0.001) for s in samples)


# --- I2C faults ----------------------------------------------------------------------------


def test_a_chip_that_stays_away_gives_i2c_error_then_comes_back():
    clock, emu, sensor = rig(inputs=(strap_volts(), 0, 0, 0), noise_lsb=2)
    emu.unplug(10.0, 15.0)
    samples = run(clock, sensor, 20)
    lost = [s.t for s in samples if s.fault == "i2c_error"]
    assert lost[0] == pytest.approx(10.0 + sampling.STALE_SECONDS, abs=0.05)
    assert lost[-1] == pytest.approx(15.0, abs=sampling.MAX_BACKOFF + 0.05)
    assert all(s.value is None for s in samples if s.fault)
    assert {s.fault for s in samples} == {None, "i2c_error"}
    # Retried with backoff: a few dozen attempts in 5 s, not thousands.
    assert 20 < sensor.errors < 80


def test_failing_transactions_are_retried_and_never_give_a_wrong_value():
    clock, emu, sensor = rig(error_rate=0.2, seed=7, noise_lsb=1)
    samples = run(clock, sensor, 30)
    assert emu.failures > 500
    assert [s.fault for s in samples] == [None] * len(samples)
    assert [s.value for s in samples] == pytest.approx([1.0] * len(samples), abs=0.001)


def test_chip_resets_are_repaired_without_a_gap():
    clock, emu, sensor = rig()
    samples = run(clock, sensor, 2)
    for k in range(5):
        emu.reset()
        samples += run(clock, sensor, 1, start=len(samples))
    assert all(s.value == pytest.approx(1.0, abs=0.001) for s in samples)


def test_log_says_once_that_it_retries_and_once_that_it_is_back(caplog):
    clock, emu, sensor = rig()
    emu.unplug(1.0, 3.0)
    with caplog.at_level(logging.INFO, logger="breathcue.hw.sampling"):
        run(clock, sensor, 5)
    messages = [r.getMessage() for r in caplog.records]
    assert sum("retrying" in m for m in messages) == 1
    assert sum("is back after" in m for m in messages) == 1


# --- saturation ------------------------------------------------------------------------------


def test_a_reading_pinned_at_a_rail_is_saturated_but_a_brief_clip_is_not():
    def strap(t: float) -> float:
        if 5.0 <= t < 5.3 or 10.0 <= t < 14.0:
            return 3.3  # open circuit: the divider's top rail
        return 1.6 + 0.2 * math.sin(2 * math.pi * 0.2 * t)

    clock, emu, sensor = rig(inputs=(strap, 0, 0, 0))
    samples = run(clock, sensor, 18)
    saturated = [s.t for s in samples if s.fault == "saturated"]
    assert saturated[0] == pytest.approx(10.0 + sampling.SATURATED_SECONDS, abs=0.1)
    assert saturated[-1] == pytest.approx(14.0, abs=0.1)
    assert all(4.0 > t or t > 6.0 for t in saturated)


def test_rails_of_the_config():
    cfg = configmod.SensorConfig(supply_v=5.0, full_scale_v=4.096, rail_margin_v=0.05)
    rails = Rails.of(cfg)
    assert (rails.low, rails.high, rails.margin) == (0.0, 4.096, 0.05)
    diff = Rails.of(configmod.SensorConfig(channel="0-1", full_scale_v=2.048))
    assert (diff.low, diff.high) == (-2.048, 2.048)


# --- through the detector: faults are states, never holds --------------------------------------


def test_fault_scenarios_give_signal_lost_and_ok_and_never_a_hold(default_config):
    breathing = strap_volts()

    def strap(t: float) -> float:
        return 3.3 if 65.0 <= t < 75.0 else breathing(t)  # the cord unplugged: the top rail

    clock, emu, sensor = rig(inputs=(strap, 0, 0, 0), noise_lsb=2, error_rate=0.05, seed=3)
    emu.unplug(40.0, 55.0)
    detector = BreathDetector(default_config.detector, RATE)
    events = []
    for s in run(clock, sensor, 89):
        events += detector.update(s)
    names = [(e.name, e.get("reason")) for e in events if e.name.startswith(("signal", "hold"))]
    assert names == [("signal_lost", "i2c_error"), ("signal_ok", None), ("signal_lost", "saturated"), ("signal_ok", None)]
    lost_i2c, ok_1, lost_sat, ok_2 = (e.t for e in events if e.name.startswith("signal"))
    assert 40.0 < lost_i2c < 41.0 and 55.0 <= ok_1 < 56.0
    assert 65.0 < lost_sat < 66.0 and 75.0 <= ok_2 < 76.0
    assert sum(e.name == "breath" for e in events) > 10


# --- the real thing, on a thread ------------------------------------------------------------------


def test_open_adc_sensor_reads_on_its_own_thread_and_closes_cleanly(monkeypatch):
    emu = ADS1115Emulator(time.monotonic, inputs=(1.25, 0, 0, 0), noise_lsb=2)
    monkeypatch.setattr(sampling, "open_bus", lambda n: emu)
    cfg = configmod.SensorConfig(data_rate=860, sample_rate_hz=50.0)
    sensor = open_adc_sensor(cfg)
    try:
        assert sensor.rate_hz == 50.0
        time.sleep(0.1)
        first = sensor.read(0.0)
        assert first.value == pytest.approx(1.25, abs=0.001)
        assert sensor.conversions > 20
    finally:
        sensor.close()
    assert emu.closed and emu.config & 0x0100  # powered down, bus released
    assert not sensor._thread.is_alive()


def test_no_bus_is_a_lost_signal_not_a_crash(monkeypatch, tmp_path, caplog):
    monkeypatch.setattr(i2c, "device_path", lambda n: tmp_path / f"i2c-{n}")
    monkeypatch.setattr(sampling, "STARTUP_SECONDS", 0.05)
    with caplog.at_level(logging.WARNING):
        sensor = open_adc_sensor(configmod.SensorConfig())
    try:
        assert sensor.read(0.0) == Sample(0.0, None, "i2c_error")
    finally:
        sensor.close()
    text = caplog.text
    assert "there is no I2C bus" in text and "raspi-config" in text and "breathcue sensor scan" in text


# --- other sources, and the schedule ------------------------------------------------------------


def test_rail_guard_reports_a_simulated_strap_at_a_rail_as_saturated():
    class Pinned:
        rate_hz = RATE

        def read(self, t):
            return Sample(t, 3.299 if t >= 1.0 else 1.6)

        def close(self):
            pass

    guard = RailGuard(Pinned(), Rails(0.0, 3.3, 0.02))
    samples = [guard.read(n / RATE) for n in range(50)]
    assert [s.fault for s in samples[:37]] == [None] * 37
    assert {s.fault for s in samples[38:]} == {"saturated"}


def test_stream_reads_on_the_clock_schedule(vclock):
    sensor = SimulatedBreather(seed=1, rate_hz=RATE)
    samples = list(stream(sensor, vclock, 2.0, lambda: False))
    assert [s.t for s in samples] == [n / RATE for n in range(50)]
    assert vclock.now() == pytest.approx(49 / RATE)


# --- scanning the bus --------------------------------------------------------------------------


def test_scan_draws_the_grid_as_i2cdetect_does():
    class Bus:
        def write_quick(self, addr):
            if addr == 0x3C:
                raise OSError(errno.EBUSY, "busy")
            if addr not in (0x48, 0x3C):
                raise OSError(errno.EREMOTEIO, "no ack")

        def read_byte(self, addr):
            if addr != 0x50:
                raise OSError(errno.EREMOTEIO, "no ack")
            return 0

    grid = i2c.draw(i2c.scan(Bus()))
    lines = grid.splitlines()
    assert lines[0] == "     0  1  2  3  4  5  6  7  8  9  a  b  c  d  e  f"
    assert lines[1] == "00:                         -- -- -- -- -- -- -- --"
    assert lines[4] == "30: -- -- -- -- -- -- -- -- -- -- -- -- UU -- -- --"
    assert lines[5] == "40: -- -- -- -- -- -- -- -- 48 -- -- -- -- -- -- --"
    assert lines[6] == "50: 50 -- -- -- -- -- -- -- -- -- -- -- -- -- -- --"
    assert lines[8] == "70: -- -- -- -- -- -- -- --"


def test_scan_finds_the_emulated_chip():
    emu = ADS1115Emulator(Clock(), address=0x4A)
    assert [a for a, state in i2c.scan(emu).items() if state == "found"] == [0x4A]


def test_open_bus_says_how_to_enable_i2c(monkeypatch, tmp_path):
    monkeypatch.setattr(i2c, "device_path", lambda n: tmp_path / f"i2c-{n}")
    with pytest.raises(FileNotFoundError, match=r"there is no I2C bus .*i2c-1: enable I2C with `sudo raspi-config"):
        i2c.open_bus(1)



# --- breathcue sensor ---------------------------------------------------------------------------


@pytest.fixture
def no_config(monkeypatch):
    monkeypatch.delenv("BREATHCUE_CONFIG", raising=False)


def test_sensor_read_sim_prints_volts_about_ten_times_a_second(no_config, capsys):
    assert main(["sensor", "read", "--sim", "--clock", "virtual", "--seconds", "2"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert 20 <= len(lines) <= 26
    assert lines[0].startswith("t=    0.00 s") and " V  25 samples/s" in lines[0]


def test_sensor_record_writes_the_recording_format_and_it_replays(no_config, tmp_path, capsys):
    out = tmp_path / "strap.csv"
    assert main(["sensor", "record", str(out), "--sim", "--scenario", "strap-off", "--seed", "0", "--clock", "virtual", "--seconds", "90"]) == 0
    assert f"recorded 2250 samples (90.0 s at 25 Hz) to {out}" in capsys.readouterr().out
    rec = load_recording(out)
    assert (rec.rate_hz, rec.units, len(rec.values)) == (25.0, "V", 2250)
    assert "simulated breather, scenario strap-off, seed 0" in rec.source
    assert set(rec.faults.values()) == {"saturated"}  # the strap was unplugged at about 60 s
    replay = ReplaySensor(rec, 25.0)
    first = min(rec.faults)
    assert replay.read(first / 25) == Sample(first / 25, None, "saturated")


def test_sensor_read_on_the_adc_shows_raw_codes_and_rates(tmp_path, monkeypatch, capsys):
    emu = ADS1115Emulator(time.monotonic, inputs=(1.25, 0, 0, 0), noise_lsb=2)
    monkeypatch.setattr(sampling, "open_bus", lambda n: emu)
    cfg = tmp_path / "pi.toml"
    cfg.write_text('[hardware]\nmode = "pi"\n[sensor]\ndata_rate = 250\n')
    assert main(["sensor", "read", "--config", str(cfg), "--seconds", "0.8"]) == 0
    lines = capsys.readouterr().out.splitlines()
    fields = lines[-1].split("raw")[1].split()
    raw, volts = int(fields[0]), float(fields[1])
    assert abs(raw - 10000) <= 10  # 1.25 V / 4.096 V * 32768, with 2 LSB of noise
    assert fields[2] == "V" and abs(volts - 1.25) < 0.001
    assert "conversions/s" in lines[-1] and "0 I2C errors" in lines[-1]
    assert emu.closed
    assert main(["sensor", "read", "--config", str(cfg), "--clock", "virtual"]) == 2
    assert "--clock virtual needs --sim" in capsys.readouterr().err


def test_sensor_scan_without_a_bus_says_how_to_enable_it(no_config, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(i2c, "device_path", lambda n: tmp_path / f"i2c-{n}")
    assert main(["sensor", "scan"]) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith("breathcue: there is no I2C bus") and "raspi-config" in captured.err
    assert "Traceback" not in captured.err and captured.out == ""


def test_sensor_scan_draws_the_bus_and_finds_or_misses_the_adc(no_config, monkeypatch, capsys):
    emu = ADS1115Emulator(Clock(), address=0x48)
    monkeypatch.setattr(i2c, "open_bus", lambda n: emu)
    assert main(["sensor", "scan"]) == 0
    out = capsys.readouterr().out
    assert "40: -- -- -- -- -- -- -- -- 48 --" in out and "0x48 answers: the ADS1115" in out
    assert emu.closed
    emu = ADS1115Emulator(Clock(), address=0x4B)
    monkeypatch.setattr(i2c, "open_bus", lambda n: emu)
    assert main(["sensor", "scan"]) == 1
    out = capsys.readouterr().out
    assert "nothing answers at 0x48" in out and "set sensor.address to it (ADDR to SCL)" in out


def test_a_non_oserror_from_the_driver_is_an_i2c_error_and_sampling_goes_on(caplog):
    """Issue 14: a RuntimeError from the driver used to end the sampling thread for good."""
    clock, emu, sensor = rig(inputs=(strap_volts(), 0, 0, 0), noise_lsb=2)
    real = sensor._adc.read_raw
    calls = {"n": 0}

    def flaky() -> int:
        calls["n"] += 1
        if 40 <= calls["n"] < 45:
            raise RuntimeError("driver bug")
        return real()

    sensor._adc.read_raw = flaky
    errors = sensor.errors
    with caplog.at_level(logging.WARNING):
        samples = run(clock, sensor, 5)
    assert sensor.errors - errors == 5
    assert "unexpected RuntimeError from the driver" in caplog.text
    assert samples[-1].value is not None and sensor.conversions > 40
