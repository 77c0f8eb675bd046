"""The nudge policy (core/cues.py): what tests/test_cues.py left open, found by `make mutate` (docs/testing.md).

Lifting a do-not-disturb alone, what ``why_not`` answers for a hold, a learnt
cooldown ending on the second and surviving a nudge of another kind between,
one nudge teaching once, a rapid cue ending "slowed" only once the user's own
rate came near the target, and a spell that comes back while its own cue
still shows.
"""

from __future__ import annotations

from dataclasses import replace

from breathcue.core import cues
from breathcue.core.cues import CueState
from tests.test_cues import CFG, OPEN, Run, ev


def test_lifting_a_do_not_disturb_leaves_a_snooze_in_place():
    state, _ = cues.snooze(CueState(), 10.0, 30)
    state, _ = cues.do_not_disturb(state, 20.0, 60)
    assert cues.why_not(state, 30.0, OPEN, CFG) == cues.DO_NOT_DISTURB
    lifted = cues.end_do_not_disturb(state)
    assert lifted.dnd_until is None and lifted.snoozed_until == state.snoozed_until
    assert cues.why_not(lifted, 30.0, OPEN, CFG) == cues.SNOOZED
    assert cues.why_not(lifted, 10.0 + 30 * 60.0, OPEN, CFG) is None


def test_asked_about_a_hold_why_not_answers_for_a_long_one_unless_told_otherwise():
    r = Run().until(20, [ev("shallow_start", 20, start=0)])  # a shallow nudge starts at 20 s
    assert r.out[-1].name == "cue_start"
    assert cues.why_not(r.state, 30.0, OPEN, CFG, "hold") is None  # a long hold waits for no cooldown
    assert cues.why_not(r.state, 30.0, OPEN, CFG, "hold", long_hold=False) == cues.COOLDOWN


def test_a_learnt_cooldown_ends_on_the_second():
    r = Run().until(20, [ev("shallow_start", 20, start=0)])
    r.state, out = cues.cancel(r.state, 25.0)  # cancelled at once: unwelcome, so shallow nudges wait 2 x 120 s
    assert [e.name for e in out] == ["cue_learnt", "cue_end"]
    assert cues.cooldown(r.state, "shallow", CFG) == 240.0
    assert cues.why_not(r.state, 259.9, OPEN, CFG, "shallow") == cues.LEARNT_COOLDOWN
    assert cues.why_not(r.state, 260.0, OPEN, CFG, "shallow") is None


def test_a_learnt_cooldown_holds_though_a_nudge_of_another_kind_came_between():
    r = Run().until(20, [ev("shallow_start", 20, start=0)])
    r.state, _ = cues.cancel(r.state, 25.0)
    r.until(30, [ev("shallow_end", 30)])
    r.until(260, [ev("shallow_start", 260, start=250)])
    r.state, _ = cues.cancel(r.state, 265.0)  # unwelcome twice: 480 s from 260 s
    r.until(270, [ev("shallow_end", 270)])
    r.until(400, [ev("rapid_start", 400, start=390)])  # a rapid nudge in between, at 400 s
    assert r.state.cue is not None and r.state.cue.reason == "rapid"
    r.state, _ = cues.cancel(r.state, 410.0, learn=False)
    r.out.clear()
    r.until(600, [ev("shallow_start", 600, start=590)])  # plain cooldown over, the learnt one (until 740 s) not
    r.until(700)
    assert not any(e.name == "cue_start" for e in r.out)
    assert cues.why_not(r.state, 700.0, OPEN, CFG, "shallow") == cues.LEARNT_COOLDOWN
    r.until(740.2)
    assert [(e.name, e.t) for e in r.out if e.name == "cue_start"] == [("cue_start", 740.0)]


def test_one_nudge_teaches_once_however_often_it_is_dismissed():
    r = Run().until(20, [ev("shallow_start", 20, start=0)])
    r.state, first = cues.cancel(r.state, 25.0)
    r.state, second = cues.snooze(r.state, 30.0, 10)  # soon after, the same nudge: nothing more to learn
    assert [e.name for e in first].count("cue_learnt") == 1
    assert [e.name for e in second] == ["snooze"]
    assert r.state.dismissed == ("shallow",) and cues.cooldown(r.state, "shallow", CFG) == 240.0


def breaths_at(bpm: float, start: float, n: int) -> list:
    """n breath events at ``bpm``, the first beginning at ``start``."""
    period = 60.0 / bpm
    return [ev("breath", start + (k + 1) * period, onset=start + k * period, end=start + (k + 1) * period) for k in range(n)]


def test_a_rapid_cue_ends_slowed_only_once_the_user_breathes_near_the_target():
    # target 10 a minute: at 11.7 the pacer settles on the target (85 % of 11.7 is under 10), but the user
    # is 17 % over it, past the 15 % that counts as near: the cue runs on to its timeout
    config = replace(CFG, target_bpm=10.0, rapid_cue_seconds=120.0)
    r = Run(config, replace(OPEN, rate_bpm=11.7)).until(20, [ev("rapid_start", 20, start=10)])
    for breath in breaths_at(11.7, 20.0, 20):
        r.until(breath.t, [breath])
    assert r.state.cue is not None and r.state.cue.pacer.bpm == 10.0
    r.until(141)
    assert [e.get("outcome") for e in r.out if e.name == "cue_end"] == ["timeout"]
    # at 11.4 (14 % over) it is near: two such breaths at the target end it slowed
    r = Run(config, replace(OPEN, rate_bpm=11.4)).until(20, [ev("rapid_start", 20, start=10)])
    for breath in breaths_at(11.4, 20.0, 20):
        r.until(breath.t, [breath])
    assert [e.get("outcome") for e in r.out if e.name == "cue_end"] == ["slowed"]


def test_a_spell_back_while_its_own_cue_shows_keeps_that_cue():
    # rapid breathing ends at 30 s and comes back at 150 s, past the 120 s cooldown, while its cue still shows;
    # a shallow spell then too young for a nudge ends before it is due
    config = replace(CFG, shallow_nudge_seconds=60, rapid_cue_seconds=180.0)
    r = Run(config, replace(OPEN, rate_bpm=20.0)).until(20, [ev("rapid_start", 20, start=10)])
    r.until(30, [ev("rapid_end", 30)])
    r.until(140, [ev("shallow_start", 140, start=140)])
    r.until(150, [ev("rapid_start", 150, start=145)])
    r.until(160, [ev("shallow_end", 160)])
    r.until(170, [ev("rapid_end", 170)])
    assert [e.name for e in r.out].count("cue_start") == 1 and not any(e.name == "cue_end" for e in r.out)
    skipped = {e.get("reason"): e.get("why") for e in r.out if e.name == "cue_skipped"}
    assert skipped == {"shallow": cues.SHORT, "rapid": cues.BUSY}
