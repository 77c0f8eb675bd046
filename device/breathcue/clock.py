"""Where time comes from: the real monotonic clock, or a virtual one.

The loop asks a Clock for two things.  ``now()`` is monotonic seconds since
the run started: sample timestamps, frame deadlines and event ``t`` use it.
``wall()`` is the local date and time: schedules use it, and it may jump
(NTP after a boot without a real-time clock, DST).  A VirtualClock only
moves when the loop sleeps, so an 8-hour day runs in seconds.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta, timezone, tzinfo
from typing import Protocol


class Clock(Protocol):
    def now(self) -> float:
        """Monotonic seconds since the clock was made."""

    def wall(self) -> datetime:
        """The current local date and time, timezone-aware."""

    def sleep_until(self, t: float) -> None:
        """Return once ``now() >= t`` (at once if it already is)."""


class MonotonicClock:
    """Real time: time.monotonic for intervals, the system clock for dates."""

    def __init__(self, tz: tzinfo | None = None) -> None:
        self._tz = tz
        self._t0 = time.monotonic()

    def now(self) -> float:
        return time.monotonic() - self._t0

    def wall(self) -> datetime:
        return datetime.now(self._tz).astimezone(self._tz)

    def sleep_until(self, t: float) -> None:
        delay = t - self.now()
        if delay > 0:
            time.sleep(delay)


class VirtualClock:
    """Time that passes only when asked: sleeping jumps straight to the deadline.

    ``jump_wall`` moves the wall clock without moving monotonic time, as NTP
    or a DST change does on a real device.
    """

    def __init__(self, start: datetime, t0: float = 0.0) -> None:
        if start.tzinfo is None:
            raise ValueError("a virtual clock needs a timezone-aware start")
        # Arithmetic on aware datetimes is wall-clock arithmetic in Python;
        # counting in UTC keeps DST changes right.
        self._start_utc = start.astimezone(timezone.utc)
        self._tz = start.tzinfo
        self._t = t0
        self._wall_offset = timedelta(0)

    def now(self) -> float:
        return self._t

    def wall(self) -> datetime:
        utc = self._start_utc + timedelta(seconds=self._t) + self._wall_offset
        return utc.astimezone(self._tz)

    def sleep_until(self, t: float) -> None:
        if t > self._t:
            self._t = t

    def advance(self, seconds: float) -> None:
        self.sleep_until(self._t + seconds)

    def jump_wall(self, seconds: float) -> None:
        self._wall_offset += timedelta(seconds=seconds)
