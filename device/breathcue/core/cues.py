"""The nudge policy: a pure reducer from (state, events) to (state, cue events).

It decides whether a detected event becomes a light cue, respecting the
cooldown between nudges, the hourly limit and whether nudges are allowed at
all right now (working hours, quiet hours), and ends a cue when breathing
resumes.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable

from .types import Event

if TYPE_CHECKING:
    from ..config import CuesConfig

HOUR = 3600.0
TRIGGERS = {"hold_start": "hold"}
ENDS = {"hold": ("hold_end", "signal_lost")}


@dataclass(frozen=True, slots=True)
class Cue:
    reason: str
    level: int
    started: float


@dataclass(frozen=True, slots=True)
class CueState:
    cue: Cue | None = None
    starts: tuple[float, ...] = ()  # start times of the nudges in the last hour


def step(
    state: CueState, events: Iterable[Event], config: "CuesConfig", allowed: bool
) -> tuple[CueState, list[Event]]:
    out: list[Event] = []
    for event in events:
        if state.cue is not None and event.name in ENDS[state.cue.reason]:
            out.append(Event("cue_end", event.t, {"reason": state.cue.reason, "started": state.cue.started}))
            state = replace(state, cue=None)
        elif state.cue is None and event.name in TRIGGERS and allowed and _may_start(state, event.t, config):
            cue = Cue(TRIGGERS[event.name], 1, event.t)
            state = CueState(cue, tuple(s for s in state.starts if event.t - s < HOUR) + (event.t,))
            out.append(Event("cue_start", event.t, {"reason": cue.reason, "level": cue.level}))
    return state, out


def _may_start(state: CueState, t: float, config: "CuesConfig") -> bool:
    recent = [s for s in state.starts if t - s < HOUR]
    if recent and t - recent[-1] < config.cooldown_seconds:
        return False
    return len(recent) < config.max_per_hour
