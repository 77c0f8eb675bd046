"""The schedule: working, quiet and night hours, pauses, and sessions across DST and clock jumps."""

from __future__ import annotations

from datetime import datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from breathcue.clock import VirtualClock
from breathcue.config import parse_text
from breathcue.core import schedule as sch

BERLIN = ZoneInfo("Europe/Berlin")
UTC = ZoneInfo("UTC")


def cfg(text: str = ""):
    return parse_text(text)


def at(y, mo, d, h, mi=0, tz=BERLIN, fold=0):
    return datetime(y, mo, d, h, mi, tzinfo=tz, fold=fold)


@pytest.mark.parametrize(
    "now, rng, inside",
    [
        ("12:30", "12:00-13:00", True),
        ("13:00", "12:00-13:00", False),  # the end is excluded
        ("23:30", "22:00-07:00", True),
        ("03:00", "22:00-07:00", True),
        ("07:00", "22:00-07:00", False),
        ("21:59", "22:00-07:00", False),
        ("23:59", "18:00-24:00", True),
        ("00:00", "18:00-24:00", False),
        ("18:00", "18:00-24:00", True),  # the start is included
        ("22:00", "22:00-07:00", True),
    ],
)
def test_ranges_may_span_midnight(now, rng, inside):
    assert sch.in_range(time.fromisoformat(now), rng) is inside


def test_working_hours_workdays_and_per_day_overrides():
    c = cfg('[schedule]\nworking_hours = "09:00-17:30"\n[schedule.hours]\nfri = "09:00-13:00"\n').schedule
    assert sch.in_working_hours(at(2026, 11, 24, 17, 0), c)  # Tuesday
    assert not sch.in_working_hours(at(2026, 11, 24, 17, 30), c)
    assert not sch.in_working_hours(at(2026, 11, 27, 14, 0), c)  # Friday: until 13:00
    assert sch.in_working_hours(at(2026, 11, 27, 12, 59), c)
    assert not sch.in_working_hours(at(2026, 11, 28, 10, 0), c)  # Saturday


def test_night_shift_belongs_to_the_day_it_starts():
    c = cfg('[schedule]\nworkdays = ["mon"]\nworking_hours = "22:00-06:00"\n').schedule
    assert sch.in_working_hours(at(2026, 11, 23, 23, 0), c)  # Monday night
    assert sch.in_working_hours(at(2026, 11, 24, 5, 59), c)  # still Monday's shift on Tuesday
    assert not sch.in_working_hours(at(2026, 11, 24, 23, 0), c)  # Tuesday is no workday
    assert not sch.in_working_hours(at(2026, 11, 23, 5, 0), c)  # Sunday night was no shift


def test_nudge_block_names_the_reason():
    c = cfg('[schedule]\nquiet = ["12:00-13:00"]\noff_days = ["2026-12-24..2026-12-26", "2026-11-25"]\n').schedule
    assert sch.nudge_block(at(2026, 11, 24, 10, 0), c) is None
    assert sch.nudge_block(at(2026, 11, 24, 12, 30), c) == sch.QUIET
    assert sch.nudge_block(at(2026, 11, 24, 8, 59), c) == sch.OUTSIDE_HOURS
    assert sch.nudge_block(at(2026, 11, 28, 10, 0), c) == sch.OUTSIDE_HOURS  # Saturday
    assert sch.nudge_block(at(2026, 11, 25, 10, 0), c) == sch.OFF_DAY
    assert sch.nudge_block(at(2026, 12, 24, 10, 0), c) == sch.OFF_DAY
    assert sch.nudge_block(at(2026, 12, 26, 23, 0), c) == sch.OFF_DAY
    assert sch.nudge_block(at(2026, 12, 28, 10, 0), c) is None
    paused = at(2026, 11, 26, 9, 0)
    assert sch.nudge_block(at(2026, 11, 24, 10, 0), c, paused) == sch.PAUSED
    assert sch.nudge_block(at(2026, 11, 26, 9, 0), c, paused) is None


def test_pause_lasts_until_the_next_working_day():
    c = cfg('[schedule]\noff_days = ["2026-11-30"]\n[schedule.hours]\ntue = "10:00-16:00"\n').schedule
    assert sch.next_working_start(at(2026, 11, 23, 15, 0), c) == at(2026, 11, 24, 10, 0)  # Mon -> Tue 10:00
    assert sch.next_working_start(at(2026, 11, 27, 11, 0), c) == at(2026, 12, 1, 10, 0)  # Fri -> Tue (Mon off)
    assert sch.next_working_start(at(2026, 11, 28, 11, 0), c) == at(2026, 12, 1, 10, 0)  # from Saturday too
    assert sch.next_working_start(at(2026, 11, 28, 11, 0), cfg("[schedule]\nworkdays = []\n").schedule) is None


def test_night_dimming():
    c = cfg('[schedule]\nnight_dim = "22:00-07:00"\nnight_level = 0.25\n').schedule
    assert sch.dim_factor(at(2026, 11, 24, 23, 0), c) == 0.25
    assert sch.dim_factor(at(2026, 11, 24, 6, 59), c) == 0.25
    assert sch.dim_factor(at(2026, 11, 24, 7, 0), c) == 1.0
    assert sch.dim_factor(at(2026, 11, 24, 23, 0), cfg().schedule) == 1.0


# --- sessions ---------------------------------------------------------------


def run_day(config, clock: VirtualClock, seconds: float, step: float = 1.0, jumps: dict | None = None):
    """Tick the planner like the daemon does (starting each due session at once); the wall times fired."""
    planner, fired, t = sch.Planner(), [], 0.0
    jumps = dict(jumps or {})
    while t <= seconds:
        for when in [w for w in jumps if w <= t]:
            clock.jump_wall(jumps.pop(when))
        wall = clock.wall()
        due = sch.due_session(planner, wall, config.session, config.schedule)
        if due is not None:
            planner = sch.mark_done(planner, due, wall)
            fired.append((due.index, due.scheduled, wall))
        t += step
        clock.sleep_until(t)
    return fired


def test_session_at_a_time_fires_once_on_time():
    c = cfg('[[session]]\nat = "15:00"\nminutes = 2\n')
    fired = run_day(c, VirtualClock(at(2026, 11, 24, 14, 0)), 2 * 3600)
    assert [(i, w.replace(microsecond=0)) for i, _, w in fired] == [(0, at(2026, 11, 24, 15, 0))]


def test_session_started_late_within_its_length_still_runs():
    c = cfg('[[session]]\nat = "15:00"\nminutes = 5\n')
    assert sch.due_session(sch.Planner(), at(2026, 11, 24, 15, 4), c.session, c.schedule) is not None
    assert sch.due_session(sch.Planner(), at(2026, 11, 24, 15, 5), c.session, c.schedule) is not None  # late by its length
    assert sch.due_session(sch.Planner(), at(2026, 11, 24, 15, 6), c.session, c.schedule) is None


def test_sessions_keep_to_their_days_and_skip_off_days():
    c = cfg('[schedule]\noff_days = ["2026-11-26"]\n[[session]]\nat = "10:00"\n[[session]]\nat = "11:00"\ndays = ["sat"]\n')
    fired = run_day(c, VirtualClock(at(2026, 11, 23, 0, 0)), 7 * 86400, step=60)
    days = [(i, s.date().isoformat()) for i, s, _ in fired]
    assert days == [(0, "2026-11-23"), (0, "2026-11-24"), (0, "2026-11-25"), (0, "2026-11-27"), (1, "2026-11-28")]


def test_every_runs_within_working_hours_and_leaves_out_quiet_ones():
    c = cfg('[schedule]\nworking_hours = "09:00-17:30"\nquiet = ["12:00-13:00"]\n[[session]]\nevery = "90m"\nminutes = 5\n')
    starts = sch.occurrences(c.session[0], datetime(2026, 11, 24).date(), c.schedule)
    assert [s.strftime("%H:%M") for s in starts] == ["10:30", "13:30", "15:00", "16:30"]  # 12:00 is quiet
    # each must end by 17:30: a 60-minute one at 16:30 just fits, a 61-minute one does not
    assert sch.occurrences(cfg('[[session]]\nevery = "90m"\nminutes = 60\n').session[0], datetime(2026, 11, 24).date(), c.schedule)[-1].strftime("%H:%M") == "16:30"
    c2 = cfg('[[session]]\nevery = "90m"\nminutes = 61\n')
    starts = sch.occurrences(c2.session[0], datetime(2026, 11, 24).date(), c2.schedule)
    assert [s.strftime("%H:%M") for s in starts] == ["10:30", "12:00", "13:30", "15:00"]


def test_dst_fall_back_does_not_repeat_a_session():
    # 2026-10-25: 03:00 CEST becomes 02:00 CET; 02:30 happens twice.
    c = cfg('[schedule]\nworkdays = ["sun"]\n[[session]]\nat = "02:30"\nminutes = 10\n')
    fired = run_day(c, VirtualClock(at(2026, 10, 25, 1, 0)), 4 * 3600, step=30)
    assert len(fired) == 1
    assert fired[0][2].utcoffset() == timedelta(hours=2)  # the first 02:30 (CEST)


def test_dst_spring_forward_runs_a_missing_time_the_gap_later():
    # 2026-03-29: 02:00 CET becomes 03:00 CEST; 02:30 does not exist and runs at 03:30.
    c = cfg('[schedule]\nworkdays = ["sun"]\n[[session]]\nat = "02:30"\nminutes = 10\n')
    fired = run_day(c, VirtualClock(at(2026, 3, 29, 1, 0)), 4 * 3600, step=30)
    assert len(fired) == 1
    wall = fired[0][2]
    assert (wall.hour, wall.minute) == (3, 30) and wall.utcoffset() == timedelta(hours=2)


def test_dst_spring_forward_runs_every_session_once():
    # 2026-03-29: 02:00 and 02:30 do not exist; they fall on 03:00 and 03:30, themselves planned times.
    # Each must run once: the 2-minute sessions stay 30 real minutes apart through the gap.
    c = cfg('[schedule]\nworkdays = ["sun"]\nworking_hours = "00:00-06:00"\n[[session]]\nevery = "30m"\nminutes = 2\n')
    fired = run_day(c, VirtualClock(at(2026, 3, 29, 0, 0)), 6 * 3600, step=30)
    utc = [w.astimezone(UTC).strftime("%H:%M") for *_, w in fired]
    assert utc == ["23:30", "00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00", "03:30"]  # CET until 01:00 UTC
    walls = [w.strftime("%H:%M") for *_, w in fired]
    assert walls == ["00:30", "01:00", "01:30", "03:00", "03:30", "04:00", "04:30", "05:00", "05:30"]


def test_dst_spring_forward_every_session_through_the_daemons_eyes():
    # As the daemon runs it: a due session is started when none is running, and runs its minutes.
    c = cfg('[schedule]\nworkdays = ["sun"]\nworking_hours = "00:00-06:00"\n[[session]]\nevery = "1h"\nminutes = 2\n')
    clock, planner, starts, busy_until = VirtualClock(at(2026, 3, 29, 0, 30)), sch.Planner(), [], 0.0
    for t in range(0, 3 * 3600, 10):
        clock.sleep_until(float(t))
        if t < busy_until:
            continue
        due = sch.due_session(planner, clock.wall(), c.session, c.schedule)
        if due is not None:
            planner = sch.mark_done(planner, due, clock.wall())
            starts.append(clock.wall().astimezone(UTC))
            busy_until = t + 120
    assert [s.strftime("%H:%M") for s in starts] == ["00:00", "01:00", "02:00"]  # 01:00 CET, 03:00 and 04:00 CEST


def test_a_night_shift_session_after_midnight_belongs_to_the_evening_before():
    c = cfg('[schedule]\nworkdays = ["mon"]\nworking_hours = "22:00-06:00"\n[[session]]\nevery = "2h"\nminutes = 5\n')
    # Monday's shift runs into Tuesday: its sessions at 00:00, 02:00 and 04:00 fall on Tuesday, not a workday.
    fired = run_day(c, VirtualClock(at(2026, 11, 23, 21, 0)), 10 * 3600, step=60)
    assert [w.strftime("%a %H:%M") for *_, w in fired] == ["Tue 00:00", "Tue 02:00", "Tue 04:00"]
    assert [s.date().isoformat() for _, s, _ in fired] == ["2026-11-24"] * 3


def test_a_session_just_before_midnight_still_runs_just_after():
    c = cfg('[[session]]\nat = "23:58"\nminutes = 5\n')  # Tuesday 23:58, the daemon comes up at 00:01
    due = sch.due_session(sch.Planner(), at(2026, 11, 25, 0, 1), c.session, c.schedule)
    assert due is not None and due.scheduled == at(2026, 11, 24, 23, 58)
    assert sch.due_session(sch.Planner(), at(2026, 11, 25, 0, 4), c.session, c.schedule) is None


def test_a_cancelled_session_is_not_started_again_after_another_one_ran():
    # Two sessions planned at 09:00: the first is cancelled at 09:01, the second then runs 5 minutes.
    c = cfg('[[session]]\nat = "09:00"\nminutes = 20\n[[session]]\nat = "09:00"\nminutes = 5\npattern = "box"\n')
    planner = sch.Planner()
    first = sch.due_session(planner, at(2026, 11, 24, 9, 0), c.session, c.schedule)
    assert first is not None and first.index == 0
    planner = sch.mark_done(planner, first, at(2026, 11, 24, 9, 0))
    second = sch.due_session(planner, at(2026, 11, 24, 9, 1), c.session, c.schedule)
    assert second is not None and second.index == 1
    planner = sch.mark_done(planner, second, at(2026, 11, 24, 9, 1))
    for minute in (6, 10, 19):  # the first is still within its 20 minutes, but it has had its turn
        assert sch.due_session(planner, at(2026, 11, 24, 9, minute), c.session, c.schedule) is None


def test_dst_does_not_move_a_daytime_session():
    c = cfg('[schedule]\nworkdays = ["sun", "mon"]\n[[session]]\nat = "15:00"\nminutes = 2\n')
    fired = run_day(c, VirtualClock(at(2026, 10, 25, 0, 0)), 2 * 86400, step=60)
    assert [(w.day, w.hour, w.minute) for _, _, w in fired] == [(25, 15, 0), (26, 15, 0)]


def test_clock_jump_forward_fires_no_burst():
    # A Pi without a real-time clock boots in 1970 and jumps to the present when NTP syncs.
    c = cfg('[schedule]\nworkdays = ["mon","tue","wed","thu","fri","sat","sun"]\n'
            '[[session]]\nat = "09:00"\nminutes = 5\n[[session]]\nevery = "30m"\nminutes = 5\n')
    clock = VirtualClock(datetime(1970, 1, 1, 0, 0, tzinfo=UTC))
    jump = (datetime(2026, 11, 24, 12, 10, tzinfo=UTC) - clock.wall()).total_seconds()
    fired = run_day(c, clock, 3600, step=1, jumps={60: jump})
    # Nothing from the 56 skipped years; from 12:10 on, the every-30m session at 12:30 and 13:00.
    assert [s.strftime("%Y-%m-%d %H:%M") for _, s, _ in fired] == ["2026-11-24 12:30", "2026-11-24 13:00"]


def test_jump_into_a_session_window_fires_it_once():
    c = cfg('[[session]]\nat = "15:00"\nminutes = 10\n')
    clock = VirtualClock(at(2026, 11, 24, 14, 0))
    fired = run_day(c, clock, 1800, step=1, jumps={10: 3600 + 120})  # lands at 15:02
    assert len(fired) == 1 and fired[0][2].strftime("%H:%M") == "15:02"


def test_clock_jump_back_never_repeats_a_session():
    c = cfg('[[session]]\nat = "15:00"\nminutes = 10\n')
    clock = VirtualClock(at(2026, 11, 24, 14, 59))
    fired = run_day(c, clock, 1800, step=1, jumps={300: -600})  # at 15:04, back to 14:54
    assert len(fired) == 1


def test_planner_forgets_old_days():
    c = cfg('[schedule]\nworkdays = ["mon","tue","wed","thu","fri","sat","sun"]\n[[session]]\nat = "10:00"\n')
    planner = sch.Planner()
    for day in range(1, 20):
        wall = at(2026, 11, day, 10, 1)
        due = sch.due_session(planner, wall, c.session, c.schedule)
        assert due is not None
        planner = sch.mark_done(planner, due, wall)
    assert len(planner.done) == 2  # yesterday's and today's: older ones can never be due again


def test_fixed_offset_wall_time_works():
    c = cfg('[[session]]\nat = "15:00"\n')
    wall = datetime(2026, 11, 24, 15, 1, tzinfo=timezone(timedelta(hours=1)))
    due = sch.due_session(sch.Planner(), wall, c.session, c.schedule)
    assert due is not None and due.scheduled == datetime(2026, 11, 24, 15, 0, tzinfo=timezone(timedelta(hours=1)))


@pytest.mark.parametrize("text", ["", "abc", "90", "1h30", "m"])
def test_an_every_that_is_not_an_interval_is_refused(text):
    with pytest.raises(ValueError, match=f"not an interval: {text!r}"):
        sch.parse_every(text)


def test_no_working_day_in_the_coming_370_days_means_no_next_start():
    every_day = 'workdays = ["mon","tue","wed","thu","fri","sat","sun"]'
    tuesday = at(2026, 11, 24, 12, 0)
    last_off = (tuesday + timedelta(days=369)).date()
    c = cfg(f'[schedule]\n{every_day}\noff_days = ["2026-11-25..{last_off}"]\n').schedule
    found = sch.next_working_start(tuesday, c)
    assert found is not None and found.date() == (tuesday + timedelta(days=370)).date() and (found.hour, found.minute) == (9, 0)
    last_off = (tuesday + timedelta(days=370)).date()
    c = cfg(f'[schedule]\n{every_day}\noff_days = ["2026-11-25..{last_off}"]\n').schedule
    assert sch.next_working_start(tuesday, c) is None
