"""The one place that knows both real and simulated parts, and picks between them."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from ..config import Config
from .ports import Ring, Sensor
from .sim import SimulatedBreather, TerminalRing

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

    def close(self) -> None:
        try:
            self.ring.close()
        finally:
            self.sensor.close()


def use_real_hardware(config: Config, force_sim: bool, model: str | None) -> bool:
    if force_sim or config.hardware.mode == "sim":
        return False
    if config.hardware.mode == "pi":
        return True
    return model is not None


def build(config: Config, *, force_sim: bool = False, seed: int = 0) -> Parts:
    """Open the ring and the sensor that this config and machine call for."""
    model = pi_model()
    if use_real_hardware(config, force_sim, model):
        log.info("using real hardware on %s", model or "a machine said to be a Pi")
        from .neopixel_ring import NeoPixelRing
        from .sampling import open_adc_sensor

        ring = NeoPixelRing.open(config.ring)
        try:
            sensor = open_adc_sensor(config.sensor)
        except BaseException:
            ring.close()
            raise
        return Parts(sensor, ring, simulated=False)
    why = "forced by --sim" if force_sim else f"hardware.mode = {config.hardware.mode!r}" if config.hardware.mode == "sim" else "not a Raspberry Pi"
    log.info("using simulated hardware (%s)", why)
    sensor = SimulatedBreather(seed=seed, rate_hz=config.sensor.sample_rate_hz)
    return Parts(sensor, TerminalRing(config.ring.pixels), simulated=True)
