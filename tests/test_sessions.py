"""Paced sessions: progressive relaxation's plan, and the adherence score, alone and in the daemon."""

from __future__ import annotations

import math

import pytest

from breathcue.app import Sink
from breathcue.core import adherence as adh
from breathcue.core.relaxation import GROUPS, ROUND_SECONDS, Relaxation

from .daemon_helpers import config
from .daemon_helpers import run as daemon_run


class Steady:
    """A guide at a constant rate."""

    def __init__(self, bpm: float) -> None:
        self.p = 60.0 / bpm

    def cycles(self, t: float) -> float:
        return t / self.p

    def period(self, t: float) -> float:
        return self.p


def score(guide, breaths):
    a = adh.Adherence()
    for onset, end in breaths:
        a = adh.add_breath(a, guide, onset, end)
    return adh.summary(a)


def test_breathing_with_the_guide_is_full_adherence_and_no_lag():
    s = score(Steady(6), [(10.0 * k, 10.0 * k + 10.0) for k in range(10)])
    assert s == {"breaths": 10, "in_pace": 1.0, "phase_lag_s": 0.0, "phase_lag_deg": 0.0}


def test_a_late_follower_shows_the_lag():
    s = score(Steady(6), [(10.0 * k + 1.5, 10.0 * k + 11.5) for k in range(10)])
    assert s["in_pace"] == 1.0 and s["phase_lag_s"] == pytest.approx(1.5) and s["phase_lag_deg"] == pytest.approx(54.0)


def test_lags_average_on_the_circle():
    # Half a second early, then half a second late: no lag, not half a cycle.
    s = score(Steady(6), [(9.5, 19.5), (20.5, 30.5), (29.5, 39.5), (40.5, 50.5)])
    assert s["phase_lag_s"] == pytest.approx(0.0, abs=1e-9)


def test_breaths_outside_twenty_percent_do_not_count():
    breaths = [(0, 10), (10, 18.1), (20, 27.9), (30, 42.0), (40, 52.5)]  # 10, 8.1, 7.9, 12, 12.5 s, each begun with the guide
    assert score(Steady(6), breaths)["in_pace"] == pytest.approx(3 / 5)


def test_breaths_of_the_right_length_in_antiphase_are_not_in_pace():
    """Breathing in while the guide says breathe out, at the guide's own rate, is not following it."""
    antiphase = score(Steady(6), [(10.0 * k + 5.0, 10.0 * k + 15.0) for k in range(10)])
    assert antiphase["in_pace"] == 0.0 and abs(antiphase["phase_lag_deg"]) == pytest.approx(180.0)
    quarter = score(Steady(6), [(10.0 * k + 2.4, 10.0 * k + 12.4) for k in range(5)] + [(10.0 * k + 2.6, 10.0 * k + 12.6) for k in range(5, 10)])
    assert quarter["in_pace"] == 0.5  # within a quarter cycle (2.5 s) counts, beyond it not


def test_no_breaths_no_figures():
    assert score(Steady(6), []) == {"breaths": 0, "in_pace": None, "phase_lag_s": None, "phase_lag_deg": None}


def test_relaxation_covers_feet_to_face_in_any_length():
    full = Relaxation.for_minutes(8)
    assert full.groups == GROUPS and full.groups[0] == "feet" and full.groups[-1] == "face"
    short = Relaxation.for_minutes(3)
    assert len(short.groups) == round(180 / ROUND_SECONDS)
    assert short.groups[0].startswith("feet") and short.groups[-1].endswith("face")
    assert ", ".join(short.groups).replace(" and ", ", ").split(", ") == list(GROUPS)
    assert len(Relaxation.for_minutes(0.5).groups) == 1 and len(Relaxation.for_minutes(120).groups) == 12


def test_relaxation_round_tenses_holds_releases_then_rests():
    r = Relaxation.for_minutes(8)
    assert r.duration == 12 * ROUND_SECONDS
    phases = [(t, r.at(t).phase) for t in (0.0, 4.9, 5.0, 9.9, 10.0, 18.9, 19.0, ROUND_SECONDS - 0.1)]
    assert [p for _, p in phases] == ["tense", "tense", "hold", "hold", "release", "release", "calm", "calm"]
    second = r.at(ROUND_SECONDS + 1.0)
    assert (second.round, second.group, second.phase, second.rounds) == (1, "calves", "tense", 12)
    assert r.at(r.duration + 50).round == 11  # clamped to the last round
    # The guide's volume: up while tensing, full while holding, down while letting go, never a jump.
    assert r.at(0).volume == 0.0 and r.at(7.0).volume == 1.0 and r.at(19.0).volume == pytest.approx(0.0, abs=1e-9)
    vols = [r.at(i * 0.01).volume for i in range(int(2 * ROUND_SECONDS * 100))]
    assert max(abs(b - a) for a, b in zip(vols, vols[1:])) < 0.01


def test_relaxation_guide_counts_breaths_for_adherence():
    r = Relaxation.for_minutes(8)
    assert r.cycles(0.0) == 0.0 and r.cycles(19.0) == pytest.approx(1.0) and r.cycles(29.0) == pytest.approx(2.0)
    assert r.cycles(ROUND_SECONDS) == pytest.approx(3.0)
    assert r.period(3.0) == 19.0 and r.period(25.0) == 10.0
    s = score(r, [(0.0, 19.0), (19.0, 29.0), (29.0, 39.0), (39.0, 58.0)])
    assert s["in_pace"] == 1.0 and math.isclose(s["phase_lag_s"], 0.0, abs_tol=1e-9)


# --- the daemon scoring a simulated user who follows the light, or not ------------------------


def session_end(cfg_text: str, follow: bool) -> dict:
    events, *_ = daemon_run(config(cfg_text), 320, follow=follow)
    return next(e for e in events if e["event"] == "session_end")


@pytest.mark.parametrize("pattern", ["resonance", "box", "cyclic-sigh"])
def test_a_user_who_follows_the_pacer_is_in_pace_and_a_little_behind_it(pattern):
    cfg = f'[[session]]\nat = "10:01"\npattern = "{pattern}"\nminutes = 4\n'
    followed = session_end(cfg, follow=True)
    assert followed["breaths"] >= 10 and followed["in_pace"] >= 0.9
    assert 0.2 <= followed["phase_lag_s"] <= 2.0  # the simulated user is 0.3-0.8 s behind; onsets show a little later
    ignored = session_end(cfg, follow=False)  # breathing at their own 11/min
    assert ignored["in_pace"] <= 0.2


class Antiphase(Sink):
    """A simulated user who breathes at the session's pace but in when the ring says out (for ``extra``)."""

    def __init__(self, daemon, script) -> None:
        self.daemon = daemon

    def event(self, event, wall) -> None:
        if event.name == "session_start":
            session = self.daemon.session
            self.daemon.sensor.base.follow(lambda t: 1.0 - session.volume(t))
        elif event.name == "session_end":
            self.daemon.sensor.base.follow(None)


@pytest.mark.parametrize("antiphase", [False, True], ids=["followed", "antiphase"])
def test_acceptance_box_session_scores_phase(antiphase: bool):
    """The issue's acceptance: a box session breathed in antiphase scores under 20 % in pace, one followed over 90 %.

    The strap's polarity is set (detector.polarity), as it must be: breathing in antiphase on a
    strap worn one way reads exactly like breathing in phase on a strap worn the other way, so with
    polarity "auto" a session that goes on in antiphase corrects the polarity instead (docs/cues.md).
    """
    cfg = config('[detector]\npolarity = "normal"\n[[session]]\nat = "10:01"\npattern = "box"\nminutes = 5\n')
    kw = {"extra": Antiphase} if antiphase else {"follow": True}
    events, *_ = daemon_run(cfg, 400, **kw)
    end = next(e for e in events if e["event"] == "session_end")
    assert end["breaths"] >= 12
    if antiphase:
        assert end["in_pace"] < 0.2, end
    else:
        assert end["in_pace"] > 0.9, end
