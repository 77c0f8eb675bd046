"""Where breaths and holds begin when the detector cannot see the beginning: at the start of a recording, after a
short fault, under a held chest's sag, wobbles and creep.

docs/detection.md, "Segmentation into breaths": a breath runs from where the
signal left one trough to where it left the next, the filters' delay taken
off; where tracking began (the first sample, or the first after a lost
signal) stands for the trough before a breath already under way, so that
breath is not lost.  "Holds": a last half breath much smaller than the one
before it, far slower than the person's own pace that way, is a full chest
sagging, and breathing stopped at the top, before the sag; a hold at full
inspiration (or half way up an inhale) is part of the breath it tops, and
after a hold at end-expiration the next breath starts when the hold ends.
Short synthetic signals, a fraction of a second each (docs/testing.md,
"Detector stages").
"""

from __future__ import annotations

import pytest

from breathcue.config import DetectorConfig
from breathcue.core.types import Sample
from breathcue.hw.held_chest import HeldChest, Sag

from .test_stage_detector import named, run
from .validation.synth import Builder


def chest(*sags: Sag) -> HeldChest:
    """A full chest held with these sags, a little heartbeat and nothing random."""
    return HeldChest("inhaled", sags, 0.0, (), 1.0, (), 0.02, 1.1, 0.0)


@pytest.mark.parametrize("rate", [10.0, 25.0, 50.0])
@pytest.mark.parametrize("skip", [0.0, 0.6])
def test_the_first_breath_under_way_when_the_recording_starts_began_no_later_than_the_recording(rate, skip):
    # the recording starts where an inhale starts, or 0.6 s into it: the breath was under way at the first sample
    b = Builder(rate, seed=2, depth=0.4).breathe(6, bpm=12)
    first = int(round(skip * rate))
    samples = [Sample(i / rate, v) for i, v in enumerate(b.values) if i >= first]
    events, _ = run(samples, rate=rate, config=DetectorConfig(polarity="normal"))
    breaths = named(events, "breath")
    assert len(breaths) == 6
    onset, peak = breaths[0].get("onset"), breaths[0].get("peak")
    assert onset <= samples[0].t + 1e-9  # not the first sample's time plus the filters' delay
    assert abs(peak - b.peaks[0]) <= 0.5 and onset >= -1.0  # the peak where it was, and the onset about the start


@pytest.mark.parametrize(("rate", "seed"), [(10.0, 2), (25.0, 1), (25.0, 2)])
@pytest.mark.parametrize(("size", "seconds"), [(0.6, 3.5), (0.5, 3.0)])
def test_a_full_chest_that_sags_at_once_by_half_a_breath_slowly_is_held_from_the_top(rate, seed, size, seconds):
    # a force belt (both halves about a second); the last inhale tops out and the held chest sags at once by half a
    # breath over 3-3.5 s: quick enough to turn the top into a turning point, far slower than the person's exhales
    b = Builder(rate, seed=seed, depth=0.4).breathe(6, bpm=12, belt="force")
    b.breathe(1, bpm=12, belt="force", stop="inhaled").held(18.0, chest(Sag(-size, 0.0, seconds))).breathe(5, bpm=12, belt="force")
    (held_from, held_to), = b.holds
    events, _ = run(b.build().samples(), rate=rate)
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    (hold_start,) = named(events, "hold_start")
    # breathing stopped at the top, before the sag: not half way down it
    assert abs(hold_start.get("start") - held_from) <= 0.7
    assert hold_start.t <= held_from + 10.0 + 2.0


@pytest.mark.parametrize("rate", [10.0, 25.0])
@pytest.mark.parametrize("belt", ["cord", "force"])
@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize(("size", "at", "seconds"), [(0.68, 1.8, 2.6), (0.4, 2.0, 2.0)])
def test_a_full_chest_that_sags_after_a_second_or_two_is_held_from_the_top_on_either_strap_polarity(rate, belt, sign, size, at, seconds):
    # the sag goes back the way the last inhale came, at a pace a breath could have: on a strap that reads inhales
    # downwards as on one that reads them upwards, it is no next breath beginning, and the hold began at the top
    b = Builder(rate, seed=1, depth=0.4, sign=sign).breathe(6, belt=belt)
    b.breathe(1, belt=belt, stop="inhaled").held(18.0, chest(Sag(-size, at, seconds))).breathe(5, belt=belt)
    (held_from, _), = b.holds
    events, det = run(b.build().samples(), rate=rate)
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    assert abs(named(events, "hold_start")[0].get("start") - held_from) <= 0.6
    assert det.polarity == ("normal" if sign > 0 else "inverted")


@pytest.mark.parametrize(("rate", "seed"), [(10.0, 1), (10.0, 2), (10.0, 3), (25.0, 1), (25.0, 3)])
def test_the_breath_under_way_when_the_signal_comes_back_after_a_short_fault_is_not_lost(rate, seed):
    # a fifth of a second of i2c errors that ends a tenth of a second before the seventh breath's peak
    b = Builder(rate, seed=seed, depth=0.4).breathe(10, bpm=12)
    back = int(round((b.peaks[6] - 0.1) * rate))
    lost = range(back - int(round(0.2 * rate)), back)
    samples = [Sample(i / rate, None, "i2c_error") if i in lost else Sample(i / rate, v) for i, v in enumerate(b.values)]
    events, _ = run(samples, rate=rate, config=DetectorConfig(polarity="normal"))
    assert [e.name for e in events if e.name != "breath"] == ["signal_lost", "signal_ok"]
    ok = named(events, "signal_ok")[0].t
    peaks = [e.get("peak") for e in named(events, "breath")]
    # every breath counted at its peak, the one the fault cut into too; none spans the gap
    assert len(peaks) == 10 and all(any(abs(p - q) <= 0.5 for p in peaks) for q in b.peaks)
    assert all(e.get("end") <= lost.start / rate or e.get("onset") >= ok - 0.5 for e in named(events, "breath"))


@pytest.mark.parametrize("seed", [2, 3, 4, 5, 8])
def test_the_breath_a_hold_half_way_up_its_inhale_belongs_to_begins_before_the_hold_not_inside_it(seed):
    # a force belt; the fifth inhale stops half way and is held 20 s, the chest settling with slow wobbles and sagging
    # by 0.3 of a breath in its first seconds; the wobbles turn, and the held breath's trough moves to the hold's start
    held = HeldChest("mid", (Sag(-0.3, 0.4, 3.0),), 0.02, ((0.066, 0.3, 1.5), (0.053, 0.26, 5.5)), 2.8, (), 0.02, 1.2, 4.9)
    b = Builder(25.0, seed=seed, depth=2.0, noise=0.02, ripple=0.0).breathe(4, bpm=17, belt="force")
    b.breathe(1, bpm=17, belt="force", stop="mid").held(20, held).breathe(6, bpm=17, belt="force")
    (held_from, _), = b.holds
    topped = next(p for p in b.peaks if p > held_from)  # where the held inhale, finished after the hold, peaks
    events, _ = run(b.build().samples(), config=DetectorConfig(polarity="normal"))
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    assert abs(named(events, "hold_start")[0].get("start") - held_from) <= 0.6
    (breath,) = [e for e in named(events, "breath") if abs(e.get("peak") - topped) <= 0.5]
    assert breath.get("onset") <= held_from + 0.5  # its inhale began before the hold: not a second into it


@pytest.mark.parametrize("seed", [2, 4])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_the_breath_after_a_hold_whose_empty_chest_crept_back_half_a_breath_starts_where_the_hold_ended(seed, sign):
    # a force belt on a wandering strap; held empty for 28 s, the chest creeps back by more than half a breath, then
    # breathing resumes: after a hold at end-expiration the next breath starts when the hold ends (docs/detection.md)
    b = Builder(25.0, seed=seed, depth=0.4, sign=sign, wander=0.3, ripple=0.0).breathe(5, bpm=15, belt="force")
    b.hold(28.0, sag=0.56).breathe(10, bpm=11, belt="force")
    (_, held_to), = b.holds
    events, _ = run(b.build().samples())
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    end = named(events, "hold_end")[0].get("end")
    assert abs(end - held_to) <= 1.0
    after = [e for e in named(events, "breath") if e.get("peak") > end]
    assert after and abs(after[0].get("onset") - end) <= 0.6


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_full_chest_that_settles_with_large_wobbles_is_held_from_the_top(sign):
    # a force belt, a person's own variation, a wandering strap; the held full chest settles with wobbles of a fifth of
    # a breath, swallows and sags by 0.3 of a breath: the wobbles move it on and back, and wherever the start is moved to
    # when it is still again, it is where that movement stopped at the top, not seconds into the hold
    held = HeldChest("inhaled", (Sag(-0.31, 1.38, 3.7),), 0.0056, ((0.117, 0.7, 3.3), (0.083, 0.76, 6.28)), 2.25, (), 0.034, 1.29, 5.85, ((2.8, 0.09, 1.0),))
    b = Builder(25.0, seed=3, depth=0.4, vary=0.15, wander=0.3, ripple=0.05, sign=sign).breathe(7, bpm=12, belt="force")
    b.breathe(1, bpm=12, belt="force", stop="inhaled").held(27.4, held).breathe(6, bpm=14, belt="force")
    (held_from, held_to), = b.holds
    events, _ = run(b.build().samples())
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    assert abs(named(events, "hold_start")[0].get("start") - held_from) <= 1.0
    assert abs(named(events, "hold_end")[0].get("end") - held_to) <= 1.0


@pytest.mark.parametrize(("rate", "seed"), [(10.0, 2), (10.0, 3), (25.0, 2)])
@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_a_full_chest_that_sags_as_far_as_its_small_inhale_slowly_is_held_from_the_top(rate, seed, sign):
    # a force belt; the last inhale is three quarters of a breath, and the held chest sags by 0.7 of a breath over 4 s:
    # as large as that inhale, but far slower than the person's exhales, so a sag, and a sag's slow return is no breath
    b = Builder(rate, seed=seed, sign=sign).breathe(6, belt="force")
    b.breathe(1, depth=0.75, belt="force", stop="inhaled").held(18.0, chest(Sag(-0.7, 0.5, 4.0))).breathe(5, belt="force")
    (held_from, _), = b.holds
    events, _ = run(b.build().samples(), rate=rate)
    assert [e.name for e in events if e.name != "breath"] == ["hold_start", "hold_end"]
    assert abs(named(events, "hold_start")[0].get("start") - held_from) <= 0.6
