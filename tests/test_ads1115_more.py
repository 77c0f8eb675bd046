"""The ADS1115 driver: its journal line when the chip lost its settings, whole.

Found by `make mutate` (docs/testing.md): the line was only looked for as a
part of the captured text, so text added around it went unnoticed.
"""

from __future__ import annotations

import logging

import pytest

from .test_ads1115 import driver, setup


def test_a_chip_that_lost_its_settings_is_one_warning_line_naming_both_words(caplog):
    clock, emu = setup()
    adc = driver(emu, clock)
    adc.start()
    emu.reset()  # a brown-out: power-on settings
    with caplog.at_level(logging.WARNING, logger="breathcue.hw.ads1115"):
        assert adc.read_volts() == pytest.approx(1.0, abs=0.001)
    assert [r.getMessage() for r in caplog.records] == ["ADS1115 at 0x48: config reads 0x0583, not 0x4283; reconfiguring"]
    assert adc.reconfigurations == 1

