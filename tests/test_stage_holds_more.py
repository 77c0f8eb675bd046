"""Stage 4, holds (core/holds.py): when a would-be hold's return counts as breathing, by when it left the level.

docs/detection.md ("Holds"): until it is declared, a would-be hold is given
up when the chest comes back over the half breath that led into it at
breathing's pace, that is within RETURN_SECONDS (3 s) of leaving the stop's
level by HALF_BACK (30 %) of that half breath, in signal time (the filters'
lag taken off); a sag, drift and wander creeping back over longer are no
breath, and the hold is declared ``hold_seconds`` after its start.  Found
by `make mutate` (docs/testing.md): where the chest left the level was not
tested apart from where it went still.
"""

from __future__ import annotations

import pytest

from breathcue.core.holds import HoldTracker, Stop

RATE = 25.0
LAG = 0.7


def events(stop: Stop, z, went_still: float = 12.0, until: float = 21.0) -> list[tuple[float, str]]:
    """A would-be hold begun at ``went_still`` (hold_seconds 10 s), stepped with a small movement: what it meant."""
    holds = HoldTracker(10.0, 60.0)
    holds.begin(stop, went_still)
    out = []
    for i in range(1, int(round((until - went_still) * RATE)) + 1):
        t = went_still + i / RATE
        what = holds.step(t, z(t), 0.1, False, LAG)
        if what is not None:
            out.append((t, what))
    return out


def exhale_from(t0: float, per_second: float):
    """A full chest (level 1.0) held until ``t0``, then let out at ``per_second`` depths a second."""
    return lambda t: 1.0 - per_second * max(0.0, t - t0)


def test_an_exhale_after_a_pause_at_the_top_gives_the_hold_up_however_long_the_pause():
    # still at 12 s, at the top until 15 s, then out at 0.3 a second: 30 % of the 0.8 inhale back at 15.8 s,
    # 90 % at 17.4 s: 1.6 s after leaving the level, though 5.4 s after going still
    stop = Stop(start=10.0, level=1.0, swing=0.8, depth=1.0)
    found = events(stop, exhale_from(15.0, 0.3))
    assert found[0][1] == "resume"
    assert found[0][0] == pytest.approx(17.4, abs=2 / RATE)


def test_a_return_counts_from_where_the_chest_left_the_level_in_signal_time():
    inhaled = Stop(start=10.0, level=1.0, swing=1.0, depth=1.0)
    # out at 0.24 a second from 13 s: 30 % back at 14.25 s, 90 % of the inhale (a complete cycle) at 16.75 s,
    # 2.5 s later: breathing
    quick = events(inhaled, exhale_from(13.0, 0.24))
    assert quick[0][1] == "resume" and quick[0][0] == pytest.approx(16.75, abs=2 / RATE)
    # out at 0.15 a second: 30 % back at 15 s, 90 % at 19 s, 4 s later: a creep, the hold stands
    # (the lag moves both times alike, so it changes nothing here)
    assert events(inhaled, exhale_from(13.0, 0.15)) == [(pytest.approx(20.0), "declare")]


def test_a_small_half_breath_sagging_at_once_then_creeping_back_is_no_breath():
    # an inhale stopped half way (0.5 of a depth), sagging at once by 40 % of it (off the level when it went
    # still), then creeping back from 14.5 s: 0.54 of a depth back (90 % of the 0.6 a small half breath must
    # come back) at 17.05 s, over 4 s after it left the level, so the hold stands
    stop = Stop(start=10.0, level=1.0, swing=0.5, depth=1.0)

    def z(t: float) -> float:
        return 0.8 if t < 14.5 else 0.8 - 0.4 * min(1.0, (t - 14.5) / 3.0)

    assert events(stop, z) == [(pytest.approx(20.0), "declare")]
    # the same return half a second after it went still is breathing
    quick = events(stop, lambda t: 0.8 if t < 12.5 else 0.45)
    assert quick[0][1] == "resume" and quick[0][0] == pytest.approx(12.5, abs=2 / RATE)


def test_a_chest_already_off_the_level_when_it_went_still_left_it_then():
    # the first sample after going still is already 40 % back: the chest left the level no later than that;
    # back over 95 % of the half breath a second later is breathing
    stop = Stop(start=10.0, level=1.0, swing=1.0, depth=1.0)
    found = events(stop, lambda t: 0.6 if t < 13.0 else 0.05)
    assert found[0][1] == "resume" and found[0][0] == pytest.approx(13.0, abs=2 / RATE)
