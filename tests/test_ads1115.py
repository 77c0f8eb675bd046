"""The ADS1115 / ADS1015 driver against the register-level emulator (tests/ads1115_emulator.py)."""

from __future__ import annotations

import errno

import pytest
from gpiozero import DigitalInputDevice
from gpiozero.pins.mock import MockFactory

from breathcue.hw.ads1115 import ADS1015, ADS1115, PGA, describe_channel, parse_channel

from .ads1115_emulator import ADS1115Emulator, Clock

INPUTS = (1.0, 2.0, 0.5, 3.0)  # AIN0-AIN3 against GND, all different so a wrong input shows


def setup(clock_t: float = 0.0, **options) -> tuple[Clock, ADS1115Emulator]:
    clock = Clock(clock_t)
    options.setdefault("inputs", INPUTS)
    emu = ADS1115Emulator(clock, **options)
    clock.watchers.append(emu.update)
    return clock, emu


def driver(emu: ADS1115Emulator, clock: Clock, cls=ADS1115, **options) -> ADS1115:
    return cls(emu, monotonic=clock, sleep=clock.sleep, **options)


# --- the acceptance figures ---------------------------------------------------------


def test_one_volt_on_channel_0_at_4v096():
    clock, emu = setup(noise_lsb=2)
    adc = driver(emu, clock, channel=0, full_scale_v=4.096)
    adc.start()
    assert [adc.read_volts() for _ in range(20)] == pytest.approx([1.0] * 20, abs=0.001)


def test_half_a_volt_on_channel_2_at_2v048():
    clock, emu = setup(noise_lsb=2)
    adc = driver(emu, clock, channel=2, full_scale_v=2.048)
    adc.start()
    assert [adc.read_volts() for _ in range(20)] == pytest.approx([0.5] * 20, abs=0.001)


def test_absent_chip_raises_oserror_at_start():
    clock, emu = setup()
    adc = driver(emu, clock, address=0x49)
    with pytest.raises(OSError) as info:
        adc.start()
    assert info.value.errno == errno.EREMOTEIO


def test_right_again_after_a_chip_reset():
    clock, emu = setup()
    adc = driver(emu, clock)
    adc.start()
    assert adc.read_volts() == pytest.approx(1.0, abs=0.001)
    emu.reset()  # back to 0x8583: single-shot, AIN0-AIN1, 2.048 V, powered down, conversion 0
    assert adc.read_volts() == pytest.approx(1.0, abs=0.001)
    assert adc.reconfigurations == 1
    assert emu.config & 0x7FFF == adc.config


def test_with_a_fifth_of_transactions_failing_every_value_is_right():
    clock, emu = setup(error_rate=0.2, noise_lsb=1, seed=4, rate_error=-0.1)
    emu.registers[1] = 0x7283  # left running by someone else: continuous on AIN3 at 4.096 V
    emu.write_i2c_block_data(0x48, 1, [0x72, 0x83])
    emu.error_rate = 0.2
    adc = driver(emu, clock, channel=0)
    values, errors = [], 0
    started = False
    for i in range(3000):
        if i in (700, 1900):
            emu.reset()
        try:
            if not started:
                adc.start()
                started = True
            values.append(adc.read_volts())
        except OSError:
            errors += 1
        clock.advance(0.001)
    assert emu.failures > 300 and errors > 300
    assert len(values) > 1000
    assert values == pytest.approx([1.0] * len(values), abs=0.001)


def test_reconfiguring_never_returns_a_conversion_of_the_old_input():
    for rate_error in (-0.1, 0.0, 0.1):
        clock, emu = setup(rate_error=rate_error)
        emu.write_i2c_block_data(0x48, 1, [0x72, 0x83])  # continuous on AIN3 (3.0 V)
        clock.advance(0.05)
        assert emu.registers[0] != 0
        adc = driver(emu, clock, channel=0)
        adc.start()
        assert adc.read_volts() == pytest.approx(1.0, abs=0.001)


@pytest.mark.parametrize("rate_error", [-0.1, -0.08, -0.04])
def test_a_slow_oscillator_never_gives_a_conversion_of_the_old_input(rate_error):
    # The chip's oscillator may run up to 10 % slow: the conversion under way when the new settings
    # are written, and the first with them, both take longer than nominal. Wherever in the old
    # conversion the write falls, the first value returned is of the new input.
    for step in range(16):
        clock, emu = setup(rate_error=rate_error)
        emu.write_i2c_block_data(0x48, 1, [0x72, 0x83])  # continuous on AIN3 (3.0 V) at 128 SPS
        clock.advance(0.02 + step / 16 / 128)
        adc = driver(emu, clock, channel=0)
        adc.start()
        assert adc.read_volts() == pytest.approx(1.0, abs=0.001), f"write {step}/16 into a conversion"


def test_a_short_i2c_read_is_an_oserror_and_the_next_read_is_right():
    clock, emu = setup()
    adc = driver(emu, clock)
    adc.start()
    real_read = emu.read_i2c_block_data
    short = [True]

    def read(addr, register, length):
        data = real_read(addr, register, length)
        if short and register == 0:
            short.clear()
            return data[:1]  # the chip let go of the bus after one byte
        return data

    emu.read_i2c_block_data = read
    with pytest.raises(OSError) as info:
        adc.read_volts()
    assert info.value.errno == errno.EIO and "short read" in str(info.value)
    assert adc.read_volts() == pytest.approx(1.0, abs=0.001)


# --- the register map ---------------------------------------------------------------


def test_config_word_is_written_big_endian_as_the_datasheet_lays_it_out():
    clock, emu = setup()
    adc = driver(emu, clock, channel=0, full_scale_v=4.096, data_rate=128)
    adc.start()
    # OS 0 | MUX 100 (AIN0-GND) | PGA 001 | MODE 0 | DR 100 | COMP 0 0 0 | QUE 11
    assert adc.config == 0b0_100_001_0_100_0_0_0_11 == 0x4283
    assert emu.config & 0x7FFF == 0x4283


@pytest.mark.parametrize("channel", [0, 1, 2, 3, "0-1", "0-3", "1-3", "2-3", (2, 3)])
def test_every_input_and_differential_pair(channel):
    clock, emu = setup()
    adc = driver(emu, clock, channel=channel, full_scale_v=4.096)
    adc.start()
    positive, negative = parse_channel(channel)
    expected = INPUTS[positive] - (INPUTS[negative] if negative is not None else 0.0)
    assert adc.read_volts() == pytest.approx(expected, abs=0.001)


def test_channel_names():
    assert describe_channel(2) == "AIN2" and describe_channel("1-3") == "AIN1-AIN3"
    for bad in (4, "1-2", "x", (3, 0)):
        with pytest.raises(ValueError, match="expected 0, 1, 2, 3"):
            parse_channel(bad)


@pytest.mark.parametrize("full_scale", sorted(PGA))
def test_every_full_scale_reads_to_one_lsb_and_clips_at_full_scale(full_scale):
    inside = full_scale * 0.61
    clock, emu = setup(inputs=(inside, 0.0, full_scale * 1.5, 0.0))
    adc = driver(emu, clock, channel=0, full_scale_v=full_scale)
    adc.start()
    lsb = full_scale / 32768
    assert abs(adc.read_volts() - inside) <= lsb
    clipped = driver(emu, clock, channel=2, full_scale_v=full_scale)
    clipped.start()
    assert clipped.read_raw() == 32767
    assert clipped.read_volts() == pytest.approx(full_scale - lsb)


def test_negative_differential_reading():
    clock, emu = setup(inputs=(0.25, 0.75, 0.0, 0.0))
    adc = driver(emu, clock, channel="0-1", full_scale_v=1.024)
    adc.start()
    assert adc.read_raw() == -16000
    assert adc.read_volts() == pytest.approx(-0.5, abs=0.0001)


@pytest.mark.parametrize("rate", sorted(ADS1115.DATA_RATES))
def test_every_data_rate_gives_a_new_conversion_each_period(rate):
    clock, emu = setup(inputs=(lambda t: 0.001 * t, 0, 0, 0))
    adc = driver(emu, clock, data_rate=rate)
    adc.start()
    adc.read_volts()
    before, t0 = emu.conversions, clock()
    for _ in range(40):
        adc.read_volts()
    assert (clock() - t0) == pytest.approx(40 / rate, rel=0.01)
    assert emu.conversions - before == pytest.approx(40, abs=1)


def test_ads1015_is_12_bit_left_justified_with_its_own_rates():
    clock, emu = setup(chip="ads1015", inputs=(1.0, 0.0, -5.0, 0.0))
    adc = driver(emu, clock, cls=ADS1015, channel=0)
    assert adc.data_rate == 1600
    adc.start()
    assert adc.read_raw() == 500  # 1.0 V / 4.096 V * 2048
    assert adc.read_volts() == pytest.approx(1.0, abs=0.002)
    diff = driver(emu, clock, cls=ADS1015, channel="2-3", data_rate=3300)
    diff.start()
    assert diff.read_raw() == -2048
    with pytest.raises(ValueError, match="the ADS1015 runs at 128, 250, 490"):
        ADS1015(emu, data_rate=860)


def test_bad_settings_are_refused():
    clock, emu = setup()
    with pytest.raises(ValueError, match="address 0x50: expected one of 0x48, 0x49, 0x4a, 0x4b"):
        ADS1115(emu, address=0x50)
    with pytest.raises(ValueError, match="full_scale_v 5.0"):
        ADS1115(emu, full_scale_v=5.0)
    with pytest.raises(ValueError, match="the ADS1115 runs at 8, 16"):
        ADS1115(emu, data_rate=100)


# --- faults ---------------------------------------------------------------------------


def test_unplugged_raises_oserror_then_reads_right_once_back():
    clock, emu = setup()
    adc = driver(emu, clock)
    adc.start()
    emu.unplug(clock() + 0.1, clock() + 0.5)
    clock.advance(0.2)
    with pytest.raises(OSError):
        adc.read_volts()
    clock.advance(0.4)
    assert adc.read_volts() == pytest.approx(1.0, abs=0.001)
    assert adc.reconfigurations == 1  # it came back with power-on values


def test_a_failed_config_write_is_rewritten_on_the_next_read():
    clock, emu = setup()
    adc = driver(emu, clock)
    real_write = emu.write_i2c_block_data
    calls = []

    def failing_write(addr, register, data):
        calls.append(register)
        if len(calls) == 1:
            raise OSError(errno.EIO, "Input/output error")
        real_write(addr, register, data)

    emu.write_i2c_block_data = failing_write
    with pytest.raises(OSError):
        adc.start()
    assert adc.read_volts() == pytest.approx(1.0, abs=0.001)
    assert calls == [1, 1]


def test_close_powers_the_chip_down_and_tolerates_an_absent_one():
    clock, emu = setup()
    adc = driver(emu, clock)
    adc.start()
    adc.close()
    assert emu.config & 0x0100  # MODE 1: single-shot / power-down
    driver(emu, clock, address=0x4B).close()


# --- ALERT/RDY ----------------------------------------------------------------------------


@pytest.fixture
def factory():
    f = MockFactory()
    yield f
    f.close()


def test_alert_rdy_pin_paces_reads_in_conversion_ready_mode(factory):
    pin = DigitalInputDevice(17, pull_up=True, pin_factory=factory)
    clock, emu = setup(alert_pin=factory.pin(17), inputs=(lambda t: 1.0 + 0.001 * t, 0, 0, 0))
    adc = driver(emu, clock, ready_pin=pin, data_rate=860)
    adc.start()
    assert emu.registers[3] & 0x8000 and not emu.registers[2] & 0x8000  # Hi_thresh MSB 1, Lo_thresh MSB 0
    assert emu.config & 0b11 != 0b11  # COMP_QUE: the comparator is on
    clock.advance(3 / 860)
    first = adc.read_volts()
    assert first == pytest.approx(1.0, abs=0.001)
    with pytest.raises(TimeoutError):  # no new conversion: no pulse
        adc.read_volts()
    clock.advance(1 / 860)
    assert adc.read_volts() == pytest.approx(1.0, abs=0.001)
    pin.close()


def test_alert_rdy_ignores_pulses_of_conversions_with_the_old_settings(factory):
    pin = DigitalInputDevice(27, pull_up=True, pin_factory=factory)
    clock, emu = setup(alert_pin=factory.pin(27))
    emu.registers[2], emu.registers[3] = 0x0000, 0x8000
    emu.write_i2c_block_data(0x48, 1, [0x72, 0x80])  # continuous on AIN3 with the ready pulse
    clock.advance(0.01)
    adc = driver(emu, clock, ready_pin=pin, channel=0, data_rate=128)
    adc.start()
    clock.advance(1 / 128)  # the conversion that was under way (AIN3) ends: its pulse is not ours
    with pytest.raises(TimeoutError):
        adc.read_volts()
    clock.advance(1.5 / 128)
    assert adc.read_volts() == pytest.approx(1.0, abs=0.001)
    pin.close()
