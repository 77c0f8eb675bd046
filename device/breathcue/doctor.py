"""`breathcue doctor`: is this Pi ready to run breathcue, and if not, what to do.

Each check gives one ok / warn / FAIL line and, when something is wrong, the
command or setting that fixes it.  Every probe of the machine goes through
``System`` (the filesystem root, the I2C bus opener, the command runner, the
access test, the user's groups), so the tests run the checks on a fake Pi
built in a temporary directory as well as on the machine they run on.  The
checks only look: nothing is written to a device and the LEDs stay as they
are, so doctor is safe to run while the service is up.
"""

from __future__ import annotations

import errno
import grp
import importlib.util
import os
import platform
import pwd
import re
import shutil
import struct
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Protocol, Sequence, TextIO

from . import config as configmod
from .hw.select import pi_model

OK, WARN, FAIL, SKIP = "ok", "warn", "FAIL", "skip"

# The ADS1115's config register: readable at any time, 0x8583 after power-on.
ADS1115_CONFIG_REGISTER = 0x01
ADS1115_CONFIG_RESET = 0x8583
# What an absent I2C device looks like: its address is not acknowledged.
NO_ANSWER = {errno.EREMOTEIO, errno.ENXIO}

BOOT_CONFIGS = ("/boot/firmware/config.txt", "/boot/config.txt")
PIO_RULE = 'SUBSYSTEM=="*-pio", GROUP="gpio", MODE="0660"'
PIP_FIX = "install the Raspberry Pi extra into breathcue's venv: pip install 'breathcue[pi]'"


class I2CBus(Protocol):
    def read_i2c_block_data(self, address: int, register: int, length: int) -> list[int]: ...

    def close(self) -> None: ...


@dataclass(frozen=True)
class Result:
    """One check's outcome; ``fix`` says what to do when it is not ok."""

    name: str
    status: str
    detail: str
    fix: str = ""


def _open_smbus(bus: int) -> I2CBus:
    import smbus2  # a hardware library: only imported when a real bus is probed

    return smbus2.SMBus(bus)


def _run(argv: Sequence[str]) -> tuple[int, str]:
    done = subprocess.run(list(argv), capture_output=True, text=True, timeout=15, check=False)
    return done.returncode, done.stdout + done.stderr


def _writable(path: Path) -> str | None:
    """None when a file can be created in ``path`` (or in the parent it would be created in)."""
    probe = path
    while not probe.exists() and probe != probe.parent:
        probe = probe.parent
    if not probe.is_dir():
        return f"{probe} is not a directory"
    try:
        with tempfile.TemporaryFile(dir=probe):
            pass
    except OSError as exc:
        return f"cannot create a file in {probe}: {exc.strerror or exc}"
    return None


def _process_groups() -> frozenset[str]:
    names = set()
    for gid in {os.getegid(), *os.getgroups()}:
        try:
            names.add(grp.getgrgid(gid).gr_name)
        except KeyError:
            continue
    return frozenset(names)


def _user_name() -> str:
    try:
        return pwd.getpwuid(os.geteuid()).pw_name
    except KeyError:
        return str(os.geteuid())


def _listed_groups() -> frozenset[str]:
    """The groups /etc/group gives this user, which a login started earlier may not have yet."""
    user = _user_name()
    return frozenset(g.gr_name for g in grp.getgrall() if user in g.gr_mem) | _process_groups()


@dataclass
class System:
    """Everything the checks read from the machine, injectable for tests."""

    root: Path = Path("/")
    open_bus: Callable[[int], I2CBus] = _open_smbus
    run: Callable[[Sequence[str]], tuple[int, str]] = _run
    which: Callable[[str], str | None] = shutil.which
    access: Callable[[Path, int], bool] = os.access
    writable: Callable[[Path], str | None] = _writable
    has_module: Callable[[str], bool] = lambda name: importlib.util.find_spec(name) is not None
    machine: str = field(default_factory=platform.machine)  # the kernel's architecture
    python_bits: int = struct.calcsize("P") * 8
    euid: int = field(default_factory=os.geteuid)
    user: str = field(default_factory=_user_name)
    groups: frozenset[str] = field(default_factory=_process_groups)
    listed_groups: frozenset[str] = field(default_factory=_listed_groups)

    def path(self, absolute: str) -> Path:
        return self.root / absolute.lstrip("/")

    def read_write(self, path: Path) -> bool:
        return self.access(path, os.R_OK | os.W_OK)


# --- which Pi ------------------------------------------------------------------

_FAMILIES = (
    ("pi5", re.compile(r"Raspberry Pi (5|500)\b|Compute Module 5")),
    ("pi4", re.compile(r"Raspberry Pi (4|400)\b|Compute Module 4")),
    ("pi3", re.compile(r"Raspberry Pi (3|Zero 2)\b|Compute Module 3")),
)
# config.txt [filter] sections that apply to each family (others are skipped).
_FILTERS = {
    "pi5": {"pi5", "pi500", "cm5"},
    "pi4": {"pi4", "pi400", "cm4", "cm4s"},
    "pi3": {"pi3", "pi3+", "pi02", "cm3"},
    "older": {"pi0", "pi0w", "pi1", "pi2"},
}


def family(model: str) -> str:
    """Which SoC generation a model string names: pi5 (RP1), pi4 (BCM2711), pi3 (BCM2837/2710), older."""
    for name, pattern in _FAMILIES:
        if pattern.search(model):
            return name
    return "older"


def boot_config(system: System, fam: str) -> tuple[Path | None, dict[str, str]]:
    """The firmware's config.txt and the settings in it that apply to this family."""
    for candidate in BOOT_CONFIGS:
        path = system.path(candidate)
        if path.is_file():
            break
    else:
        return None, {}
    settings: dict[str, str] = {}
    applies = True
    for raw in path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip().lower()
            applies = section == "all" or section in _FILTERS[fam]
        elif applies and "=" in line:
            key, _, value = line.partition("=")
            if key.strip() == "dtparam":  # dtparam=audio=on,spi=on: one setting per parameter
                for param in value.split(","):
                    name, _, setting = param.partition("=")
                    settings[f"dtparam:{name.strip()}"] = setting.strip() or "on"
            else:
                settings[key.strip()] = value.strip()
    return path, settings


# --- the checks ----------------------------------------------------------------


@dataclass
class Doctor:
    """Runs the checks in order; later checks use what earlier ones found."""

    system: System
    config_path: Path | None = None
    state_dir: Path | None = None
    environ: Mapping[str, str] = field(default_factory=lambda: dict(os.environ))
    config: configmod.Config = field(default_factory=configmod.Config)
    model: str | None = None

    def run(self) -> list[Result]:
        results = [self._safe(self.check_pi), self._safe(self.check_config)]
        if self.model is None:
            results.append(Result("hardware", SKIP, "I2C, sensor, ring and GPIO checks need a Raspberry Pi"))
        else:
            i2c = self._safe(self.check_i2c)
            results.append(i2c)
            results.append(self._safe(self.check_adc) if i2c.status == OK else Result("ADS1115", SKIP, "needs a working I2C bus"))
            results += [self._safe(self.check_ring), self._safe(self.check_gpio), self._safe(self.check_groups)]
        results += [self._safe(self.check_state_dir), self._safe(self.check_service)]
        return results

    @staticmethod
    def _safe(check: Callable[[], Result]) -> Result:
        """A check that breaks is reported as a failed check: doctor never prints a traceback."""
        try:
            return check()
        except Exception as exc:  # noqa: BLE001 - a diagnostic tool reports every failure
            name = check.__name__.removeprefix("check_").replace("_", " ")
            return Result(name, FAIL, f"the check could not run: {type(exc).__name__}: {exc}")

    # -- the machine

    def check_pi(self) -> Result:
        model_file = self.system.path("/proc/device-tree/model")
        self.model = pi_model(model_file)
        if self.model is None:
            return Result(
                "Raspberry Pi",
                FAIL,
                f"this is not a Raspberry Pi (no Raspberry Pi model in {model_file})",
                "breathcue's ring and strap need a Raspberry Pi; on this machine, "
                "try it on simulated hardware: breathcue run --sim",
            )
        if self.system.machine == "aarch64" and self.system.python_bits == 32:
            fix = "use Raspberry Pi OS (64-bit)"
            if family(self.model) != "pi5":
                fix += ", or add arm_64bit=0 to /boot/firmware/config.txt and reboot"
            return Result(
                "Raspberry Pi",
                WARN,
                f"{self.model}: a 64-bit kernel under a 32-bit Python, so pip picks the 64-bit GPIO and NeoPixel packages",
                fix,
            )
        return Result("Raspberry Pi", OK, self.model)

    def check_config(self) -> Result:
        try:
            self.config, source = configmod.load(self.config_path, self.environ)
        except configmod.ConfigError as exc:
            return Result(
                "config",
                FAIL,
                f"{exc.source} is not valid:\n" + "\n".join(f"  {e}" for e in exc.errors),
                f"edit {exc.source}, then check it with: breathcue config check {exc.source} "
                "(the checks below use the defaults)",
            )
        if source == configmod.DEFAULT_SOURCE:
            return Result("config", OK, "no config file: using the defaults")
        return Result("config", OK, f"{source} is valid")

    # -- the sensor

    def check_i2c(self) -> Result:
        bus = self.config.sensor.bus
        dev = self.system.path(f"/dev/i2c-{bus}")
        if not dev.exists():
            present = sorted(p.name for p in self.system.path("/dev").glob("i2c-*"))
            seen = f" (present: {', '.join(present)})" if present else ""
            if bus == 1:
                fix = "enable I2C: sudo raspi-config nonint do_i2c 0, then run breathcue doctor again"
            else:
                fix = "the header's I2C pins (GPIO2/GPIO3) are bus 1: set sensor.bus = 1"
            return Result("I2C", FAIL, f"/dev/i2c-{bus} does not exist: I2C bus {bus} is off{seen}", fix)
        if not self.system.read_write(dev):
            return Result(
                "I2C",
                FAIL,
                f"/dev/i2c-{bus} is not readable and writable by {self.system.user}",
                self._access_fix("i2c", dev),
            )
        return Result("I2C", OK, f"/dev/i2c-{bus} is readable and writable")

    def check_adc(self) -> Result:
        s = self.config.sensor
        where = f"{s.address:#04x} on I2C bus {s.bus}"
        try:
            bus = self.system.open_bus(s.bus)
        except ImportError:
            return Result("ADS1115", FAIL, "the smbus2 package is missing", PIP_FIX)
        except OSError as exc:
            return Result("ADS1115", FAIL, f"cannot open I2C bus {s.bus}: {exc.strerror or exc}", self._group_fix("i2c"))
        try:
            high, low = bus.read_i2c_block_data(s.address, ADS1115_CONFIG_REGISTER, 2)
        except OSError as exc:
            what = f"nothing answers at {where}" if exc.errno in NO_ANSWER else f"I2C error at {where}: {exc.strerror or exc}"
            return Result(
                "ADS1115",
                FAIL,
                what,
                "check the wiring: VDD to 3.3 V (pin 1), GND, SDA to GPIO2 (pin 3), SCL to GPIO3 (pin 5), "
                "ADDR to GND for 0x48; `breathcue sensor scan` lists the addresses that answer, "
                "and sensor.address must be one of them",
            )
        finally:
            bus.close()
        value = high << 8 | low
        state = "its power-on state" if value == ADS1115_CONFIG_RESET else "configured, e.g. by a running breathcue"
        return Result("ADS1115", OK, f"an ADC answers at {where} (config register {value:#06x}: {state})")

    # -- the ring

    def check_ring(self) -> Result:
        ring = self.config.ring
        fam = family(self.model or "")
        if ring.backend == "spi":
            return self._check_spi(fam)
        if ring.backend == "pwm":
            return self._check_pwm(fam)
        return self._check_pi5(fam)

    def _modules(self, *modules: str) -> str | None:
        missing = [m for m in modules if not self.system.has_module(m)]
        return f"Python module {', '.join(missing)} is missing" if missing else None

    def _check_spi(self, fam: str) -> Result:
        name = "ring (spi)"
        dev = self.system.path("/dev/spidev0.0")
        if not dev.exists():
            return Result(name, FAIL, "/dev/spidev0.0 does not exist: SPI is off", "enable SPI: sudo raspi-config nonint do_spi 0")
        if not self.system.read_write(dev):
            return Result(name, FAIL, f"/dev/spidev0.0 is not readable and writable by {self.system.user}", self._access_fix("spi", dev))
        missing = self._modules("neopixel_spi", "board")
        if missing:
            return Result(name, FAIL, missing, PIP_FIX)
        clock = self._spi_clock_problem(fam)
        if clock:
            return Result(name, WARN, clock[0], clock[1])
        return Result(name, OK, "/dev/spidev0.0 is usable; data on GPIO10 (header pin 19)")

    def _spi_clock_problem(self, fam: str) -> tuple[str, str] | None:
        """On a Pi 3/Zero 2 W/Pi 4 the SPI clock follows the VPU core clock, which scales unless fixed."""
        if fam not in ("pi3", "pi4"):
            return None
        path, cfg = boot_config(self.system, fam)
        where = str(path) if path else "/boot/firmware/config.txt"
        if cfg.get("force_turbo") == "1":
            return None
        core, core_min = cfg.get("core_freq"), cfg.get("core_freq_min")
        if fam == "pi3":
            if core == "250" or (core is not None and core == core_min):
                return None
            return (f"the core clock is not fixed in {where}: the ring's SPI timing drifts and it may flicker",
                    f"add core_freq=250 to {where} and reboot")
        if core is not None and core == core_min:
            return None
        return (f"the core clock is not fixed in {where}: the ring's SPI timing drifts and it may flicker",
                f"add core_freq=500 and core_freq_min=500 to {where} and reboot")

    def _check_pwm(self, fam: str) -> Result:
        name = "ring (pwm)"
        if fam == "pi5":
            return Result(name, FAIL, "the pwm backend does not work on a Raspberry Pi 5", 'set ring.backend = "pi5" (or "spi", data on GPIO10)')
        missing = self._modules("neopixel", "board", "rpi_ws281x")
        if missing:
            return Result(name, FAIL, missing, PIP_FIX)
        if self.system.euid != 0:
            return Result(
                name,
                FAIL,
                f"the pwm backend needs root and this runs as {self.system.user}",
                'use the spi backend (ring.backend = "spi", ring.pin = 10, data on GPIO10; no root), '
                "or run breathcue as root (docs/troubleshooting.md)",
            )
        path, cfg = boot_config(self.system, fam)
        if cfg.get("dtparam:audio") == "on":
            return Result(name, WARN, f"analog audio is on in {path}: it shares the PWM hardware and garbles the ring", f"set dtparam=audio=off in {path} and reboot")
        return Result(name, OK, "running as root; PWM data on GPIO18/12/21")

    def _check_pi5(self, fam: str) -> Result:
        name = "ring (pi5)"
        if fam != "pi5":
            return Result(name, FAIL, "the pi5 backend needs a Raspberry Pi 5", 'set ring.backend = "spi" (data on GPIO10)')
        dev = self.system.path("/dev/pio0")
        if not dev.exists():
            return Result(name, FAIL, "/dev/pio0 does not exist: this kernel or firmware has no PIO driver",
                          "update: sudo apt update && sudo apt full-upgrade, then reboot")
        if not self.system.read_write(dev):
            fix = f"add the udev rule {PIO_RULE} as /etc/udev/rules.d/99-breathcue-pio.rules (systemd/install.sh does) and reboot"
            if "gpio" not in self.system.groups:
                fix += f"; and {self._group_fix('gpio')}"
            return Result(name, FAIL, f"/dev/pio0 is not readable and writable by {self.system.user}", fix)
        missing = self._modules("adafruit_raspberry_pi5_neopixel_write", "board")
        if missing:
            return Result(name, FAIL, missing, PIP_FIX)
        return Result(name, OK, "/dev/pio0 is usable")

    # -- the button, groups, state, service

    def check_gpio(self) -> Result:
        button = self.config.button
        if not button.enabled:
            return Result("GPIO", SKIP, "the button is off ([button] enabled = false)")
        chips = sorted(self.system.path("/dev").glob("gpiochip*"))
        if not chips:
            return Result("GPIO", FAIL, "no /dev/gpiochip*: the button cannot be read", "update: sudo apt update && sudo apt full-upgrade, then reboot")
        usable = [c for c in chips if self.system.read_write(c)]
        if not usable:
            return Result("GPIO", FAIL, f"/dev/{chips[0].name} is not readable and writable by {self.system.user}", self._access_fix("gpio", chips[0]))
        return Result("GPIO", OK, f"/dev/{usable[0].name} is usable for the button on GPIO{button.pin}")

    def check_groups(self) -> Result:
        if self.system.euid == 0:
            return Result("groups", OK, "running as root: no groups needed")
        wanted = ("gpio", "i2c", "spi")
        missing = [g for g in wanted if g not in self.system.groups]
        if not missing:
            return Result("groups", OK, f"{self.system.user} is in {', '.join(wanted)}")
        return Result("groups", WARN, f"{self.system.user} is not in {', '.join(missing)}", self._group_fix(",".join(missing)))

    def _access_fix(self, group: str, dev: Path) -> str:
        if group in self.system.groups:
            device = "/" + str(dev.relative_to(self.system.root))
            return f"{self.system.user} is in group {group}, so {device} has the wrong owner or mode: it should be group {group}, mode 0660 (see ls -l {device}); Raspberry Pi OS's udev rules set that"
        return self._group_fix(group)

    def _group_fix(self, groups: str) -> str:
        user = self.system.user
        if all(g in self.system.listed_groups for g in groups.split(",")):
            return f"{user} is in group {groups} since this login started: log out and back in"
        return f"sudo usermod -aG {groups} {user}, then log out and back in (the service gets its groups from its unit)"

    def check_state_dir(self) -> Result:
        path = configmod.state_dir(self.state_dir, self.environ)
        problem = self.system.writable(path)
        if problem:
            return Result("state dir", FAIL, problem, f"make {path} writable by {self.system.user}: sudo install -d -o {self.system.user} {path}, or pass --state-dir DIR")
        if not path.exists():
            return Result("state dir", OK, f"{path} will be created")
        return Result("state dir", OK, f"{path} is writable")

    def check_service(self) -> Result:
        if self.system.which("systemctl") is None:
            return Result("service", SKIP, "no systemctl: breathcue is not run by systemd here")
        code, out = self.system.run(
            ["systemctl", "show", "--property=LoadState,ActiveState,SubState,UnitFileState", "breathcue.service"]
        )
        props = dict(line.partition("=")[::2] for line in out.splitlines() if "=" in line)
        if code != 0 or "LoadState" not in props:
            reason = out.strip().splitlines()[0] if out.strip() else f"systemctl exited {code}"
            return Result("service", SKIP, f"cannot ask systemd: {reason}")
        if props["LoadState"] == "not-found":
            return Result("service", WARN, "breathcue.service is not installed", "install it: sudo systemd/install.sh (docs/install.md)")
        active, sub, enabled = props.get("ActiveState", ""), props.get("SubState", ""), props.get("UnitFileState", "")
        state = f"{active} ({sub}), {enabled or 'unknown'} at boot"
        if active == "active":
            if enabled != "enabled":
                return Result("service", WARN, state, "start it at boot too: sudo systemctl enable breathcue")
            return Result("service", OK, state)
        if active == "failed" or sub == "auto-restart":
            return Result("service", FAIL, state, "see why: journalctl -u breathcue -e; then: sudo systemctl restart breathcue")
        return Result("service", WARN, state, "start it: sudo systemctl enable --now breathcue")


# --- output ------------------------------------------------------------------------


def render(results: Sequence[Result], out: TextIO) -> int:
    """Print one line per check (and its fix) and a summary; return the exit status."""
    width = max(len(r.name) for r in results)
    for r in results:
        lines = r.detail.splitlines() or [""]
        out.write(f"{r.status:<5} {r.name:<{width}}  {lines[0]}\n")
        for line in lines[1:]:
            out.write(f"{'':<5} {'':<{width}}  {line}\n")
        if r.fix and r.status in (FAIL, WARN):
            out.write(f"{'':<5} {'':<{width}}  fix: {r.fix}\n")
    failed = sum(r.status == FAIL for r in results)
    warned = sum(r.status == WARN for r in results)
    if failed:
        out.write(f"\n{failed} check(s) failed, {warned} warning(s): fix the FAIL lines above.\n")
    elif warned:
        out.write(f"\nready, with {warned} warning(s).\n")
    else:
        out.write("\nready: everything breathcue needs is in place.\n")
    return 1 if failed else 0


def main(config_path: Path | None, state_dir: Path | None, out: TextIO) -> int:
    """`breathcue doctor` on this machine."""
    return render(Doctor(System(), config_path, state_dir).run(), out)

