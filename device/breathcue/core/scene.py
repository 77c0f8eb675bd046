"""What the ring shows at one moment: a session, the check-strap sign, a cue, or the ambient light.

The daemon gathers everything that decides the picture into a ``View`` and
``draw`` picks and paints it, in this order of precedence:

1. a paced session (a pattern, or progressive relaxation's k-of-N segments);
2. the "check the strap" sign while the signal is lost: a dim amber dotted ring;
3. a cue: a hold cue glows in the cue colour at the user's own pace, brighter
   at level 2; a shallow cue fills the whole ring at that pace ("deepen");
   a rapid cue is a bright pacer that slows as the user follows;
4. after a hold cue, a 2 s fade and a few calm paced breaths;
5. the ambient light: a dim steady pacer, a mirror of the user's own breath,
   or nothing;

then a button acknowledgement blinks over it, and night dimming scales it.
Levels are perceptual (see render.py).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .cues import Cue, Pacer, Recovery
from .pacing import Guide, PacedSession, Pattern, ease
from .relaxation import Relaxation, Step
from .render import BLACK, WHITE, Curve, PhaseColours, glow, pacer, parse_colour
from .types import RGB, Frame

if TYPE_CHECKING:
    from ..config import Config

INHALE_SHARE = 0.4  # of a cue pacer's breath
CUE_LEVELS = {1: 0.5, 2: 1.0}  # a hold cue starts soft and turns bright
RAPID_LEVEL = 0.9
RECOVERY_LEVEL = 0.6
FADE_SECONDS = 2.0
LOST_COLOUR: RGB = (1.0, 0.55, 0.0)
LOST_LEVEL = 0.3
LOST_EVERY = 3  # the sign lights every third pixel
TENSION_COLOUR: RGB = (1.0, 0.32, 0.12)
RELEASE_COLOUR: RGB = (0.25, 0.9, 0.55)
DONE_LEVEL = 0.3  # relaxation rounds already done
ACKS: dict[str, tuple[RGB, int, float]] = {  # colour, blinks, seconds
    "snooze": ((0.55, 0.35, 1.0), 2, 1.2),
    "cancel": ((1.0, 1.0, 1.0), 1, 0.6),
    "session": ((0.25, 0.9, 0.55), 1, 0.8),
    "pause": ((0.55, 0.35, 1.0), 3, 1.8),
    "resume": ((0.25, 0.9, 0.55), 2, 1.0),
}


@dataclass(frozen=True, slots=True)
class Look:
    """The drawing settings of one config, prepared once."""

    pixels: int
    floor: float
    curve: Curve
    colours: PhaseColours
    cue_colour: RGB
    ambient_mode: str
    ambient_level: float
    ambient: PacedSession
    check_strap: bool

    @classmethod
    def from_config(cls, config: "Config") -> "Look":
        ring = config.ring
        return cls(
            ring.pixels,
            ring.floor,
            Curve.from_config(ring),
            PhaseColours.from_config(config.pacing),
            parse_colour(config.cues.colour),
            config.ambient.mode,
            config.ambient.brightness,
            PacedSession(Pattern.at_rate(config.ambient.bpm)),
            config.cues.check_strap,
        )


@dataclass(frozen=True, slots=True)
class Ack:
    """A button action being acknowledged on the ring since ``started``."""

    kind: str
    started: float

    def done(self, t: float) -> bool:
        return t - self.started >= ACKS[self.kind][2]


@dataclass(slots=True)
class View:
    """Everything that decides the picture at one moment."""

    lost: bool = False
    cue: Cue | None = None
    recovery: Recovery | None = None
    session: tuple[PacedSession | Relaxation, float, str] | None = None  # plan, seconds into it, style
    mirror: float | None = None  # the user's breath, 0-1, for the mirror mode
    ack: Ack | None = None
    dim: float = 1.0


def draw(look: Look, t: float, view: View) -> Frame:
    frame = _base(look, t, view)
    if view.ack is not None and not view.ack.done(t):
        colour, blinks, seconds = ACKS[view.ack.kind]
        x = (t - view.ack.started) / seconds
        frame = blend(frame, Frame.solid(look.pixels, colour), math.sin(math.pi * blinks * x) ** 2)
    if view.dim != 1.0:
        frame = Frame(tuple(_scaled(pixel, view.dim) for pixel in frame.pixels))
    return frame


def _base(look: Look, t: float, view: View) -> Frame:
    if view.session is not None:
        plan, elapsed, style = view.session
        if isinstance(plan, Relaxation):
            return relaxation_frame(look, plan.at(elapsed))
        return pacer(plan.guide(elapsed), style, look.colours, look.pixels, look.floor, look.curve)
    if view.lost and look.check_strap:
        return check_strap(look.pixels)
    if view.cue is not None:
        return cue_frame(look, view.cue, t)
    if view.recovery is not None:
        return recovery_frame(look, view.recovery, t, ambient(look, t, view.mirror))
    return ambient(look, t, view.mirror)


def ambient(look: Look, t: float, mirror: float | None) -> Frame:
    if look.ambient_mode == "off":
        return Frame.dark(look.pixels)
    if look.ambient_mode == "mirror":
        return glow(look.pixels, _scaled(look.colours.inhale, look.ambient_level), mirror or 0.0, look.floor)
    return pacer(look.ambient.guide(t), "glow", look.colours, look.pixels, look.floor, look.curve, look.ambient_level)


def check_strap(pixels: int) -> Frame:
    """The "check the strap" sign: every third pixel dim amber, steady."""
    on = _scaled(LOST_COLOUR, LOST_LEVEL)
    return Frame(tuple(on if i % LOST_EVERY == 0 else BLACK for i in range(pixels)))


def guide_of(p: Pacer, t: float) -> Guide:
    """A cue pacer's breath at ``t`` as a pacing Guide: inhale 40 % of the breath, exhale the rest."""
    cycles = max(0.0, p.cycles(t))
    f = cycles % 1.0
    period = 60.0 / p.bpm
    if f < INHALE_SHARE:
        x = f / INHALE_SHARE
        return Guide(ease(x), "inhale", x, int(cycles), p.bpm, period * INHALE_SHARE, "exhale")
    x = (f - INHALE_SHARE) / (1.0 - INHALE_SHARE)
    return Guide(1.0 - ease(x), "exhale", x, int(cycles), p.bpm, period * (1.0 - INHALE_SHARE), "inhale")


def cue_frame(look: Look, cue: Cue, t: float) -> Frame:
    guide = guide_of(cue.pacer, t)
    if cue.reason == "rapid":
        return pacer(guide, "fill", look.colours, look.pixels, look.floor, look.curve, RAPID_LEVEL)
    colours = PhaseColours.single(look.cue_colour)
    if cue.reason == "shallow":
        return pacer(guide, "fill", colours, look.pixels, look.floor, look.curve)
    return pacer(guide, "glow", colours, look.pixels, look.floor, look.curve, CUE_LEVELS.get(cue.level, 1.0))


def recovery_frame(look: Look, rec: Recovery, t: float, after: Frame) -> Frame:
    """The cue light fading out over 2 s into the calm breaths; then back to ``after``."""
    breaths = pacer(guide_of(rec.pacer, t), "glow", look.colours, look.pixels, look.floor, look.curve, RECOVERY_LEVEL)
    if t < rec.pacer.t0:
        lit = glow(look.pixels, _scaled(look.cue_colour, CUE_LEVELS.get(rec.level, 1.0)), 1.0, look.floor)
        return blend(lit, breaths, ease(min(1.0, (t - rec.started) / FADE_SECONDS)))
    last = rec.ends - 60.0 / rec.pacer.bpm * (1.0 - INHALE_SHARE)
    if t > last:  # the last exhale leads into the ambient light
        return blend(breaths, after, ease(min(1.0, (t - last) / (rec.ends - last))))
    return breaths


def relaxation_frame(look: Look, step: Step) -> Frame:
    """Round k of N: k segments done (dim release colour), the current one breathing, the rest dark."""
    n, k, p = step.rounds, step.round, look.pixels
    if step.phase in ("tense", "hold"):
        colour = TENSION_COLOUR
    elif step.phase == "release":
        colour = RELEASE_COLOUR
    else:
        colour = look.colours.inhale
    now = _scaled(colour, look.floor + (1.0 - look.floor) * step.volume)
    done = _scaled(RELEASE_COLOUR, DONE_LEVEL)
    ahead = _scaled(WHITE, look.floor * 0.5)
    return Frame(tuple(done if i * n // p < k else now if i * n // p == k else ahead for i in range(p)))


def _scaled(colour: RGB, k: float) -> RGB:
    return (colour[0] * k, colour[1] * k, colour[2] * k)


def blend(a: Frame, b: Frame, w: float) -> Frame:
    """``a`` cross-faded to ``b`` by ``w`` (0 = a, 1 = b)."""
    if w <= 0.0:
        return a
    if w >= 1.0:
        return b
    return Frame(
        tuple(
            (x[0] + (y[0] - x[0]) * w, x[1] + (y[1] - x[1]) * w, x[2] + (y[2] - x[2]) * w)
            for x, y in zip(a.pixels, b.pixels)
        )
    )


class BreathMirror:
    """The user's own breath as a level 0-1, for the mirror mode (biofeedback).

    The strap signal is smoothed and placed between a running top and
    bottom that follow each breath's peak and trough at once and relax
    toward each other over about 20 s, so the light uses the ring's whole
    range for ordinary breaths and a shallower breath shows as a smaller
    swing until the range adapts.
    """

    SMOOTH_SECONDS = 0.25
    RELAX_SECONDS = 20.0

    def __init__(self, sign: int = 1) -> None:
        self.sign = sign
        self._y: float | None = None
        self._lo = self._hi = 0.0
        self._t = 0.0
        self.level = 0.0

    def update(self, t: float, value: float | None) -> float:
        if value is None:
            self._y = None
            return self.level
        x = self.sign * value
        if self._y is None:
            self._y, self._lo, self._hi, self._t = x, x, x, t
            return self.level
        dt = max(0.0, t - self._t)
        self._t = t
        self._y += (x - self._y) * min(1.0, dt / self.SMOOTH_SECONDS)
        relax = (self._hi - self._lo) * min(1.0, dt / self.RELAX_SECONDS)
        self._hi = max(self._y, self._hi - relax)
        self._lo = min(self._y, self._lo + relax)
        span = self._hi - self._lo
        self.level = (self._y - self._lo) / span if span > 0.0 else 0.0
        return self.level
