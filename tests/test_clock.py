"""The clocks: virtual time moves only when slept, real time is monotonic."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from breathcue.clock import MonotonicClock, VirtualClock

BERLIN = ZoneInfo("Europe/Berlin")


def test_virtual_clock_moves_only_when_asked():
    clock = VirtualClock(datetime(2026, 11, 24, 9, 0, tzinfo=BERLIN))
    assert clock.now() == 0.0
    clock.sleep_until(12.5)
    assert clock.now() == 12.5
    clock.sleep_until(3.0)  # the past: no change
    assert clock.now() == 12.5
    clock.advance(0.5)
    assert clock.now() == 13.0
    assert clock.wall() == datetime(2026, 11, 24, 9, 0, 13, tzinfo=BERLIN)


def test_virtual_wall_clock_crosses_dst_in_real_seconds():
    # 2026-10-25 03:00 CEST becomes 02:00 CET: one real hour later it is 02:30 local.
    clock = VirtualClock(datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN, fold=0))
    clock.advance(3600)
    wall = clock.wall()
    assert (wall.hour, wall.minute, wall.fold) == (2, 30, 1)
    assert wall.utcoffset().total_seconds() == 3600


def test_wall_jumps_leave_monotonic_time_alone():
    clock = VirtualClock(datetime(1970, 1, 1, tzinfo=ZoneInfo("UTC")))
    clock.advance(30)
    clock.jump_wall(56 * 365 * 86400)
    assert clock.now() == 30
    assert clock.wall().year == 2025


def test_virtual_clock_needs_aware_start():
    with pytest.raises(ValueError):
        VirtualClock(datetime(2026, 1, 1))


def test_monotonic_clock_sleeps_to_deadline():
    clock = MonotonicClock(ZoneInfo("UTC"))
    t0 = clock.now()
    clock.sleep_until(t0 + 0.02)
    assert clock.now() >= t0 + 0.02
    clock.sleep_until(0.0)  # already past: returns at once
    assert clock.wall().tzinfo is not None
