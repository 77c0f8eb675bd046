"""The strap through the ADC: conversions averaged into samples at the detector's rate, faults as states.

A worker thread reads every conversion the ADC makes (data_rate a second)
and adds it up; ``read(t)``, called by the loop on its regular schedule,
takes the average of the conversions since the last call.  That average is
the anti-aliasing filter (docs/sensor.md): a boxcar one sample period long,
whose response is zero at the sample rate and each multiple of it, so
mains hum and everything else that would fold onto the breathing band is
removed before decimation.

Faults never raise out of ``read``: an I2C error is retried with backoff
while the last value is held; a chip that stays away gives
``Sample(value=None, fault="i2c_error")``; a reading pinned at a rail
gives ``fault="saturated"``.  A signal that stops changing is left to the
detector (``flat``).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING

from ..core.types import Sample
from .ads1115 import ADS1115, CHIPS, describe_channel, parse_channel
from .i2c import PIP_FIX, open_bus, smbus_class
from .ports import Sensor

if TYPE_CHECKING:
    from ..clock import Clock
    from ..config import SensorConfig

log = logging.getLogger(__name__)

STALE_SECONDS = 0.5  # no conversion for this long: the chip is away
SATURATED_SECONDS = 0.5  # at a rail for this long: saturated, not a clipped breath
FIRST_BACKOFF = 0.002
MAX_BACKOFF = 0.1  # about ten tries a second while the chip is away: cheap NACKs, a quick return
STARTUP_SECONDS = 1.0  # how long open_adc_sensor waits for the first conversion


class Rails:
    """The readings a strap in a divider cannot give while worn: at 0 V or at the top rail.

    An open circuit (cord unplugged or broken) pulls the divider to a rail;
    so does a cord stretched past its range.  A reading within ``margin`` of
    a rail for ``seconds`` is saturation; a breath that clips briefly is not.
    """

    def __init__(self, low: float, high: float, margin: float, seconds: float = SATURATED_SECONDS) -> None:
        self.low, self.high, self.margin, self.seconds = low, high, margin, seconds
        self._since: float | None = None

    @classmethod
    def of(cls, config: "SensorConfig") -> "Rails":
        top = min(config.supply_v, config.full_scale_v)
        differential = parse_channel(config.channel)[1] is not None
        return cls(-top if differential else 0.0, top, config.rail_margin_v)

    def saturated(self, t: float, value: float) -> bool:
        if self.low + self.margin < value < self.high - self.margin:
            self._since = None
            return False
        if self._since is None:
            self._since = t
        return t - self._since >= self.seconds


class RailGuard:
    """Any sensor whose values are volts at the ADC, with saturation reported as the real one reports it."""

    def __init__(self, sensor: Sensor, rails: Rails) -> None:
        self.sensor = sensor
        self.rails = rails
        self.rate_hz = sensor.rate_hz

    def read(self, t: float) -> Sample | None:
        sample = self.sensor.read(t)
        if sample is not None and sample.value is not None and self.rails.saturated(t, sample.value):
            return Sample(t, None, "saturated")
        return sample

    def close(self) -> None:
        self.sensor.close()


class AdcSensor:
    """The Sensor protocol over an ADS1115 that ``connect`` opens and starts.

    ``connect`` raises OSError while the bus or chip is not there; the
    sensor keeps trying, with backoff, for as long as it runs.  With
    ``threaded=False`` nothing runs by itself: tests call ``poll`` (one
    conversion, or one failed attempt) and ``read`` on their own clock.
    """

    def __init__(
        self,
        connect: Callable[[], ADS1115],
        rate_hz: float,
        rails: Rails,
        *,
        name: str = "the ADC",
        monotonic: Callable[[], float] = time.monotonic,
        threaded: bool = True,
        closers: Sequence[Callable[[], None]] = (),
    ) -> None:
        self.rate_hz = rate_hz
        self._closers = closers
        self.name = name
        self._connect = connect
        self._rails = rails
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._first = threading.Event()
        self._adc: ADS1115 | None = None
        self._sum = 0.0
        self._count = 0
        self._held: float | None = None
        self._last_good: float | None = None
        self._failures = 0
        self._failing_since: float | None = None
        self._lost_since: float | None = None  # failing for longer than STALE_SECONDS: logged as lost
        self.conversions = 0
        self.errors = 0
        self.last_raw: int | None = None
        self._thread: threading.Thread | None = None
        if threaded:
            self._thread = threading.Thread(target=self._run, name="breathcue-adc", daemon=True)
            self._thread.start()

    # --- the worker ------------------------------------------------------------------

    def _run(self) -> None:
        while not self._stop.is_set():
            delay = self.poll()
            if delay > 0:
                self._stop.wait(delay)

    def poll(self) -> float:
        """Read one conversion (the driver waits for it); the seconds to wait before the next try."""
        try:
            if self._adc is None:
                self._adc = self._connect()
            raw = self._adc.read_raw()
            volts = self._adc.to_volts(raw)
        except OSError as exc:
            return self._failed(exc)
        except Exception as exc:  # a driver bug (Blinka, smbus2) must not end the thread: the signal would be lost until a restart
            return self._failed(exc, unexpected=True)
        now = self._monotonic()
        with self._lock:
            self._sum += volts
            self._count += 1
            self._last_good = now
            self.last_raw = raw
            self.conversions += 1
            lost_since = self._lost_since
            self._failures = 0
            self._failing_since = self._lost_since = None
        if lost_since is not None:
            log.info("%s is back after %.1f s", self.name, now - lost_since)
        self._first.set()
        return 0.0

    def _failed(self, exc: Exception, unexpected: bool = False) -> float:
        """Count a failed transaction as an I2C error; the seconds to back off."""
        if unexpected:
            log.warning("%s: unexpected %s from the driver, counted as an I2C error: %s", self.name, type(exc).__name__, exc)
        now = self._monotonic()
        with self._lock:
            self._failures += 1
            self.errors += 1
            failures = self._failures
            if self._failing_since is None:
                self._failing_since = now
            newly_lost = self._lost_since is None and (now - self._failing_since >= STALE_SECONDS or not self.conversions)
            if newly_lost:
                self._lost_since = self._failing_since
        if newly_lost:
            log.warning("%s: %s; retrying every %.1f s at most", self.name, exc, MAX_BACKOFF)
        else:
            log.debug("%s: %s; retrying", self.name, exc)
        return min(MAX_BACKOFF, FIRST_BACKOFF * 2 ** (failures - 1))

    def wait_for_first(self, timeout: float) -> bool:
        """Wait for the first conversion, so the first sample is not a lost signal."""
        return self._first.wait(timeout)

    # --- the Sensor protocol -------------------------------------------------------------

    def read(self, t: float) -> Sample:
        with self._lock:
            now = self._monotonic()
            if self._count:
                value = self._sum / self._count
                self._sum, self._count = 0.0, 0
                self._held = value
            elif self._held is not None and self._last_good is not None and now - self._last_good < STALE_SECONDS:
                value = self._held  # a conversion is late or a read is being retried: hold
            else:
                self._held = None
                return Sample(t, None, "i2c_error")
        if self._rails.saturated(t, value):
            return Sample(t, None, "saturated")
        return Sample(t, value)

    def close(self) -> None:
        """Stop the worker, power the chip down and release the bus and the ALERT/RDY pin."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        adc, self._adc = self._adc, None
        if adc is not None:
            adc.close()
            close_bus = getattr(adc.bus, "close", None)
            if close_bus is not None:
                close_bus()
        for close in self._closers:
            close()


def describe(config: "SensorConfig") -> str:
    """Where the samples come from, for logs and recording headers."""
    return (
        f"{config.chip.upper()} {config.address:#04x} on /dev/i2c-{config.bus}, {describe_channel(config.channel)}, "
        f"+-{config.full_scale_v:g} V, {config.data_rate} SPS, averaged to {config.sample_rate_hz:g} Hz"
    )


def open_ready_pin(pin: int):
    """A gpiozero input on the ALERT/RDY pin (open drain, active low: pulled up)."""
    try:
        from gpiozero import DigitalInputDevice
    except ImportError as exc:
        raise ImportError(f"sensor.alert_pin needs the gpiozero package: {PIP_FIX}") from exc
    return DigitalInputDevice(pin, pull_up=True)


def open_adc_sensor(config: "SensorConfig") -> AdcSensor:
    """The real strap: the configured ADC on /dev/i2c-N, read in the background.

    A missing bus or chip is not an error here: the sensor reports
    ``i2c_error`` samples and keeps trying, so the ring still paces and the
    device recovers by itself when the sensor is plugged in.
    """
    smbus_class()  # fail now, with the fix, rather than in the worker
    chip = CHIPS[config.chip]
    pin = open_ready_pin(config.alert_pin) if config.alert_pin >= 0 else None

    def connect() -> ADS1115:
        bus = open_bus(config.bus)
        try:
            adc = chip(bus, config.address, config.channel, config.full_scale_v, config.data_rate, ready_pin=pin)
            adc.start()
        except BaseException:
            bus.close()
            raise
        log.info("reading %s", describe(config))
        return adc

    name = f"{config.chip.upper()} at {config.address:#04x}"
    sensor = AdcSensor(connect, config.sample_rate_hz, Rails.of(config), name=name, closers=[pin.close] if pin else [])
    if not sensor.wait_for_first(STARTUP_SECONDS):
        log.warning("no conversion from %s yet; `breathcue sensor scan` shows what answers on the bus", sensor.name)
    return sensor


def stream(sensor: Sensor, clock: "Clock", seconds: float | None, stopped: Callable[[], bool]) -> Iterator[Sample]:
    """Samples at the sensor's rate on the clock's schedule, as the daemon takes them."""
    n = 0
    while not stopped():
        t = n / sensor.rate_hz
        if seconds is not None and t >= seconds:
            return
        clock.sleep_until(t)
        sample = sensor.read(t)
        if sample is None:
            return
        yield sample
        n += 1
