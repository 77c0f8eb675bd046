"""hardware/ and the user-facing docs: the diagram is generated and valid,
the bill of materials is complete, the figures agree with the code, and
every link resolves."""

from __future__ import annotations

import functools
import importlib.util
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from breathcue import config as configmod
from breathcue.core.render import FrameEncoder
from breathcue.core.types import Frame

from .conftest import ROOT

HARDWARE = ROOT / "hardware"
DOCS = ROOT / "docs"
USER_DOCS = ("install.md", "user-guide.md", "troubleshooting.md", "privacy.md")


@functools.cache
def load_wiring():
    """hardware/wiring.py, which is a script, not part of the package."""
    spec = importlib.util.spec_from_file_location("hardware_wiring", HARDWARE / "wiring.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", sorted(HARDWARE.glob("*.svg")), ids=lambda p: p.name)
def test_every_svg_parses_as_xml(path: Path):
    root = ET.parse(path).getroot()
    assert root.tag == "{http://www.w3.org/2000/svg}svg"
    assert root.get("viewBox")


def test_regenerating_gives_the_committed_files():
    for path, text in load_wiring().outputs().items():
        assert path.read_text(encoding="utf-8") == text, f"{path.name} is stale: run python hardware/wiring.py"


def test_the_diagram_shows_every_connection_of_the_issue():
    svg = (HARDWARE / "wiring.svg").read_text(encoding="utf-8")
    for name in ("74AHCT125", "GPIO10", "GPIO18", "ADS1115", "A0", "GPIO17", "GPIO2", "GPIO3", "WS2812", "5 V", "GND", "3V3", "strap cord"):
        assert name in svg, name


def test_the_pin_table_uses_the_config_defaults():
    cfg = configmod.Config()
    pins = (HARDWARE / "pins.md").read_text(encoding="utf-8")
    assert f"| {19} | GPIO{cfg.ring.pin} |" in pins
    assert f"address {cfg.sensor.address:#04x}" in pins
    assert f"sensor.channel = {cfg.sensor.channel}" in pins and f"A{cfg.sensor.channel} |" in pins
    assert f"GPIO{cfg.button.pin}, Pi pin 11" in pins


def test_hardware_names_the_level_shifter():
    for name in ("README.md", "bom.md", "pins.md", "wiring.svg"):
        assert "74AHCT125" in (HARDWARE / name).read_text(encoding="utf-8"), name


def table_under(text: str, heading: str) -> list[list[str]]:
    """The rows of the first Markdown table after ``heading``."""
    body = text[text.index(heading):]
    rows = []
    for line in body.splitlines()[1:]:
        if line.startswith("|"):
            rows.append([cell.strip() for cell in line.strip("|").split("|")])
        elif rows:
            break
    return rows[2:]  # without the header and the |---| line


REQUIRED = {
    "24-pixel WS2812": "ring",
    "74AHCT125": "level shifter",
    "power supply": "5 V supply",
    "ADS1115": "ADC",
    "conductive rubber cord": "cord",
    "divider resistor": "divider resistor",
    "button": "button",
    "chest strap": "strap",
    "diffuser": "diffuser",
}


@pytest.mark.parametrize("build", ["## Pi Zero 2 W build", "## Pi 4 / Pi 5 build"])
def test_the_bom_lists_every_part_with_quantity_supplier_and_price(build: str):
    text = (HARDWARE / "bom.md").read_text(encoding="utf-8")
    rows = table_under(text, "## Pi Zero 2 W build")
    if build != "## Pi Zero 2 W build":  # the Pi 4/5 build swaps the Pi and the supply
        rows = [r for r in rows if not r[0].startswith(("Raspberry Pi", "2×20", "5 V 2.5 A"))] + table_under(text, build)
    for row in rows:
        part, qty, supplier, price = row[:4]
        if part.startswith("**total"):
            continue
        assert qty and supplier and re.search(r"\$\d", price), row
    names = " ".join(r[0] for r in rows).lower()
    missing = [what for key, what in REQUIRED.items() if key.lower() not in names]
    assert not missing, f"{build} lacks {missing}"


def test_the_power_budget_matches_the_renderer():
    """The figures in power-budget.md, recomputed from the default config."""
    cfg = configmod.parse_text(configmod.default_text())
    text = (HARDWARE / "power-budget.md").read_text(encoding="utf-8")
    assert f"**`ring.brightness`** (default **{cfg.ring.brightness:g}**)" in text
    assert f"**`ring.max_current_ma`** (default **{cfg.ring.max_current_ma}**)" in text
    assert f"`ring.ma_per_channel = {cfg.ring.ma_per_channel:g}`" in text

    def estimate(ring: configmod.RingConfig, colour: tuple[float, float, float]) -> tuple[tuple[int, int, int], int]:
        encoder = FrameEncoder.from_config(ring)
        encoder.dither = False
        rgb = encoder.encode(Frame.solid(ring.pixels, colour))
        return rgb[0], round(encoder.current_ma(rgb))

    pacer = tuple(int(cfg.pacing.inhale_colour[i : i + 2], 16) / 255 for i in (1, 3, 5))
    full = configmod.RingConfig(brightness=1.0)
    for ring, colour, label in ((cfg.ring, (1.0, 1.0, 1.0), "full white, `ring.brightness"), (full, (1.0, 1.0, 1.0), "full white with"), (cfg.ring, pacer, f"`{cfg.pacing.inhale_colour}`")):
        rgb, ma = estimate(ring, colour)
        row = next(line for line in text.splitlines() if line.startswith("|") and label in line)
        assert f"| ({rgb[0]}, {rgb[1]}, {rgb[2]}) | {ma} mA |" in row, (row, rgb, ma)


def test_the_sensor_guide_agrees_with_the_wiring_and_config():
    wiring = load_wiring()
    text = (HARDWARE / "sensor-build.md").read_text(encoding="utf-8")
    cfg = configmod.Config()
    assert f"R1 {wiring.R_DIVIDER}" in text
    assert f"default is **{cfg.sensor.full_scale_v:g} V**" in text
    assert "breathcue sensor read" in text
    # The divider arithmetic as written: 3.3 V × R / (R1 + R).
    r1 = float(wiring.R_DIVIDER.split()[0])
    for r_cord, shown in ((9.4, "1.45"), (10.3, "1.52"), (15.5, "1.86")):
        assert f"{3.3 * r_cord / (r1 + r_cord):.2f}" == shown
        assert f"= **{shown} V**" in text or f"= {shown} V" in text


def test_install_guide_covers_the_steps():
    text = (DOCS / "install.md").read_text(encoding="utf-8")
    for step in (
        "raspi-config nonint do_i2c 0",
        "raspi-config nonint do_spi 0",
        'SUBSYSTEM=="*-pio", GROUP="gpio", MODE="0660"',
        "'.[pi]'",
        "/etc/breathcue/config.toml",
        "systemctl enable --now breathcue",
        "journalctl -u breathcue",
        "systemd/install.sh",
        "64-bit",
        "32-bit",
    ):
        assert step in text, step


def test_troubleshooting_covers_the_known_problems():
    text = (DOCS / "troubleshooting.md").read_text(encoding="utf-8")
    for topic in ("0x48", "sudo", "core_freq=250", "core_freq_min=500", "level shifter", "ground", "330 Ω", "1000 µF", "noisy"):
        assert topic in text, topic


def test_privacy_says_what_is_stored_and_how_to_delete_it():
    text = (DOCS / "privacy.md").read_text(encoding="utf-8")
    for item in ("history.sqlite3", "status.json", "baseline.json", "/var/lib/breathcue", "breathcue forget --before", "breathcue forget --all"):
        assert item in text, item


LINK = re.compile(r"\]\(([^)\s]+)\)")


def anchors(path: Path) -> set[str]:
    """The anchors GitHub gives a Markdown file's headings."""
    out = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("#"):
            title = line.lstrip("#").strip().lower()
            out.add(re.sub(r"[^\w\- ]", "", title).replace(" ", "-"))
    return out


@pytest.mark.parametrize(
    "path",
    sorted(HARDWARE.glob("*.md")) + [DOCS / name for name in USER_DOCS],
    ids=lambda p: f"{p.parent.name}/{p.name}",
)
def test_relative_links_and_anchors_resolve(path: Path):
    for link in LINK.findall(path.read_text(encoding="utf-8")):
        if "://" in link:
            continue
        target, _, anchor = link.partition("#")
        file = (path.parent / target) if target else path
        assert file.exists(), f"{path.name} links to missing {target}"
        if anchor and file.suffix == ".md":
            assert anchor in anchors(file), f"{path.name} links to missing #{anchor} in {file.name}"
