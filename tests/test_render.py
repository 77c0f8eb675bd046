"""Drawing and encoding: golden frames of both styles, the curve, dithering and the caps."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from breathcue import config as configmod
from breathcue.core.pacing import PRESETS, Guide, PacedSession
from breathcue.core.render import (
    CIE,
    CROSS_FADE_SECONDS,
    Curve,
    FrameEncoder,
    PhaseColours,
    check_sequence,
    fill,
    glow,
    pacer,
    parse_colour,
)
from breathcue.core.types import Frame

ORANGE = (1.0, 0.5, 0.0)


def test_cie_lstar_curve_known_values_and_round_trip():
    assert CIE.to_linear(0.5) == pytest.approx(0.18419, abs=1e-5)  # L* 50 is 18.4 % of the light
    assert CIE.to_linear(0.08) == pytest.approx(0.08 * 100 / 903.3)  # the linear toe
    assert CIE.to_linear(0.0) == 0.0 and CIE.to_linear(1.0) == pytest.approx(1.0)
    for x in (0.01, 0.05, 0.1, 0.3, 0.7, 0.99):
        assert CIE.to_perceptual(CIE.to_linear(x)) == pytest.approx(x, abs=1e-4)
    g = Curve(2.2)
    assert g.to_linear(0.5) == pytest.approx(0.5**2.2)
    assert g.to_perceptual(g.to_linear(0.3)) == pytest.approx(0.3)


def test_curve_from_config():
    assert Curve.from_config(configmod.parse_text("").ring) == CIE
    assert Curve.from_config(configmod.parse_text('[ring]\ncurve = "gamma"\ngamma = 2.8').ring) == Curve(2.8)


def test_parse_colour():
    assert parse_colour("#ff8000") == (1.0, 128 / 255, 0.0)


def test_golden_glow_frames():
    assert glow(3, ORANGE, 1.0).pixels == (ORANGE,) * 3
    assert glow(2, ORANGE, 0.0, floor=0.1).pixels == ((0.1, 0.05, 0.0),) * 2
    half = glow(2, ORANGE, 0.5, floor=0.1).pixels
    assert len(half) == 2 and half[0] is half[1] and half[0] == pytest.approx((0.55, 0.275, 0.0))
    assert glow(1, ORANGE, 7.0).pixels == (ORANGE,)  # clamped
    encoder = FrameEncoder(brightness=0.5, dither=False)
    assert encoder.encode(glow(2, ORANGE, 1.0, 0.1)) == [(128, 23, 0)] * 2  # 127.5 rounds up; L* 50 -> 18.4 %
    assert encoder.encode(glow(2, ORANGE, 0.0, 0.0)) == [(0, 0, 0)] * 2


def test_golden_fill_frames():
    dim = (0.1, 0.05, 0.0)
    assert fill(8, ORANGE, 0.0, floor=0.1).pixels == (dim,) * 8
    assert fill(8, ORANGE, 0.5, floor=0.1).pixels == (ORANGE,) * 4 + (dim,) * 4  # clockwise from pixel 0
    assert fill(8, ORANGE, 1.0, floor=0.1).pixels == (ORANGE,) * 8
    half = fill(8, ORANGE, 4.5 / 8, floor=0.1).pixels
    assert half[:4] == (ORANGE,) * 4 and half[5:] == (dim,) * 3
    # the leading pixel gives half the light between the floor and full: anti-aliased in linear light
    lead = CIE.to_linear(half[4][0])
    assert lead == pytest.approx(CIE.to_linear(0.1) + 0.5 * (1.0 - CIE.to_linear(0.1)))
    assert half[4][1] == pytest.approx(half[4][0] * 0.5)  # same hue
    encoder = FrameEncoder(brightness=0.5, dither=False)
    assert encoder.encode(Frame(half)) == [(128, 23, 0)] * 4 + [(64, 13, 0)] + [(1, 1, 0)] * 3


def test_fill_edge_moves_evenly():
    """The light of the arc grows in proportion to the level: no jumps as the edge crosses a pixel."""
    encoder = FrameEncoder(brightness=1.0, dither=False)
    light = []
    for i in range(241):
        frame = fill(24, (1.0, 1.0, 1.0), i / 240, floor=0.0)
        light.append(sum(CIE.to_linear(p[0]) for p in frame.pixels))
    steps = [b - a for a, b in zip(light, light[1:])]
    assert min(steps) == pytest.approx(24 / 240, rel=1e-6) and max(steps) == pytest.approx(24 / 240, rel=1e-6)
    assert len(encoder.encode(fill(24, ORANGE, 0.3))) == 24


def test_pacer_styles_and_phase_colours_cross_fade():
    colours = PhaseColours((1.0, 0.0, 0.0), (0.0, 1.0, 0.0), (0.0, 0.0, 1.0), (1.0, 1.0, 1.0))
    s = PacedSession(PRESETS["box"])
    assert pacer(s.guide(6.0), "glow", colours, 4).pixels == ((0.0, 1.0, 0.0),) * 4  # hold_in, full
    assert pacer(s.guide(10.0), "glow", colours, 4, level=0.5).pixels == ((0.0, 0.0, 0.25),) * 4
    assert pacer(s.guide(3.0), "fill", colours, 4).pixels[:3] == ((1.0, 0.0, 0.0),) * 3  # 85 % of 4 pixels
    start = pacer(s.guide(4.0), "glow", colours, 1).pixels[0]  # hold_in begins: still the inhale's red
    mid = pacer(s.guide(4.0 + CROSS_FADE_SECONDS / 2), "glow", colours, 1).pixels[0]
    done = pacer(s.guide(4.0 + CROSS_FADE_SECONDS), "glow", colours, 1).pixels[0]
    assert start == (1.0, 0.0, 0.0) and mid == pytest.approx((0.5, 0.5, 0.0)) and done == (0.0, 1.0, 0.0)
    short = Guide(1.0, "hold_in", 0.5, 0, 30.0, 0.4, "inhale")  # a 0.4 s phase fades over 0.2 s
    assert colours.at(short) == (0.0, 1.0, 0.0)


def test_phase_colours_from_config():
    cfg = configmod.parse_text('[pacing]\nhold_in_colour = "#ff0000"').pacing
    colours = PhaseColours.from_config(cfg)
    assert colours.hold_in == (1.0, 0.0, 0.0) and colours.inhale == parse_colour("#3a8dff")


@pytest.mark.parametrize("target", [0.3, 1.5, 7.25, 100.6, 200.0 + 1 / 3])
def test_dithered_mean_equals_the_target(target):
    """Over N frames each channel's mean is the exact target, to within 1/N of a byte."""
    curve = Curve(1.0)  # linear, so the target in bytes is simply level * 255
    encoder = FrameEncoder(curve=curve)
    frames = 1000
    level = target / 255
    sums = [0] * 6
    for _ in range(frames):
        for i, v in enumerate(b for px in encoder.encode(Frame.solid(2, (level, level, level))) for b in px):
            sums[i] += v
    quantised = encoder.targets(Frame.solid(1, (level,) * 3))[0] / 256  # the 12-bit table's exact target
    assert abs(quantised - target) < 0.1
    for s in sums:
        assert abs(s / frames - quantised) <= 1.0 / frames + 1e-9


def test_dithering_smooths_a_slow_low_fade():
    """A 4-second fade from dark to 3 % light: plain rounding shows a few big steps, dithering none."""
    frames = [glow(24, (1.0, 1.0, 1.0), i / 240 * 0.2) for i in range(241)]
    plain = FrameEncoder(dither=False)
    rounded = [plain.encode(f)[0][0] for f in frames]
    assert len(set(rounded)) <= 9  # only a handful of distinct levels: visible steps
    dithered = FrameEncoder()
    ring_light = [sum(px[0] for px in dithered.encode(f)) / 24 for f in frames]
    targets = [plain.targets(f)[0] / 256 for f in frames]
    # averaged over the ring (the staggered start spreads the dither), every frame is within
    # half a byte of its exact target, and the ring's light never steps by more than that
    assert max(abs(a - b) for a, b in zip(ring_light, targets)) < 0.5
    assert len({round(x, 2) for x in ring_light}) > 100


def test_dither_staggers_equal_channels():
    encoder = FrameEncoder(curve=Curve(1.0))
    first = encoder.encode(Frame.solid(24, (0.5 / 255,) * 3))  # half a byte everywhere
    assert 0 < sum(px[0] for px in first) < 24  # some pixels on, some off: not all in unison


def test_brightness_cap():
    encoder = FrameEncoder(brightness=0.25, dither=False)
    assert encoder.encode(Frame.solid(1, (1.0, 1.0, 1.0))) == [(64, 64, 64)]  # 63.75


@pytest.mark.parametrize("dither", [True, False])
def test_power_cap_scales_the_whole_frame_and_is_never_exceeded(dither):
    encoder = FrameEncoder(brightness=1.0, max_current_ma=1000, ma_per_channel=20.0, dither=dither)
    white = Frame.solid(60, (1.0, 1.0, 1.0))  # 60 x 3 x 20 mA = 3600 mA uncapped
    for _ in range(200):
        rgb = encoder.encode(white)
        assert encoder.current_ma(rgb) <= 1000.0
    assert encoder.current_ma(rgb) > 990.0  # scaled to the cap, not far below it
    mixed = Frame(((1.0, 0.5, 0.0),) * 30 + ((0.0, 0.0, 1.0),) * 30)
    capped = FrameEncoder(brightness=1.0, max_current_ma=500, dither=False).encode(mixed)
    free = FrameEncoder(brightness=1.0, dither=False).encode(mixed)
    assert FrameEncoder().current_ma(capped) <= 500.0
    k = capped[0][0] / free[0][0]  # every channel scaled by the same factor
    for a, b in zip(capped[0] + capped[-1], free[0] + free[-1]):
        assert a == pytest.approx(b * k, abs=1.0)


@settings(max_examples=100, deadline=None)
@given(
    levels=st.lists(st.tuples(st.floats(0, 1), st.floats(0, 1), st.floats(0, 1)), min_size=1, max_size=40),
    cap=st.integers(50, 3000),
    brightness=st.floats(0.05, 1.0),
)
def test_power_cap_holds_for_any_frames(levels, cap, brightness):
    encoder = FrameEncoder(brightness=brightness, max_current_ma=cap)
    frame = Frame(tuple(levels))
    for _ in range(5):
        rgb = encoder.encode(frame)
        assert encoder.current_ma(rgb) <= cap
        assert all(0 <= v <= 255 for px in rgb for v in px)
    assert all(abs(e) <= 256 for e in encoder.error)  # the dither state stays bounded


def test_encoder_from_config():
    ring = configmod.parse_text("[ring]\nbrightness = 0.2\nmax_current_ma = 300\nma_per_channel = 12.0\ndither = false").ring
    encoder = FrameEncoder.from_config(ring)
    assert (encoder.brightness, encoder.dither, encoder.ma_per_channel) == (0.2, False, 12.0)
    assert encoder.budget == int(255 * 300 / 12.0)


def test_check_sequence():
    steps = check_sequence(4, 0.1)
    assert [label for _, label, _ in steps] == ["pixel 0", "pixel 1", "pixel 2", "pixel 3", "red", "green", "blue", "white"]
    assert steps[2][2].pixels == ((0.0, 0.0, 0.0),) * 2 + ((1.0, 1.0, 1.0),) + ((0.0, 0.0, 0.0),)
    assert steps[4][2].pixels == ((1.0, 0.0, 0.0),) * 4 and steps[4][0] == pytest.approx(0.5)


# --- hue: one dither decision per pixel -----------------------------------------------------


def _hue(rgb) -> float:
    import colorsys

    top = max(rgb)
    return 360.0 * colorsys.rgb_to_hsv(*(x / top for x in rgb))[0]


def _hue_errors(encoder: FrameEncoder, frames) -> list[float]:
    """For every lit pixel of every frame: degrees between the hue shown and the hue of its exact linear target."""
    errors = []
    for frame in frames:
        targets = encoder.targets(frame)
        for i, px in enumerate(encoder.encode(frame)):
            if any(px):
                d = _hue(px) - _hue(targets[3 * i : 3 * i + 3])
                errors.append(abs((d + 180.0) % 360.0 - 180.0))
    return errors


def test_every_frame_of_a_full_ambient_cycle_keeps_its_hue():
    """The default ambient pacer, one whole breath at 60 fps: no lit pixel-frame off its hue.

    At the trough a pixel's brightest channel is at 1-2 bytes, where whole bytes can only
    approximate a hue; the pure blue of (0, 0, 1) is 26 degrees from the pacer's azure, the
    closest there is.  Dithering each channel on its own showed cyan, green and magenta there.
    """
    from breathcue.core.scene import Look, View, draw

    cfg = configmod.parse_text("")
    look = Look.from_config(cfg)
    frames = [draw(look, k / cfg.ring.fps, View()) for k in range(round(60.0 / cfg.ambient.bpm * cfg.ring.fps))]
    errors = _hue_errors(FrameEncoder.from_config(cfg.ring), frames)
    assert len(errors) > 10_000  # the ring is lit through the cycle
    assert max(errors) < 27.0  # the closest whole bytes come (see above); per channel, up to 155
    assert sorted(errors)[len(errors) // 2] < 5.0  # and most of it is right on
    assert FrameEncoder.from_config(cfg.ring).dither


def test_the_old_way_of_dithering_each_channel_alone_was_off_hue():
    """The same cycle dithered channel by channel (a per-channel error carry) lights pixels 60+ degrees off."""
    from breathcue.core.scene import Look, View, draw

    cfg = configmod.parse_text("")
    look = Look.from_config(cfg)
    encoder = FrameEncoder.from_config(cfg.ring)
    carry: list[int] = []
    off = lit = 0
    for k in range(round(60.0 / cfg.ambient.bpm * cfg.ring.fps)):
        targets = encoder.targets(draw(look, k / cfg.ring.fps, View()))
        carry = carry or [int(i * 0.618 % 1.0 * 256) for i in range(len(targets))]
        acc = [t + c for t, c in zip(targets, carry)]
        carry = [a & 0xFF for a in acc]
        shown = [a >> 8 for a in acc]
        for i in range(0, len(shown), 3):
            px = shown[i : i + 3]
            if any(px):
                lit += 1
                d = abs((_hue(px) - _hue(targets[i : i + 3]) + 180.0) % 360.0 - 180.0)
                off += d > 30.0
    assert off / lit > 0.05


def test_a_dim_amber_glow_never_shows_green_or_magenta():
    encoder = FrameEncoder(brightness=0.5)
    amber = parse_colour("#ff8c1a")
    frames = [glow(24, amber, 0.02 + 0.1 * k / 300) for k in range(300)]
    for frame in frames:
        for r, g, b in encoder.encode(frame):
            assert r >= g >= b  # red leads, green follows, blue least: never green or magenta
