"""The vibration channel on gpiozero's mock pins: the pulse pattern of a bright hold nudge, and silence otherwise."""

from __future__ import annotations

import time
from datetime import datetime

import pytest

from breathcue.config import ConfigError, VibrationConfig, parse_text
from breathcue.core.types import Event
from breathcue.hw.vibration import should_buzz
from breathcue.vibrate import open_sinks

gpiozero = pytest.importorskip("gpiozero")
from gpiozero.pins.mock import MockFactory, MockPWMPin  # noqa: E402

CONFIG = VibrationConfig(enabled=True, pin=27, pulses=3, pulse_seconds=0.05, gap_seconds=0.05, quiet=("12:00-13:00",))
MORNING, LUNCH = datetime(2026, 11, 24, 10, 30), datetime(2026, 11, 24, 12, 15)
BRIGHT = Event("cue_level", 100.0, {"reason": "hold", "level": 2})


@pytest.fixture
def motor():
    factory = MockFactory(pin_class=MockPWMPin)
    sinks = open_sinks(CONFIG, pin_factory=factory)
    assert len(sinks) == 1
    yield sinks[0], factory.pin(27)
    sinks[0].close()
    factory.close()


def levels(pin, settle: float = 2.0) -> list[float]:
    """The values the pin took, once the background pattern has played (changes only, from the first)."""
    deadline = time.monotonic() + settle
    while time.monotonic() < deadline:
        before = len(pin.states)
        time.sleep(0.3)
        if len(pin.states) == before:
            break
    out: list[float] = []
    for s in pin.states:
        if not out or s.state != out[-1]:
            out.append(s.state)
    return out


def test_a_level_2_hold_nudge_gives_the_documented_pulses(motor):
    sink, pin = motor
    sink.event(BRIGHT, MORNING)
    assert levels(pin) == [0, 1, 0, 1, 0, 1, 0]  # three pulses, and off after


def test_a_level_1_nudge_other_kinds_and_quiet_hours_give_none(motor):
    sink, pin = motor
    sink.event(Event("cue_start", 90.0, {"reason": "hold", "level": 1}), MORNING)
    sink.event(Event("cue_start", 95.0, {"reason": "shallow", "level": 1}), MORNING)
    sink.event(BRIGHT, LUNCH)  # vibration.quiet
    assert levels(pin, settle=0.5) == [0]


def test_the_rule():
    assert should_buzz(BRIGHT, MORNING, CONFIG) and not should_buzz(BRIGHT, LUNCH, CONFIG)
    assert not should_buzz(Event("cue_level", 1.0, {"reason": "hold", "level": 1}), MORNING, CONFIG)
    assert not should_buzz(Event("cue_start", 1.0, {"reason": "rapid", "level": 2}), MORNING, CONFIG)
    overnight = VibrationConfig(enabled=True, quiet=("20:00-08:00",))
    assert not should_buzz(BRIGHT, datetime(2026, 11, 24, 7, 0), overnight)


def test_off_by_default_and_a_pin_in_use_is_logged_not_fatal(caplog):
    assert open_sinks(VibrationConfig()) == []
    factory = MockFactory(pin_class=MockPWMPin)
    blocker = gpiozero.PWMOutputDevice(27, pin_factory=factory)
    try:
        assert open_sinks(CONFIG, pin_factory=factory) == []
    finally:
        blocker.close()
        factory.close()
    assert "cannot open the vibration motor on GPIO27" in caplog.text


def test_the_button_and_the_motor_need_different_pins():
    with pytest.raises(ConfigError, match="vibration.pin = 17: the button uses that pin"):
        parse_text("[button]\nenabled = true\n[vibration]\nenabled = true\npin = 17\n")


def test_the_daemon_buzzes_once_when_a_long_hold_nudge_turns_bright(motor):
    from breathcue.app import Sink

    from .daemon_helpers import config, run

    sink, pin = motor

    class Events(Sink):  # the fixture closes the motor, not the daemon, which runs faster than the pulses
        def event(self, event, wall):
            sink.event(event, wall)

    events, _, _, _ = run(config(), 130, holds=[(40, 100)], extra=lambda daemon, script: Events())
    assert [e["level"] for e in events if e["event"] == "cue_level"] == [2]
    assert levels(pin) == [0, 1, 0, 1, 0, 1, 0]
