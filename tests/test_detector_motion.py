"""Someone moving is no breathing, and a slow sag is no exhale: motion, and holds that end only when breathing does.

A cold start whose first seconds are motion used to learn the breath depth
from the motion, so the smaller breathing after it looked still: a false
hold.  The conditioner's jerk (the band above breathing) tells a bend
carrying a sway from a breath, however deep the bend.
"""

from __future__ import annotations

import math
import random

import pytest

from breathcue.core import detector as detector_module
from breathcue.core.conditioning import Conditioner
from breathcue.hw.held_chest import HeldChest, Sag

from .validation import recordings, scenarios
from .validation.run import detect, named
from .validation.synth import Builder


def chest(rate: float, seed: int, parts: list[tuple[str, float, float]]) -> list[float]:
    """Breathing at 12 a minute with a heartbeat, and ("bend", seconds, depths) stretches of moving about.

    A bend is a slow excursion of that many breath depths carrying a 1.7 Hz
    sway of half a depth and noise, as walking or reaching does; ("breathe",
    seconds, gain) breathes with the strap's gain after the last bend.
    """
    rng = random.Random(seed)
    out: list[float] = []
    level = 0.0
    for kind, seconds, size in parts:
        n = int(seconds * rate)
        for i in range(n):
            t = len(out) / rate
            u = i / rate
            breath = 0.5 - 0.5 * math.cos(2 * math.pi * 0.2 * t)
            heart = 0.04 * math.sin(2 * math.pi * 1.1 * t)
            if kind == "bend":
                move = size * math.sin(math.pi * u / seconds) + 0.5 * math.sin(2 * math.pi * 1.7 * u) + rng.gauss(0.0, 0.3)
                out.append(level + breath + heart + move)
            else:
                out.append(level + size * breath + heart + rng.gauss(0.0, 0.005))
        if kind == "bend":
            level += rng.uniform(-1.5, 1.5)  # the strap settles somewhere else
    return out


def no_motion_rule(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(detector_module, "MOTION_SHARE", math.inf)
    monkeypatch.setattr(detector_module, "MOTION_TIMES", math.inf)
    monkeypatch.setattr(detector_module, "FAR_MOTION_TIMES", math.inf)


def test_the_jerk_is_small_for_breathing_and_large_for_a_sway():
    rate = 25.0
    calm, moving = Conditioner(rate), Conditioner(rate)
    calm.start(0.0, 0.0)
    moving.start(0.0, 0.0)
    calm_jerk, moving_jerk = [], []
    for i in range(int(30 * rate)):
        t = i / rate
        breath = 0.5 - 0.5 * math.cos(2 * math.pi * 0.25 * t) + 0.04 * math.sin(2 * math.pi * 1.1 * t)
        calm.step(t, breath)
        moving.step(t, breath + 0.5 * math.sin(2 * math.pi * 1.7 * t))
        if t > 5.0:
            calm_jerk.append(math.sqrt(calm.jerk))
            moving_jerk.append(math.sqrt(moving.jerk))
    assert max(calm_jerk) < 0.05  # a breath of depth 1 and its heartbeat
    assert min(moving_jerk) > 0.25  # a sway of half a depth


# Minutes of moving about (tests/validation/scenarios.py) that gave a false hold before the jerk was read:
# each starts with a few seconds of breathing and then bends of several breath depths.
COLD_STARTS_IN_MOTION = [
    ("nk_eventrelated", 10.0, 19), ("nk_resting_8min", 10.0, 11), ("nk_resting_8min", 10.0, 12),
    ("nk_resting_8min", 10.0, 18), ("nk_resting_8min", 25.0, 16), ("nk_resting_8min", 25.0, 18),
]


@pytest.mark.skipif(not recordings.SHARED.exists(), reason="../shared/data/respiration is absent")
@pytest.mark.parametrize("name, rate, seed", COLD_STARTS_IN_MOTION)
def test_no_hold_after_a_cold_start_that_began_with_someone_moving(name, rate, seed, monkeypatch):
    x = scenarios.moving_around(name, rate, seed)
    assert not named(detect(x, rate), "hold_start")
    no_motion_rule(monkeypatch)  # the depth learnt from the bends made the breathing after them look still
    assert named(detect(x, rate), "hold_start")


@pytest.mark.parametrize("rate", [10.0, 25.0])
def test_a_hold_a_few_breaths_after_moving_is_still_called(rate):
    parts = [("breathe", 10.0, 1.0), ("bend", 5.0, 4.0), ("breathe", 17.0, 1.0)]
    x = chest(rate, 3, parts)
    x += [x[-1] + 0.02 * math.sin(2 * math.pi * 1.1 * i / rate) for i in range(int(15 * rate))]  # held at end-expiration
    x += chest(rate, 4, [("breathe", 10.0, 1.0)])
    holds = named(detect(x, rate), "hold_start")
    assert len(holds) == 1 and abs(holds[0].get("start") - 32.0) <= 1.5


@pytest.mark.parametrize("rate", [10.0, 25.0])
def test_a_full_chest_that_sags_and_drifts_back_a_whole_breath_slowly_is_one_hold(rate):
    """55 % early, 40 % late and some drift: the chest ends below where the breath began, but slowly; no exhale."""
    chest_ = HeldChest("inhaled", (Sag(-0.55, 2.0, 2.5), Sag(-0.4, 14.0, 2.5)), -0.05, (), 1.0, (), 0.02, 1.1, 0.0)
    b = Builder(rate, seed=5).breathe(7, end_inhaled=True).held(28.0, chest_).breathe(6)
    events = detect(b.build().values, rate)
    start, end = named(events, "hold_start"), named(events, "hold_end")
    (held_from, held_to), = b.holds
    assert len(start) == 1 and abs(start[0].get("start") - held_from) <= 1.5
    assert len(end) == 1 and end[0].get("end") >= held_to - 3.0


@pytest.mark.parametrize("rate", [10.0, 25.0])
def test_shallow_breathing_after_a_hold_ends_it_before_the_strap_is_blamed(rate):
    """Breathing a quarter of the usual depth (too small to turn, big enough to trust) ends a declared hold
    after three regular cycles (rhythm.HELD_TURNS), at the first of them, not after max_hold_seconds."""
    b = Builder(rate, seed=7).breathe(8).hold(15.0, sag=0.05).breathe(14, depth=0.26)
    events = detect(b.build().values, rate)
    (held_from, held_to), = b.holds
    ends = named(events, "hold_end")
    assert len(named(events, "hold_start")) == 1 and not named(events, "signal_lost")
    assert len(ends) == 1 and ends[0].t <= held_to + 25.0 and 0.0 <= ends[0].get("end") - held_to <= 5.0


@pytest.mark.skipif(not recordings.SHARED.exists(), reason="../shared/data/respiration is absent")
def test_someone_moving_gives_a_would_be_hold_up():
    """A bend, 4 s of a still strap, then a burst of swaying: the stillness after the bend began a would-be hold,
    and the swaying (whose slow part creeps back too slowly to be a return at breathing's pace) must end it."""
    events = detect(scenarios.moving_around("nk_resting_5min", 25.0, 17), 25.0)
    assert not named(events, "hold_start")


@pytest.mark.parametrize("seed", [8, 14])
def test_quick_deep_breaths_after_a_hold_are_breathing_and_the_next_hold_is_called(seed):
    """A force belt at 10 Hz, about 20 breaths a minute: after a hold come one or two breaths deeper and quicker
    than the rest, whose jerk is 10-17 times the calmest of late (a held chest's slow sag once set that calm, too).
    They are breathing, not someone moving, so a hold two breaths later is ready to be called."""
    rec = scenarios.belt_minute("force", 10.0, seed)
    events = detect(rec.values, 10.0)
    starts = [e.get("start") for e in named(events, "hold_start")]
    assert len(rec.holds) == len(starts) == 2
    assert all(abs(s - h.start) <= 3.0 for s, h in zip(starts, rec.holds))
