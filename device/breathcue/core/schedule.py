"""Working hours and quiet hours: pure functions of the local wall-clock time."""

from __future__ import annotations

from datetime import datetime, time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..config import ScheduleConfig

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def parse_range(text: str) -> tuple[time, time | None]:
    """ "HH:MM-HH:MM" as (start, end); an end of 24:00 is None (end of day)."""
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


def is_workday(wall: datetime, schedule: "ScheduleConfig") -> bool:
    return WEEKDAYS[wall.weekday()] in schedule.workdays


def in_working_hours(wall: datetime, schedule: "ScheduleConfig") -> bool:
    return is_workday(wall, schedule) and in_range(wall.time(), schedule.working_hours)


def in_quiet_hours(wall: datetime, schedule: "ScheduleConfig") -> bool:
    return any(in_range(wall.time(), q) for q in schedule.quiet)


def nudges_allowed(wall: datetime, schedule: "ScheduleConfig") -> bool:
    """Whether a nudge may be shown at this local time."""
    return in_working_hours(wall, schedule) and not in_quiet_hours(wall, schedule)
