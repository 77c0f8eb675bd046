"""Draws hardware/wiring.svg and writes hardware/pins.md from one description of the wiring.

Run ``python hardware/wiring.py`` after changing anything below; ``--check``
exits 1 when the committed files differ from what this script makes
(tests/test_hardware_docs.py runs the same comparison).  Standard library
only: the diagram is built with xml.etree, so it is always well-formed XML.

Layout: the Pi's 40-pin header runs across the middle, seen from above with
the board edge at the top (even pins in the top row, odd pins below, pin 1
at the left).  The 5 V side (level shifter, ring) is drawn above it, the
3.3 V side (ADS1115, strap divider, button) below.  The optional vibration
motor and its driver sit at the right, fed from 5 V and grounded on a pin of
their own, away from the strap's ground.
"""

from __future__ import annotations

import argparse
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
SVG_PATH = HERE / "wiring.svg"
PINS_PATH = HERE / "pins.md"

WIDTH, HEIGHT = 1260, 920
FONT = "DejaVu Sans, Verdana, Arial, sans-serif"

# Wire colours by net, and what each net is, for the legend.
NETS = {
    "5V": ("#d62728", "5 V"),
    "3V3": ("#ff7f0e", "3.3 V"),
    "GND": ("#222222", "ground"),
    "SDA": ("#1f77b4", "I2C SDA"),
    "SCL": ("#17becf", "I2C SCL"),
    "DATA": ("#2ca02c", "ring data"),
    "BTN": ("#9467bd", "button"),
    "AIN": ("#8c564b", "strap signal (AIN0)"),
    "VIB": ("#e377c2", "vibration motor drive (optional)"),
}

# The strap divider and the ring's protection parts (docs: sensor-build.md, power-budget.md).
R_DIVIDER = "12 kΩ"
C_FILTER = "1 µF"
R_SERIES = "330 Ω"
C_BULK = "1000 µF"
# The optional vibration motor's driver (vibration.md).
R_BASE = "1 kΩ"
R_MOTOR = "27 Ω"
Q_DRIVER = "2N2222A"
D_FLYBACK = "1N4148"


@dataclass(frozen=True)
class HeaderPin:
    number: int
    name: str  # as printed on pinout diagrams: 5V, GND, GPIO10, ...
    function: str  # the alternate function breathcue uses
    net: str
    to: str
    label_left: bool = False  # put the label on the left of the wire (where a wire leaves to the right)


# Every header pin breathcue uses.  GPIO numbers are BCM.
PINS = (
    HeaderPin(1, "3V3", "3.3 V power", "3V3", "ADS1115 VDD"),
    HeaderPin(2, "5V", "5 V power", "5V", "74AHCT125 VCC (pin 14), ring 5V, C2 +"),
    HeaderPin(3, "GPIO2", "I2C1 SDA", "SDA", "ADS1115 SDA"),
    HeaderPin(5, "GPIO3", "I2C1 SCL", "SCL", "ADS1115 SCL"),
    HeaderPin(6, "GND", "ground", "GND", "74AHCT125 GND (pin 7) and 1OE (pin 1), ring GND, C2 −"),
    HeaderPin(9, "GND", "ground", "GND", "ADS1115 GND and ADDR, button"),
    HeaderPin(11, "GPIO17", "input, internal pull-up", "BTN", "button (other side to GND)"),
    HeaderPin(12, "GPIO18", "PWM0 (only with ring.backend = \"pwm\")", "DATA", "74AHCT125 1A (pin 2), instead of GPIO10", label_left=True),
    HeaderPin(17, "3V3", "3.3 V power", "3V3", "R1 (divider top)"),
    HeaderPin(19, "GPIO10", "SPI0 MOSI (ring.backend = \"spi\", the default)", "DATA", "74AHCT125 1A (pin 2)"),
    HeaderPin(13, "GPIO27", "output, vibration motor (optional; [vibration] pin = 27)", "VIB", f"R3 {R_BASE}, then Q1 base"),
    HeaderPin(25, "GND", "ground", "GND", "strap cord (divider bottom), C1"),
    HeaderPin(34, "GND", "ground", "GND", "Q1 emitter: the motor's current returns here, not through the strap's ground", label_left=True),
)

# The other ends, part by part, for the pin table.
PARTS = (
    ("74AHCT125 level shifter (U1)", (
        ("14 VCC", "5 V (Pi pin 2)"),
        ("7 GND", "GND (Pi pin 6)"),
        ("1 1OE", "GND: channel 1 always on"),
        ("2 1A", "GPIO10, Pi pin 19 (or GPIO18, pin 12, for the pwm backend)"),
        ("3 1Y", f"R2 {R_SERIES}, then the ring's DIN"),
        ("5, 9, 12 (2A, 3A, 4A)", "GND: unused inputs must not float"),
        ("4, 10, 13 (2OE, 3OE, 4OE)", "5 V: unused channels off"),
    )),
    ("24-pixel WS2812 ring", (
        ("5V / VCC", "5 V (Pi pin 2); C2 + close to the pad"),
        ("GND", "GND (Pi pin 6); C2 − close to the pad"),
        ("DIN", f"U1 1Y through R2 {R_SERIES}, close to the ring"),
    )),
    ("ADS1115 breakout", (
        ("VDD", "3.3 V (Pi pin 1): the ADC's inputs must never exceed its supply"),
        ("GND", "GND (Pi pin 9)"),
        ("SCL", "GPIO3, Pi pin 5"),
        ("SDA", "GPIO2, Pi pin 3"),
        ("ADDR", "GND: I2C address 0x48 (sensor.address)"),
        ("ALRT", "not connected (sensor.alert_pin = -1); optionally a free GPIO such as GPIO22, pin 15, with sensor.alert_pin = 22"),
        ("A0", "the divider midpoint: R1 and the strap cord, and C1 (sensor.channel = 0)"),
    )),
    ("Strap divider", (
        (f"R1 {R_DIVIDER}", "3.3 V (Pi pin 17) to A0"),
        ("strap cord (via the 3.5 mm jack)", "A0 to GND (Pi pin 25)"),
        (f"C1 {C_FILTER} (optional)", "A0 to GND: filters pickup on the strap lead"),
    )),
    ("Button (S1)", (
        ("one side", "GPIO17, Pi pin 11 (internal pull-up; [button] pin = 17)"),
        ("other side", "GND, Pi pin 9"),
    )),
    ("Vibration motor driver (optional)", (
        (f"R3 {R_BASE}", "GPIO27 (Pi pin 13) to Q1 base"),
        (f"Q1 {Q_DRIVER} (NPN) emitter", "GND, Pi pin 34"),
        (f"Q1 {Q_DRIVER} collector", "M1 −, D1 anode"),
        ("M1 10 mm coin vibration motor, 3 V", f"+ through R4 {R_MOTOR} to 5 V; − to Q1 collector"),
        (f"D1 {D_FLYBACK}", "across M1: cathode to M1 + (the 5 V side), anode to M1 −"),
        (f"R4 {R_MOTOR}", "5 V (the ring's 5 V line) to M1 +: drops 5 V to about 3 V at the motor's 75 mA"),
    )),
)


# --- geometry ----------------------------------------------------------------------

HEADER_X0, PITCH = 330, 30
TOP_ROW, BOTTOM_ROW = 430, 470


def pin_xy(number: int) -> tuple[int, int]:
    """Where a header pin is drawn: even pins in the top row (board edge), odd below."""
    x = HEADER_X0 + (number - 1) // 2 * PITCH
    return x, TOP_ROW if number % 2 == 0 else BOTTOM_ROW


def pin_edge(number: int) -> tuple[int, int]:
    """Where a wire leaves a header pin: up from the top row, down from the bottom row."""
    x, y = pin_xy(number)
    return x, y - 7 if number % 2 == 0 else y + 7


@dataclass(frozen=True)
class Wire:
    net: str
    points: tuple[tuple[int, int], ...]
    dashed: bool = False


def from_pin(number: int, *rest: tuple[int, int]) -> tuple[tuple[int, int], ...]:
    return (pin_edge(number), *rest)


# ADS1115 breakout: a row of pins on its top edge, as on the common boards.
ADS_PINS = ("VDD", "GND", "SCL", "SDA", "ADDR", "ALRT", "A0", "A1", "A2", "A3")
ADS_X0, ADS_Y = 60, 725


def ads(pin: str) -> int:
    return ADS_X0 + ADS_PINS.index(pin) * PITCH


# Level shifter U1 and the ring.
U1 = (560, 240, 200, 140)  # x, y, w, h
U1_VCC, U1_GND, U1_OE, U1_A = (730, 240), (590, 240), (630, 240), (600, 380)
U1_Y = (760, 340)
R2 = (790, 850)  # x span of the series resistor on y = 340
PAD_X, PAD_5V, PAD_GND, PAD_DIN = 950, 230, 290, 340
RING_C, RING_R = (1075, 290), 78
C2_X = 910

# Divider: R1 under pin 17, the node, the cord and C1.
NODE = (570, 690)
R1_SPAN = (565, 650)
CORD_SPAN = (715, 805)
C1_X = 665
C1_SPAN = (742, 760)
GND_RAIL_Y = 835
RING_GND_X = 820

# Button S1, vertical, on GPIO17's wire.
S1_X, S1_SPAN = 480, (600, 650)

# The vibration motor's driver: R3 on GPIO27's wire, Q1, M1 with D1 across it, R4 from 5 V.
VIB_Y = 540
R3_SPAN = (960, 1020)
Q1_C = (1085, VIB_Y)
M1_X, D1_X, R4_X = 1100, 1160, 1225
NODE_A, NODE_B = 430, 500  # M1 + (R4 side) and M1 − (collector side)
R4_SPAN = (330, 400)
MOTOR_GND_Y, MOTOR_GND_X = 410, 1040

WIRES = (
    # 5 V side
    Wire("5V", from_pin(2, (330, 150), (890, 150), (890, PAD_5V), (PAD_X, PAD_5V))),
    Wire("5V", ((730, 150), U1_VCC)),
    Wire("GND", from_pin(6, (390, 180), (RING_GND_X, 180), (RING_GND_X, PAD_GND), (PAD_X, PAD_GND))),
    Wire("GND", ((590, 180), U1_GND)),
    Wire("GND", ((630, 180), U1_OE)),
    Wire("5V", ((C2_X, PAD_5V), (C2_X, 248))),
    Wire("GND", ((C2_X, 272), (C2_X, PAD_GND))),
    Wire("DATA", from_pin(19, (600, 532), (940, 532), (940, 395), (600, 395), U1_A)),
    Wire("DATA", from_pin(12, (480, 380), (600, 380)), dashed=True),
    Wire("DATA", (U1_Y, (R2[0], 340))),
    Wire("DATA", ((R2[1], 340), (PAD_X, PAD_DIN))),
    # 3.3 V side: the ADC
    Wire("3V3", from_pin(1, (330, 530), (ads("VDD"), 530), (ads("VDD"), ADS_Y))),
    Wire("SDA", from_pin(3, (360, 550), (ads("SDA"), 550), (ads("SDA"), ADS_Y))),
    Wire("SCL", from_pin(5, (390, 570), (ads("SCL"), 570), (ads("SCL"), ADS_Y))),
    Wire("GND", from_pin(9, (450, 590), (ads("GND"), 590), (ads("GND"), ADS_Y))),
    Wire("GND", ((ads("ADDR"), 590), (ads("ADDR"), ADS_Y))),
    # the button
    Wire("BTN", from_pin(11, (S1_X, S1_SPAN[0]))),
    Wire("GND", ((450, 590), (450, 668), (S1_X, 668), (S1_X, S1_SPAN[1]))),
    # the strap divider
    Wire("3V3", from_pin(17, (570, R1_SPAN[0]))),
    Wire("AIN", ((570, R1_SPAN[1]), NODE, (570, CORD_SPAN[0]))),
    Wire("AIN", (NODE, (ads("A0"), NODE[1]), (ads("A0"), ADS_Y))),
    Wire("AIN", (NODE, (C1_X, NODE[1]), (C1_X, C1_SPAN[0]))),
    Wire("GND", ((C1_X, C1_SPAN[1]), (C1_X, GND_RAIL_Y))),
    Wire("GND", ((570, CORD_SPAN[1]), (570, GND_RAIL_Y), (690, GND_RAIL_Y), pin_edge(25))),
    # the vibration motor (optional)
    Wire("VIB", from_pin(13, (510, VIB_Y), (R3_SPAN[0], VIB_Y))),
    Wire("VIB", ((R3_SPAN[1], VIB_Y), (Q1_C[0] - 6, VIB_Y))),
    Wire("5V", ((890, 150), (R4_X, 150), (R4_X, R4_SPAN[0]))),
    Wire("5V", ((R4_X, R4_SPAN[1]), (R4_X, NODE_A), (M1_X, NODE_A), (M1_X, NODE_A + 21))),
    Wire("5V", ((D1_X, NODE_A), (D1_X, NODE_A + 18))),
    Wire("5V", ((M1_X, NODE_B - 21), (M1_X, NODE_B), (M1_X, Q1_C[1] - 15))),
    Wire("5V", ((D1_X, NODE_B - 18), (D1_X, NODE_B), (M1_X, NODE_B))),
    Wire("GND", from_pin(34, (810, MOTOR_GND_Y), (MOTOR_GND_X, MOTOR_GND_Y), (MOTOR_GND_X, 575), (M1_X, 575), (M1_X, Q1_C[1] + 15))),
)

JOINTS = (
    (730, 150), (590, 180), (630, 180), (C2_X, PAD_5V), (C2_X, PAD_GND),
    (600, 380), (450, 590), (ads("ADDR"), 590), NODE, (C1_X, GND_RAIL_Y),
    (890, 150), (D1_X, NODE_A), (M1_X, NODE_B),
)


# --- drawing -------------------------------------------------------------------------


def el(parent: ET.Element, tag: str, text: str | None = None, **attrs: object) -> ET.Element:
    node = ET.SubElement(parent, tag, {k.rstrip("_").replace("_", "-"): _fmt(v) for k, v in attrs.items()})
    if text is not None:
        node.text = text
    return node


def _fmt(value: object) -> str:
    if isinstance(value, float):
        return f"{value:.2f}".rstrip("0").rstrip(".")
    return str(value)


def label(parent: ET.Element, x: float, y: float, text: str, size: int = 11, anchor: str = "start", weight: str = "normal", rotate: int = 0, fill: str = "#222") -> None:
    attrs: dict[str, object] = {"x": x, "y": y, "font_size": size, "text_anchor": anchor, "fill": fill}
    if weight != "normal":
        attrs["font_weight"] = weight
    if rotate:
        attrs["transform"] = f"rotate({rotate} {_fmt(x)} {_fmt(y)})"
    el(parent, "text", text, **attrs)


def crossings(wire: Wire, a: tuple[int, int], b: tuple[int, int]) -> list[int]:
    """x of every other net's vertical segment that this horizontal segment crosses (gets a hop)."""
    (x1, y), (x2, _) = a, b
    lo, hi = sorted((x1, x2))
    found = set()
    for other in WIRES:
        if other.net == wire.net:
            continue
        for (vx1, vy1), (vx2, vy2) in zip(other.points, other.points[1:]):
            if vx1 == vx2 and lo < vx1 < hi and min(vy1, vy2) < y < max(vy1, vy2):
                found.add(vx1)
    return sorted(found, reverse=x2 < x1)


def path_of(wire: Wire) -> str:
    """An SVG path for the wire, hopping over the wires of other nets it crosses."""
    hop = 6
    (x0, y0), *rest = wire.points
    d = [f"M{x0},{y0}"]
    for a, b in zip(wire.points, rest):
        if a[1] == b[1]:
            step = 1 if b[0] > a[0] else -1
            for x in crossings(wire, a, b):
                d.append(f"L{x - step * hop},{a[1]} A{hop},{hop} 0 0 {1 if step > 0 else 0} {x + step * hop},{a[1]}")
        d.append(f"L{b[0]},{b[1]}")
    return " ".join(d)


def draw_header(svg: ET.Element) -> None:
    used = {p.number: p for p in PINS}
    g = el(svg, "g", id="header")
    el(g, "rect", x=HEADER_X0 - 18, y=TOP_ROW - 18, width=19 * PITCH + 36, height=BOTTOM_ROW - TOP_ROW + 36, rx=4, fill="#2b2b2b")
    for number in range(1, 41):
        x, y = pin_xy(number)
        pin = used.get(number)
        colour = NETS[pin.net][0] if pin else "#9a9a9a"
        el(g, "rect", x=x - 7, y=y - 7, width=14, height=14, rx=0 if number == 1 else 3, fill="#f2d47a" if pin else "#d9d9d9", stroke=colour, stroke_width=2.5 if pin else 1)
        label(g, x, y + 3, str(number), size=8, anchor="middle", fill="#222" if pin else "#666")
    for pin in PINS:
        x, y = pin_xy(pin.number)
        if pin.number % 2 == 0:  # rotated -90: the glyphs sit left of the baseline
            label(svg, x - 5 if pin.label_left else x + 13, y - 20, pin.name, size=10, rotate=-90, weight="bold", fill=NETS[pin.net][0])
        else:  # rotated 90: the glyphs sit right of the baseline
            label(svg, x + 5, y + 20, pin.name, size=10, rotate=90, weight="bold", fill=NETS[pin.net][0])
    label(svg, 730, 580, "Raspberry Pi 40-pin header", size=13, weight="bold")
    label(svg, 730, 597, "seen from above, board edge at the top;", size=11)
    label(svg, 730, 612, "pin 1 (square pad) at the left; GPIO numbers are BCM;", size=11)
    label(svg, 730, 627, "the same on the Pi Zero 2 W, 3, 4 and 5", size=11)


def resistor_v(svg: ET.Element, x: int, y1: int, y2: int, name: str, value: str) -> None:
    mid = (y1 + y2) / 2
    el(svg, "line", x1=x, y1=y1, x2=x, y2=mid - 20, stroke="#444", stroke_width=2)
    el(svg, "line", x1=x, y1=mid + 20, x2=x, y2=y2, stroke="#444", stroke_width=2)
    el(svg, "rect", x=x - 7, y=mid - 20, width=14, height=40, fill="#fff", stroke="#222", stroke_width=2)
    label(svg, x + 14, mid - 2, name, weight="bold")
    label(svg, x + 14, mid + 12, value)


def resistor_h(svg: ET.Element, x1: int, x2: int, y: int, name: str, value: str) -> None:
    mid = (x1 + x2) / 2
    el(svg, "line", x1=x1, y1=y, x2=mid - 20, y2=y, stroke="#444", stroke_width=2)
    el(svg, "line", x1=mid + 20, y1=y, x2=x2, y2=y, stroke="#444", stroke_width=2)
    el(svg, "rect", x=mid - 20, y=y - 7, width=40, height=14, fill="#fff", stroke="#222", stroke_width=2)
    label(svg, mid, y - 13, f"{name} {value}", anchor="middle", weight="bold")


def capacitor_v(svg: ET.Element, x: int, top: int, bottom: int, name: str, value: str, polarised: bool = False, left: bool = False) -> None:
    mid = (top + bottom) / 2
    el(svg, "line", x1=x - 12, y1=mid - 4, x2=x + 12, y2=mid - 4, stroke="#222", stroke_width=3)
    if polarised:
        el(svg, "path", d=f"M{x - 12},{mid + 7} Q{x},{mid + 1} {x + 12},{mid + 7}", fill="none", stroke="#222", stroke_width=3)
        label(svg, x - 18 if not left else x + 15, mid - 8, "+", size=12, weight="bold")
    else:
        el(svg, "line", x1=x - 12, y1=mid + 4, x2=x + 12, y2=mid + 4, stroke="#222", stroke_width=3)
    anchor, dx = ("end", -18) if left else ("start", 18)
    label(svg, x + dx, mid + 2, name, anchor=anchor, weight="bold")
    label(svg, x + dx, mid + 16, value, anchor=anchor)


def draw_u1(svg: ET.Element) -> None:
    x, y, w, h = U1
    el(svg, "rect", x=x, y=y, width=w, height=h, rx=6, fill="#eef3fb", stroke="#1f3d7a", stroke_width=2)
    label(svg, x + w / 2, y + 62, "U1 74AHCT125", size=14, anchor="middle", weight="bold")
    label(svg, x + w / 2, y + 80, "level shifter, 3.3 V → 5 V", size=11, anchor="middle")
    label(svg, x + w / 2, y + 96, "unused: 2A/3A/4A to GND,", size=9, anchor="middle", fill="#444")
    label(svg, x + w / 2, y + 108, "2OE/3OE/4OE to 5 V", size=9, anchor="middle", fill="#444")
    for (px, py), text in ((U1_VCC, "14 VCC"), (U1_GND, "7 GND"), (U1_OE, "1 1OE")):
        label(svg, px, py + 16, text, size=9, anchor="middle")
    label(svg, U1_A[0], U1_A[1] - 8, "2 1A", size=9, anchor="middle")
    label(svg, U1_Y[0] - 6, U1_Y[1] + 4, "3 1Y", size=9, anchor="end")


def draw_ring(svg: ET.Element) -> None:
    import math

    cx, cy = RING_C
    el(svg, "circle", cx=cx, cy=cy, r=RING_R + 12, fill="none", stroke="#333", stroke_width=14)
    el(svg, "circle", cx=cx, cy=cy, r=RING_R + 12, fill="none", stroke="#111", stroke_width=10)
    for i in range(24):
        a = math.radians(-90 + i * 15)
        px, py = cx + (RING_R + 12) * math.cos(a), cy + (RING_R + 12) * math.sin(a)
        el(svg, "rect", x=px - 4, y=py - 4, width=8, height=8, fill="#9ec9ff", stroke="#fff", stroke_width=1)
    label(svg, cx, cy - 6, "24 × WS2812", size=13, anchor="middle", weight="bold")
    label(svg, cx, cy + 10, "(NeoPixel) ring", size=11, anchor="middle")
    label(svg, cx, cy + 26, "pixel 0 at the top", size=9, anchor="middle", fill="#555")
    el(svg, "rect", x=PAD_X, y=PAD_5V - 14, width=44, height=PAD_DIN - PAD_5V + 28, rx=3, fill="#f7f7f7", stroke="#333", stroke_width=1.5)
    for py, text in ((PAD_5V, "5V"), (PAD_GND, "GND"), (PAD_DIN, "DIN")):
        el(svg, "circle", cx=PAD_X, cy=py, r=3, fill="#222")
        label(svg, PAD_X + 6, py + 4, text, size=10, weight="bold")


def draw_ads(svg: ET.Element) -> None:
    x0 = ADS_X0 - 20
    el(svg, "rect", x=x0, y=ADS_Y, width=len(ADS_PINS) * PITCH + 10, height=110, rx=6, fill="#eef6ee", stroke="#2f6b2f", stroke_width=2)
    for name in ADS_PINS:
        px = ads(name)
        el(svg, "circle", cx=px, cy=ADS_Y, r=4, fill="#f2d47a", stroke="#222")
        label(svg, px, ADS_Y + 20, name, size=9, anchor="middle")
    label(svg, x0 + 160, ADS_Y + 52, "ADS1115 16-bit ADC breakout", size=13, anchor="middle", weight="bold")
    label(svg, x0 + 160, ADS_Y + 70, "I2C bus 1, ADDR to GND: address 0x48", size=11, anchor="middle")
    label(svg, x0 + 160, ADS_Y + 86, "VDD 3.3 V, so no input can exceed 3.3 V", size=11, anchor="middle")


def draw_divider(svg: ET.Element) -> None:
    resistor_v(svg, 570, R1_SPAN[0], R1_SPAN[1], "R1", R_DIVIDER)
    top, bottom = CORD_SPAN
    el(svg, "rect", x=525, y=top - 8, width=90, height=bottom - top + 16, rx=10, fill="none", stroke="#8c564b", stroke_width=1.5, stroke_dasharray="5 4")
    zig = " ".join(f"L{570 + (8 if i % 2 else -8)},{top + 10 + i * 8}" for i in range(10))
    el(svg, "path", d=f"M570,{top} L570,{top + 6} {zig} L570,{bottom - 6} L570,{bottom}", fill="none", stroke="#111", stroke_width=4, stroke_linejoin="round")
    for y in (top, bottom):
        el(svg, "circle", cx=570, cy=y, r=4, fill="#fff", stroke="#222", stroke_width=1.5)
    label(svg, 440, top + 30, "strap cord", size=11, anchor="middle", weight="bold")
    label(svg, 440, top + 45, "20 cm: ~9-16 kΩ worn", size=10, anchor="middle")
    label(svg, 440, top + 59, "via 3.5 mm jack", size=10, anchor="middle")
    capacitor_v(svg, C1_X, C1_SPAN[0], C1_SPAN[1], "C1", C_FILTER, left=True)


def draw_button(svg: ET.Element) -> None:
    top, bottom = S1_SPAN
    el(svg, "circle", cx=S1_X, cy=top + 6, r=3.5, fill="#fff", stroke="#222", stroke_width=1.5)
    el(svg, "circle", cx=S1_X, cy=bottom - 6, r=3.5, fill="#fff", stroke="#222", stroke_width=1.5)
    el(svg, "line", x1=S1_X, y1=top, x2=S1_X, y2=top + 2.5, stroke="#222", stroke_width=2)
    el(svg, "line", x1=S1_X, y1=bottom - 2.5, x2=S1_X, y2=bottom, stroke="#222", stroke_width=2)
    el(svg, "line", x1=S1_X + 10, y1=top + 2, x2=S1_X + 10, y2=bottom - 2, stroke="#222", stroke_width=2.5)
    el(svg, "line", x1=S1_X + 10, y1=(top + bottom) / 2, x2=S1_X + 20, y2=(top + bottom) / 2, stroke="#222", stroke_width=2)
    label(svg, S1_X + 26, (top + bottom) / 2 - 2, "S1", weight="bold")
    label(svg, S1_X + 26, (top + bottom) / 2 + 12, "button")


def draw_motor(svg: ET.Element) -> None:
    """Q1 switching M1 to ground; D1 across M1 takes the motor's kick when Q1 turns off."""
    cx, cy = Q1_C
    el(svg, "circle", cx=cx, cy=cy, r=16, fill="#fff", stroke="#222", stroke_width=2)
    el(svg, "line", x1=cx - 6, y1=cy - 10, x2=cx - 6, y2=cy + 10, stroke="#222", stroke_width=3)
    el(svg, "line", x1=cx - 6, y1=cy - 4, x2=M1_X, y2=cy - 15, stroke="#222", stroke_width=2)
    el(svg, "line", x1=cx - 6, y1=cy + 4, x2=M1_X, y2=cy + 15, stroke="#222", stroke_width=2)
    el(svg, "path", d=f"M{M1_X - 8},{cy + 7} L{M1_X},{cy + 15} L{M1_X - 11},{cy + 15} Z", fill="#222")
    label(svg, M1_X + 10, cy + 4, f"Q1 {Q_DRIVER}", size=10, weight="bold")
    mid = (NODE_A + NODE_B) / 2
    el(svg, "circle", cx=M1_X, cy=mid, r=14, fill="#fff", stroke="#222", stroke_width=2)
    label(svg, M1_X, mid + 5, "M", size=13, anchor="middle", weight="bold")
    label(svg, M1_X - 20, mid - 2, "M1", anchor="end", weight="bold")
    label(svg, M1_X - 20, mid + 12, "motor", anchor="end")
    top, bottom = NODE_A + 18, NODE_B - 18  # D1 points up: cathode (the bar) to M1 +
    el(svg, "path", d=f"M{D1_X - 10},{bottom} L{D1_X + 10},{bottom} L{D1_X},{top + 4} Z", fill="#fff", stroke="#222", stroke_width=2)
    el(svg, "line", x1=D1_X - 10, y1=top + 2, x2=D1_X + 10, y2=top + 2, stroke="#222", stroke_width=3)
    el(svg, "line", x1=D1_X, y1=top, x2=D1_X, y2=top + 2, stroke="#222", stroke_width=2)
    label(svg, D1_X + 14, mid - 2, "D1", weight="bold")
    label(svg, D1_X + 14, mid + 12, D_FLYBACK, size=10)
    resistor_h(svg, R3_SPAN[0], R3_SPAN[1], VIB_Y, "R3", R_BASE)
    resistor_v(svg, R4_X, R4_SPAN[0], R4_SPAN[1], "R4", "")
    label(svg, R4_X - 10, R4_SPAN[1] + 18, R_MOTOR, anchor="end", size=10)
    label(svg, 1000, 628, "optional vibration motor", size=11, weight="bold")
    label(svg, 1000, 643, "(vibration.md)", size=10, fill="#555")


def draw_supply(svg: ET.Element) -> None:
    el(svg, "rect", x=40, y=100, width=230, height=76, rx=6, fill="#fff7e6", stroke="#b36b00", stroke_width=2)
    label(svg, 155, 124, "5 V USB power supply", size=13, anchor="middle", weight="bold")
    label(svg, 155, 142, "into the Pi's power socket;", size=11, anchor="middle")
    label(svg, 155, 157, "the ring takes 5 V from pin 2", size=11, anchor="middle")
    label(svg, 155, 171, "(size: power-budget.md)", size=9, anchor="middle", fill="#555")
    el(svg, "path", d="M155,176 L155,445 L300,445", fill="none", stroke="#777", stroke_width=5, stroke_linecap="round")
    label(svg, 160, 300, "USB cable", size=10, rotate=90, fill="#555")


def draw_legend(svg: ET.Element) -> None:
    x, y = 760, 680
    label(svg, x, y, "Wires", size=13, weight="bold")
    for i, (net, (colour, meaning)) in enumerate(NETS.items()):
        row_y = y + 20 + i * 18
        el(svg, "line", x1=x, y1=row_y - 4, x2=x + 34, y2=row_y - 4, stroke=colour, stroke_width=3)
        label(svg, x + 42, row_y, meaning)
    note_y = y + 20 + len(NETS) * 18 + 8
    el(svg, "line", x1=x, y1=note_y - 4, x2=x + 34, y2=note_y - 4, stroke=NETS["DATA"][0], stroke_width=3, stroke_dasharray="8 5")
    label(svg, x + 42, note_y, "GPIO18: only for ring.backend = \"pwm\" (needs root)")
    label(svg, x, note_y + 22, "● a joint; a wire that hops over another is not connected to it", size=10)
    label(svg, x, note_y + 38, f"R2 {R_SERIES} and C2 {C_BULK} sit at the ring's pads", size=10)


def build_svg() -> str:
    svg = ET.Element("svg", {
        "xmlns": "http://www.w3.org/2000/svg",
        "width": str(WIDTH),
        "height": str(HEIGHT),
        "viewBox": f"0 0 {WIDTH} {HEIGHT}",
        "font-family": FONT,
    })
    el(svg, "title", "breathcue wiring: Raspberry Pi, 74AHCT125 level shifter, WS2812 ring, ADS1115, strap divider, button, vibration motor")
    el(svg, "rect", x=0, y=0, width=WIDTH, height=HEIGHT, fill="#ffffff")
    label(svg, 40, 44, "breathcue wiring", size=22, weight="bold")
    label(svg, 40, 68, "Raspberry Pi Zero 2 W / 3 / 4 / 5 · 74AHCT125 level shifter · 24-pixel WS2812 ring · ADS1115 ADC · stretch-cord strap · button · optional vibration motor", size=12, fill="#444")
    draw_supply(svg)
    draw_u1(svg)
    draw_ring(svg)
    draw_ads(svg)
    draw_divider(svg)
    draw_button(svg)
    draw_motor(svg)
    resistor_h(svg, R2[0], R2[1], 340, "R2", R_SERIES)
    capacitor_v(svg, C2_X, 248, 272, "C2", C_BULK, polarised=True, left=True)
    wires = el(svg, "g", id="wires", fill="none", stroke_width=3, stroke_linejoin="round", stroke_linecap="round")
    for wire in WIRES:
        attrs: dict[str, object] = {"d": path_of(wire), "stroke": NETS[wire.net][0]}
        if wire.dashed:
            attrs["stroke_dasharray"] = "8 5"
        el(wires, "path", **attrs)
    for x, y in JOINTS:
        el(svg, "circle", cx=x, cy=y, r=4.5, fill="#111")
    draw_header(svg)
    draw_legend(svg)
    ET.indent(svg, space=" ")
    return ET.tostring(svg, encoding="unicode") + "\n"


# --- the pin table ----------------------------------------------------------------------


def build_pins_md() -> str:
    colours = {net: meaning for net, (_, meaning) in NETS.items()}
    lines = [
        "# Pin table",
        "",
        "Generated by `python hardware/wiring.py` from the same description as",
        "[wiring.svg](wiring.svg); edit that script, not this file.",
        "",
        "## Raspberry Pi header",
        "",
        "Physical pin numbers of the 40-pin header (pin 1 is the square pad); GPIO",
        "numbers are BCM, as in the config and in gpiozero.",
        "",
        "| Pi pin | name | used as | wire | goes to |",
        "|---|---|---|---|---|",
    ]
    for pin in sorted(PINS, key=lambda p: p.number):
        lines.append(f"| {pin.number} | {pin.name} | {pin.function} | {colours[pin.net]} | {pin.to} |")
    for part, rows in PARTS:
        lines += ["", f"## {part}", "", "| pin | goes to |", "|---|---|"]
        lines += [f"| {pin} | {to} |" for pin, to in rows]
    return "\n".join(lines) + "\n"


def outputs() -> dict[Path, str]:
    return {SVG_PATH: build_svg(), PINS_PATH: build_pins_md()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if the committed files are out of date")
    args = parser.parse_args(argv)
    stale = []
    for path, text in outputs().items():
        current = path.read_text(encoding="utf-8") if path.exists() else None
        if current == text:
            continue
        if args.check:
            stale.append(path.name)
        else:
            path.write_text(text, encoding="utf-8")
            print(f"wrote {path}")
    if stale:
        print(f"out of date: {', '.join(stale)}; run python hardware/wiring.py", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
