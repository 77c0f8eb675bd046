"""systemd/install.sh, run for real into a temporary root (--destdir --no-system):
a venv with the package, the config that is never overwritten once edited,
the unit pointed at the venv, the Pi 5 udev rule, and a clean uninstall."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from .conftest import ROOT

SCRIPT = ROOT / "systemd" / "install.sh"
PACKAGED_DEFAULT = (ROOT / "device" / "breathcue" / "default.toml").read_text(encoding="utf-8")
PREFIX = "/srv/breathcue"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The package as a wheel, built offline from a copy of the tree (the tree itself stays clean)."""
    base = tmp_path_factory.mktemp("wheel")
    src = base / "src"
    src.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    shutil.copytree(ROOT / "device", src / "device", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", "--no-index", "-w", str(base / "dist"), str(src)],
        check=True, capture_output=True,
    )
    return next((base / "dist").glob("breathcue-*.whl"))


def install(destdir: Path, wheel: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PREFIX", "DESTDIR")}
    argv = [
        "bash", str(SCRIPT), "--no-system", "--destdir", str(destdir), "--prefix", PREFIX,
        "--source", str(wheel), "--extras", "", "--pip-args", "--no-index --no-deps", "--python", sys.executable, *args,
    ]
    done = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300, check=False)
    if check:
        assert done.returncode == 0, done.stdout + done.stderr
    return done


def snapshot(root: Path) -> dict[str, str]:
    """Every file outside the venv, with its content (or link target)."""
    out = {}
    for path in sorted(root.rglob("*")):
        rel = str(path.relative_to(root))
        if "/venv" in "/" + rel:
            continue
        if path.is_symlink():
            out[rel] = "-> " + os.readlink(path)
        elif path.is_file():
            out[rel] = path.read_text(encoding="utf-8")
    return out


def test_install_upgrade_and_uninstall(tmp_path: Path, wheel: Path):
    root = tmp_path / "root"
    conf = root / "etc/breathcue/config.toml"

    # A fresh install: venv, default config, unit, udev rule, a breathcue on PATH.
    first = install(root, wheel)
    venv = root / PREFIX.lstrip("/") / "venv"
    found = subprocess.run([str(venv / "bin/python"), "-c", "import importlib.util as u; print(u.find_spec('breathcue').origin)"], capture_output=True, text=True, check=True)
    assert str(venv) in found.stdout
    assert conf.read_text(encoding="utf-8") == PACKAGED_DEFAULT
    assert conf.stat().st_mode & 0o777 == 0o640  # it may hold web.token: not for other users
    unit = (root / "etc/systemd/system/breathcue.service").read_text()
    assert f"ExecStart={PREFIX}/venv/bin/breathcue run" in unit
    assert "/opt/breathcue" not in unit
    assert (root / "etc/udev/rules.d/99-breathcue-pio.rules").read_text() == 'SUBSYSTEM=="*-pio", GROUP="gpio", MODE="0660"\n'
    assert os.readlink(root / "usr/local/bin/breathcue") == f"{PREFIX}/venv/bin/breathcue"
    assert "installing the default config" in first.stdout

    # Run again: nothing changes.
    before = snapshot(root)
    again = install(root, wheel)
    assert snapshot(root) == before
    assert "installing the default config" not in again.stdout and "breathcue.service" not in again.stdout.split("installed:")[0]

    # An edited config is kept; the new default goes beside it, once.
    conf.write_text(PACKAGED_DEFAULT.replace("brightness = 0.5", "brightness = 0.3"), encoding="utf-8")
    edited = conf.read_text(encoding="utf-8")
    kept = install(root, wheel)
    assert conf.read_text(encoding="utf-8") == edited
    assert (root / "etc/breathcue/config.toml.new").read_text(encoding="utf-8") == PACKAGED_DEFAULT
    assert "kept your edited" in kept.stdout and "config.toml.new" in kept.stdout
    install(root, wheel)
    assert conf.read_text(encoding="utf-8") == edited

    # A config still equal to the default installed last time follows the new default.
    old_default = "# an older default\n[ring]\nbrightness = 0.4\n"
    conf.write_text(old_default)
    (root / PREFIX.lstrip("/") / "config.toml.default").write_text(old_default)
    updated = install(root, wheel)
    assert conf.read_text(encoding="utf-8") == PACKAGED_DEFAULT
    assert not (root / "etc/breathcue/config.toml.new").exists()
    assert "updating the unedited config" in updated.stdout

    # Uninstall keeps the config and the history; --purge removes them.
    state = root / "var/lib/breathcue"
    state.mkdir(parents=True)
    (state / "history.sqlite").write_bytes(b"")
    gone = install(root, wheel, "--uninstall")
    assert "kept the config" in gone.stdout
    assert sorted(snapshot(root)) == ["etc/breathcue/config.toml", "var/lib/breathcue/history.sqlite"]
    assert not (root / PREFIX.lstrip("/")).exists()
    install(root, wheel, "--uninstall")  # idempotent too
    install(root, wheel, "--uninstall", "--purge")
    assert snapshot(root) == {}


def test_the_unit_and_the_script_agree_on_the_default_venv():
    """With the default prefix the unit installs unchanged, so the repo's unit must name that venv."""
    unit = (ROOT / "systemd" / "breathcue.service").read_text()
    assert "PREFIX=${PREFIX:-/opt/breathcue}" in SCRIPT.read_text()
    assert "ExecStart=/opt/breathcue/venv/bin/breathcue run" in unit.splitlines()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--purge"], "--purge goes with --uninstall"),
        (["--prefix", "relative/dir"], "absolute path"),
        (["--prefix", "/"], "absolute path"),
        (["--prefix", "/opt/my breathcue"], "must not contain spaces"),
        (["--bogus"], "unknown option: --bogus"),
        (["--prefix"], "--prefix needs a value"),
    ],
)
def test_bad_options_are_refused(tmp_path: Path, args: list[str], message: str):
    done = subprocess.run(["bash", str(SCRIPT), "--no-system", "--destdir", str(tmp_path), *args], capture_output=True, text=True, check=False)
    assert done.returncode != 0 and message in done.stderr
    assert list(tmp_path.iterdir()) == []


def test_help():
    done = subprocess.run(["bash", str(SCRIPT), "--help"], capture_output=True, text=True, check=True)
    assert "--uninstall" in done.stdout and "--destdir" in done.stdout


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_shellcheck_is_clean():
    subprocess.run(["shellcheck", str(SCRIPT)], check=True)
