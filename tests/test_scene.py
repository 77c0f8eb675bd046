"""What the ring shows at one moment (core/scene.py), frame by frame and without the daemon.

tests/test_simulate.py checks the same pictures end to end, loosely (warm or
cool, brighter or dimmer); here each is exact: the order of precedence, the
cue and recovery frames, the check-strap sign, relaxation's segments, the
button's blink, night dimming and the mirror.
"""

from __future__ import annotations

import math

import pytest

from breathcue import config as configmod
from breathcue.core.cues import Cue, Pacer, Recovery
from breathcue.core.pacing import PacedSession, Pattern, ease
from breathcue.core.render import CIE, Curve, PhaseColours, glow, pacer, parse_colour
from breathcue.core.scene import (
    ACKS,
    CUE_LEVELS,
    DONE_LEVEL,
    FADE_SECONDS,
    LOST_COLOUR,
    LOST_LEVEL,
    RAPID_LEVEL,
    RECOVERY_LEVEL,
    RELEASE_COLOUR,
    TENSION_COLOUR,
    Ack,
    BreathMirror,
    Look,
    View,
    blend,
    draw,
    guide_of,
)
from breathcue.core.types import Frame

BLUE = (0.2, 0.5, 1.0)
AMBER = (1.0, 0.6, 0.1)
COLOURS = PhaseColours(BLUE, (0.3, 0.9, 0.4), (0.6, 0.2, 0.9), (0.9, 0.9, 0.2))
BLACK = (0.0, 0.0, 0.0)


def look(mode: str = "pacer", check_strap: bool = True, pixels: int = 6, floor: float = 0.1) -> Look:
    return Look(pixels, floor, CIE, COLOURS, AMBER, mode, 0.35, PacedSession(Pattern.at_rate(6.0)), check_strap)


def solid(frame: Frame) -> tuple[float, float, float]:
    assert len(set(frame.pixels)) == 1, frame.pixels
    return frame.pixels[0]


def scaled(colour, k):
    return tuple(c * k for c in colour)


def near(frame: Frame, pixels) -> bool:
    """The frame's pixels are ``pixels``, to float rounding."""
    flat = [c for p in frame.pixels for c in p]
    return len(frame.pixels) == len(pixels) and flat == pytest.approx([c for p in pixels for c in p])


# --- the cue pacer's breath -------------------------------------------------------------


def test_a_cue_pacer_breathes_in_for_40_percent_of_each_breath():
    p = Pacer(bpm=6.0, t0=100.0)  # a 10 s breath: 4 s in, 6 s out
    g = guide_of(p, 102.0)
    assert (g.phase, g.previous, g.cycle, g.bpm) == ("inhale", "exhale", 0, 6.0)
    assert (g.progress, g.volume, g.phase_seconds) == pytest.approx((0.5, 0.5, 4.0))
    g = guide_of(p, 107.0 + 10.0)  # half way out, one breath later
    assert (g.phase, g.previous, g.cycle) == ("exhale", "inhale", 1)
    assert (g.progress, g.volume, g.phase_seconds) == pytest.approx((0.5, 0.5, 6.0))
    assert guide_of(p, 103.0).volume == pytest.approx(ease(0.75))
    assert guide_of(p, 95.0).volume == 0.0  # before it began: empty lungs, at the start of an inhale


# --- cues -----------------------------------------------------------------------------------


def cue(reason: str, level: int = 1) -> Cue:
    return Cue(reason, level, 0.0, Pacer(6.0, 0.0), 6.0)


@pytest.mark.parametrize("level", [1, 2])
def test_a_hold_cue_glows_in_the_cue_colour_softly_then_bright(level: int):
    t = 2.0  # half way in: volume 0.5
    frame = draw(look(), t, View(cue=cue("hold", level)))
    k = CUE_LEVELS[level] * (0.1 + 0.9 * 0.5)
    assert solid(frame) == pytest.approx(scaled(AMBER, k))


def test_a_shallow_cue_fills_the_ring_in_the_cue_colour():
    frame = draw(look(pixels=6), 2.0, View(cue=cue("shallow")))  # half way in: half the ring
    assert near(Frame(frame.pixels[:3] + frame.pixels[4:]), (AMBER,) * 3 + (scaled(AMBER, 0.1),) * 2)


def test_a_rapid_cue_is_a_bright_fill_in_the_pacers_own_colours():
    frame = draw(look(pixels=6), 2.0, View(cue=cue("rapid")))
    bright = scaled(BLUE, RAPID_LEVEL)
    assert near(Frame(frame.pixels[:3] + frame.pixels[4:]), (bright,) * 3 + (scaled(bright, 0.1),) * 2)


# --- recovery after a hold cue -------------------------------------------------------------------


def test_recovery_fades_the_cue_light_over_2_s_then_breathes_calmly_then_returns_to_the_ambient_light():
    rec = Recovery(started=10.0, level=2, pacer=Pacer(6.0, 10.0 + FADE_SECONDS), breaths=2)  # ends at 32 s
    lk = look(mode="off")
    view = View(recovery=rec)
    lit = scaled(AMBER, CUE_LEVELS[2])
    assert solid(draw(lk, 10.0, view)) == pytest.approx(lit)  # the cue's light, as it was
    breaths = pacer(guide_of(rec.pacer, 11.0), "glow", COLOURS, 6, 0.1, CIE, RECOVERY_LEVEL)
    w = ease(0.5)  # a second into the 2 s fade
    assert solid(draw(lk, 11.0, view)) == pytest.approx(tuple(a + (b - a) * w for a, b in zip(lit, solid(breaths))))
    calm = pacer(guide_of(rec.pacer, 20.0), "glow", COLOURS, 6, 0.1, CIE, RECOVERY_LEVEL)
    assert draw(lk, 20.0, view) == calm  # the calm breaths, at the recovery's level
    last = rec.ends - 6.0  # the last exhale (6 s of the 10 s breath) leads into the ambient light: here, dark
    assert draw(lk, last - 0.5, view) == pacer(guide_of(rec.pacer, last - 0.5), "glow", COLOURS, 6, 0.1, CIE, RECOVERY_LEVEL)
    into = draw(lk, last + 3.0, view)
    own = pacer(guide_of(rec.pacer, last + 3.0), "glow", COLOURS, 6, 0.1, CIE, RECOVERY_LEVEL)
    assert solid(into) == pytest.approx(scaled(solid(own), 1.0 - ease(0.5)))
    assert solid(draw(lk, rec.ends, view)) == pytest.approx(BLACK)


# --- precedence --------------------------------------------------------------------------------


def test_a_session_comes_first_then_the_check_strap_sign_then_a_cue_then_recovery_then_the_ambient_light():
    lk = look()
    session = (PacedSession(Pattern(4.0, 4.0, 4.0, 4.0)), 6.0, "glow")  # box breathing, in hold_in
    rec = Recovery(1.0, 1, Pacer(6.0, 100.0), 2)  # breathing resumed at 1 s: its fade begins
    everything = View(lost=True, cue=cue("hold"), recovery=rec, session=session)
    assert solid(draw(lk, 1.0, everything)) == COLOURS.hold_in
    no_session = View(lost=True, cue=cue("hold"), recovery=rec)
    sign = draw(lk, 1.0, no_session).pixels
    on = scaled(LOST_COLOUR, LOST_LEVEL)
    assert sign == (on, BLACK, BLACK, on, BLACK, BLACK)  # every third pixel, dim amber
    assert draw(lk, 7.0, no_session).pixels == sign  # steady
    assert draw(look(check_strap=False), 1.0, no_session) == draw(lk, 1.0, View(cue=cue("hold")))  # the sign is off: the cue
    assert draw(lk, 1.0, View(cue=cue("hold"), recovery=rec)) == draw(lk, 1.0, View(cue=cue("hold")))
    assert solid(draw(lk, 1.0, View(recovery=rec))) == pytest.approx(scaled(AMBER, CUE_LEVELS[1]))  # fading from the cue
    assert draw(lk, 1.0, View()) == pacer(lk.ambient.guide(1.0), "glow", COLOURS, 6, 0.1, CIE, 0.35)


# --- the ambient light ----------------------------------------------------------------------------


def test_the_ambient_light_is_a_dim_pacer_a_mirror_of_the_breath_or_nothing():
    assert draw(look("off"), 3.0, View(mirror=0.7)) == Frame.dark(6)
    assert solid(draw(look("mirror"), 3.0, View(mirror=0.5))) == pytest.approx(scaled(BLUE, 0.35 * (0.1 + 0.9 * 0.5)))
    assert solid(draw(look("mirror"), 3.0, View(mirror=None))) == pytest.approx(scaled(BLUE, 0.35 * 0.1))  # no breath yet: the floor
    paced = draw(look("pacer"), 2.0, View(mirror=0.9))  # the pacer ignores the breath
    assert solid(paced) == pytest.approx(scaled(BLUE, 0.35 * (0.1 + 0.9 * 0.5)))


def test_look_from_the_config():
    cfg = configmod.parse_text('[ring]\npixels = 12\nfloor = 0.2\ncurve = "gamma"\ngamma = 2.5\n'
                               '[cues]\ncolour = "#ff8800"\ncheck_strap = false\n'
                               '[ambient]\nmode = "mirror"\nbpm = 5.0\nbrightness = 0.4\n')
    lk = Look.from_config(cfg)
    assert (lk.pixels, lk.floor, lk.curve, lk.cue_colour, lk.ambient_mode, lk.ambient_level, lk.check_strap) == (
        12, 0.2, Curve(2.5), parse_colour("#ff8800"), "mirror", 0.4, False)
    assert lk.colours == PhaseColours.from_config(cfg.pacing)
    assert lk.ambient.guide(0.0).bpm == pytest.approx(5.0)


# --- progressive relaxation -------------------------------------------------------------------


@pytest.mark.parametrize("seconds, colour", [(2.0, TENSION_COLOUR), (8.0, TENSION_COLOUR), (14.0, RELEASE_COLOUR), (25.0, BLUE)])
def test_relaxation_shows_rounds_done_the_one_now_and_those_ahead(seconds: float, colour):
    from breathcue.core.relaxation import ROUND_SECONDS, Relaxation

    plan = Relaxation(("hands", "arms", "shoulders"))
    elapsed = ROUND_SECONDS + seconds  # into the second round: tense, hold, release, calm
    step = plan.at(elapsed)
    assert step.round == 1
    frame = draw(look(pixels=6, floor=0.1), 0.0, View(session=(plan, elapsed, "glow")))
    done, now, ahead = scaled(RELEASE_COLOUR, DONE_LEVEL), scaled(colour, 0.1 + 0.9 * step.volume), scaled((1.0, 1.0, 1.0), 0.05)
    assert near(frame, (done, done, now, now, ahead, ahead))


# --- on top: the button's blink and night dimming --------------------------------------------------


@pytest.mark.parametrize("kind", sorted(ACKS))
def test_a_button_action_blinks_its_colour_over_the_picture_as_often_as_it_says(kind: str):
    colour, blinks, seconds = ACKS[kind]
    lk = look(mode="off")
    for k in range(1, 40):
        t = 50.0 + seconds * k / 40  # pressed at 50 s
        w = math.sin(math.pi * blinks * k / 40) ** 2
        assert solid(draw(lk, t, View(ack=Ack(kind, 50.0)))) == pytest.approx(scaled(colour, w))
    assert draw(lk, seconds, View(ack=Ack(kind, 0.0))) == Frame.dark(6)  # over


def test_night_dimming_scales_whatever_is_shown():
    lk = look()
    for view in (View(), View(cue=cue("hold", 2)), View(session=(PacedSession(Pattern(4.0, 4.0, 4.0, 4.0)), 6.0, "fill")),
                 View(ack=Ack("snooze", 0.0))):
        bright, dim = draw(lk, 0.3, view), draw(lk, 0.3, View(**{**_fields(view), "dim": 0.25}))
        assert near(dim, [scaled(p, 0.25) for p in bright.pixels])


def _fields(view: View) -> dict:
    return {name: getattr(view, name) for name in View.__slots__}


def test_blend_is_a_cross_fade_clamped_at_both_ends():
    a, b = Frame.solid(2, (1.0, 0.0, 0.4)), Frame.solid(2, (0.0, 1.0, 0.8))
    assert blend(a, b, -0.5) is a and blend(a, b, 0.0) is a and blend(a, b, 1.0) is b and blend(a, b, 2.0) is b
    assert near(blend(a, b, 0.25), ((0.75, 0.25, 0.5),) * 2)


# --- the mirror ------------------------------------------------------------------------------------


def test_the_mirror_spans_the_users_own_breath_and_follows_it():
    mirror = BreathMirror()
    levels = []
    for i in range(25 * 30):  # 30 s at 25 Hz of a 5 s breath between 1.5 and 1.9 V
        t = i / 25
        levels.append(mirror.update(t, 1.7 - 0.2 * math.cos(2 * math.pi * t / 5.0)))
    last = levels[-125:]  # the last breath
    assert max(last) > 0.95 and min(last) < 0.05  # the whole range of the ring
    at = {round(i / 25, 2): level for i, level in enumerate(last)}  # seconds into the breath (a trough at 0)
    assert at[0.2] < 0.1 and at[2.6] > 0.9  # dark at the breath's trough, full at its peak (0.25 s smoothing later)
    assert 0.3 < at[1.4] < 0.7 and 0.3 < at[3.88] < 0.7  # half way up, half way down


def test_an_inverted_strap_is_mirrored_the_right_way_up():
    up, down = BreathMirror(1), BreathMirror(-1)
    for i in range(25 * 20):
        t = i / 25
        v = 1.7 + 0.2 * math.sin(2 * math.pi * t / 5.0)
        a = up.update(t, v)
        b = down.update(t, 3.4 - v)  # the same breath, the signal pulled the other way
        if t > 10:
            assert a == pytest.approx(b, abs=1e-6)


def test_a_lost_sample_holds_the_light_and_the_next_starts_afresh():
    mirror = BreathMirror()
    for i in range(100):
        mirror.update(i / 25, 1.7 + 0.2 * math.sin(i / 4))
    held = mirror.level
    assert mirror.update(4.0, None) == held
    assert mirror.update(4.04, 5.0) == held  # a new start: no range yet, the light stays where it was
    assert mirror.update(4.08, 5.0) == 0.0  # a flat signal has no breath to show


def test_a_new_mirror_is_dark_until_the_breath_shows_a_range():
    mirror = BreathMirror()
    assert mirror.update(0.0, None) == 0.0 and mirror.update(0.04, 1.7) == 0.0


def test_a_fill_session_and_the_recovery_after_a_cue_use_the_looks_curve_and_mirror():
    gamma = Look(6, 0.1, Curve(2.2), COLOURS, AMBER, "mirror", 0.35, PacedSession(Pattern.at_rate(6.0)), True)
    box = PacedSession(Pattern(4.0, 4.0, 4.0, 4.0))
    drawn = draw(gamma, 0.0, View(session=(box, 1.7, "fill")))  # the arc's edge inside a pixel
    assert drawn == pacer(box.guide(1.7), "fill", COLOURS, 6, 0.1, Curve(2.2))
    assert drawn != pacer(box.guide(1.7), "fill", COLOURS, 6, 0.1, CIE)
    rec = Recovery(0.0, 1, Pacer(6.0, 2.0), 1)  # one calm breath, 2 s to 12 s; its last exhale from 6 s
    into = draw(gamma, 9.0, View(recovery=rec, mirror=0.8))
    assert into != draw(gamma, 9.0, View(recovery=rec, mirror=0.0))  # it fades into the user's own breath
