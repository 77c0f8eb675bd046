"""The one place that knows both real and simulated parts, and picks between them."""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

from ..config import Config
from .button import PushButton, open_button
from .ports import Ring, Sensor
from .sampling import RailGuard, Rails, describe, open_adc_sensor
from .replay import Recording, ReplaySensor
from .sim import SimulatedBreather, make_breather
from .terminal import TerminalRing

log = logging.getLogger(__name__)

DEVICE_TREE_MODEL = Path("/proc/device-tree/model")


def pi_model(model_file: Path = DEVICE_TREE_MODEL) -> str | None:
    """The Raspberry Pi model string, or None when this is not a Raspberry Pi."""
    try:
        model = model_file.read_bytes().rstrip(b"\x00").decode("ascii", "replace").strip()
    except OSError:
        return None
    return model if model.startswith("Raspberry Pi") else None


@dataclass
class Parts:
    sensor: Sensor
    ring: Ring
    simulated: bool
    breather: SimulatedBreather | None = None  # the simulated person behind ``sensor``, who can follow a session
    pins: Any = None  # simulated parts: the gpiozero MockFactory the simulated button is wired to

    def button_pin(self, config: Config) -> Any:
        """The simulated button's gpiozero MockPin (``drive_low()`` presses it: the pull-up wiring)."""
        if self.pins is None:
            raise ValueError("only simulated parts have a mock button pin")
        return self.pins.pin(config.button.pin)

    def close(self) -> None:
        try:
            self.ring.close()
        finally:
            try:
                self.sensor.close()
            finally:
                if self.pins is not None:
                    self.pins.close()


def button_for(config: Config, parts: Parts, on_press: Callable[[str], None]) -> PushButton | None:
    """The push button, wired to ``on_press`` as the daemon wires it.

    Real parts: the configured GPIO button when ``button.enabled`` (None when
    it is off or cannot be opened).  Simulated parts always have one, on a
    gpiozero mock pin (``parts.button_pin``), so the whole path from the pin
    to the daemon runs without a Pi.
    """
    if parts.pins is None:
        return open_button(config.button, on_press)
    return PushButton(replace(config.button, enabled=True), on_press, pin_factory=parts.pins)


def use_real_hardware(config: Config, force_sim: bool, model: str | None) -> bool:
    if force_sim or config.hardware.mode == "sim":
        return False
    if config.hardware.mode == "pi":
        return True
    return model is not None


def build(
    config: Config,
    *,
    force_sim: bool = False,
    seed: int = 0,
    scenario: str = "calm",
    replay: Recording | None = None,
    sim_reason: str = "forced by --sim",
) -> Parts:
    """Open the ring and the sensor that this config and machine call for.

    The sensor is ``replay`` when given (resampled to the detector's rate),
    else the ADC on real hardware, else the simulated breather playing
    ``scenario`` (hw/scenarios.py) with the ADC's rails.  ``sim_reason``
    is what the log says forced the simulator.
    """
    model = pi_model()
    rate = config.sensor.sample_rate_hz
    if use_real_hardware(config, force_sim, model):
        log.info("using real hardware on %s", model or "a machine said to be a Pi")
        from .neopixel_ring import NeoPixelRing

        ring = NeoPixelRing.open(config.ring)
        try:
            sensor = ReplaySensor(replay, rate) if replay is not None else open_adc_sensor(config.sensor)
        except BaseException:
            ring.close()
            raise
        return Parts(sensor, ring, simulated=False)
    why = sim_reason if force_sim else f"hardware.mode = {config.hardware.mode!r}" if config.hardware.mode == "sim" else "not a Raspberry Pi"
    log.info("using simulated hardware (%s)", why)
    from gpiozero.pins.mock import MockFactory

    if replay is not None:
        log.info("replaying %s: %.0f s at %g Hz", replay.source, replay.seconds, replay.rate_hz)
        return Parts(ReplaySensor(replay, rate), TerminalRing(config.ring.pixels), simulated=True, pins=MockFactory())
    log.info("simulated breather: scenario %s, seed %d", scenario, seed)
    sensor, breather = simulated_sensor(config, scenario, seed)
    return Parts(sensor, TerminalRing(config.ring.pixels), simulated=True, breather=breather, pins=MockFactory())


def simulated_sensor(config: Config, scenario: str = "calm", seed: int = 0) -> tuple[Sensor, SimulatedBreather]:
    """The simulated strap playing ``scenario``, with the rails of the configured ADC and divider; and its wearer.

    An unplugged simulated strap reads the top rail and is reported
    ``saturated``, as the real one is.  ValueError for an unknown scenario.
    """
    breather = make_breather(scenario, seed, config.sensor.sample_rate_hz, supply_v=config.sensor.supply_v)
    return RailGuard(breather, Rails.of(config.sensor)), breather


def open_sensor(config: Config, *, force_sim: bool = False, seed: int = 0, scenario: str = "calm") -> tuple[Sensor, str]:
    """The sensor alone (for `breathcue sensor`), and where its samples come from."""
    if use_real_hardware(config, force_sim, pi_model()):
        return open_adc_sensor(config.sensor), describe(config.sensor)
    return simulated_sensor(config, scenario, seed)[0], f"simulated breather, scenario {scenario}, seed {seed}"
