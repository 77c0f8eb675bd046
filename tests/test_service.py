"""The systemd unit: systemd-analyze accepts it, and it asks for what the daemon needs."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from .conftest import ROOT

UNIT = ROOT / "systemd" / "breathcue.service"
ANALYZE = shutil.which("systemd-analyze")


def settings() -> dict[str, list[str]]:
    """Every Key=value of the unit, keyed "Section.Key", in order (keys may repeat)."""
    out: dict[str, list[str]] = defaultdict(list)
    section = ""
    for line in UNIT.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith(("#", ";")):
            continue
        if line.startswith("["):
            section = line.strip("[]")
            continue
        key, _, value = line.partition("=")
        out[f"{section}.{key}"].append(value)
    return out


def verify(unit: Path) -> subprocess.CompletedProcess:
    return subprocess.run([ANALYZE, "verify", str(unit)], capture_output=True, text=True, timeout=60)


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify_reports_only_the_missing_binary():
    done = verify(UNIT)
    exec_start = settings()["Service.ExecStart"][0].split()[0]
    problems = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    if Path(exec_start).exists():
        assert done.returncode == 0 and problems == []
    else:  # a dev checkout: breathcue is not installed where the unit expects it
        assert problems and all(f"Command {exec_start} is not executable" in p for p in problems), problems


@pytest.mark.skipif(ANALYZE is None, reason="systemd-analyze is not installed")
def test_systemd_analyze_verify_passes_with_an_installed_binary(tmp_path: Path):
    installed = tmp_path / "breathcue.service"
    exec_start = settings()["Service.ExecStart"][0].split()[0]
    installed.write_text(UNIT.read_text().replace(exec_start, str(Path(sys.executable).resolve())))
    done = verify(installed)
    assert done.returncode == 0, done.stderr
    assert (done.stdout + done.stderr).strip() == ""


def test_unit_asks_for_what_the_issue_requires():
    s = {k: v[-1] for k, v in settings().items()}
    assert s["Service.Type"] == "notify"
    assert int(s["Service.WatchdogSec"]) > 0
    assert s["Service.Restart"] == "on-failure"
    assert s["Service.ExecReload"].endswith("kill -HUP $MAINPID")
    assert s["Service.User"] == "breathcue"
    assert set(s["Service.SupplementaryGroups"].split()) == {"gpio", "i2c", "spi"}
    assert s["Service.StateDirectory"] == "breathcue" and s["Service.ConfigurationDirectory"] == "breathcue"
    assert s["Service.ProtectSystem"] == "strict" and s["Service.ProtectHome"] == "yes"
    assert s["Service.NoNewPrivileges"] == "yes" and s["Service.DevicePolicy"] == "closed"
    allowed = " ".join(settings()["Service.DeviceAllow"])
    for device in ("char-i2c", "char-spi", "char-gpiochip"):
        assert device in allowed
    assert s["Install.WantedBy"] == "multi-user.target"
