"""Opening an I2C bus, and scanning it as ``i2cdetect`` does.

smbus2 is imported only when a bus is opened, so this module imports on any
machine; a missing bus or permission comes back as an OSError whose message
says how to fix it.
"""

from __future__ import annotations

import errno
from pathlib import Path
from typing import Any, Protocol

FIRST_ADDRESS, LAST_ADDRESS = 0x08, 0x77  # i2cdetect's default range: no reserved addresses
ENABLE_I2C = "enable I2C with `sudo raspi-config nonint do_i2c 0` (or dtparam=i2c_arm=on in /boot/firmware/config.txt) and reboot"
JOIN_GROUP = "add yourself to the i2c group (`sudo usermod -aG i2c $USER`) and log in again"
PIP_FIX = "install it with `pip install 'breathcue[pi]'`"


class Probe(Protocol):
    """What a scan needs of a bus: smbus2.SMBus's quick write and byte read."""

    def write_quick(self, i2c_addr: int) -> None: ...

    def read_byte(self, i2c_addr: int) -> int: ...


def device_path(number: int) -> Path:
    return Path(f"/dev/i2c-{number}")


def smbus_class() -> Any:
    """smbus2.SMBus, or an ImportError that says how to install it."""
    try:
        from smbus2 import SMBus
    except ImportError as exc:
        raise ImportError(f"reading the sensor needs the smbus2 package: {PIP_FIX}") from exc
    return SMBus


def open_bus(number: int) -> Any:
    """An smbus2.SMBus on /dev/i2c-``number``.

    ImportError when smbus2 is missing; FileNotFoundError or PermissionError
    (both OSError) with the fix in the message when the bus cannot be opened.
    """
    SMBus = smbus_class()
    path = device_path(number)
    if not path.exists():
        raise FileNotFoundError(errno.ENOENT, f"there is no I2C bus {path}: {ENABLE_I2C}", str(path))
    try:
        return SMBus(number)
    except PermissionError:
        raise PermissionError(errno.EACCES, f"no permission to open {path}: {JOIN_GROUP}", str(path)) from None


def probe(bus: Probe, address: int) -> str:
    """``"found"``, ``"busy"`` (a kernel driver has it: i2cdetect's UU) or ``"absent"``.

    Like i2cdetect's default: a read for the ranges where a quick write can
    upset a device (0x30-0x37 and 0x50-0x5f: EEPROMs), a quick write elsewhere.
    """
    try:
        if 0x30 <= address <= 0x37 or 0x50 <= address <= 0x5F:
            bus.read_byte(address)
        else:
            bus.write_quick(address)
    except OSError as exc:
        return "busy" if exc.errno == errno.EBUSY else "absent"
    return "found"


def scan(bus: Probe, first: int = FIRST_ADDRESS, last: int = LAST_ADDRESS) -> dict[int, str]:
    """Every address from ``first`` to ``last`` and what a probe found there."""
    return {address: probe(bus, address) for address in range(first, last + 1)}


def draw(results: dict[int, str]) -> str:
    """The scan as i2cdetect prints it: a 16-column grid, addresses that answer in hex, UU for busy."""
    lines = ["     " + "".join(f"{col:x}  " for col in range(16)).rstrip()]
    for row in range(0, 0x80, 0x10):
        cells = []
        for address in range(row, row + 0x10):
            state = results.get(address)
            cells.append("  " if state is None else {"found": f"{address:02x}", "busy": "UU"}.get(state, "--"))
        lines.append(f"{row:02x}: " + " ".join(cells))
    return "\n".join(line.rstrip() for line in lines) + "\n"
