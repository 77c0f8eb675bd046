"""When a hold can first be called: after two breaths of a cold start at any signal scale, not within a breath and
a half of someone moving, and for a slow breather's deep would-be hold, once it outlasts their breathing period.

docs/detection.md, "The jerk": a hold needs three motion-free swings before
it (two and the half breath into the stillness on a cold start), and
"Known limits": a hold that begins within a breath and a half of someone
moving is not called, since the strap settling after a movement looks the
same.  Short synthetic signals, a fraction of a second each (docs/testing.md,
"Detector stages").
"""

from __future__ import annotations

import math

import pytest

from breathcue.config import DetectorConfig
from breathcue.hw.held_chest import HeldChest, Sag

from .test_stage_detector import named, run, samples_of
from .validation.synth import Builder

RATE = 25.0


def chest(*sags: Sag) -> HeldChest:
    """A full chest held with these sags, a little heartbeat and nothing random."""
    return HeldChest("inhaled", sags, 0.0, (), 1.0, (), 0.02, 1.1, 0.0)


@pytest.mark.parametrize("depth", [0.05, 0.4, 3.0, 20.0])
@pytest.mark.parametrize("seed", [1, 2])
def test_a_hold_two_breaths_into_a_cold_start_is_called_at_any_signal_scale(depth, seed):
    # the depth is learnt from those two breaths and the exhale into the stillness, in the signal's own units
    sig = Builder(RATE, seed=seed, depth=depth).breathe(2, bpm=12).hold(14).breathe(4, bpm=12).build()
    (start, end), = sig.holds
    events, _ = run(sig.samples())
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    hold_start, hold_end = named(events, "hold_start")[0], named(events, "hold_end")[0]
    assert abs(hold_start.get("start") - start) <= 0.6 and hold_start.t <= start + 10.0 + 1.0
    assert abs(hold_end.get("end") - end) <= 0.6


@pytest.mark.parametrize("polarity", ["normal", "auto"])
@pytest.mark.parametrize("seed", [8, 9, 10])
def test_a_hold_one_breath_after_someone_swayed_through_an_exhale_is_no_hold(seed, polarity):
    b = Builder(RATE, seed=seed, depth=0.4).breathe(5, bpm=12)
    shaken_from = int(b.peaks[-1] * RATE) + 5
    shaken_to = shaken_from + int(2.3 * RATE)  # the fifth breath's exhale
    values = list(b.breathe(1, bpm=12).hold(14).breathe(3, bpm=12).values)
    for i in range(shaken_from, shaken_to):  # someone swaying at walking pace while breathing out...
        values[i] += 0.2 * math.sin(2 * math.pi * 1.7 * (i - shaken_from) / RATE)
    # ...then one whole breath, and the chest is still for 14 s at its end: a breath and a half from the movement, too
    # soon to tell a held breath from the strap settling (docs/detection.md, "Known limits")
    events, _ = run(samples_of(values), config=DetectorConfig(polarity=polarity))
    assert [e.name for e in events if e.name != "breath"] == []


@pytest.mark.parametrize("rate", [10.0, 25.0])
@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("small", [0.25, 0.35])
@pytest.mark.parametrize("gasp_bpm", [30, 40])
def test_a_quick_deep_breath_into_a_hold_after_a_small_one_is_no_one_moving(rate, seed, small, gasp_bpm):
    # a small breath, then a gasp of 1.4 depths in 0.6-0.8 s, held at its top: the small swing before the gasp is
    # confirmed only as the gasp rises and carries its jerk, but against half a breath it is no one moving
    # (docs/detection.md, "The jerk"), so the hold is called from the top of the gasp
    b = Builder(rate, seed=seed, depth=0.4).breathe(6, bpm=12).breathe(1, bpm=24, depth=small * 0.4)
    b.breathe(1, bpm=gasp_bpm, depth=1.4 * 0.4, stop="inhaled").hold(15, sag=0.3).breathe(4, bpm=12)
    (start, _), = b.holds
    events, _ = run(b.build().samples(), rate=rate)
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    assert abs(named(events, "hold_start")[0].get("start") - start) <= 0.6


@pytest.mark.parametrize(("rate", "seed", "breaths", "bpm"), [
    (10.0, 2, 1, 6.0), (10.0, 3, 1, 6.0), (25.0, 1, 1, 6.0), (25.0, 2, 1, 6.0), (25.0, 3, 1, 6.0),  # half breaths give it
    (10.0, 3, 2, 5.0), (25.0, 3, 2, 5.0), (25.0, 3, 2, 6.0),  # two cycles give it
])
def test_a_slow_breathers_deep_hold_is_declared_once_it_outlasts_a_breath_and_a_quarter(rate, seed, breaths, bpm):
    # docs/detection.md, "Holds": a would-be hold whose chest has gone back half a depth or more is declared once it
    # also outlasts 1.25 of the person's breathing periods (twice their usual half breath before two cycles are
    # known): at 5-6 breaths a minute from a cold start, a full chest held 30 s that sags by 0.6 of a breath
    b = Builder(rate, seed=seed, depth=0.4).breathe(breaths, bpm=bpm, inhale_share=0.4)
    b.breathe(1, bpm=bpm, inhale_share=0.4, stop="inhaled").held(30.0, chest(Sag(-0.6, 0.5, 3.0))).breathe(4, bpm=bpm)
    (held_from, _), = b.holds
    period = b.peaks[1] - b.peaks[0]  # the person's breathing period, as they breathed it
    events, _ = run(b.build().samples(), rate=rate)
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    hold_start = named(events, "hold_start")[0]
    assert abs(hold_start.get("start") - held_from) <= 1.5
    assert -1.0 <= (hold_start.t - hold_start.get("start")) - 1.25 * period <= 1.5  # not at the slowest period's
