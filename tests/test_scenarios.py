"""Seeded scenarios of the simulated breather: what each one does, and what the daemon makes of the demo."""

from __future__ import annotations

import dataclasses
import io
import math
import json
import statistics

import pytest

from breathcue.app import Daemon, EventWriter
from breathcue.core.detector import BreathDetector
from breathcue.hw import select
from breathcue.hw.sampling import RailGuard, Rails
from breathcue.hw.scenarios import KINDS, SCENARIOS, timeline
from breathcue.hw.sim import SimulatedBreather, make_breather

RATE = 25.0


def values(breather: SimulatedBreather, start: float, end: float) -> list[float]:
    """Read from 0 (reads must come in order) and keep ``start``..``end``."""
    out = []
    for n in range(int(end * RATE)):
        sample = breather.read(n / RATE)
        if n >= start * RATE:
            out.append(sample.value)
    return out


def spells_of(name: str, seed: int, kind: str, seconds: float):
    return [s for s in timeline(name, seed, seconds) if s.kind == kind]


def test_every_scenario_is_named_seeded_and_uses_known_kinds():
    assert set(SCENARIOS) == {"demo", "calm", "shallow", "holds", "talking", "sighs", "motion", "strap-off", "workday"}
    for name in SCENARIOS:
        spells = timeline(name, 5, 3600)
        assert {s.kind for s in spells} <= set(KINDS)
        assert all(a.end == b.start for a, b in zip(spells, spells[1:]))
        assert values(make_breather(name, 5), 0, 60) == values(make_breather(name, 5), 0, 60)
    assert values(make_breather("holds", 1), 0, 60) != values(make_breather("holds", 2), 0, 60)


def test_unknown_scenario_lists_the_names():
    with pytest.raises(ValueError, match="no scenario 'nap': expected one of demo, calm, shallow"):
        make_breather("nap")


def test_the_old_constructor_still_breathes_calmly():
    breather = SimulatedBreather(seed=3, rate_hz=RATE)
    assert breather.scenario.name == "calm"
    v = values(breather, 0, 120)
    assert 0.2 < max(v) - min(v) < 0.5


def test_the_breather_follows_its_timeline():
    breather = make_breather("holds", 4)
    seen = []
    for n in range(int(600 * RATE)):
        breather.read(n / RATE)
        if not seen or seen[-1] != breather.spell:
            seen.append(breather.spell)
    assert seen == breather.timeline(600)


def test_a_held_chest_moves_as_real_ones_do_but_never_like_breathing():
    """It sags, settles and drifts (hw/held_chest.py): less than a breath, and slower."""
    for seed in range(6):
        for hold in spells_of("holds", seed, "hold", 900)[:3]:
            held = values(make_breather("holds", seed), hold.start, hold.end)
            calm = values(make_breather("holds", seed), 5, 25)
            depth = max(calm) - min(calm)
            assert depth > 0.2
            assert 0.01 < max(held) - min(held) < depth
            two_s = 50  # samples at 25 Hz
            assert max(max(held[i : i + two_s]) - min(held[i : i + two_s]) for i in range(0, len(held) - two_s, 5)) < 0.85 * depth


def test_shallow_spells_are_shallower_and_faster():
    spell = spells_of("shallow", 0, "shallow", 600)[0]
    shallow = values(make_breather("shallow", 0), spell.start + 10, spell.end)
    calm = values(make_breather("shallow", 0), 5, spell.start)
    ratio = (max(shallow) - min(shallow)) / (max(calm) - min(calm))
    assert 0.2 < ratio < 0.6


def test_a_sigh_is_one_deep_breath():
    spell = spells_of("sighs", 0, "sigh", 600)[0]
    v = values(make_breather("sighs", 0), spell.start - 30, spell.end + 10)
    before = v[: 25 * 25]
    assert max(v) - min(v) > 1.8 * (max(before) - min(before))


def test_talking_inhales_quickly_and_exhales_long():
    breather = make_breather("talking", 2)
    shares = []
    for n in range(int(600 * RATE)):
        breather.read(n / RATE)
        if breather.spell.kind == "talk":
            shares.append(breather._cycle_share)
    assert statistics.mean(shares) < 0.25


def test_strap_off_reads_the_top_rail_and_a_loose_strap_a_tiny_signal():
    off = spells_of("strap-off", 0, "off", 900)[0]
    loose = spells_of("strap-off", 0, "loose", 900)[0]
    breather = make_breather("strap-off", 0, supply_v=3.3)
    v = values(breather, 0, loose.end)
    at_rail = v[int(off.start * RATE) + 1 : int(off.end * RATE)]
    assert all(3.298 < x <= 3.3 for x in at_rail)
    slack = v[int(loose.start * RATE) + 250 : int(loose.start * RATE) + 500]  # 10 s, once the cord has relaxed
    worn = v[int(loose.start * RATE) - 300 : int(loose.start * RATE) - 50]
    assert max(slack) - min(slack) < 0.3 * (max(worn) - min(worn))
    guard = RailGuard(make_breather("strap-off", 0), Rails(0.0, 3.3, 0.02))
    samples = [guard.read(n / RATE) for n in range(int(off.end * RATE))]
    assert {s.fault for s in samples if off.start + 0.6 <= s.t < off.end} == {"saturated"}
    assert {s.fault for s in samples if s.t < off.start} == {None}


def test_motion_and_adjustment_move_the_baseline_far_more_than_breathing():
    spell = spells_of("motion", 1, "motion", 600)[0]
    v = values(make_breather("motion", 1), spell.start, spell.end)
    assert max(v) - min(v) > 0.3
    adjust = spells_of("strap-off", 1, "adjust", 900)[0]
    breather = make_breather("strap-off", 1)
    values(breather, 0, adjust.end + 1)
    assert breather._sensitivity != 1.0 and breather._offset != 0.0


def test_workday_is_a_mixed_eight_hours():
    spells = timeline("workday", 0, 8 * 3600)
    kinds = {s.kind for s in spells}
    assert {"calm", "hold", "recover", "shallow", "talk", "adjust", "loose"} <= kinds
    holds = [s.end - s.start for s in spells if s.kind == "hold"]
    assert len(holds) > 20 and min(holds) < 10 <= max(holds) <= 40
    assert sum(h < 10 for h in holds) > 2  # some too short to be called
    loose = [s for s in spells if s.kind == "loose"]
    assert len(loose) == 1 and 240 <= loose[0].end - loose[0].start <= 480 and 5 * 3600 <= loose[0].start <= 6 * 3600
    assert spells[spells.index(loose[0]) + 1].kind == "adjust"  # tightened again
    assert [s.kind for s in spells if s.start < 5 * 3600].count("adjust") == 1
    assert sum(s.end - s.start for s in spells if s.kind == "talk") > 600


# --- the demo, through the daemon ------------------------------------------------------------


def test_demo_shows_a_cued_hold_and_a_shallow_spell_in_the_first_two_minutes(default_config, vclock):
    spells = timeline("demo", 0, 120)
    assert [s.kind for s in spells][:5] == ["calm", "hold", "recover", "calm", "shallow"]
    hold, shallow = spells[1], spells[4]
    assert hold.start == 30.0 and hold.end - hold.start == 20.0
    assert shallow.end - shallow.start == 40.0 and shallow.end <= 120.0
    parts = select.build(default_config, force_sim=True, scenario="demo")
    out = io.StringIO()
    eager = dataclasses.replace(default_config, cues=dataclasses.replace(default_config.cues, hold_nudge_seconds=0.0))  # as demo.toml
    daemon = Daemon(eager, vclock, parts.sensor, parts.ring, [EventWriter(out)], seconds=140)
    daemon.run()
    parts.close()
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    first = {}
    for e in events:
        first.setdefault(e["event"], e)
    assert 29 <= first["hold_start"]["start"] <= 32 and first["hold_start"]["t"] < 45
    assert first["cue_start"]["reason"] == "hold"
    assert 75 <= first["shallow_start"]["start"] <= 85 and first["shallow_start"]["t"] < 120
    assert "signal_lost" not in first


def test_faults_in_the_strap_off_scenario_are_never_holds(default_config):
    breather = make_breather("strap-off", 0)
    guard = RailGuard(breather, Rails.of(default_config.sensor))
    detector = BreathDetector(default_config.detector, RATE)
    off = spells_of("strap-off", 0, "off", 900)
    events = []
    for n in range(int(900 * RATE)):
        events += detector.update(guard.read(n / RATE))
    lost = [e for e in events if e.name == "signal_lost" and e.get("reason") == "saturated"]
    assert len(lost) == len(off)
    for spell, e in zip(off, lost):
        assert spell.start < e.t <= spell.start + 1.0
    for spell in off:
        assert not [e for e in events if e.name == "hold_start" and spell.start <= e.t <= spell.end]


def test_a_breather_told_to_follow_breathes_with_the_light_a_little_behind_it():
    """The lead is a 10 s breath (volume 0-1); the chest tracks it 0.3-0.8 s (give or take 0.3 s) late."""
    b = SimulatedBreather(seed=4, rate_hz=RATE, scenario="holds")  # its own plan holds the breath: the session wins

    def lead(t: float) -> float:
        return 0.5 - 0.5 * math.cos(2 * math.pi * (t - 30.0) / 10.0) if t >= 30.0 else 0.0

    for n in range(int(30 * RATE)):
        b.read(n / RATE)
    b.follow(lead)
    times = [n / RATE for n in range(int(30 * RATE), int(90 * RATE))]
    chest = [b.read(t).value for t in times]
    for cycle in range(1, 6):  # each inhale passes half-way shortly after the light's does
        light_mid = 30.0 + 10.0 * cycle + 2.5
        cycle_values = [v for v, t in zip(chest, times) if light_mid - 2.5 <= t < light_mid + 7.5]
        mid = 0.5 * (max(cycle_values) + min(cycle_values))
        chest_mid = next(t for v, t in zip(chest, times) if t >= light_mid - 2.0 and v >= mid)
        assert 0.0 <= chest_mid - light_mid <= 1.2
    swing = max(chest[-250:]) - min(chest[-250:])
    assert 0.25 < swing < 0.5  # deeper than the person's own 0.25 V breaths: a slow paced breath
    b.follow(None)  # the session is over: their own breathing takes up again from empty lungs, no jump
    after = [b.read(90.0 + n / RATE).value for n in range(1, 30 * int(RATE))]
    assert abs(after[0] - chest[-1]) < 0.05
    assert max(after) - min(after) > 0.15
