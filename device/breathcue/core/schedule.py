"""Working hours, quiet hours, night dimming and timed sessions: functions of wall-clock time.

Everything here takes the local wall time as an argument and never reads a
clock, so schedules can be tested across DST changes and clock jumps.  Wall
time may jump (NTP after a boot without a real-time clock, DST): sessions
are remembered by the local time they were planned for, and one that is
missed by more than its own length is skipped, so a jump never fires a
burst of missed sessions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from typing import TYPE_CHECKING, Sequence

if TYPE_CHECKING:
    from ..config import ScheduleConfig, SessionConfig

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
MIDNIGHT = time(0, 0)
DAY = timedelta(days=1)
_EVERY = re.compile(r"^(?:(\d+)h)?(?:(\d+)m)?$")

# Why a nudge may not start now, as it appears in events and the status.
OFF_DAY = "off_day"
OUTSIDE_HOURS = "outside_working_hours"
QUIET = "quiet_hours"
PAUSED = "paused"


def parse_range(text: str) -> tuple[time, time | None]:
    """ "HH:MM-HH:MM" as (start, end); an end of 24:00 is None (the end of the day)."""
    start, end = text.split("-")
    h, m = (int(x) for x in end.split(":"))
    return time.fromisoformat(start), None if h == 24 else time(h, m)


def in_range(now: time, text: str) -> bool:
    """Whether ``now`` falls in the range, which may span midnight."""
    start, end = parse_range(text)
    if end is None:
        return now >= start
    if start < end:
        return start <= now < end
    return now >= start or now < end


def parse_every(text: str) -> timedelta:
    """ "90m", "2h", "1h30m" as a timedelta."""
    m = _EVERY.match(text)
    if not m or not text:
        raise ValueError(f"not an interval: {text!r}")
    return timedelta(hours=int(m.group(1) or 0), minutes=int(m.group(2) or 0))


def parse_off_day(text: str) -> tuple[date, date]:
    """ "YYYY-MM-DD" or "YYYY-MM-DD..YYYY-MM-DD" as an inclusive (first, last)."""
    first, _, last = text.partition("..")
    return date.fromisoformat(first), date.fromisoformat(last or first)


def is_off_day(day: date, schedule: "ScheduleConfig") -> bool:
    return any(first <= day <= last for first, last in map(parse_off_day, schedule.off_days))


def hours_of(day: date, schedule: "ScheduleConfig") -> str | None:
    """The working-hours range of a calendar day, or None when it is not a working day."""
    name = WEEKDAYS[day.weekday()]
    if name not in schedule.workdays or is_off_day(day, schedule):
        return None
    return schedule.hours.get(name, schedule.working_hours)


def working_interval(day: date, schedule: "ScheduleConfig") -> tuple[datetime, datetime] | None:
    """The naive local (start, end) of a day's working hours; the end may be the next day."""
    text = hours_of(day, schedule)
    if text is None:
        return None
    start, end = parse_range(text)
    begin = datetime.combine(day, start)
    if end is None or end <= start:  # to midnight, or across it
        finish = datetime.combine(day + DAY, end or MIDNIGHT)
    else:
        finish = datetime.combine(day, end)
    return begin, finish


def in_working_hours(wall: datetime, schedule: "ScheduleConfig") -> bool:
    """Whether the local time is inside today's working hours, or last night's if they span midnight."""
    local = wall.replace(tzinfo=None)
    for day in (local.date(), local.date() - DAY):
        interval = working_interval(day, schedule)
        if interval and interval[0] <= local < interval[1]:
            return True
    return False


def in_quiet_hours(wall: datetime, schedule: "ScheduleConfig") -> bool:
    return any(in_range(wall.time(), q) for q in schedule.quiet)


def nudge_block(wall: datetime, schedule: "ScheduleConfig", paused_until: datetime | None = None) -> str | None:
    """Why the schedule forbids a nudge at this local time, or None when it allows one."""
    if paused_until is not None and wall < paused_until:
        return PAUSED
    if not in_working_hours(wall, schedule):
        return OFF_DAY if is_off_day(wall.date(), schedule) else OUTSIDE_HOURS
    if in_quiet_hours(wall, schedule):
        return QUIET
    return None


def next_working_start(wall: datetime, schedule: "ScheduleConfig") -> datetime | None:
    """The start of the next working day's hours after today, as aware local time.

    This is where "pause until the next working day" ends.  None when no day
    in the coming year is a working day.
    """
    day = wall.date()
    for _ in range(370):
        day += DAY
        interval = working_interval(day, schedule)
        if interval is not None:
            return _aware(interval[0], wall)
    return None


def dim_factor(wall: datetime, schedule: "ScheduleConfig") -> float:
    """How much the ring is dimmed at this local time: 1.0, or ``night_level`` at night."""
    if schedule.night_dim and in_range(wall.time(), schedule.night_dim):
        return schedule.night_level
    return 1.0


# --- timed sessions ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Due:
    """A planned session whose time has come."""

    index: int  # which [[session]] table
    scheduled: datetime  # aware local time it was planned for
    key: tuple[int, str]


@dataclass(frozen=True, slots=True)
class Planner:
    """Which planned sessions have already been started (or given up).

    Keys are (session index, naive local time), so a wall clock that jumps
    back, or an hour that happens twice when DST ends, never repeats one.
    """

    done: frozenset[tuple[int, str]] = field(default_factory=frozenset)


def occurrences(session: "SessionConfig", day: date, schedule: "ScheduleConfig") -> list[datetime]:
    """The naive local start times of a session on a calendar day."""
    days = session.days or schedule.workdays
    if WEEKDAYS[day.weekday()] not in days or is_off_day(day, schedule):
        return []
    if session.at:
        return [datetime.combine(day, time.fromisoformat(session.at))]
    interval = working_interval(day, schedule)
    if interval is None:
        return []
    step, length = parse_every(session.every), timedelta(minutes=session.minutes)
    out, at = [], interval[0] + step
    while at + length <= interval[1]:
        if not any(in_range(at.time(), q) for q in schedule.quiet):
            out.append(at)
        at += step
    return out


def due_session(
    planner: Planner, wall: datetime, sessions: Sequence["SessionConfig"], schedule: "ScheduleConfig"
) -> Due | None:
    """The earliest planned session that should start now, if any.

    A session is due from its planned time until it is late by its own
    length; after that it is skipped.  Lateness is measured in real
    seconds (through UTC), so a DST change neither delays nor repeats one.
    A planned time that does not exist on a spring-forward day runs the
    gap's length later, as calendars do (02:30 becomes 03:30); when that
    moment is itself a planned time of the session (an ``every`` session
    through the gap), the two are one session, not two in a row.
    """
    if not sessions:
        return None
    now_utc = wall.astimezone(timezone.utc)
    today = wall.replace(tzinfo=None).date()
    best: Due | None = None
    for index, session in enumerate(sessions):
        length = timedelta(minutes=session.minutes)
        moments: set[datetime] = set()  # a session's planned times as real moments, each taken once
        for day in (today - DAY, today):
            for naive in occurrences(session, day, schedule):
                planned = _aware(naive, wall)
                moment = planned.astimezone(timezone.utc)
                if moment in moments:
                    continue
                moments.add(moment)
                key = (index, naive.isoformat(timespec="minutes"))
                if key in planner.done:
                    continue
                late = now_utc - moment
                if timedelta(0) <= late <= length and (best is None or planned < best.scheduled):
                    best = Due(index, planned, key)
    return best


def mark_done(planner: Planner, due: Due, wall: datetime) -> Planner:
    """Remember a started session; forget those older than two days."""
    horizon = (wall.replace(tzinfo=None) - 2 * DAY).isoformat(timespec="minutes")
    kept = {k for k in planner.done if k[1] >= horizon}
    return Planner(frozenset(kept | {due.key}))


def _aware(naive: datetime, like: datetime) -> datetime:
    """A naive local time in the zone of ``like`` (fold=0: the earlier of two, the later for a gap)."""
    return naive.replace(tzinfo=like.tzinfo)
