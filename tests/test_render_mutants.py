"""Drawing and encoding at the edges `make mutate` found no test for (docs/testing.md).

What is asserted is what the LEDs get or what a frame shows: bytes, colours,
the power cap, the LED test's frames.
"""

from __future__ import annotations

import pytest

from breathcue import config as configmod
from breathcue.core.pacing import Guide
from breathcue.core.render import CIE, CROSS_FADE_SECONDS, Curve, FrameEncoder, PhaseColours, check_sequence, fill, pacer, parse_colour
from breathcue.core.types import Frame

BLACK = (0.0, 0.0, 0.0)
WHITE = (1.0, 1.0, 1.0)


def test_levels_below_0_are_dark_and_above_1_full_never_a_wrapped_lookup():
    frame = Frame(((-0.2, 0.0, 0.0), (0.0, -0.001, 0.0), (0.0, 0.0, -0.5), (1.2, 7.0, 1.0001)))
    assert FrameEncoder(dither=False).encode(frame) == [BLACK, BLACK, BLACK, (255, 255, 255)]
    dithered = FrameEncoder()
    for _ in range(300):  # not even now and then, as a dim pixel would
        assert dithered.encode(frame)[:3] == [BLACK, BLACK, BLACK]


@pytest.mark.parametrize("curve", [CIE, Curve(2.2)])
def test_a_curve_is_dark_at_0_and_saturates_at_1(curve: Curve):
    assert curve.to_linear(0.0) == curve.to_linear(-0.1) == 0.0
    assert curve.to_perceptual(0.0) == curve.to_perceptual(-0.1) == 0.0
    assert curve.to_linear(1.5) == curve.to_linear(1.0) == pytest.approx(1.0)
    assert curve.to_perceptual(2.0) == curve.to_perceptual(1.0) == pytest.approx(1.0)


def test_cie_lstar_just_above_its_linear_toe():
    assert CIE.to_linear(0.085) == pytest.approx(0.0094217, rel=1e-4)  # L* 8.5: the cube law, not the toe (0.0094099)


def test_colours_parse_channel_by_channel():
    assert parse_colour("#123456") == (0x12 / 255, 0x34 / 255, 0x56 / 255)
    assert parse_colour("#0000ff") == (0.0, 0.0, 1.0)


def test_a_phase_change_cross_fades_every_channel():
    colours = PhaseColours((0.2, 0.4, 0.6), (0.8, 0.6, 0.1), BLACK, BLACK)
    halfway = Guide(1.0, "hold_in", CROSS_FADE_SECONDS / 2 / 4.0, 0, 6.0, 4.0, "inhale")  # half the fade into hold_in
    assert colours.at(halfway) == pytest.approx((0.5, 0.5, 0.35))


@pytest.mark.parametrize("phase", ["inhale", "hold_in", "exhale", "hold_out"])
def test_a_single_colour_is_the_colour_of_every_phase_and_of_the_fades(phase: str):
    colour = (0.9, 0.3, 0.1)
    single = PhaseColours.single(colour)
    assert single.at(Guide(0.5, phase, 0.0, 0, 6.0, 4.0, "exhale" if phase == "inhale" else "inhale")) == pytest.approx(colour)
    assert single.at(Guide(0.5, phase, 0.9, 0, 6.0, 4.0, "inhale")) == colour


def test_a_fill_without_a_floor_is_dark_beyond_its_arc_and_never_longer_than_the_ring():
    assert fill(4, WHITE, 0.5).pixels == (WHITE, WHITE, BLACK, BLACK)
    assert fill(4, WHITE, 1.5).pixels == (WHITE,) * 4


def test_the_fill_pacers_edge_follows_the_configured_curve():
    colours = PhaseColours.single((1.0, 0.5, 0.0))
    guide = Guide(0.55, "inhale", 0.5, 0, 6.0, 4.0, "exhale")  # past the fade; the arc's edge inside pixel 4 of 8
    gamma = Curve(2.2)
    drawn = pacer(guide, "fill", colours, 8, 0.1, gamma)
    assert drawn == fill(8, (1.0, 0.5, 0.0), 0.55, 0.1, gamma)
    assert drawn != fill(8, (1.0, 0.5, 0.0), 0.55, 0.1, CIE)


def test_the_led_test_shows_each_colour_for_five_steps_and_each_pixel_alone():
    steps = check_sequence(4, 0.1)
    assert [(d, label, frame.pixels) for d, label, frame in steps[4:]] == [
        (pytest.approx(0.5), "red", ((1.0, 0.0, 0.0),) * 4),
        (pytest.approx(0.5), "green", ((0.0, 1.0, 0.0),) * 4),
        (pytest.approx(0.5), "blue", ((0.0, 0.0, 1.0),) * 4),
        (pytest.approx(0.5), "white", (WHITE,) * 4),
    ]
    encoder = FrameEncoder()  # dithering, as `breathcue leds test` sends them
    for i, (_, _, frame) in enumerate(steps[:4]):
        assert encoder.encode(frame) == [(255, 255, 255) if j == i else BLACK for j in range(4)]


def test_the_encoders_curve_comes_from_the_config():
    ring = configmod.parse_text('[ring]\ncurve = "gamma"\ngamma = 2.0\nbrightness = 1.0\ndither = false').ring
    assert FrameEncoder.from_config(ring).encode(Frame.solid(1, (0.5, 0.5, 0.5))) == [(64, 64, 64)]  # 0.25 x 255


def test_a_ws2812_draws_20_ma_a_channel_at_full_unless_told_otherwise():
    assert FrameEncoder().current_ma([(255, 255, 255)]) == pytest.approx(60.0)
    assert FrameEncoder(max_current_ma=600).budget == 7650


def test_the_dimmest_light_asked_for_still_shows_once_every_256_frames():
    encoder = FrameEncoder(brightness=0.5)
    frame = Frame.solid(1, (1 / 4095, 1 / 4095, 1 / 4095))  # the table's first step: 1/256 of a byte
    assert encoder.targets(frame) == [1, 1, 1]
    shown = [encoder.encode(frame)[0] for _ in range(256)]
    assert shown.count((1, 1, 1)) == 1 and shown.count(BLACK) == 255


def test_a_frame_exactly_at_the_power_cap_is_sent_as_it_is():
    encoder = FrameEncoder(max_current_ma=60.0)  # one white pixel's worth
    frame = Frame((WHITE, BLACK))
    for _ in range(3):
        assert encoder.encode(frame) == [(255, 255, 255), BLACK]


def test_a_capped_frames_light_averages_to_its_scaled_targets():
    encoder = FrameEncoder(max_current_ma=500, curve=Curve(1.0))
    frame = Frame(((1.0, 0.5, 0.0),) * 30 + ((0.0, 0.0, 1.0),) * 30)  # 2700 mA uncapped
    targets = encoder.targets(frame)
    assert len(targets) == 180
    assert encoder.budget * 256 - 180 < sum(targets) <= encoder.budget * 256  # scaled down to the cap, not below it
    free = FrameEncoder(curve=Curve(1.0)).targets(frame)
    k = encoder.budget * 256 / sum(free)  # every channel scaled by this one factor
    assert [targets[i] for i in (0, 1, 2, 5)] == [pytest.approx(free[i] * k, abs=1.0) for i in (0, 1, 2, 5)]
    frames = 512
    sums = [0] * 60
    for _ in range(frames):
        for p, px in enumerate(encoder.encode(frame)):
            sums[p] += max(px)
    for p in range(60):
        assert sums[p] / frames == pytest.approx(max(targets[3 * p : 3 * p + 3]) / 256, abs=2.0 / frames)


def test_rounding_past_the_cap_takes_back_the_bytes_rounded_up_the_most():
    encoder = FrameEncoder(dither=False, curve=Curve(1.0), max_current_ma=20.0)  # 255 bytes in all
    frame = Frame(((0.3, 0.41, 0.52), (0.52, 0.3, 0.41)))
    assert encoder.targets(frame) == [7963, 10880, 13795, 13795, 7963, 10880]  # 31.1, 42.5, 53.9 bytes: 256 rounded
    assert encoder.encode(frame) == [(31, 42, 54), (54, 31, 43)]  # the first 42.5 gives its round-up back


def test_a_frame_just_under_the_cap_that_rounding_would_take_over_it_gives_a_byte_back():
    encoder = FrameEncoder(dither=False, curve=Curve(1.0), max_current_ma=20.2)  # 257 bytes in all
    frame = Frame.solid(2, (687 / 4095,) * 3)  # 42.78 bytes a channel: 256.7 in all, under the cap until rounded
    assert sum(encoder.targets(frame)) <= 257 * 256
    assert encoder.encode(frame) == [(42, 43, 43), (43, 43, 43)]


def test_every_phase_colour_comes_from_the_config():
    pacing = configmod.parse_text('[pacing]\ninhale_colour = "#010203"\nhold_in_colour = "#040506"\n'
                                  'exhale_colour = "#070809"\nhold_out_colour = "#0a0b0c"').pacing
    colours = PhaseColours.from_config(pacing)
    assert [colours.inhale, colours.hold_in, colours.exhale, colours.hold_out] == [
        parse_colour(c) for c in ("#010203", "#040506", "#070809", "#0a0b0c")
    ]
