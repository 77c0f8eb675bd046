"""`breathcue doctor` on a fake Pi (a temp dir with a model file and fake /dev
entries, an I2C bus that answers like an ADS1115) and on this machine."""

from __future__ import annotations

import errno
import io
import os
import subprocess
import sys
from pathlib import Path

import pytest

from breathcue import doctor
from breathcue.doctor import FAIL, OK, SKIP, WARN, Doctor, System
from breathcue.hw.select import pi_model

ZERO_2 = "Raspberry Pi Zero 2 W Rev 1.0"
PI_4 = "Raspberry Pi 4 Model B Rev 1.4"
PI_5 = "Raspberry Pi 5 Model B Rev 1.0"

ACTIVE = "LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=enabled\n"


class FakeBus:
    """An I2C bus on which each address in ``chips`` answers with its config register."""

    def __init__(self, chips: dict[int, int]):
        self.chips = chips
        self.closed = False

    def read_i2c_block_data(self, address: int, register: int, length: int) -> list[int]:
        if address not in self.chips:
            raise OSError(errno.EREMOTEIO, "Remote I/O error")
        assert (register, length) == (doctor.ADS1115_CONFIG_REGISTER, 2)
        value = self.chips[address]
        return [value >> 8, value & 0xFF]

    def close(self) -> None:
        self.closed = True


def make_pi(root: Path, model: str | None = ZERO_2, devices=("i2c-1", "spidev0.0", "gpiochip0"), boot: str | None = "core_freq=250\n") -> Path:
    if model is not None:
        (root / "proc/device-tree").mkdir(parents=True)
        (root / "proc/device-tree/model").write_bytes(model.encode() + b"\x00")
    (root / "dev").mkdir(exist_ok=True)
    for name in devices:
        (root / "dev" / name).touch()
    if boot is not None:
        (root / "boot/firmware").mkdir(parents=True)
        (root / "boot/firmware/config.txt").write_text(boot)
    return root


def make_system(root: Path, *, bus: FakeBus | None = None, denied=(), machine="aarch64", python_bits=64, euid=1000, groups=("gpio", "i2c", "spi"), listed=None, missing_modules=(), service=ACTIVE, service_code=0, systemctl=True) -> System:
    return System(
        root=root,
        open_bus=lambda n: bus if bus is not None else FakeBus({0x48: doctor.ADS1115_CONFIG_RESET}),
        run=lambda argv: (service_code, service),
        which=lambda name: "/usr/bin/systemctl" if systemctl else None,
        access=lambda path, mode: path.name not in denied,
        has_module=lambda name: name not in missing_modules,
        machine=machine,
        python_bits=python_bits,
        euid=euid,
        user="pi",
        groups=frozenset(groups),
        listed_groups=frozenset(listed if listed is not None else groups),
    )


def diagnose(root: Path, system: System | None = None, config_text: str | None = None, state_dir: Path | None = None) -> tuple[dict[str, doctor.Result], int, str]:
    config_path = None
    if config_text is not None:
        config_path = root / "config.toml"
        config_path.write_text(config_text)
    results = Doctor(system or make_system(root), config_path, state_dir or root / "state", environ={}).run()
    out = io.StringIO()
    code = doctor.render(results, out)
    return {r.name: r for r in results}, code, out.getvalue()


@pytest.fixture
def pi(tmp_path: Path) -> Path:
    return make_pi(tmp_path)


BUTTON_ON = "[button]\nenabled = true\n"


def test_a_healthy_pi_zero_2_passes_every_check(pi: Path):
    results, code, text = diagnose(pi, config_text=BUTTON_ON)
    assert code == 0, text
    assert {name: r.status for name, r in results.items()} == {
        "Raspberry Pi": OK, "config": OK, "I2C": OK, "ADS1115": OK, "ring (spi)": OK,
        "GPIO": OK, "groups": OK, "state dir": OK, "service": OK,
    }
    assert results["Raspberry Pi"].detail == ZERO_2
    assert "0x48 on I2C bus 1" in results["ADS1115"].detail and "power-on" in results["ADS1115"].detail
    assert results["GPIO"].detail == "/dev/gpiochip0 is usable for the button on GPIO17"
    assert "ready" in text and "fix:" not in text


@pytest.mark.parametrize(("model", "fix"), [(PI_4, "arm_64bit=0"), (PI_5, "64-bit")])
def test_a_32_bit_python_on_a_64_bit_kernel_is_pointed_out(tmp_path: Path, model: str, fix: str):
    root = make_pi(tmp_path, model=model)
    results, code, _ = diagnose(root, make_system(root, machine="aarch64", python_bits=32))
    assert results["Raspberry Pi"].status == WARN and fix in results["Raspberry Pi"].fix and code == 0
    if model == PI_5:
        assert "arm_64bit" not in results["Raspberry Pi"].fix
    results, _, _ = diagnose(root, make_system(root, machine="armv7l", python_bits=32))
    assert results["Raspberry Pi"].status == OK


def test_not_a_pi_says_so_and_fails(tmp_path: Path):
    results, code, text = diagnose(make_pi(tmp_path, model=None))
    assert code == 1
    assert "this is not a Raspberry Pi" in text
    assert results["hardware"].status == SKIP
    assert "I2C" not in results and results["config"].status == OK


def test_an_other_boards_model_file_is_not_a_pi(tmp_path: Path):
    _, code, text = diagnose(make_pi(tmp_path, model="Hardkernel ODROID-C4"))
    assert code == 1 and "this is not a Raspberry Pi" in text


def test_i2c_off_names_raspi_config_and_skips_the_adc(tmp_path: Path):
    results, code, text = diagnose(make_pi(tmp_path, devices=("spidev0.0", "gpiochip0")))
    assert code == 1
    assert results["I2C"].status == FAIL and "do_i2c 0" in results["I2C"].fix
    assert results["ADS1115"].status == SKIP
    assert "fix: enable I2C: sudo raspi-config nonint do_i2c 0" in text


def test_i2c_bus_that_does_not_exist_points_at_bus_1(tmp_path: Path):
    root = make_pi(tmp_path)
    results, code, _ = diagnose(root, config_text="[sensor]\nbus = 3\n")
    assert code == 1 and "i2c-3" in results["I2C"].detail and "present: i2c-1" in results["I2C"].detail
    assert "sensor.bus = 1" in results["I2C"].fix


def test_unreadable_i2c_device_names_the_group(pi: Path):
    results, code, _ = diagnose(pi, make_system(pi, denied={"i2c-1"}, groups=("gpio", "spi")))
    assert code == 1
    assert results["I2C"].fix.startswith("sudo usermod -aG i2c pi")
    assert results["groups"].status == WARN and "not in i2c" in results["groups"].detail


def test_a_group_added_since_login_says_log_in_again(pi: Path):
    system = make_system(pi, denied={"i2c-1"}, groups=("gpio", "spi"), listed=("gpio", "spi", "i2c"))
    results, _, _ = diagnose(pi, system)
    assert "log out and back in" in results["I2C"].fix and "usermod" not in results["I2C"].fix


def test_no_adc_at_the_address(pi: Path):
    results, code, _ = diagnose(pi, make_system(pi, bus=FakeBus({0x68: 0})))
    assert code == 1
    assert results["ADS1115"].detail == "nothing answers at 0x48 on I2C bus 1"
    assert "breathcue sensor scan" in results["ADS1115"].fix and "ADDR to GND" in results["ADS1115"].fix


def test_other_i2c_errors_are_reported_not_raised(pi: Path):
    class StuckBus(FakeBus):
        def read_i2c_block_data(self, address, register, length):
            raise OSError(errno.EIO, "Input/output error")

    bus = StuckBus({})
    results, code, _ = diagnose(pi, make_system(pi, bus=bus))
    assert code == 1 and "I2C error at 0x48" in results["ADS1115"].detail and bus.closed


def test_the_configured_address_is_probed(pi: Path):
    bus = FakeBus({0x49: 0x8483})
    results, code, _ = diagnose(pi, make_system(pi, bus=bus), config_text="[sensor]\naddress = 0x49\n")
    assert code == 0 and "0x49" in results["ADS1115"].detail and "configured" in results["ADS1115"].detail
    assert bus.closed


def test_spi_off_names_raspi_config(tmp_path: Path):
    results, code, _ = diagnose(make_pi(tmp_path, devices=("i2c-1", "gpiochip0")))
    assert code == 1 and results["ring (spi)"].fix == "enable SPI: sudo raspi-config nonint do_spi 0"


def test_spi_without_access_or_library(pi: Path):
    results, _, _ = diagnose(pi, make_system(pi, denied={"spidev0.0"}, groups=("gpio", "i2c")))
    assert results["ring (spi)"].status == FAIL and "usermod -aG spi" in results["ring (spi)"].fix
    results, _, _ = diagnose(pi, make_system(pi, missing_modules={"neopixel_spi"}))
    assert results["ring (spi)"].status == FAIL and "breathcue[pi]" in results["ring (spi)"].fix


@pytest.mark.parametrize(
    ("model", "boot", "status", "fix"),
    [
        (ZERO_2, "core_freq=250\n", OK, ""),
        (ZERO_2, "", WARN, "core_freq=250"),
        (PI_4, "core_freq=250\n", WARN, "core_freq=500 and core_freq_min=500"),
        (PI_4, "[pi4]\ncore_freq=500\ncore_freq_min=500\n", OK, ""),
        (PI_4, "[pi3]\ncore_freq=500\ncore_freq_min=500\n[all]\n", WARN, "core_freq_min=500"),
        (PI_4, "force_turbo=1 # fixed clocks\n", OK, ""),
        (PI_5, "", OK, ""),
    ],
)
def test_spi_core_clock_on_pi_3_and_4(tmp_path: Path, model: str, boot: str, status: str, fix: str):
    results, code, _ = diagnose(make_pi(tmp_path, model=model, boot=boot))
    assert results["ring (spi)"].status == status and fix in results["ring (spi)"].fix
    assert code == 0  # a warning is not a failure


def test_pwm_needs_root(pi: Path):
    config = '[ring]\nbackend = "pwm"\npin = 18\n'
    results, code, _ = diagnose(pi, config_text=config)
    assert code == 1 and results["ring (pwm)"].status == FAIL
    assert "needs root" in results["ring (pwm)"].detail and 'ring.backend = "spi"' in results["ring (pwm)"].fix
    results, code, _ = diagnose(pi, make_system(pi, euid=0), config_text=config)
    assert code == 0 and results["ring (pwm)"].status == OK and results["groups"].detail.startswith("running as root")


def test_pwm_warns_about_analog_audio(tmp_path: Path):
    root = make_pi(tmp_path, model=PI_4, boot="dtparam=i2c_arm=on,audio=on\n")
    results, _, _ = diagnose(root, make_system(root, euid=0), config_text='[ring]\nbackend = "pwm"\npin = 18\n')
    assert results["ring (pwm)"].status == WARN and "dtparam=audio=off" in results["ring (pwm)"].fix


def test_pwm_on_a_pi_5_points_at_the_pi5_backend(tmp_path: Path):
    root = make_pi(tmp_path, model=PI_5)
    results, code, _ = diagnose(root, make_system(root, euid=0), config_text='[ring]\nbackend = "pwm"\npin = 18\n')
    assert code == 1 and 'ring.backend = "pi5"' in results["ring (pwm)"].fix


def test_pi5_backend(tmp_path: Path):
    config = '[ring]\nbackend = "pi5"\npin = 18\n'
    root = make_pi(tmp_path / "a", model=PI_5)
    results, code, _ = diagnose(root, config_text=config)
    assert code == 1 and "/dev/pio0 does not exist" in results["ring (pi5)"].detail and "full-upgrade" in results["ring (pi5)"].fix
    (root / "dev/pio0").touch()
    results, code, _ = diagnose(root, make_system(root, denied={"pio0"}, groups=("i2c", "spi")), config_text=config)
    assert code == 1 and doctor.PIO_RULE in results["ring (pi5)"].fix and "usermod -aG gpio" in results["ring (pi5)"].fix
    results, code, _ = diagnose(root, config_text=config)
    assert code == 0 and results["ring (pi5)"].status == OK
    results, code, _ = diagnose(make_pi(tmp_path / "b", model=PI_4), config_text=config)
    assert code == 1 and "needs a Raspberry Pi 5" in results["ring (pi5)"].detail


def test_gpio_chip_for_the_button(pi: Path):
    results, code, _ = diagnose(pi, make_system(pi, denied={"gpiochip0"}, groups=("i2c", "spi")), config_text=BUTTON_ON)
    assert code == 1 and "usermod -aG gpio" in results["GPIO"].fix
    results, code, _ = diagnose(pi, make_system(pi, denied={"gpiochip0"}), config_text=BUTTON_ON)
    assert code == 1 and "wrong owner or mode" in results["GPIO"].fix and "ls -l /dev/gpiochip0" in results["GPIO"].fix
    (pi / "dev/gpiochip4").touch()  # a Pi 5 on an older kernel: the header is gpiochip4
    results, code, _ = diagnose(pi, make_system(pi, denied={"gpiochip0"}), config_text=BUTTON_ON)
    assert code == 0 and results["GPIO"].detail.startswith("/dev/gpiochip4 is usable")
    for chip in ("gpiochip0", "gpiochip4"):
        (pi / "dev" / chip).unlink()
    results, code, _ = diagnose(pi, config_text=BUTTON_ON)
    assert code == 1 and results["GPIO"].status == FAIL


def test_no_gpio_check_while_the_button_is_off(pi: Path):
    (pi / "dev/gpiochip0").unlink()
    results, code, _ = diagnose(pi)
    assert code == 0 and results["GPIO"].status == SKIP and "enabled = false" in results["GPIO"].detail


def test_invalid_config_lists_every_error_and_the_rest_uses_defaults(pi: Path):
    results, code, text = diagnose(pi, config_text="[ring]\npixels = -3\n[sensor]\naddres = 0x48\n")
    assert code == 1
    assert "ring.pixels = -3: expected an integer from 1 to 300" in text
    assert "did you mean 'address'?" in text
    assert "breathcue config check" in results["config"].fix
    assert results["ADS1115"].status == OK  # probed at the default address


def test_state_dir_that_cannot_be_written(pi: Path):
    blocker = pi / "not-a-dir"
    blocker.write_text("")
    results, code, _ = diagnose(pi, state_dir=blocker / "state")
    assert code == 1 and results["state dir"].status == FAIL and "--state-dir" in results["state dir"].fix
    (pi / "state").mkdir()
    results, _, _ = diagnose(pi, state_dir=pi / "state")
    assert results["state dir"].detail.endswith("is writable")


@pytest.mark.parametrize(
    ("output", "code", "status", "fix"),
    [
        (ACTIVE, 0, OK, ""),
        ("LoadState=not-found\nActiveState=inactive\nSubState=dead\nUnitFileState=\n", 0, WARN, "install.sh"),
        ("LoadState=loaded\nActiveState=inactive\nSubState=dead\nUnitFileState=disabled\n", 0, WARN, "enable --now"),
        ("LoadState=loaded\nActiveState=active\nSubState=running\nUnitFileState=disabled\n", 0, WARN, "systemctl enable breathcue"),
        ("LoadState=loaded\nActiveState=failed\nSubState=failed\nUnitFileState=enabled\n", 0, FAIL, "journalctl -u breathcue"),
        ("LoadState=loaded\nActiveState=activating\nSubState=auto-restart\nUnitFileState=enabled\n", 0, FAIL, "journalctl"),
        ("System has not been booted with systemd as init system (PID 1). Can't operate.\n", 1, SKIP, ""),
    ],
)
def test_service_states(pi: Path, output: str, code: int, status: str, fix: str):
    results, _, _ = diagnose(pi, make_system(pi, service=output, service_code=code))
    assert results["service"].status == status and fix in results["service"].fix


def test_no_systemctl_skips_the_service(pi: Path):
    results, code, _ = diagnose(pi, make_system(pi, systemctl=False))
    assert results["service"].status == SKIP and code == 0


def test_a_check_that_breaks_is_a_failed_line_and_the_others_still_run(pi: Path):
    def broken(n):
        raise RuntimeError("bus driver exploded")

    system = make_system(pi)
    system.open_bus = broken
    results, code, text = diagnose(pi, system)
    assert code == 1
    assert results["adc"].status == FAIL and "RuntimeError: bus driver exploded" in results["adc"].detail
    assert results["service"].status == OK and "Traceback" not in text


@pytest.mark.parametrize(
    ("model", "family"),
    [
        ("Raspberry Pi Zero 2 W Rev 1.0", "pi3"),
        ("Raspberry Pi 3 Model B Plus Rev 1.3", "pi3"),
        ("Raspberry Pi 4 Model B Rev 1.5", "pi4"),
        ("Raspberry Pi 400 Rev 1.0", "pi4"),
        ("Raspberry Pi Compute Module 4 Rev 1.0", "pi4"),
        ("Raspberry Pi 5 Model B Rev 1.0", "pi5"),
        ("Raspberry Pi Zero W Rev 1.1", "older"),
    ],
)
def test_family(model: str, family: str):
    assert doctor.family(model) == family


@pytest.mark.skipif(pi_model() is not None, reason="this machine is a Raspberry Pi")
def test_doctor_on_this_machine(tmp_path: Path):
    """The acceptance check: exits non-zero, says this is not a Pi, prints no traceback."""
    env = {k: v for k, v in os.environ.items() if k != "BREATHCUE_CONFIG"}
    done = subprocess.run(
        [sys.executable, "-m", "breathcue", "doctor", "--state-dir", str(tmp_path)],
        capture_output=True, text=True, env=env, timeout=60, check=False,
    )
    assert done.returncode != 0
    assert "this is not a Raspberry Pi" in done.stdout
    assert "Traceback" not in done.stdout + done.stderr
