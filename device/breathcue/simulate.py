"""`breathcue simulate`: the whole daemon on a virtual clock, as fast as the machine allows.

A simulated breather plays a scenario, the real detector, cue policy and
schedule run on it, and a ring that only counts frames stands in for the
LEDs.  Nobody watches that ring, so it is drawn at a few frames a second
(``--fps``) instead of 60: an 8-hour day is 720,000 samples but only
57,600 frames at 2 fps.  Cues, sessions and every event are the same as at
60 fps, because they are decided on samples; only the commands of the
button or the web, which are read once a frame, wait longer.
"""

from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, Callable, Sequence

from .app import Daemon, SessionFollower, Sink
from .clock import VirtualClock
from .config import Config
from .core.types import Event, RGBBytes
from .figures import EPISODE_STARTS, edge, minutes_text, nudge_name, spell_minutes
from .hw import select
from .hw.ports import Sensor
from .hw.sim import SimulatedBreather

DEFAULT_FPS = 2.0


def breather(config: Config, scenario: str, seed: int) -> select.Parts:
    """The simulated strap playing a scenario (hw/scenarios.py), as `run --sim` reads it; its terminal ring stays unused.

    ValueError names the scenarios there are.
    """
    return select.build(config, force_sim=True, seed=seed, scenario=scenario, sim_reason="breathcue simulate")


class CountingRing:
    """A ring that keeps only how many frames it was shown and the last one."""

    def __init__(self, pixels: int) -> None:
        self.pixels = pixels
        self.frames = 0
        self.last: tuple[RGBBytes, ...] = ()
        self.status = ""

    def show(self, rgb: Sequence[RGBBytes], t: float) -> None:
        self.frames += 1
        self.last = tuple(rgb)

    def set_status(self, text: str) -> None:
        self.status = text

    def close(self) -> None:
        self.last = ((0, 0, 0),) * self.pixels


@dataclass
class Tally(Sink):
    """What a simulated day held, counted as it happens."""

    events: Counter = field(default_factory=Counter)
    nudges: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    hours: dict[datetime, "HourTally"] = field(default_factory=dict)  # local hour -> nudges given and held back
    states: Counter = field(default_factory=Counter)  # seconds in each detector state
    longest_hold: float = 0.0
    adherence: list[float] = field(default_factory=list)
    breath_holds: int = 0  # outside paced sessions, as reports count them
    pacing: bool = False
    budget: int = 0  # cues.max_per_day, as the status says
    spells: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # kind -> (start, end), as the history keeps them
    open_spells: dict[str, float] = field(default_factory=dict)
    now: float = 0.0

    def event(self, event: Event, wall: datetime) -> None:
        self.events[event.name] += 1
        self.now = max(self.now, event.t)
        found = edge(event.name, event.t, dict(event.fields))
        if found is not None:
            kind, t = found
            if event.name in EPISODE_STARTS:
                self.open_spells[kind] = t
            elif kind in self.open_spells:
                self.spells.setdefault(kind, []).append((self.open_spells.pop(kind), t))
        if event.name == "cue_start":
            self.nudges[event.get("reason")] += 1
            self._hour(wall).given += 1
        elif event.name == "cue_skipped":
            self.skipped[event.get("why")] += 1
            self._hour(wall).held_back[event.get("why")] += 1
        elif event.name == "hold_start" and not self.pacing:
            self.breath_holds += 1
        elif event.name == "hold_end" and not self.pacing:
            self.longest_hold = max(self.longest_hold, event.get("duration") or 0.0)
        elif event.name == "session_start":
            self.pacing = True
        elif event.name == "session_end":
            self.pacing = False
            if event.get("in_pace") is not None:
                self.adherence.append(event.get("in_pace"))

    def status(self, status: dict[str, Any]) -> None:
        self.states[status["state"]] += 1  # statuses come once a second of clock time
        self.now = max(self.now, float(status["t"]))
        self.budget = status["nudges"]["max_per_day"]

    def minutes(self, kind: str, end: float) -> float:
        """Minutes in spells of ``kind``, one still open ending at ``end``: the reports' figure."""
        spans = self.spells.get(kind, []) + [(s, end) for k, s in self.open_spells.items() if k == kind]
        return spell_minutes(spans)

    def _hour(self, wall: datetime) -> "HourTally":
        return self.hours.setdefault(wall.replace(minute=0, second=0, microsecond=0), HourTally())


@dataclass
class HourTally:
    given: int = 0
    held_back: Counter = field(default_factory=Counter)  # why -> how many


def why_text(counts: Counter) -> str:
    """'short 4, cooldown 1': held-back nudges by why, most first."""
    return ", ".join(f"{why.replace('_', ' ')} {n}" for why, n in counts.most_common())


@dataclass(frozen=True)
class Summary:
    start: datetime
    seconds: float
    elapsed: float  # real seconds the simulation took
    frames: int
    tally: Tally

    def text(self) -> str:
        t = self.tally
        lines = [f"simulated {_duration(self.seconds)} from {self.start:%a %Y-%m-%d %H:%M} in {self.elapsed:.1f} s"]
        longest = f" (longest {t.longest_hold:.0f} s)" if t.breath_holds else ""
        in_sessions = t.events["hold_start"] - t.breath_holds
        lines.append(f"  breath holds  {t.breath_holds}{longest}" + (f"; {in_sessions} more in paced sessions" if in_sessions else ""))
        by_reason = ", ".join(f"{nudge_name(r)} {n}" for r, n in sorted(t.nudges.items()))
        lines.append(
            f"  nudges        {sum(t.nudges.values())}"
            + (f" ({by_reason})" if by_reason else "")
            + (f"; held back {sum(t.skipped.values())} ({why_text(t.skipped)})" if t.skipped else "")
        )
        lines.append(f"  daily budget  {t.budget} nudges a day (cues.max_per_day)")
        pace = f" (in pace {100 * sum(t.adherence) / len(t.adherence):.0f} % on average)" if t.adherence else ""
        lines.append(f"  sessions      {t.events['session_start']}{pace}")
        lines.append(f"  snoozes       {t.events['snooze']}")
        lines.append(
            f"  shallow       {minutes_text(t.minutes('shallow', self.seconds))}; rapid {minutes_text(t.minutes('rapid', self.seconds))}; "
            f"signal lost {minutes_text(t.minutes('signal_lost', self.seconds))}"
        )
        total = sum(t.states.values()) or 1
        states = ", ".join(f"{s.replace('_', ' ')} {100 * n / total:.0f} %" for s, n in t.states.most_common())
        lines.append(f"  detector      {states} of the time")
        if t.hours:
            lines.append("  per hour      given  held back")
            for hour, h in sorted(t.hours.items()):
                held = sum(h.held_back.values())
                lines.append(f"    {hour:%H:%M}       {h.given:5d}  {held:9d}" + (f"  ({why_text(h.held_back)})" if held else ""))
        return "\n".join(lines)


def _duration(seconds: float) -> str:
    h, rest = divmod(round(seconds), 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h} h {m:02d} min"
    return f"{m} min {s:02d} s" if m else f"{s} s"


def simulate(
    config: Config,
    clock: VirtualClock,
    sensor: Sensor,
    seconds: float,
    sinks: Sequence[Sink] = (),
    more_sinks: Callable[[Daemon], list[Sink]] = lambda daemon: [],
    fps: float = DEFAULT_FPS,
    breather: SimulatedBreather | None = None,
) -> Summary:
    """Run the daemon for ``seconds`` of virtual time; what happened, counted.

    ``breather``, the simulated person behind ``sensor``, breathes along with the sessions.
    """
    config = replace(config, ring=replace(config.ring, fps=fps))
    ring = CountingRing(config.ring.pixels)
    tally = Tally()
    daemon = Daemon(config, clock, sensor, ring, [tally, *sinks], seconds)
    daemon.sinks.extend(more_sinks(daemon))
    if breather is not None:
        daemon.sinks.append(SessionFollower(daemon, breather.follow))
    start = clock.wall()
    began = time.perf_counter()
    try:
        daemon.run()
    finally:
        ring.close()
        sensor.close()
    return Summary(start, clock.now(), time.perf_counter() - began, ring.frames, tally)
