"""The button: press classification, and the real gpiozero Button on gpiozero's MockFactory."""

from __future__ import annotations

import threading
import time

import pytest
from gpiozero.pins.mock import MockFactory

from breathcue.config import ButtonConfig
from breathcue.hw.button import DOUBLE, LONG, SHORT, TRIPLE, PressClassifier, PushButton, open_button


def classify(script: list[tuple[str, float]], long_s: float = 2.0, double_s: float = 0.4) -> list[tuple[float, str]]:
    c = PressClassifier(long_s, double_s)
    out = []
    for what, t in script:
        out += [(t, a) for a in getattr(c, what)(t)]
    return out


def test_short_press_is_reported_when_the_double_window_closes():
    assert classify([("press", 0.0), ("release", 0.1), ("expire", 0.3), ("expire", 0.5)]) == [(0.5, SHORT)]


def test_double_press_is_reported_when_the_window_for_a_third_closes():
    assert classify([("press", 0.0), ("release", 0.1), ("press", 0.3), ("release", 0.4), ("expire", 1.0)]) == [(1.0, DOUBLE)]


def test_triple_press_is_reported_at_once():
    script = [("press", 0.0), ("release", 0.1), ("press", 0.3), ("release", 0.4), ("press", 0.6), ("release", 0.7), ("expire", 2.0)]
    assert classify(script) == [(0.7, TRIPLE)]


def test_two_slow_presses_are_two_short_presses():
    got = classify([("press", 0.0), ("release", 0.1), ("press", 0.8), ("release", 0.9), ("expire", 1.4)])
    assert got == [(0.8, SHORT), (1.4, SHORT)]


def test_long_press_fires_while_held_and_release_adds_nothing():
    got = classify([("press", 0.0), ("held", 1.0), ("held", 2.0), ("held", 2.5), ("release", 3.0), ("expire", 4.0)])
    assert got == [(2.0, LONG)]


def test_long_press_is_recognised_at_release_if_the_hold_callback_was_late():
    assert classify([("press", 0.0), ("release", 2.2), ("expire", 3.0)]) == [(2.2, LONG)]


def test_a_press_turned_long_cancels_the_waiting_short_one():
    got = classify([("press", 0.0), ("release", 0.1), ("press", 0.3), ("held", 2.5), ("release", 2.7), ("expire", 3.0)])
    assert got == [(2.5, LONG)]


CONFIG = ButtonConfig(enabled=True, pin=17, long_press_seconds=0.5, double_press_seconds=0.15)


@pytest.fixture
def mock_button():
    """A PushButton on a mock pin, reading the time from ``now[0]``, which the test sets.

    gpiozero calls the button's callbacks from drive_low/drive_high, so each
    press and release is classified at the time the test meant, however late
    a busy machine runs it; only the window timer and the hold thread run on
    the real clock, and they read ``now`` when they fire.
    """
    factory = MockFactory()
    got: list[str] = []
    done = threading.Event()
    now = [0.0]

    def on_press(action: str) -> None:
        got.append(action)
        done.set()

    button = PushButton(CONFIG, on_press, pin_factory=factory, monotonic=lambda: now[0])
    yield factory.pin(CONFIG.pin), got, done, now
    button.close()
    factory.close()


def wait_for(done: threading.Event, got: list[str], n: int, timeout: float = 3.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while len(got) < n and time.monotonic() < deadline:
        done.wait(0.05)
        done.clear()
    time.sleep(0.3)  # nothing more must follow
    return got


def tap(pin, now: list[float], down: float, up: float) -> None:
    """Press the button at ``down`` and let go at ``up`` (seconds on the button's clock).

    Each edge is also held longer than the debounce time on the real clock.
    """
    now[0] = down
    pin.drive_low()  # pull-up: pressed connects the pin to ground
    time.sleep(0.03)
    now[0] = up
    pin.drive_high()
    time.sleep(0.03)


def test_mock_pin_short_press(mock_button):
    pin, got, done, now = mock_button
    tap(pin, now, 0.0, 0.05)
    now[0] = 1.0  # the window for a second press (0.15 s) has closed
    assert wait_for(done, got, 1) == [SHORT]


def test_mock_pin_long_press(mock_button):
    pin, got, done, now = mock_button
    pin.drive_low()
    now[0] = 0.6  # past long_press_seconds when gpiozero's hold thread fires
    assert wait_for(done, got, 1) == [LONG]  # while still held
    now[0] = 0.7
    pin.drive_high()
    time.sleep(0.3)
    assert got == [LONG]


def test_mock_pin_double_press(mock_button):
    pin, got, done, now = mock_button
    tap(pin, now, 0.0, 0.04)
    tap(pin, now, 0.08, 0.12)
    now[0] = 1.0
    assert wait_for(done, got, 1) == [DOUBLE]


def test_disabled_button_is_not_opened():
    assert open_button(ButtonConfig(enabled=False), lambda a: None, pin_factory=MockFactory()) is None


def test_a_button_that_cannot_be_opened_is_logged_not_fatal(caplog):
    factory = MockFactory()
    held = factory.pin(17)
    from gpiozero import Button

    blocker = Button(17, pin_factory=factory)  # the pin is in use
    try:
        assert open_button(CONFIG, lambda a: None, pin_factory=factory) is None
    finally:
        blocker.close()
        factory.close()
    assert held is not None and "cannot open the button on GPIO17" in caplog.text


def test_run_sim_wires_the_mock_pin_button_to_the_daemon(tmp_path, monkeypatch):
    """`run --sim` end to end: gpiozero mock pin -> PushButton -> daemon.submit -> the daemon's answer.

    The button is pressed (long) as soon as `run` has opened it, before the loop starts.
    """
    import json
    from dataclasses import replace

    from breathcue import config as configmod
    from breathcue.cli import main
    from breathcue.hw import select

    real_button_for, pressed = select.button_for, []

    def button_for(config, parts, on_press):
        heard = threading.Event()
        button = real_button_for(config, parts, lambda press: (on_press(press), heard.set()))
        pin = parts.button_pin(config)
        pin.drive_low()
        assert heard.wait(5.0)  # held for long_press_seconds
        pin.drive_high()
        pressed.append(config.button.pin)
        return button

    real_load = configmod.load

    def load(path):  # a quick long press, and no [button] in the config: the simulator has one all the same
        config, source = real_load(path)
        assert not config.button.enabled
        return replace(config, button=replace(config.button, long_press_seconds=0.5)), source

    monkeypatch.setattr(select, "button_for", button_for)
    monkeypatch.setattr(configmod, "load", load)
    events = tmp_path / "e.jsonl"
    assert main(["run", "--sim", "--clock", "virtual", "--seconds", "5", "--start", "2026-11-24T10:00:00",
                 "--events-out", str(events)]) == 0
    seen = [json.loads(line) for line in events.read_text().splitlines()]
    assert pressed == [17]
    assert [(e["press"], e["action"]) for e in seen if e["event"] == "button"] == [("long", "start_session")]
    assert [e["pattern"] for e in seen if e["event"] == "session_start"] == ["resonance"]


def test_real_parts_have_no_mock_pin_and_open_only_an_enabled_button():
    from breathcue.config import default_text, parse_text
    from breathcue.hw import select

    config = parse_text(default_text())
    real = select.Parts(sensor=None, ring=None, simulated=False)
    assert select.button_for(config, real, lambda press: None) is None  # button.enabled is false
    with pytest.raises(ValueError, match="only simulated parts"):
        real.button_pin(config)
