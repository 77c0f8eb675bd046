"""The daemon's cue and session wiring, end to end on the virtual clock.

Rapid breathing slowed through the daemon, a ``[[session]]``'s ramp on the
ring, a snooze holding back a scheduled session, and reloaded detector
settings taking effect: each seen as the user sees it, in events and frames.
"""

from __future__ import annotations

import io
import json
import math
import random
from datetime import datetime

from breathcue.app import Daemon, EventWriter
from breathcue.clock import VirtualClock
from breathcue.core.detector import Baseline
from breathcue.core.types import Sample
from breathcue.hw.sim import RecordingRing

from .daemon_helpers import UTC, config, frame_at, names, run

START = datetime(2026, 11, 24, 10, 0, tzinfo=UTC)


class FastBreather:
    """Someone breathing 24 times a minute who, once a rapid cue shows, breathes at its pacer's rate.

    The rate changes at the start of a breath, as a person's does.
    """

    def __init__(self, rate_hz: float = 25.0, bpm: float = 24.0) -> None:
        self.rate_hz = rate_hz
        self.daemon: Daemon | None = None
        self._bpm, self._phase, self._last = bpm, 0.0, 0.0
        self._rng = random.Random(3)

    def read(self, t: float) -> Sample:
        self._phase += (t - self._last) * self._bpm / 60.0
        self._last = t
        if self._phase >= 1.0:
            self._phase -= 1.0
            cue = self.daemon.cue_state.cue if self.daemon is not None else None
            if cue is not None and cue.reason == "rapid":
                self._bpm = cue.pacer.bpm
        chest = 0.5 - 0.5 * math.cos(2 * math.pi * self._phase)
        return Sample(t, 1.6 + 0.25 * chest + 0.004 * math.sin(2 * math.pi * 1.1 * t) + self._rng.gauss(0.0, 0.002))

    def close(self) -> None:
        pass


def test_rapid_breathing_is_slowed_from_the_measured_rate_down_to_the_target():
    # The calibrated baseline says 9/min: the rapid pacer must still start where the user is (24/min).
    out = io.StringIO()
    breather = FastBreather()
    ring = RecordingRing(24)
    daemon = Daemon(config(), VirtualClock(START), breather, ring, [EventWriter(out)], 420.0, baseline=Baseline(0.25, 9.0, "normal"))
    breather.daemon = daemon
    daemon.run()
    events = [json.loads(line) for line in out.getvalue().splitlines() if '"breath"' not in line]
    assert names(events, "rapid_start", "cue_start", "cue_end")[:3] == ["rapid_start", "cue_start", "cue_end"]
    start = next(e for e in events if e["event"] == "cue_start")
    assert start["reason"] == "rapid" and abs(start["bpm"] - 24.0) <= 1.5
    end = next(e for e in events if e["event"] == "cue_end")
    assert end["outcome"] == "slowed" and end["end_bpm"] == 6.0 and end["user_bpm"] <= 6.0 * 1.15
    assert end["duration"] < 170.0  # not the 180 s timeout
    # the ring paced the whole way: brighter than the ambient light during the cue
    cue_light = max(sum(map(sum, frame_at(ring, start["t"] + k / 10))) for k in range(100))
    ambient = max(sum(map(sum, frame_at(ring, 5 + k / 10))) for k in range(100))
    assert cue_light > 2 * ambient


def light_rises(ring: RecordingRing, a: float, b: float) -> int:
    """How many times the ring's light rises through half its range between clock times a and b: breaths paced."""
    levels = [sum(map(sum, frame_at(ring, a + k / 10))) for k in range(int(10 * (b - a)))]
    mid = 0.5 * (max(levels) + min(levels))
    return sum(1 for x, y in zip(levels, levels[1:]) if x < mid <= y)


def test_a_scheduled_session_ramps_its_rate():
    plan = '[[session]]\nat = "10:01"\npattern = "coherent"\nminutes = 4\n'
    ramped = config(plan + "ramp_from = 12.0\nramp_to = 6.0\nramp_minutes = 2.0\n")
    events, ring, _, _ = run(ramped, 310)
    start = next(e for e in events if e["event"] == "session_start")
    assert start["t"] == 60.0
    first, last = light_rises(ring, 60, 90), light_rises(ring, 240, 300)
    assert 5 <= first <= 6  # ~11.5 breaths a minute in the first half minute
    assert 5 <= last <= 7  # 6 a minute once the ramp is over
    _, plain_ring, _, _ = run(config(plan), 100)
    assert light_rises(plain_ring, 60, 90) <= 3  # the pattern's own 5 a minute


def test_a_snooze_holds_back_a_scheduled_session_until_it_runs_out():
    cfg = config('[[session]]\nat = "10:02"\nminutes = 5\n')
    events, _, _, statuses = run(cfg, 260, script=[(30.0, "snooze", {"minutes": 3})])
    start = next(e for e in events if e["event"] == "session_start")
    assert 210.0 <= start["t"] <= 212.0  # the snooze ran out at 10:03:30, within the session's 5 minutes
    assert start["scheduled"] == "2026-11-24T10:02+00:00"
    assert not [s for s in statuses if s["session"] and s["t"] < 210.0]


def test_reloaded_detector_settings_apply_at_once():
    # 15 s holds: a hold at hold_seconds = 10, not at 20 as reloaded 5 s into the run.
    new = config("[detector]\nhold_seconds = 20.0\n")
    script = [(5.0, "reload", {})]
    events, _, _, _ = run(config(), 240, holds=[(90, 105), (170, 200)], script=script, reload=lambda: (new, "new.toml"))
    reloaded = next(e for e in events if e["event"] == "config_reloaded")
    assert reloaded["changed"] == ["detector"]
    holds = [e for e in events if e["event"] == "hold_start"]
    assert len(holds) == 1 and 169 <= holds[0]["start"] <= 171  # only the 30 s hold...
    assert 19.5 <= holds[0]["t"] - holds[0]["start"] <= 21.0  # ...found 20 s into it
    events, _, _, _ = run(config(), 240, holds=[(90, 105), (170, 200)])
    assert len([e for e in events if e["event"] == "hold_start"]) == 2  # as it was
