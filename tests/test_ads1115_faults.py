"""The ADS1115 driver's answers when the chip misbehaves, as sampling and `breathcue sensor` show them.

What `make mutate` found no test for (docs/testing.md): the errno and text
of each error, the log lines, how long it waits for ALERT/RDY, a conversion
left under way in single-shot mode, and the driver coming back after close.
"""

from __future__ import annotations

import errno
import logging

import pytest
from gpiozero import DigitalInputDevice
from gpiozero.pins.mock import MockFactory

from breathcue.hw.ads1115 import ADS1015, ADS1115, parse_channel

from .ads1115_emulator import ADS1115Emulator
from .test_ads1115 import driver, setup



class NoPulse:
    """An ALERT/RDY line that never pulses; it keeps how long each wait for it was allowed."""

    def __init__(self) -> None:
        self.timeouts: list[float] = []

    def wait(self, timeout: float) -> bool:
        self.timeouts.append(timeout)
        return False

def test_a_chip_that_does_not_keep_the_config_written_is_an_eio_naming_both_words():
    clock, emu = setup()
    real_write = emu.write_i2c_block_data
    emu.write_i2c_block_data = lambda addr, register, data: None if register == 1 else real_write(addr, register, data)
    adc = driver(emu, clock)
    with pytest.raises(OSError) as info:
        adc.start()
    assert info.value.errno == errno.EIO
    assert info.value.strerror == "ADS1115 at 0x48: wrote config 0x4283, read back 0x0583"


def test_thresholds_that_do_not_take_are_an_eio():
    factory = MockFactory()
    try:
        pin = DigitalInputDevice(17, pull_up=True, pin_factory=factory)
        clock, emu = setup(alert_pin=factory.pin(17))
        real_write = emu.write_i2c_block_data
        emu.write_i2c_block_data = lambda addr, register, data: None if register in (2, 3) else real_write(addr, register, data)
        adc = driver(emu, clock, ready_pin=pin)
        with pytest.raises(OSError) as info:
            adc.start()
        assert (info.value.errno, info.value.strerror) == (errno.EIO, "ADS1115 at 0x48: the thresholds did not take")
    finally:
        factory.close()


def test_a_chip_that_resets_at_every_read_gives_up_after_two_tries(caplog):
    clock, emu = setup()
    adc = driver(emu, clock)
    adc.start()
    real_read = emu.read_i2c_block_data

    def read(addr, register, length):
        data = real_read(addr, register, length)
        if register == 0:
            emu.reset()  # a brown-out after every conversion read
        return data

    emu.read_i2c_block_data = read
    with caplog.at_level(logging.WARNING, logger="breathcue.hw.ads1115"), pytest.raises(OSError) as info:
        adc.read_volts()
    assert (info.value.errno, info.value.strerror) == (errno.EIO, "ADS1115 at 0x48: keeps losing its configuration")
    assert adc.reconfigurations == 1  # once, between the two tries
    assert "ADS1115 at 0x48: config reads 0x0583, not 0x4283; reconfiguring" in caplog.text
    emu.read_i2c_block_data = real_read
    assert adc.read_volts() == pytest.approx(1.0, abs=0.001) and adc.reconfigurations == 2


def test_each_reset_is_one_more_reconfiguration():
    clock, emu = setup()
    adc = driver(emu, clock)
    adc.start()
    for n in (1, 2, 3):
        emu.reset()
        assert adc.read_volts() == pytest.approx(1.0, abs=0.001) and adc.reconfigurations == n


def test_no_ready_pulse_is_a_timeout_after_three_of_the_slowest_periods():
    factory = MockFactory()
    try:
        pin = DigitalInputDevice(17, pull_up=True, pin_factory=factory)
        clock, emu = setup(alert_pin=factory.pin(17))
        adc = driver(emu, clock, ready_pin=pin, data_rate=860)
        adc.start()
        clock.advance(1.0)  # long settled

        adc._ready = no_pulse = NoPulse()
        with pytest.raises(TimeoutError) as info:
            adc.read_volts()
        assert info.value.errno == errno.ETIMEDOUT
        assert info.value.strerror == "ADS1115 at 0x48: no conversion-ready pulse on ALERT/RDY"
        assert no_pulse.timeouts == [pytest.approx(3 / (860 * 0.9))]  # the oscillator may run 10 % slow
        adc.close()
        assert pin.when_activated is None  # close lets go of the pin
    finally:
        factory.close()


def test_the_wait_for_the_first_pulse_includes_the_settling_time():
    factory = MockFactory()
    try:
        pin = DigitalInputDevice(17, pull_up=True, pin_factory=factory)
        clock, emu = setup(alert_pin=factory.pin(17))
        adc = driver(emu, clock, ready_pin=pin, data_rate=860)
        adc.start()
        settle = adc._settled_at - clock()
        assert settle > 0

        adc._ready = no_pulse = NoPulse()
        with pytest.raises(TimeoutError):
            adc.read_volts()
        assert no_pulse.timeouts == [pytest.approx(settle + 3 / (860 * 0.9))]
    finally:
        factory.close()


def test_a_single_shot_conversion_under_way_is_waited_out():
    # Someone started a slow single-shot conversion of AIN3 (8 SPS); the driver takes over at 860 SPS.
    clock, emu = setup()
    emu.write_i2c_block_data(0x48, 1, [0xF3, 0x03])  # OS 1, MUX AIN3, PGA 4.096 V, MODE single-shot, DR 8 SPS
    clock.advance(0.01)
    adc = driver(emu, clock, channel=0, data_rate=860)
    adc.start()
    assert adc.read_volts() == pytest.approx(1.0, abs=0.001)


def test_an_ads1015_left_at_its_fastest_rate_is_taken_over():
    clock, emu = setup(chip="ads1015")
    emu.write_i2c_block_data(0x48, 1, [0x72, 0xE3])  # continuous on AIN3 at DR 111 (3300 SPS)
    clock.advance(0.01)
    adc = driver(emu, clock, cls=ADS1015)
    assert adc.channel == (0, None)  # AIN0 by default
    adc.start()
    assert adc.read_volts() == pytest.approx(1.0, abs=0.002)


def test_the_driver_configures_the_chip_on_first_read_and_again_after_close():
    clock, emu = setup()
    adc = driver(emu, clock)
    assert adc.last_raw is None
    assert adc.read_volts() == pytest.approx(1.0, abs=0.001)  # no start(): the first read configures
    assert emu.config & 0x7FFF == adc.config and adc.reconfigurations == 1
    adc.close()
    assert emu.config & 0x0100  # powered down
    assert adc.read_volts() == pytest.approx(1.0, abs=0.001) and adc.reconfigurations == 2


def test_closing_an_absent_chip_is_logged_for_debugging(caplog):
    clock, emu = setup()
    with caplog.at_level(logging.DEBUG, logger="breathcue.hw.ads1115"):
        driver(emu, clock, address=0x4B).close()
    assert caplog.records[-1].getMessage().startswith("ADS1115 at 0x4b: not powered down: ")
    assert "no ACK from 0x4b" in caplog.records[-1].getMessage()


def test_channel_names_as_strings_and_bad_settings_name_what_is_allowed():
    assert parse_channel("1") == (1, None) and parse_channel("0-1") == (0, 1)
    clock, emu = setup()
    with pytest.raises(ValueError) as info:
        ADS1115(emu, full_scale_v=5.0)
    assert str(info.value) == "full_scale_v 5.0: expected one of 6.144, 4.096, 2.048, 1.024, 0.512, 0.256"
    assert isinstance(emu, ADS1115Emulator)
