"""Register-level driver for the TI ADS1115 (16-bit) and ADS1015 (12-bit) ADCs.

The bus is any object with smbus2.SMBus's ``write_i2c_block_data`` and
``read_i2c_block_data``, and nothing else is used, so tests drive the same
code through an emulator.  The chip runs in continuous-conversion mode;
``read_volts`` returns the next conversion, found by timing (the data rate)
or by the ALERT/RDY pin.  Register names and bit fields follow the
datasheet (TI SBAS444, section 8.6 "Register Map").

Every value returned is a conversion made with this driver's settings:

- after each write of the Config register the driver waits for the
  conversion under way (at the old data rate, read from the register first)
  and one with the new settings, at the slowest the oscillator allows:
  the conversion under way finishes with the old MUX, PGA and rate;
- after each conversion it reads the Config register back; a chip that has
  reset (power glitch, I2C general-call reset) reads 0x8583 and is
  reconfigured before any value is returned;
- any I2C error is raised as OSError and leaves the driver ready to retry:
  a failed Config write is rewritten, and the next read starts afresh.
"""

from __future__ import annotations

import errno
import logging
import threading
import time
from typing import Any, Callable, Protocol

log = logging.getLogger(__name__)

# --- register map (SBAS444 8.6) ------------------------------------------------

REG_CONVERSION = 0x00
REG_CONFIG = 0x01
REG_LO_THRESH = 0x02
REG_HI_THRESH = 0x03

CONFIG_RESET = 0x8583
LO_THRESH_RESET = 0x8000
HI_THRESH_RESET = 0x7FFF

# Config register fields
CONFIG_OS = 0x8000  # write 1: start a single conversion; read 0: a conversion is under way
CONFIG_MUX_SHIFT = 12
CONFIG_MUX_MASK = 0x7000
CONFIG_PGA_SHIFT = 9
CONFIG_PGA_MASK = 0x0E00
CONFIG_MODE = 0x0100  # 1: single-shot / power-down (reset), 0: continuous conversion
CONFIG_DR_SHIFT = 5
CONFIG_DR_MASK = 0x00E0
CONFIG_COMP_MODE = 0x0010  # 1: window comparator
CONFIG_COMP_POL = 0x0008  # 1: ALERT/RDY active high
CONFIG_COMP_LAT = 0x0004  # 1: latching comparator
CONFIG_COMP_QUE_MASK = 0x0003  # 11: comparator disabled, ALERT/RDY high impedance
COMP_QUE_ONE = 0b00  # assert after one conversion
COMP_QUE_DISABLE = 0b11

# MUX[2:0]: (positive input, negative input); None is GND.
MUX = {
    (0, 1): 0b000,
    (0, 3): 0b001,
    (1, 3): 0b010,
    (2, 3): 0b011,
    (0, None): 0b100,
    (1, None): 0b101,
    (2, None): 0b110,
    (3, None): 0b111,
}
# PGA[2:0]: full-scale range in volts (0b110 and 0b111 are also 0.256 V).
PGA = {6.144: 0b000, 4.096: 0b001, 2.048: 0b010, 1.024: 0b011, 0.512: 0b100, 0.256: 0b101}

ADDRESSES = (0x48, 0x49, 0x4A, 0x4B)  # ADDR pin to GND, VDD, SDA, SCL
RATE_TOLERANCE = 0.10  # the internal oscillator: data rates are within +-10 %
READY_TIMEOUT_PERIODS = 3


class Bus(Protocol):
    """The two smbus2.SMBus methods the driver uses."""

    def write_i2c_block_data(self, i2c_addr: int, register: int, data: list[int]) -> None: ...

    def read_i2c_block_data(self, i2c_addr: int, register: int, length: int) -> list[int]: ...


Channel = int | tuple[int, int | None] | str


def parse_channel(channel: Channel) -> tuple[int, int | None]:
    """``0``-``3`` (single-ended to GND), ``(0, 1)`` or ``"0-1"`` (a differential pair) as (positive, negative)."""
    if isinstance(channel, str):
        parts = channel.split("-")
        try:
            pair: tuple[int, int | None] = (int(parts[0]), int(parts[1])) if len(parts) == 2 else (int(channel), None)
        except ValueError:
            pair = (-1, None)
    elif isinstance(channel, tuple):
        pair = channel
    else:
        pair = (channel, None)
    if pair not in MUX:
        raise ValueError(f"channel {channel!r}: expected 0, 1, 2, 3 (to GND) or a differential pair 0-1, 0-3, 1-3, 2-3")
    return pair


def describe_channel(channel: Channel) -> str:
    positive, negative = parse_channel(channel)
    return f"AIN{positive}" if negative is None else f"AIN{positive}-AIN{negative}"


class ADS1115:
    """An ADS1115 converting one input continuously.

    ``ready_pin`` is an optional gpiozero input wired to ALERT/RDY (it is
    open-drain: give it a pull-up, e.g. ``DigitalInputDevice(pin,
    pull_up=True)``).  With it the comparator is set up as a
    conversion-ready signal (Hi_thresh MSB 1, Lo_thresh MSB 0, COMP_QUE
    one conversion, active low) and ``read_volts`` waits for its pulse;
    without it ``read_volts`` waits one conversion period.
    """

    BITS = 16
    DATA_RATES = {8: 0b000, 16: 0b001, 32: 0b010, 64: 0b011, 128: 0b100, 250: 0b101, 475: 0b110, 860: 0b111}
    NAME = "ADS1115"

    def __init__(
        self,
        bus: Bus,
        address: int = 0x48,
        channel: Channel = 0,
        full_scale_v: float = 4.096,
        data_rate: int = 128,
        *,
        ready_pin: Any = None,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if address not in ADDRESSES:
            raise ValueError(f"address {address:#04x}: expected one of {', '.join(f'{a:#04x}' for a in ADDRESSES)}")
        if full_scale_v not in PGA:
            raise ValueError(f"full_scale_v {full_scale_v!r}: expected one of {', '.join(map(str, PGA))}")
        if data_rate not in self.DATA_RATES:
            raise ValueError(f"data_rate {data_rate!r}: the {self.NAME} runs at {', '.join(map(str, self.DATA_RATES))}")
        self.bus = bus
        self.address = address
        self.channel = parse_channel(channel)
        self.full_scale_v = full_scale_v
        self.data_rate = data_rate
        self.ready_pin = ready_pin
        self._monotonic = monotonic
        self._sleep = sleep
        self.period = 1.0 / data_rate
        self._slowest_period = 1.0 / (data_rate * (1.0 - RATE_TOLERANCE))
        self.config = self._config_word()
        self.last_raw: int | None = None
        self._configured = False
        self._settled_at = 0.0
        self._last_read = float("-inf")
        self._ready = threading.Event()
        self.reconfigurations = 0

    def _config_word(self) -> int:
        comp = (
            COMP_QUE_ONE if self.ready_pin is not None else COMP_QUE_DISABLE
        )  # traditional, active low, non-latching
        return (
            (MUX[self.channel] << CONFIG_MUX_SHIFT)
            | (PGA[self.full_scale_v] << CONFIG_PGA_SHIFT)
            | (self.DATA_RATES[self.data_rate] << CONFIG_DR_SHIFT)
            | comp
        )  # OS 0 and MODE 0: continuous conversion

    # --- bus access ------------------------------------------------------------

    def _write(self, register: int, value: int) -> None:
        self.bus.write_i2c_block_data(self.address, register, [(value >> 8) & 0xFF, value & 0xFF])

    def _read(self, register: int) -> int:
        data = self.bus.read_i2c_block_data(self.address, register, 2)
        if len(data) != 2:
            raise OSError(errno.EIO, f"{self.NAME} at {self.address:#04x}: short read of register {register}")
        return (data[0] << 8) | data[1]

    # --- life cycle ----------------------------------------------------------------

    def start(self) -> None:
        """Configure the chip and start converting; OSError when it does not answer."""
        if self.ready_pin is not None:
            self.ready_pin.when_activated = self._ready.set
        self._configure()

    def _configure(self) -> None:
        self._configured = False
        if self.ready_pin is not None:
            # Conversion-ready mode (SBAS444 8.3.8): Hi_thresh MSB 1, Lo_thresh MSB 0.
            self._write(REG_HI_THRESH, 0x8000)
            self._write(REG_LO_THRESH, 0x0000)
        # The conversion under way, if any, finishes with the old settings at the old rate.
        old = self._read(REG_CONFIG)
        busy = not (old & CONFIG_MODE and old & CONFIG_OS)
        rates = {code: rate for rate, code in self.DATA_RATES.items()}
        old_period = 1.0 / rates.get((old & CONFIG_DR_MASK) >> CONFIG_DR_SHIFT, min(self.DATA_RATES)) if busy else 0.0
        self._write(REG_CONFIG, self.config)
        self._settled_at = self._monotonic() + (old_period + self.period) / (1.0 - RATE_TOLERANCE)
        readback = self._read(REG_CONFIG) & ~CONFIG_OS
        if readback != self.config:
            raise OSError(errno.EIO, f"{self.NAME} at {self.address:#04x}: wrote config {self.config:#06x}, read back {readback:#06x}")
        if self.ready_pin is not None:
            thresholds = (self._read(REG_HI_THRESH), self._read(REG_LO_THRESH))
            if thresholds != (0x8000, 0x0000):
                raise OSError(errno.EIO, f"{self.NAME} at {self.address:#04x}: the thresholds did not take")
        self._configured = True

    def close(self) -> None:
        """Power the chip down (single-shot mode); an absent chip is not an error here."""
        if self.ready_pin is not None:
            self.ready_pin.when_activated = None
        try:
            self._write(REG_CONFIG, self.config | CONFIG_MODE)
        except OSError as exc:
            log.debug("%s at %#04x: not powered down: %s", self.NAME, self.address, exc)
        self._configured = False

    # --- reading ---------------------------------------------------------------------

    def read_raw(self) -> int:
        """The next conversion as a signed code (-32768..32767 for the ADS1115)."""
        for _ in range(2):
            if not self._configured:
                self.reconfigurations += 1
                self._configure()
            self._wait_for_conversion()
            word = self._read(REG_CONVERSION)
            config = self._read(REG_CONFIG) & ~CONFIG_OS
            if config == self.config:
                self._last_read = self._monotonic()
                raw = word - 0x10000 if word & 0x8000 else word
                self.last_raw = raw >> (16 - self.BITS)
                return self.last_raw
            # The chip has lost its settings (a reset reads 0x8583): the word may be stale or from another input.
            log.warning("%s at %#04x: config reads %#06x, not %#06x; reconfiguring", self.NAME, self.address, config, self.config)
            self._configured = False
        raise OSError(errno.EIO, f"{self.NAME} at {self.address:#04x}: keeps losing its configuration")

    def read_volts(self) -> float:
        """The next conversion in volts."""
        return self.to_volts(self.read_raw())

    def to_volts(self, raw: int) -> float:
        return raw * self.full_scale_v / (1 << (self.BITS - 1))

    def _wait_for_conversion(self) -> None:
        if self.ready_pin is None:
            due = max(self._settled_at, self._last_read + self.period)
            delay = due - self._monotonic()
            if delay > 0:
                self._sleep(delay)
            return
        while True:  # pulses before the settings settled may be from the old ones
            timeout = max(0.0, self._settled_at - self._monotonic()) + READY_TIMEOUT_PERIODS * self._slowest_period
            if not self._ready.wait(timeout):
                raise TimeoutError(errno.ETIMEDOUT, f"{self.NAME} at {self.address:#04x}: no conversion-ready pulse on ALERT/RDY")
            self._ready.clear()
            if self._monotonic() >= self._settled_at:
                return


class ADS1015(ADS1115):
    """The 12-bit sibling: the code is left-justified in the Conversion register, with its own data rates."""

    BITS = 12
    DATA_RATES = {128: 0b000, 250: 0b001, 490: 0b010, 920: 0b011, 1600: 0b100, 2400: 0b101, 3300: 0b110}
    NAME = "ADS1015"

    def __init__(self, bus: Bus, address: int = 0x48, channel: Channel = 0, full_scale_v: float = 4.096, data_rate: int = 1600, **options: Any) -> None:
        super().__init__(bus, address, channel, full_scale_v, data_rate, **options)


CHIPS = {"ads1115": ADS1115, "ads1015": ADS1015}
