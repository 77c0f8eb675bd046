"""The nudge policy's events as docs/formats.md lists them, and its edges: each one a user (or a report) sees.

What `make mutate` found no test for (docs/testing.md): the exact fields of
cue_level, cue_end, cue_learnt, snooze and do_not_disturb; the moment a
snooze, a do-not-disturb, an escalation or a timeout runs out; why a spell
that never got a nudge was held back; and the arithmetic of the rapid cue's
closed loop.
"""

from __future__ import annotations

from dataclasses import replace

from breathcue.config import CuesConfig
from breathcue.core import cues
from breathcue.core.cues import CueState, Inputs

from .test_cues import CFG, OPEN, Run, ev


def fields(event):
    return (event.name, event.t, dict(event.fields))


# --- the events' fields -------------------------------------------------------------------


def test_cue_level_says_the_hold_cue_turned_bright_at_exactly_escalate_seconds():
    r = Run().until(20, [ev("hold_start", 20, start=10)]).until(40)
    assert fields(next(e for e in r.out if e.name == "cue_level")) == ("cue_level", 35.0, {"reason": "hold", "level": 2})


def test_a_shallow_cue_times_out_at_exactly_shallow_cue_seconds():
    r = Run().until(10, [ev("shallow_start", 10)]).until(80)
    end = next(e for e in r.out if e.name == "cue_end")
    assert (end.t, end.get("outcome"), end.get("duration"), end.get("started")) == (70.0, "timeout", 60.0, 10.0)


def test_cue_start_gives_the_pace_to_two_decimals():
    r = Run(inputs=Inputs(rate_bpm=13.3333)).until(10, [ev("shallow_start", 10)])
    assert fields(r.out[-1]) == ("cue_start", 10.0, {"reason": "shallow", "level": 1, "bpm": 13.33})


def test_a_rapid_cue_end_reports_its_rates_to_two_decimals():
    r = Run(inputs=Inputs(rate_bpm=24.12345)).until(10, [ev("rapid_start", 10)])
    r.until(14, [ev("breath", 14, onset=10.5, end=14.0)])  # a 3.5 s breath: 17.142857... a minute
    r.until(300)
    end = next(e for e in r.out if e.name == "cue_end")
    user = 0.5 * (24.12345 + 60.0 / 3.5)
    paced = max(user * 0.85, 24.12345 * 0.9)
    assert fields(end) == ("cue_end", 190.0, {
        "reason": "rapid", "started": 10.0, "duration": 180.0, "level": 1, "outcome": "timeout",
        "start_bpm": 24.12, "end_bpm": round(paced, 2), "user_bpm": round(user, 2),
    })


def test_snooze_and_do_not_disturb_events_say_until_when():
    state, out = cues.snooze(CueState(), 12.5, 30)
    assert [fields(e) for e in out] == [("snooze", 12.5, {"minutes": 30, "until": 1812.5})]
    state, out = cues.do_not_disturb(CueState(), 12.5, 60)
    assert [fields(e) for e in out] == [("do_not_disturb", 12.5, {"minutes": 60, "until": 3612.5})]


def test_cue_learnt_counts_the_dismissals_of_that_kind_today():
    day = Inputs(rate_bpm=12.0, day=1)
    r = Run(replace(CFG, cooldown_seconds=0), day).until(10, [ev("shallow_start", 10)])
    r.state, out = cues.cancel(r.state, 12.0)
    assert fields(out[0]) == ("cue_learnt", 12.0, {"reason": "shallow", "dismissed": 1})
    r.until(20, [ev("shallow_end", 20)]).until(30, [ev("shallow_start", 30)])
    r.state, out = cues.snooze(r.state, 31.0, 5)
    assert fields(out[0]) == ("cue_learnt", 31.0, {"reason": "shallow", "dismissed": 2})


def test_a_cancel_soon_after_a_nudge_that_did_not_help_is_learnt_too():
    r = Run(inputs=Inputs(rate_bpm=12.0, day=1)).until(10, [ev("shallow_start", 10)]).until(80)  # timed out at 70
    r.state, out = cues.cancel(r.state, 100.0)  # 30 s later: the user did not want it
    assert [fields(e) for e in out] == [("cue_learnt", 100.0, {"reason": "shallow", "dismissed": 1})]


def test_signal_lost_reports_each_spell_that_was_held_back():
    r = Run(replace(CFG, shallow_nudge_seconds=60)).until(10, [ev("shallow_start", 10, start=5)])
    r.until(12, [ev("signal_lost", 12, reason="flat")])
    assert [fields(e) for e in r.out] == [("cue_skipped", 12.0, {"reason": "shallow", "why": "signal_lost"})]


# --- why a spell went without a nudge ----------------------------------------------------------


def test_a_spell_too_short_for_a_nudge_is_short_even_within_the_cooldown():
    config = replace(CFG, shallow_nudge_seconds=60, cooldown_seconds=600)
    r = Run(config).until(10, [ev("rapid_start", 10)]).until(20, [ev("shallow_start", 20, start=20)])
    r.until(40, [ev("shallow_end", 40)])  # 20 s of shallow breathing: it ended on its own
    assert [e.get("why") for e in r.out if e.name == "cue_skipped"] == ["short"]


def test_a_spell_in_quiet_hours_is_held_back_by_them_even_before_it_is_due():
    config = replace(CFG, shallow_nudge_seconds=60)
    quiet = Inputs(blocked="quiet_hours", rate_bpm=12.0)
    r = Run(config, quiet).until(20, [ev("shallow_start", 20, start=20)]).until(40, [ev("shallow_end", 40)])
    assert [e.get("why") for e in r.out if e.name == "cue_skipped"] == ["quiet_hours"]


def test_a_spell_while_a_weightier_cue_shows_is_held_back_by_it():
    r = Run(replace(CFG, cooldown_seconds=0)).until(10, [ev("hold_start", 10)]).until(12, [ev("shallow_start", 12)])
    assert r.state.cue.reason == "hold"
    r.until(20, [ev("shallow_end", 20)])
    assert [(e.get("reason"), e.get("why")) for e in r.out if e.name == "cue_skipped"] == [("shallow", "another_nudge")]


def test_a_new_spell_of_the_kind_on_show_does_not_replace_its_cue():
    r = Run().until(10, [ev("shallow_start", 10)]).until(20, [ev("shallow_start", 20)]).until(21)
    assert [e.name for e in r.out] == ["cue_start"] and r.state.cue.started == 10


# --- the edges of snoozes, do-not-disturb, cooldowns and budgets ---------------------------------


def test_a_snooze_lets_a_nudge_through_the_moment_it_runs_out():
    state, _ = cues.snooze(CueState(), 0.0, 1)
    assert cues.why_not(state, 59.9, OPEN, CFG) == "snoozed" and cues.why_not(state, 60.0, OPEN, CFG) is None
    state, _ = cues.do_not_disturb(CueState(), 0.0, 1)
    assert cues.why_not(state, 59.9, OPEN, CFG) == "do_not_disturb" and cues.why_not(state, 60.0, OPEN, CFG) is None


def test_a_nudge_an_hour_ago_no_longer_counts_toward_the_hourly_limit():
    config = replace(CFG, max_per_hour=1, cooldown_seconds=0)
    state = CueState(starts=(100.0,))
    assert cues.why_not(state, 3699.9, OPEN, config) == "hourly_limit" and cues.why_not(state, 3700.0, OPEN, config) is None


def test_the_hourly_limit_holds_after_the_first_hour_too():
    config = replace(CFG, max_per_hour=2, cooldown_seconds=0)
    r = Run(config).until(4000)
    for t in (4000, 4100, 4200):
        r.until(t, [ev("shallow_start", t)]).until(t + 5, [ev("shallow_end", t + 5)])
    assert [e.t for e in r.out if e.name == "cue_start"] == [4000, 4100]
    assert [e.get("why") for e in r.out if e.name == "cue_skipped"] == ["hourly_limit"]


def test_a_nudge_inside_the_cooldown_waits():
    r = Run(replace(CFG, cooldown_seconds=120)).until(10, [ev("shallow_start", 10)]).until(15, [ev("shallow_end", 15)])
    r.until(100, [ev("shallow_start", 100)]).until(105, [ev("shallow_end", 105)])
    assert [(e.name, e.get("why")) for e in r.out if e.name in ("cue_start", "cue_skipped")] == [("cue_start", None), ("cue_skipped", "cooldown")]


def test_the_daily_budget_starts_afresh_on_a_new_day_even_before_the_policy_steps():
    config = CuesConfig(max_per_day=1)
    spent = CueState(day=1, today=1)
    assert cues.why_not(spent, 0.0, Inputs(day=1), config) == "daily_limit"
    assert cues.why_not(spent, 0.0, Inputs(day=None), config) == "daily_limit"
    assert cues.why_not(spent, 0.0, Inputs(day=2), config, "hold") is None


def test_the_cooldown_doubles_with_each_dismissal_and_is_plain_for_any_other_kind():
    config = replace(CFG, cooldown_seconds=0)
    assert cues.cooldown(CueState(dismissed=("shallow",)), "shallow", config) == 2.0  # at least a second, doubled
    config = replace(CFG, cooldown_seconds=100)
    three = CueState(dismissed=("shallow",) * 3)
    assert cues.cooldown(three, "shallow", config) == 800.0
    assert cues.cooldown(three, None, config) == 100.0 and cues.cooldown(CueState(), "hold", config) == 0.0


# --- what ends the recovery breaths ---------------------------------------------------------------


def recovering(config: CuesConfig = CFG) -> Run:
    r = Run(config).until(10, [ev("hold_start", 10)]).until(20, [ev("hold_end", 20)])
    assert r.state.recovery is not None and r.state.recovery.started == 20
    return r


def test_a_snooze_a_cancel_a_do_not_disturb_or_a_lost_signal_end_the_recovery_breaths():
    for end in (lambda s: cues.snooze(s, 21.0, 5)[0], lambda s: cues.cancel(s, 21.0)[0],
                lambda s: cues.do_not_disturb(s, 21.0, 5)[0]):
        assert end(recovering().state).recovery is None
    r = recovering().until(21, [ev("signal_lost", 21)])
    assert r.state.recovery is None


def test_a_new_nudge_ends_the_recovery_breaths():
    r = recovering(replace(CFG, cooldown_seconds=0)).until(21, [ev("rapid_start", 21)])
    assert r.state.cue.reason == "rapid" and r.state.recovery is None


def test_the_recovery_breaths_end_on_time_and_one_breath_is_enough():
    r = recovering()
    r.until(37.0)  # 2 s of fade and three breaths at 12 a minute: 20 + 2 + 15
    assert r.state.recovery is None
    r = Run(replace(CFG, recovery_breaths=1)).until(10, [ev("hold_start", 10)]).until(20, [ev("hold_end", 20)])
    assert r.state.recovery is not None and r.state.recovery.ends == 27.0


# --- the rapid cue's closed loop -----------------------------------------------------------------------


def rapid(bpm: float) -> Run:
    return Run(inputs=Inputs(rate_bpm=bpm)).until(10, [ev("rapid_start", 10)])


def test_each_breath_moves_the_rapid_pacer_by_the_average_of_the_last_two_rates():
    r = rapid(24.0).until(14, [ev("breath", 14, onset=10.0, end=14.0)])  # 15 a minute
    cue = r.state.cue
    assert cue.user_bpm == 19.5  # (24 + 15) / 2
    assert abs(cue.pacer.bpm - 21.6) < 1e-9  # at most 10 % slower a breath (want: 19.5 * 0.85)
    r.until(17, [ev("breath", 17, onset=14.0, end=17.0)])  # 20 a minute
    assert r.state.cue.user_bpm == 19.75 and abs(r.state.cue.pacer.bpm - 21.6 * 0.9) < 1e-9  # 10 % a breath again


def test_the_rapid_pacer_speeds_up_at_most_10_percent_a_breath():
    r = rapid(24.0)
    r.state = replace(r.state, cue=replace(r.state.cue, pacer=cues.Pacer(10.0, 10.0), user_bpm=10.0))
    r.until(12, [ev("breath", 12, onset=10.0, end=12.0)])  # 30 a minute: the user is far ahead
    assert abs(r.state.cue.pacer.bpm - 11.0) < 1e-9


def test_breaths_without_a_usable_onset_and_end_leave_the_rapid_pacer_alone():
    r = rapid(24.0)
    before = r.state.cue
    for breath in (ev("breath", 12, end=12.0), ev("breath", 12, onset=11.0), ev("breath", 12, onset=12.0, end=11.0),
                   ev("breath", 12, onset=12.0, end=12.0), ev("breath", 12, onset=9.9, end=12.0)):
        r.until(12, [breath])
        assert r.state.cue == before, breath
    r.until(14, [ev("breath", 14, onset=10.0, end=14.0)])  # a breath from the cue's start counts
    assert r.state.cue.user_bpm == 19.5


def test_the_rapid_cue_ends_after_two_breaths_near_the_target_not_three():
    r = rapid(6.5)  # the pacer starts 8 % above the 6 a minute target
    t = 10.0
    for _ in range(2):
        r.until(t + 9.3, [ev("breath", t + 9.3, onset=t, end=t + 9.3)])  # 6.45 a minute: near the target
        t += 9.3
    assert [e.get("outcome") for e in r.out if e.name == "cue_end"] == ["slowed"]


def test_a_user_still_well_above_the_target_keeps_the_rapid_cue_going():
    r = rapid(6.0)  # the pacer is at the target from the start
    t = 10.0
    for _ in range(5):
        r.until(t + 6.0, [ev("breath", t + 6.0, onset=t, end=t + 6.0)])  # 10 a minute: not near 6
        t += 6.0
    assert r.state.cue is not None and r.state.cue.near_target == 0


def test_a_hold_that_began_in_a_paced_session_is_the_exercise_and_is_not_nudged_after_it():
    session = Inputs(blocked="session", rate_bpm=12.0)
    r = Run(CFG, session).until(20, [ev("hold_start", 20, start=13)])  # 4-7-8: the exercise holds the breath
    r.until(25, inputs=Inputs(rate_bpm=12.0))  # the session ended with the breath still held
    r.until(26, [ev("hold_end", 26, start=13, end=25.5, duration=12.5)])
    assert [n for n in r.names() if n[0] == "cue_start"] == []
    assert [e.get("why") for e in r.out if e.name == "cue_skipped"] == ["session"]
    r.until(100, [ev("hold_start", 100, start=90)])  # a hold of one's own after it is nudged as usual
    assert r.names()[-1] == ("cue_start", "hold", 1)
