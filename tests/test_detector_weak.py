"""Small regular breathing is no hold: a loose strap is a lost signal ("weak"), very shallow breathing is breathing.

A hold is what follows normal breathing when breaths stop, whatever the
strap does meanwhile; small swings that go on at the person's breathing
rhythm are breathing, too small to trust ("weak", after WEAK_SECONDS) or
shallow.  A stretch that began as a hold stays one until
``max_hold_seconds``, then the strap is to be checked.

The real excerpt is physio's belt (tests/data, 10 Hz): a stretch of it is
shrunk to a loose strap's share of its depth (its own breathing, so the
rhythm is real) with a drop of the strap's level, white noise and a 1 Hz
cardiac ripple as large as the breathing left; the simulated one is the
"strap-off" scenario of hw/scenarios.py with the strap's unplugged spells
reported the way the sampling layer does (saturated).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from breathcue.config import DetectorConfig
from breathcue.core.detector import WEAK_SECONDS, BreathDetector
from breathcue.core.types import Sample
from breathcue.hw.replay import load_recording
from breathcue.hw.scenarios import timeline
from breathcue.hw.sim import make_breather

from .validation import scenarios
from .validation.run import detect, named, run_detector
from .validation.synth import Builder

EXCERPT = load_recording(Path(__file__).resolve().parent / "data" / "det_physio_belt_120s_10hz.csv", rate=10, column=2)
RATE = 10.0
SHRINK_FROM, SHRINK_TO = 40.0, 100.0  # seconds of the excerpt shrunk


def shrunk(share: float, seed: int, noise_share: float = 0.03, ripple_share: float = 0.05) -> np.ndarray:
    """The excerpt with SHRINK_FROM-SHRINK_TO breathing at ``share`` of its depth, as a slackened strap gives it."""
    x = np.asarray(EXCERPT.values, dtype=float)
    depth = float(np.percentile(x[:400], 95) - np.percentile(x[:400], 5))
    rng = np.random.default_rng(seed)
    i, j = int(SHRINK_FROM * RATE), int(SHRINK_TO * RATE)
    t = np.arange(j - i) / RATE
    level = float(np.mean(x[i:j]))
    drop = -0.3 * depth * np.clip(t / 2.0, 0.0, 1.0)  # the cord relaxes towards its rest length
    ripple = ripple_share * depth * np.sin(2 * np.pi * 1.1 * t)
    y = x.copy()
    y[i:j] = level + share * (x[i:j] - level) + drop + ripple + rng.normal(0.0, noise_share * depth, j - i)
    y[j:] += drop[-1]
    return y


@pytest.mark.parametrize("share, seed", [(0.15, 1), (0.15, 3)])
def test_a_loose_strap_on_a_real_recording_is_signal_lost_weak_never_a_hold(share, seed):
    events = detect(shrunk(share, seed), RATE)
    assert not named(events, "hold_start")
    lost, ok = named(events, "signal_lost"), named(events, "signal_ok")
    assert [e.get("reason") for e in lost] == ["weak"]
    assert SHRINK_FROM - 3.0 <= lost[0].get("start") and lost[0].t <= SHRINK_FROM + WEAK_SECONDS + 5.0
    assert len(ok) == 1 and SHRINK_TO <= ok[0].t <= SHRINK_TO + 5.0  # back with normal-depth breathing
    assert len([e for e in named(events, "breath") if e.get("peak") > ok[0].t]) >= 2


@pytest.mark.parametrize("share, seed", [(0.06, 1), (0.08, 2)])
def test_a_strap_loose_to_under_a_tenth_at_once_is_a_hold_until_max_hold_seconds_then_checked(share, seed):
    """Breathing that drops by over 90 % at once is what a hold looks like (the clinical apnoea): it is called, and
    its cue given, then after ``max_hold_seconds`` the strap is to be checked, and the rhythm left says it is loose."""
    events = detect(shrunk(share, seed), RATE, max_hold_seconds=30.0)
    (start,), (end,) = named(events, "hold_start"), named(events, "hold_end")
    assert abs(start.get("start") - SHRINK_FROM) <= 3.0 and end.t == pytest.approx(start.get("start") + 30.0, abs=0.2)
    lost = named(events, "signal_lost")
    assert [e.get("reason") for e in lost] == ["weak"] and lost[0].t == end.t
    (ok,) = named(events, "signal_ok")
    assert SHRINK_TO <= ok.t <= SHRINK_TO + 5.0


def test_a_held_chests_wobble_before_the_polarity_is_known_is_judged_against_the_persons_own_period():
    """A force belt's minute: four quick breaths, a hold whose wobbles come at a tenth of a breath, regular enough at
    any period from 2 to 12 s.  The person's period is known from their turns before the polarity is, and against
    it the wobbles are no breathing: both holds are called (the depth was once relearnt from the wobbles, and
    the minute ended with no breath, no polarity and no hold)."""
    rec = scenarios.belt_minute("force", RATE, 126)
    events, det = run_detector(rec.values, RATE)
    starts = [e.get("start") for e in named(events, "hold_start")]
    assert len(starts) == 2 and all(abs(s - h.start) <= 3.0 for s, h in zip(starts, rec.holds))
    assert det.polarity == "normal" and not named(events, "signal_lost")


@pytest.mark.parametrize("share", [0.25, 0.3])
def test_very_shallow_breathing_on_a_real_recording_is_breathing_not_a_hold(share):
    events = detect(shrunk(share, 4, noise_share=0.01), RATE)
    assert not named(events, "hold_start") and not named(events, "signal_lost")
    inside = [e for e in named(events, "breath") if SHRINK_FROM + 15.0 < e.get("peak") < SHRINK_TO]
    assert len(inside) >= 8 and all(e.get("rel_depth") < 0.5 for e in inside)


@pytest.mark.parametrize("rate", [10.0, 25.0])
def test_very_shallow_breathing_after_sighs_is_shallow_not_a_hold(rate):
    """Sighs inflate the typical depth; breathing at a quarter of the usual must still count as (shallow) breaths."""
    sig = Builder(rate, seed=21).breathe(8).breathe(2, bpm=8, depth=2.5).breathe(16, bpm=14, depth=0.25).breathe(8).build()
    events = detect(sig.values, rate, shallow_seconds=20)
    assert not named(events, "hold_start") and not named(events, "signal_lost")
    assert len(named(events, "shallow_start")) == 1


@pytest.mark.parametrize("rate", [10.0, 25.0])
def test_a_tiny_synthetic_breath_with_a_cardiac_ripple_nearly_as_large_is_weak(rate):
    sig = Builder(rate, seed=22, ripple=0.05, noise=0.01).breathe(10).breathe(14, depth=0.15).breathe(8).build()
    events = detect(sig.values, rate)
    assert not named(events, "hold_start")
    assert [e.get("reason") for e in named(events, "signal_lost")] == ["weak"]
    assert len(named(events, "signal_ok")) == 1


def test_the_simulated_strap_off_scenario_checks_the_strap_for_every_loose_spell_and_holds_nowhere_else():
    """A strap that slips loose at once looks like a hold until the small breathing shows; it is never a lasting hold."""
    seconds = 1200.0
    config = DetectorConfig(max_hold_seconds=30.0)
    breather = make_breather("strap-off", seed=3, rate_hz=25.0)
    spells = timeline("strap-off", 3, seconds)
    det = BreathDetector(config, 25.0)
    events = []
    for n in range(int(seconds * 25)):
        s = breather.read(n / 25.0)
        if breather.spell.kind == "off":  # the divider at its top rail: the sampling layer reports it
            s = Sample(s.t, None, "saturated")
        events += det.update(s)
    loose = [sp for sp in spells if sp.kind == "loose" and sp.end < seconds]
    assert len(loose) >= 4
    for e in named(events, "hold_start"):  # only where the strap slipped
        assert any(sp.start - 3.0 <= e.get("start") <= sp.end for sp in loose)
    lost = [e for e in named(events, "signal_lost") if e.get("reason") in ("weak", "flat")]
    for sp in loose:  # each loose spell asks for the strap to be checked, within max_hold_seconds and a few
        assert any(sp.start <= e.t <= sp.start + config.max_hold_seconds + 15.0 for e in lost), sp
    assert all(any(sp.start - 3.0 <= e.get("start") <= sp.end for sp in loose) for e in lost)
