"""Helpers for running the whole daemon on a virtual clock: a breather with holds, scripted commands."""

from __future__ import annotations

import io
import json
import math
import random
from dataclasses import replace
from datetime import datetime
from zoneinfo import ZoneInfo

from breathcue.app import Daemon, EventWriter, SessionFollower, Sink
from breathcue.clock import VirtualClock
from breathcue.config import Config, parse_text
from breathcue.core.types import Sample
from breathcue.hw.sim import RecordingRing, SimulatedBreather

UTC = ZoneInfo("UTC")


class WithHolds:
    """A simulated breather who holds their breath (or loses the strap) at given times.

    During a hold the strap stays where the breath stopped, with a ~1 Hz
    cardiac ripple and sensor noise on it; with ``lost`` the sensor reads
    nothing at all (an I2C fault).
    """

    def __init__(self, base: SimulatedBreather, holds=(), lost=()) -> None:
        self.base, self.rate_hz = base, base.rate_hz
        self.holds, self.lost = list(holds), list(lost)
        self._frozen: float | None = None
        self._rng = random.Random(5)

    def read(self, t: float) -> Sample:
        sample = self.base.read(t)
        if any(a <= t < b for a, b in self.lost):
            return Sample(t, None, "i2c_error")
        if any(a <= t < b for a, b in self.holds):
            if self._frozen is None:
                self._frozen = sample.value
            return Sample(t, self._frozen + 0.004 * math.sin(2 * math.pi * 1.1 * t) + self._rng.gauss(0, 0.002))
        self._frozen = None
        return sample

    def close(self) -> None:
        pass


class Script(Sink):
    """Submits commands to the daemon at given clock times, as the button or the web would."""

    def __init__(self, daemon: Daemon, steps: list[tuple[float, str, dict]]) -> None:
        self.daemon, self.steps = daemon, sorted(steps, key=lambda s: s[0])

    def frame(self, t, rgb) -> None:
        while self.steps and self.steps[0][0] <= t:
            _, name, args = self.steps.pop(0)
            self.daemon.submit(name, **args)


class Statuses(Sink):
    def __init__(self) -> None:
        self.seen: list[dict] = []

    def status(self, status) -> None:
        self.seen.append(status)


def config(text: str = "", fps: int = 10) -> Config:
    cfg = parse_text(text)
    return replace(cfg, ring=replace(cfg.ring, fps=fps))


def run(cfg: Config, seconds: float, *, holds=(), lost=(), script=(), start=datetime(2026, 11, 24, 10, 0), seed=2, reload=None, extra=Script, baseline=None, follow=False):
    """Run the daemon; (events, ring, daemon, statuses).  With ``follow`` the simulated user breathes along with sessions."""
    clock = VirtualClock(start.replace(tzinfo=UTC) if start.tzinfo is None else start)
    out = io.StringIO()
    ring = RecordingRing(cfg.ring.pixels)
    person = SimulatedBreather(seed=seed, rate_hz=cfg.sensor.sample_rate_hz)
    sensor = WithHolds(person, holds, lost)
    statuses = Statuses()
    daemon = Daemon(cfg, clock, sensor, ring, [EventWriter(out), statuses], seconds, reload=reload, baseline=baseline)
    daemon.sinks.append(extra(daemon, list(script)))
    if follow:
        daemon.sinks.append(SessionFollower(daemon, person.follow))
    daemon.run()
    events = [json.loads(line) for line in out.getvalue().splitlines()]
    return [e for e in events if e["event"] != "breath"], ring, daemon, statuses.seen


def frame_at(ring: RecordingRing, t: float):
    """The bytes the ring showed at clock time t (the last write at or before it)."""
    shown = None
    for when, rgb in ring.frames:
        if when > t + 1e-9:
            break
        shown = rgb
    return shown


def names(events, *wanted):
    return [e["event"] for e in events if not wanted or e["event"] in wanted]
