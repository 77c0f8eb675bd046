"""A register-level ADS1115 / ADS1015 on an smbus2-like interface, as the datasheet (TI SBAS444) describes it.

It keeps the four 16-bit registers with their reset values, big-endian on
the wire behind the address pointer, and converts on an injected clock:
single-shot conversions (OS reads 0 while one is under way), continuous
conversion where a new Config only applies after the conversion under way
finishes, every MUX input pair, PGA range (codes clip at full scale) and
data rate, with an oscillator that may run fast or slow.  With the
comparator in conversion-ready mode (Hi_thresh MSB 1, Lo_thresh MSB 0,
COMP_QUE not 11) it pulses a gpiozero MockPin at the end of each
conversion.  The comparator's threshold mode is not modelled.

Faults to inject: a NACK (OSError 121) at any other address, a random
share of failing transactions (NACKed, a write that took effect but
reported an error, a pointer write followed by a failed read), a reset to
power-on values, and an unplug window after which the chip comes back reset.
"""

from __future__ import annotations

import errno
import random
from typing import Callable, Sequence

REG_CONVERSION, REG_CONFIG, REG_LO_THRESH, REG_HI_THRESH = range(4)
RESET = {REG_CONVERSION: 0x0000, REG_CONFIG: 0x8583, REG_LO_THRESH: 0x8000, REG_HI_THRESH: 0x7FFF}
MUX_INPUTS = [(0, 1), (0, 3), (1, 3), (2, 3), (0, None), (1, None), (2, None), (3, None)]
FULL_SCALE = [6.144, 4.096, 2.048, 1.024, 0.512, 0.256, 0.256, 0.256]
DATA_RATES = {
    "ads1115": [8, 16, 32, 64, 128, 250, 475, 860],
    "ads1015": [128, 250, 490, 920, 1600, 2400, 3300, 3300],
}
BITS = {"ads1115": 16, "ads1015": 12}
INTEGRATION_POINTS = 16

Input = float | Callable[[float], float]


def nack(address: int) -> OSError:
    return OSError(errno.EREMOTEIO, f"Remote I/O error (no ACK from {address:#04x})")


class Clock:
    """Test time: ``sleep`` moves it on, and the emulators watching it catch up."""

    def __init__(self, t: float = 0.0) -> None:
        self.t = t
        self.watchers: list[Callable[[], None]] = []

    def __call__(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.advance(max(0.0, seconds))

    def advance(self, seconds: float) -> None:
        self.t += seconds
        for watch in self.watchers:
            watch()


class ADS1115Emulator:
    """One chip at ``address``; ``inputs`` are AIN0-AIN3 in volts against GND (numbers or functions of time)."""

    def __init__(
        self,
        clock: Callable[[], float],
        *,
        address: int = 0x48,
        chip: str = "ads1115",
        inputs: Sequence[Input] = (0.0, 0.0, 0.0, 0.0),
        noise_lsb: float = 0.0,
        rate_error: float = 0.0,
        error_rate: float = 0.0,
        seed: int = 0,
        alert_pin=None,
    ) -> None:
        self.clock = clock
        self.address = address
        self.chip = chip
        self.inputs = list(inputs)
        self.noise_lsb = noise_lsb
        self.rate_error = rate_error
        self.error_rate = error_rate
        self.alert_pin = alert_pin
        self.rng = random.Random(seed)
        self.unplugged: list[tuple[float, float]] = []
        self.transactions = 0
        self.failures = 0
        self.conversions = 0
        self.closed = False
        self.reset()

    # --- the chip ----------------------------------------------------------------

    def reset(self) -> None:
        """Power-on reset: every register to its reset value, powered down."""
        self.registers = dict(RESET)
        self.pointer = 0
        self._converting_since: float | None = None
        self._converting_with = self.registers[REG_CONFIG]
        self._power_down_after = False

    def _period(self, config: int) -> float:
        rate = DATA_RATES[self.chip][(config >> 5) & 0b111]
        return 1.0 / (rate * (1.0 + self.rate_error))

    def volts_at(self, mux: int, t: float) -> float:
        positive, negative = MUX_INPUTS[mux]
        level = self._input(positive, t)
        return level - self._input(negative, t) if negative is not None else level

    def _input(self, channel: int, t: float) -> float:
        value = self.inputs[channel]
        return value(t) if callable(value) else value

    def _convert(self, config: int, t: float) -> None:
        """Finish one conversion made with ``config``: the code, clipped at full scale, left-justified.

        The delta-sigma modulator integrates its input over the conversion
        (a sinc response with zeros at multiples of the data rate): a
        changing input is averaged over the conversion period.
        """
        full_scale = FULL_SCALE[(config >> 9) & 0b111]
        bits = BITS[self.chip]
        top = 1 << (bits - 1)
        mux, period = (config >> 12) & 0b111, self._period(config)
        volts = sum(self.volts_at(mux, t - period * (k + 0.5) / INTEGRATION_POINTS) for k in range(INTEGRATION_POINTS)) / INTEGRATION_POINTS
        level = volts / full_scale * top
        if self.noise_lsb:
            level += self.rng.gauss(0.0, self.noise_lsb)
        code = max(-top, min(top - 1, round(level)))
        self.registers[REG_CONVERSION] = (code << (16 - bits)) & 0xFFFF
        self.conversions += 1
        if self._ready_mode():
            self.alert_pin.drive_low()  # COMP_POL 0: active low, a short pulse
            self.alert_pin.drive_high()

    def _ready_mode(self) -> bool:
        return (
            self.alert_pin is not None
            and self.registers[REG_HI_THRESH] & 0x8000 != 0
            and self.registers[REG_LO_THRESH] & 0x8000 == 0
            and self.registers[REG_CONFIG] & 0b11 != 0b11
        )

    def update(self) -> None:
        """Finish every conversion due by now."""
        now = self.clock()
        if self._plugged_out(now):
            return
        for window in [w for w in self.unplugged if w[1] <= now]:  # back after an unplug: it lost power
            self.unplugged.remove(window)
            self.reset()
        while self._converting_since is not None:
            period = self._period(self._converting_with)
            done = self._converting_since + period
            if done > now:
                return
            self._convert(self._converting_with, done)
            config = self.registers[REG_CONFIG]
            if config & 0x0100 or self._power_down_after:  # single-shot, or told to power down
                self._converting_since = None
                self._power_down_after = False
                continue
            self._converting_since, self._converting_with = done, config
            backlog = int((now - done) / self._period(config)) - 1
            if backlog > 0 and not self._ready_mode():  # skip ahead: only the latest result is kept
                self._converting_since += backlog * self._period(config)

    def _write_register(self, register: int, value: int) -> None:
        if register == REG_CONVERSION:
            return  # read-only
        if register != REG_CONFIG:
            self.registers[register] = value
            return
        now = self.clock()
        self.registers[REG_CONFIG] = value & 0x7FFF | (self.registers[REG_CONFIG] & 0x8000)
        single = value & 0x0100
        if self._converting_since is None:
            if not single or value & 0x8000:  # continuous mode starts converting; OS=1 starts one conversion
                self._converting_since, self._converting_with = now, value & 0x7FFF
        elif single:
            self._power_down_after = True  # the conversion under way finishes, then power-down
        # A conversion under way finishes with the settings it started with.

    def _read_register(self, register: int) -> int:
        value = self.registers[register]
        if register == REG_CONFIG:
            busy = self._converting_since is not None
            value = value & 0x7FFF | (0 if busy else 0x8000)
        return value

    # --- the bus ---------------------------------------------------------------------

    def _plugged_out(self, now: float) -> bool:
        for start, end in self.unplugged:
            if start <= now < end:
                return True
        return False

    def _begin(self, address: int) -> str | None:
        """Start a transaction: raise a NACK, or say how it will fail (None: it will not)."""
        self.transactions += 1
        now = self.clock()
        if address != self.address or self._plugged_out(now):
            self.failures += 1
            raise nack(address)
        self.update()
        if self.error_rate and self.rng.random() < self.error_rate:
            self.failures += 1
            return self.rng.choice(("nack", "after"))
        return None

    def write_i2c_block_data(self, i2c_addr: int, register: int, data: list[int]) -> None:
        failure = self._begin(i2c_addr)
        if failure == "nack":
            raise nack(i2c_addr)
        self.pointer = register & 0b11
        if len(data) >= 2:
            self._write_register(self.pointer, ((data[0] & 0xFF) << 8) | (data[1] & 0xFF))
        if failure == "after":  # the chip took it; the host saw an error
            raise OSError(errno.EIO, "Input/output error")

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int) -> list[int]:
        failure = self._begin(i2c_addr)
        if failure == "nack":
            raise nack(i2c_addr)
        self.pointer = register & 0b11
        if failure == "after":  # the pointer write went through; the read did not
            raise OSError(errno.EIO, "Input/output error")
        value = self._read_register(self.pointer)
        return ([value >> 8, value & 0xFF] + [0xFF] * max(0, length - 2))[:length]

    # What `sensor scan` probes with, as i2cdetect does.
    def write_quick(self, i2c_addr: int) -> None:
        if i2c_addr != self.address or self._plugged_out(self.clock()):
            raise nack(i2c_addr)

    def read_byte(self, i2c_addr: int) -> int:
        self.write_quick(i2c_addr)
        return self._read_register(self.pointer) >> 8

    def close(self) -> None:
        self.closed = True

    # --- faults and checks for tests -------------------------------------------------------

    def unplug(self, start: float, end: float) -> None:
        """No answer from ``start`` to ``end`` (clock time); then back with power-on values."""
        self.unplugged.append((start, end))

    @property
    def config(self) -> int:
        return self.registers[REG_CONFIG]

    def code_for(self, volts: float, full_scale: float) -> int:
        top = 1 << (BITS[self.chip] - 1)
        return max(-top, min(top - 1, round(volts / full_scale * top)))
