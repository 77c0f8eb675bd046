"""Holds told by the pace of the chest's movement, not only its size.

A held full chest sags slowly (1.5-3 s and more); breathing moves at the
person's own pace.  So a sag as deep as the small inhale before it is still
a sag (the hold began at the top), and a quick half inhale after an
end-expiratory pause is breathing going on, even before the polarity is
known (the hold began where that inhale stopped).  And a quick deep breath
before a hold, the way many people take one, is no one moving.
"""

from __future__ import annotations

import pytest

from breathcue.core import detector as detector_module
from breathcue.hw.held_chest import HeldChest, Sag

from .validation import recordings, scenarios
from .validation.run import detect, named, run_detector
from .validation.synth import Builder

HOLD_SECONDS = 10.0  # the default detector.hold_seconds


def chest(kind: str, *sags: Sag) -> HeldChest:
    """A held chest with these sags, a little heartbeat and nothing random."""
    return HeldChest(kind, sags, 0.0, (), 1.0, (), 0.02, 1.1, 0.0)


def one_hold(events, held_from: float) -> float:
    """The start of the one hold reported, checked to be called in time."""
    starts = named(events, "hold_start")
    assert len(starts) == 1, [(e.name, e.t) for e in events if e.name.startswith("hold")]
    assert starts[0].t <= held_from + HOLD_SECONDS + 2.0
    return starts[0].get("start")


@pytest.mark.parametrize("rate", [10.0, 25.0])
@pytest.mark.parametrize("invert", [False, True])
def test_a_full_chest_sagging_as_far_as_its_small_inhale_is_held_from_the_top(rate, invert):
    """A last inhale of three quarters of a breath, then a slow sag of 0.7 depths (over 90 % of it)."""
    b = Builder(rate, seed=3, sign=-1.0 if invert else 1.0).breathe(6, belt="force")
    b.breathe(1, depth=0.75, belt="force", stop="inhaled").held(18.0, chest("inhaled", Sag(-0.7, 0.5, 4.0))).breathe(5, belt="force")
    (held_from, _), = b.holds
    assert abs(one_hold(detect(b.build().values, rate), held_from) - held_from) <= 1.5


def test_a_slow_sag_is_a_sag_only_against_the_persons_own_pace(monkeypatch):
    """Without the pace rule the same sag reads as an exhale, and the hold starts at its end: too late."""
    rate = 10.0
    monkeypatch.setattr(detector_module, "SAG_PACE", 0.0)
    b = Builder(rate, seed=3).breathe(6, belt="force")
    b.breathe(1, depth=0.75, belt="force", stop="inhaled").held(18.0, chest("inhaled", Sag(-0.7, 0.5, 4.0))).breathe(5, belt="force")
    (held_from, _), = b.holds
    starts = named(detect(b.build().values, rate), "hold_start")
    assert not starts or starts[0].get("start") - held_from > 3.0


@pytest.mark.parametrize("rate", [10.0, 25.0])
@pytest.mark.parametrize("invert", [False, True])
def test_a_hold_half_way_up_an_inhale_on_a_cold_start_begins_where_the_inhale_stopped(rate, invert):
    """Three breaths of a force belt (a long pause at end-expiration), then half an inhale held 20 s."""
    b = Builder(rate, seed=11, sign=-1.0 if invert else 1.0).breathe(3, bpm=10.0, belt="force", stop="mid")
    b.held(20.0, chest("mid", Sag(-0.1, 2.0, 3.0))).breathe(6, bpm=10.0, belt="force")
    (held_from, _), = b.holds
    events, det = run_detector(b.build().values, rate)
    assert abs(one_hold(events, held_from) - held_from) <= 1.5
    assert det.polarity == ("inverted" if invert else "normal")


@pytest.mark.skipif(not recordings.SHARED.exists(), reason="../shared/data/respiration is absent")
def test_a_quick_deep_breath_before_a_hold_is_no_one_moving():
    """Real breathing (RespInPeace) whose last inhale before a hold is 1.4 depths in 0.8 s: the small swing
    just before it carries the gasp's jerk, and it must not count as someone moving (a hold needs motion-free
    swings before it)."""
    rec = scenarios.realistic("respinpeace", 10.0, 9, invert=True)
    events = detect(rec.values, 10.0)
    starts = [e.get("start") for e in named(events, "hold_start")]
    for hold in rec.holds:
        assert any(abs(s - hold.start) <= 3.0 for s in starts), (hold, starts)
