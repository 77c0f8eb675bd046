"""The daemon's commands as the user sees them: the session or cue they end, the blink that answers, the log line.

Found by `make mutate` on app.py's wiring (docs/testing.md). Each test runs
the daemon on the virtual clock for a minute or two with commands scripted
as the button, the dashboard or MQTT would send them, and asserts the
events, the ring's frames (docs/user-guide.md's blinks), the status and
the journal.
"""

from __future__ import annotations

import io
import json
import logging
from datetime import datetime

import pytest

from breathcue.app import Daemon, EventWriter
from breathcue.clock import VirtualClock
from breathcue.core.detector import Baseline
from breathcue.core.pacing import PacedSession, pattern_by_name
from breathcue.core.relaxation import NAME as RELAXATION
from breathcue.core.types import Sample
from breathcue.hw.sim import RecordingRing, SimulatedBreather

from .daemon_helpers import UTC, Script, Statuses, WithHolds, config, frame_at, run

EAGER = "[cues]\nhold_nudge_seconds = 0\n"  # a hold nudged as soon as the detector reports it


def hue(pixel: tuple[int, int, int]) -> str:
    r, g, b = pixel
    if min(pixel) > 0.8 * max(pixel):
        return "white"
    if b > r > g:
        return "violet"
    if g > b > r:
        return "green"
    return "other"


def blinks(ring, t0: float, seconds: float) -> list[str]:
    """The blinks over the whole ring from ``t0`` for ``seconds``: the hue of each, at its brightest."""
    seen: list[str] = []
    brightest = None
    for k in range(int(round(seconds * 10)) + 1):
        frame = frame_at(ring, t0 + k / 10)
        pixel = frame[0]
        if min(max(p) for p in frame) >= 40 and {hue(p) for p in frame} == {hue(pixel)}:
            brightest = pixel if brightest is None or max(pixel) > max(brightest) else brightest
        elif brightest is not None:
            seen.append(hue(brightest))
            brightest = None
    return seen + ([hue(brightest)] if brightest is not None else [])


def first(events: list[dict], name: str) -> dict:
    return next(e for e in events if e["event"] == name)


# --- commands that end a session ------------------------------------------------------------


def test_cancel_ends_the_session_as_cancelled_and_blinks_white_once():
    script = [(10.0, "start_session", {"pattern": "box", "minutes": 2}), (30.0, "cancel", {})]
    events, ring, daemon, _ = run(config(), 40, script=script)
    start, end = first(events, "session_start"), first(events, "session_end")
    assert abs(60.0 * start["minutes"] - 120.0) <= 16.0  # the 2 minutes asked for, to whole 16 s breaths
    assert blinks(ring, start["t"], 0.8) == ["green"]  # a session starts: green once
    assert (end["outcome"], end["t"]) == ("cancelled", pytest.approx(30.1))
    assert end["duration"] == pytest.approx(20.0)
    assert blinks(ring, end["t"], 0.6) == ["white"]
    assert daemon.session is None


def test_do_not_disturb_ends_the_session_blinks_violet_three_times_and_takes_up_to_720_minutes(caplog):
    script = [(10.0, "start_session", {}), (30.0, "do_not_disturb", {"minutes": 720}), (40.0, "do_not_disturb", {"minutes": 721})]
    with caplog.at_level(logging.WARNING, logger="breathcue.app"):
        events, ring, _, statuses = run(config(), 45, script=script)
    end = first(events, "session_end")
    assert (end["outcome"], end["t"]) == ("cancelled", pytest.approx(30.1))
    assert [e["minutes"] for e in events if e["event"] == "do_not_disturb"] == [720.0]  # MAX_DND_MINUTES itself is taken
    assert blinks(ring, end["t"], 1.8) == ["violet"] * 3
    said = [r.getMessage() for r in caplog.records if r.name == "breathcue.app"]
    assert "do_not_disturb for 721.0 minutes ignored: expected 0 (to end it) to 720" in said
    assert statuses[-1]["nudges"]["do_not_disturb_until"] == "2026-11-24T22:00:30+00:00"


def test_pause_ends_a_cue_without_teaching_the_policy_and_ends_a_session():
    events, ring, _, _ = run(config(EAGER), 70, holds=[(30, 60)], script=[(50.0, "pause", {})])
    cue_end, pause = first(events, "cue_end"), first(events, "pause")
    assert (cue_end["outcome"], cue_end["t"]) == ("cancelled", pause["t"])
    assert "cue_learnt" not in [e["event"] for e in events]  # a pause is about the moment, not the nudge
    assert blinks(ring, pause["t"], 1.8) == ["violet"] * 3
    events, _, _, _ = run(config(), 40, script=[(10.0, "start_session", {}), (30.0, "pause", {})])
    end = first(events, "session_end")
    assert (end["outcome"], end["t"]) == ("cancelled", first(events, "pause")["t"])


def test_cancel_of_a_cue_soon_after_it_showed_teaches_the_policy():
    events, _, _, _ = run(config(EAGER), 70, holds=[(30, 60)], script=[(50.0, "cancel", {})])
    assert first(events, "cue_end")["outcome"] == "cancelled" and first(events, "cue_learnt")["reason"] == "hold"


def test_pause_with_no_working_day_ahead_lasts_until_resumed():
    events, ring, _, statuses = run(config("[schedule]\nworkdays = []\n"), 30, script=[(10.0, "pause", {}), (20.0, "resume", {})])
    pause, resume = first(events, "pause"), first(events, "resume")
    assert pause["until"] is None
    assert blinks(ring, resume["t"], 1.0) == ["green", "green"]
    assert statuses[-1]["nudges"]["paused_until"] is None


# --- what is refused, and said so -----------------------------------------------------------


def test_an_unknown_button_press_is_logged_and_does_nothing(caplog):
    with caplog.at_level(logging.WARNING, logger="breathcue.app"):
        events, _, _, _ = run(config(), 15, script=[(10.0, "button", {"press": "quadruple"})])
    assert "unknown button press 'quadruple' ignored" in [r.getMessage() for r in caplog.records]
    assert [e["event"] for e in events if e["event"] in ("button", "snooze", "session_start", "pause")] == []


def test_no_session_starts_while_a_calibration_runs(caplog):
    script = [(5.0, "calibrate", {"seconds": 30.0}), (10.0, "start_session", {}), (12.0, "button", {"press": "long"})]
    with caplog.at_level(logging.INFO, logger="breathcue.app"):
        events, _, _, _ = run(config(), 15, script=script)
    said = [r.getMessage() for r in caplog.records if r.name == "breathcue.app"]
    assert said.count("no session now: a calibration is running") == 2
    assert "session_start" not in [e["event"] for e in events]


def test_a_pattern_of_ones_own_can_be_started_by_name():
    cfg = config("[patterns.slow]\ninhale = 5.0\nexhale = 7.0\n")
    events, _, _, _ = run(cfg, 20, script=[(5.0, "start_session", {"pattern": "slow", "minutes": 1})])
    start = first(events, "session_start")
    assert start["pattern"] == "slow" and abs(60.0 * start["minutes"] - 60.0) <= 12.0  # to whole 12 s breaths


def test_a_session_ends_when_its_minutes_are_up_not_a_frame_later():
    events, _, _, _ = run(config(), 80, script=[(5.0, "start_session", {"pattern": "box", "minutes": 1})])
    start, end = first(events, "session_start"), first(events, "session_end")
    assert end["outcome"] == "completed"
    assert end["duration"] == pytest.approx(64.0, abs=0.01)  # four whole 16 s box breaths


# --- reload -------------------------------------------------------------------------------------


def test_reload_says_which_settings_wait_for_a_restart_and_when_the_config_was_loaded(caplog):
    new = config('[ring]\npixels = 60\nbrightness = 0.2\n[sensor]\nsample_rate_hz = 20.0\n')
    with caplog.at_level(logging.INFO, logger="breathcue.app"):
        events, ring, _, statuses = run(config(), 20, script=[(5.0, "reload", {})], reload=lambda: (new, "c.toml"))
    said = [r.getMessage() for r in caplog.records if r.name == "breathcue.app"]
    assert "ring.pixels, sensor take effect after a restart" in said
    assert first(events, "config_reloaded")["after_restart"] == ["ring.pixels", "sensor"]
    assert statuses[0]["config"]["loaded"] == "2026-11-24T10:00:00+00:00"
    assert statuses[-1]["config"]["loaded"] == "2026-11-24T10:00:05+00:00"  # when it was reloaded
    _, as_before, _, _ = run(config(), 20)
    dimmed, kept = (sum(map(sum, frame_at(r, 19.0))) for r in (ring, as_before))
    assert 0 < dimmed < 0.8 * kept  # the new brightness shows at once


def test_reloaded_detector_settings_keep_the_polarity_a_session_showed(caplog):
    """The detector starts afresh with the new settings, but what a session showed about the strap stays."""
    new = config("[detector]\nhold_seconds = 12.0\n")
    script = [(5.0, "start_session", {"pattern": "resonance", "minutes": 2}), (150.0, "reload", {})]
    with caplog.at_level(logging.INFO, logger="breathcue.app"):
        events, _, daemon, statuses = run(config(), 160, script=script, reload=lambda: (new, "new.toml"), follow=True,
                                          baseline=Baseline(0.25, 11.0, "inverted"))  # wrong: the simulated strap rises
    assert first(events, "polarity")["polarity"] == "normal"  # the session showed it
    assert "detector settings changed: the detector starts afresh, keeping the baseline" in [r.getMessage() for r in caplog.records]
    assert daemon.detector.polarity == "normal"  # not the baseline's wrong one


def test_after_a_session_the_simulated_user_breathes_at_their_own_pace_again():
    events, _, _, statuses = run(config(), 200, script=[(5.0, "start_session", {"pattern": "resonance", "minutes": 1})], follow=True)
    end = first(events, "session_end")
    assert end["in_pace"] is not None and end["in_pace"] > 0.5  # followed the light
    late = [s["rate_bpm"] for s in statuses if s["t"] > end["t"] + 60 and s["rate_bpm"] is not None]
    assert late and min(late) > 8.0  # back to their own ~11 a minute, not the session's 5.5


def test_a_relaxation_session_is_followed_from_where_it_began():
    script = [(40.0, "start_session", {"pattern": RELAXATION, "minutes": 1})]
    events, _, _, statuses = run(config(), 120, script=script, follow=True)
    end = first(events, "session_end")
    assert end["pattern"] == RELAXATION and end["breaths"] >= 3 and end["in_pace"] >= 0.75
    during = [s["session"] for s in statuses if s["session"]]
    assert during and all(s["following"] is None for s in during)  # no breathing guide to follow: tense, hold, let go


# --- starting a session ---------------------------------------------------------------------------


def test_a_session_started_over_another_replaces_it_and_the_card_says_what_ran():
    script = [(40.0, "start_session", {"pattern": "box", "minutes": 1}), (50.0, "start_session", {"pattern": "coherent", "minutes": 1})]
    events, _, _, _ = run(config(), 55, script=script)
    ends = [e for e in events if e["event"] == "session_end"]
    assert [(e["pattern"], e["outcome"], e["scheduled"]) for e in ends] == [("box", "replaced", None), ("coherent", "stopped", None)]
    assert ends[0]["t"] == pytest.approx(50.1) and ends[0]["duration"] == pytest.approx(10.0)
    assert ends[0]["rate_before_bpm"] is not None  # the user's rate when it began, 40 s into breathing
    assert [e["pattern"] for e in events if e["event"] == "session_start"] == ["box", "coherent"]


def test_a_scheduled_session_is_drawn_in_the_configured_style_and_its_card_names_its_time():
    cfg = config('[pacing]\nstyle = "fill"\n[[session]]\nat = "10:00"\npattern = "box"\nminutes = 1\n')
    events, ring, _, _ = run(cfg, 70, script=[(30.0, "cancel", {})])
    end = first(events, "session_end")
    assert (end["scheduled"], end["outcome"]) == ("2026-11-24T10:00+00:00", "cancelled")
    half = frame_at(ring, first(events, "session_start")["t"] + 2.0)  # half way through the first 4 s inhale
    lit = [i for i, p in enumerate(half) if max(p) > 20]
    assert 0 < len(lit) < len(half)  # a fill: part of the ring, not a glow over all of it


@pytest.mark.parametrize("baseline, before, after", [(None, 0.0, 4.0), (Baseline(0.25, 11.0, "inverted"), 6.0, 7.0)])
def test_a_session_settles_an_unknown_polarity_within_four_breaths_but_overturns_a_known_one_only_after_six(baseline, before, after):
    """Box breathing teaches the detector nothing; the guide does (docs/detection.md)."""
    events, _, _, _ = run(config(), 5.0 + 16.0 * (after + 0.5), script=[(5.0, "start_session", {"pattern": "box", "minutes": 3})],
                          follow=True, baseline=baseline)
    start = first(events, "session_start")["t"]
    corrected = first(events, "polarity")
    assert corrected["polarity"] == "normal" and corrected["previous"] == (baseline and baseline.polarity)
    assert corrected["source"] == "session" and corrected["applied"] is True
    assert before * 16.0 <= corrected["t"] - start < after * 16.0  # box breaths of 16 s


def test_a_calibration_asked_of_the_daemon_is_followed_and_the_user_breathes_on_after_it():
    seen: list[dict] = []
    events, _, _, statuses = run(config(), 110, script=[(1.0, "calibrate", {"seconds": 30.0, "reply": seen.append})], follow=True)
    end = first(events, "calibration_end")
    assert (end["outcome"], end["polarity"]) == ("saved", "normal")  # the simulated user breathed with the guide
    assert seen[-1]["result"]["polarity"] == "normal"
    after = [s for s in statuses if s["t"] > end["t"] + 20]
    assert after and all(s["state"] == "breathing" for s in after)  # their own breathing again, not a still chest


def test_a_session_started_before_the_loop_runs_begins_at_the_clocks_now_as_pace_starts_it():
    out = io.StringIO()
    clock = VirtualClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC), t0=3.0)
    daemon = Daemon(config(), clock, SimulatedBreather(seed=1), RecordingRing(24), [EventWriter(out)], 40.0)
    daemon.start_session(PacedSession(pattern_by_name("box", {}), 0.5), name="box")  # as `breathcue pace` does
    daemon.exit_when_session_ends = True
    daemon.run()
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    start, end = first(events, "session_start"), first(events, "session_end")
    assert start["t"] == 3.0 and end["started"] == 3.0 and end["outcome"] == "completed"
    assert end["duration"] == pytest.approx(32.0, abs=0.11)  # two 16 s box breaths


def test_a_sessions_card_counts_the_breaths_begun_in_it_and_the_rate_it_began_at():
    out, statuses = io.StringIO(), Statuses()
    clock = VirtualClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    daemon = Daemon(config(), clock, SimulatedBreather(seed=6), RecordingRing(24), [EventWriter(out), statuses], 110.0)
    daemon.sinks.append(Script(daemon, [(40.0, "start_session", {"pattern": "box", "minutes": 1})]))
    daemon.run()
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    start, end = first(events, "session_start"), first(events, "session_end")
    begun = [e for e in events if e["event"] == "breath" and start["t"] <= e["onset"] and e["t"] <= end["t"]]
    assert end["breaths"] == len(begun) > 0  # not the breath already under way when it began
    rate = next(s["rate_bpm"] for s in statuses.seen if s["t"] == 40.0)
    assert round(end["rate_before_bpm"], 1) == end["rate_before_bpm"] and abs(end["rate_before_bpm"] - rate) <= 0.06
    around = [s["rate_bpm"] for s in statuses.seen if abs(s["t"] - end["t"]) <= 1.0]  # the rate when it ended
    assert round(end["rate_after_bpm"], 1) == end["rate_after_bpm"] and min(abs(end["rate_after_bpm"] - r) for r in around) <= 0.06


# --- what the cues are told ------------------------------------------------------------------------


def test_a_hold_cue_paces_at_the_users_calibrated_rate_not_the_one_measured_now():
    events, _, _, statuses = run(config(EAGER), 70, holds=[(40, 60)], baseline=Baseline(0.25, 8.0, "normal"))
    cue = first(events, "cue_start")
    measured = next(s["rate_bpm"] for s in statuses if s["t"] == 35.0)
    assert cue["reason"] == "hold" and abs(cue["bpm"] - 8.0) < 1.0 < measured - cue["bpm"]


def test_the_daily_budget_starts_afresh_at_midnight():
    cfg = config(EAGER + 'max_per_day = 3\n[schedule]\nworkdays = ["mon","tue","wed","thu","fri","sat","sun"]\n'
                 'working_hours = "00:00-23:59"\n')
    out = io.StringIO()
    clock = VirtualClock(datetime(2026, 11, 24, 23, 59, 30, tzinfo=UTC))
    sensor = WithHolds(SimulatedBreather(seed=2, rate_hz=25.0), holds=[(45, 65)])
    daemon = Daemon(cfg, clock, sensor, RecordingRing(24), [EventWriter(out)], 75.0)
    daemon.restore_nudges_today(3)  # yesterday's budget spent before a restart
    daemon.run()
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    assert first(events, "cue_start")["reason"] == "hold"  # at 00:00:15 or so: a new day's budget


def test_a_session_that_cannot_start_says_why_in_the_journal(caplog):
    with caplog.at_level(logging.WARNING, logger="breathcue.app"):
        events, _, _, _ = run(config(), 10, script=[(5.0, "start_session", {"pattern": "nonsense"})])
    said = [r.getMessage() for r in caplog.records if r.name == "breathcue.app"]
    assert [m for m in said if m.startswith("cannot start a session: unknown pattern 'nonsense': expected one of resonance, ")]
    assert "session_start" not in [e["event"] for e in events]


def test_no_nudge_comes_while_a_calibration_listens_and_the_record_says_why():
    events, _, _, _ = run(config(EAGER), 60, holds=[(25, 45)], script=[(1.0, "calibrate", {"seconds": 60.0})])
    assert "cue_start" not in [e["event"] for e in events]
    assert [(e["reason"], e["why"]) for e in events if e["event"] == "cue_skipped"] == [("hold", "calibrating")]


# --- the schedule each second, the session's figures, the end of a recording ------------------------


ALL_DAY = '[schedule]\nworkdays = ["mon","tue","wed","thu","fri","sat","sun"]\nworking_hours = "00:00-23:59"\n'


def test_a_pause_holds_back_nudges_and_ends_on_the_second_the_next_working_day_begins():
    events, _, _, statuses = run(config(EAGER + ALL_DAY), 100, start=datetime(2026, 11, 24, 23, 59, 0), holds=[(20, 40)],
                                 script=[(5.0, "pause", {})])
    assert first(events, "pause")["until"] == "2026-11-25T00:00+00:00"
    assert [(e["reason"], e["why"]) for e in events if e["event"] == "cue_skipped"] == [("hold", "paused")]
    assert "cue_start" not in [e["event"] for e in events]
    at = {s["t"]: s["nudges"]["paused_until"] for s in statuses}
    assert at[59.0] == "2026-11-25T00:00+00:00" and at[60.0] is None  # 00:00:00 on the dot


def test_a_session_without_an_end_has_no_minutes_and_a_timed_one_its_length_to_a_hundredth():
    out = io.StringIO()
    clock = VirtualClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    daemon = Daemon(config(), clock, SimulatedBreather(seed=1), RecordingRing(24), [EventWriter(out)], 10.0)
    daemon.start_session(PacedSession(pattern_by_name("box", {}), None), name="box")  # `pace` without --minutes
    daemon.run()
    started = [json.loads(line) for line in out.getvalue().splitlines() if '"session_start"' in line]
    assert started[0]["minutes"] is None
    events, _, _, _ = run(config(), 10, script=[(5.0, "start_session", {"pattern": "box", "minutes": 1})])
    assert first(events, "session_start")["minutes"] == 1.07  # four 16 s breaths: 64 s


def test_a_replayed_recording_ends_the_run_where_it_ends(caplog):
    class Recording:
        rate_hz = 25.0

        def read(self, t: float):
            return SimulatedBreather(seed=1).read(t) if t < 2.0 else None

        def close(self) -> None: ...

    ring = RecordingRing(24)
    daemon = Daemon(config(), VirtualClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC)), Recording(), ring, [], 30.0)
    with caplog.at_level(logging.INFO, logger="breathcue.app"):
        assert daemon.run() == 0
    assert "the recording has ended at 2.0 s" in [r.getMessage() for r in caplog.records]
    assert daemon.clock.now() <= 2.1 and ring.frames[-1][0] <= 2.1


def test_the_mirror_of_a_strap_that_reads_the_other_way_round_is_still_bright_at_full_lungs():
    class Mirrored:
        """The simulated strap with the cord on the divider's other side: a breath in pulls the signal down."""

        def __init__(self) -> None:
            self.base, self.rate_hz = SimulatedBreather(seed=3), 25.0

        def read(self, t: float) -> Sample:
            return Sample(t, 3.2 - self.base.read(t).value)

        def close(self) -> None: ...

    out, ring = io.StringIO(), RecordingRing(24)
    clock = VirtualClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    daemon = Daemon(config('[ambient]\nmode = "mirror"\n'), clock, Mirrored(), ring, [EventWriter(out)], 70.0,
                    baseline=Baseline(0.25, 11.0, "inverted"))
    daemon.run()
    breaths = [e for e in map(json.loads, out.getvalue().splitlines()) if e["event"] == "breath" and e["onset"] > 20]

    def light(t: float) -> int:
        return sum(map(sum, frame_at(ring, t)))

    assert len(breaths) >= 5
    assert all(light(b["peak"]) > 2 * max(light(b["onset"]), light(b["end"])) for b in breaths)
