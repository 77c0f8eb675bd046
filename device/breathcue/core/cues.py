"""The nudge policy: a pure reducer ``step(state, events, now, inputs, config) -> (state, cue events)``.

A detector event (hold, shallow or rapid breathing) opens a *condition*;
the policy turns a condition into a light cue only when nothing forbids
it: the schedule, a pause or a session (``Inputs.blocked``), a snooze, the
cooldown from the start of the last nudge, or the hourly limit.  A
condition is cued at most once, and a blocked one is reported once as
``cue_skipped``; if it is still there when the block lifts (the cooldown
runs out during a long shallow spell) it is cued then.  ``state.cue`` is
the cue to draw now, ``state.recovery`` the calm breaths after a hold.

- hold: a soft glow pulsing at the user's usual rate, brighter after
  ``escalate_seconds``; when breathing resumes it fades out over 2 s and
  ``recovery_breaths`` paced breaths follow.
- shallow: a "deepen" pacer at the user's rate, drawn to the full ring,
  for ``shallow_cue_seconds`` or until depth recovers.
- rapid: closed-loop slowing.  The pacer starts at the user's measured rate
  and moves toward ``target_bpm``, staying within reach of the breathing
  it measures: never more than 15 % slower than the user's recent breaths,
  and never more than 10 % slower a breath.  It ends once the user breathes
  near the target for two breaths, or after ``rapid_cue_seconds``.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Iterable

from .types import Event

if TYPE_CHECKING:
    from ..config import CuesConfig

HOUR = 3600.0
FADE_SECONDS = 2.0
DEFAULT_BPM = 12.0  # the invitation's pace before any breath has been measured
INVITE_BPM = (4.0, 20.0)  # a hold or shallow cue paces within these rates
RAPID_MAX_BPM = 40.0
FOLLOW_LEAD = 0.15  # the rapid pacer stays at most this share slower than the user
MAX_STEP = 0.10  # and changes by at most this share per breath
FOLLOW_BREATHS = 2  # breaths near the target that end a rapid cue

PRIORITY = ("hold", "rapid", "shallow")
STARTS = {"hold_start": "hold", "rapid_start": "rapid", "shallow_start": "shallow"}
ENDS = {"hold_end": "hold", "rapid_end": "rapid", "shallow_end": "shallow"}

# Why a cue may not start, besides the schedule's reasons (schedule.py) and "session".
SNOOZED = "snoozed"
COOLDOWN = "cooldown"
HOURLY_LIMIT = "hourly_limit"


@dataclass(frozen=True, slots=True)
class Pacer:
    """A breathing guide whose rate can change without a jump in the light.

    ``cycles(t)`` counts the breaths it has paced since it began; its
    fractional part is the phase, 0 at the start of an inhale.
    """

    bpm: float
    t0: float
    cycles0: float = 0.0

    def cycles(self, t: float) -> float:
        return self.cycles0 + (t - self.t0) * self.bpm / 60.0

    def retuned(self, t: float, bpm: float) -> "Pacer":
        return Pacer(bpm, t, self.cycles(t))


@dataclass(frozen=True, slots=True)
class Cue:
    reason: str  # "hold", "shallow", "rapid"
    level: int
    started: float
    pacer: Pacer
    start_bpm: float
    user_bpm: float | None = None  # rapid: the user's recent breathing rate
    near_target: int = 0  # rapid: breaths in a row near the target


@dataclass(frozen=True, slots=True)
class Recovery:
    """After a hold cue: the cue light fades out, then a few calm paced breaths."""

    started: float  # when breathing resumed
    level: int  # the level the cue had, to fade from
    pacer: Pacer  # begins after the fade
    breaths: int

    @property
    def ends(self) -> float:
        return self.pacer.t0 + self.breaths * 60.0 / self.pacer.bpm


@dataclass(frozen=True, slots=True)
class Condition:
    """Something the detector says is going on now, and what the policy did about it."""

    reason: str
    since: float
    cued: bool = False
    skipped: str | None = None


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the policy needs from outside the detector's events."""

    blocked: str | None = None  # why no nudge may start now (schedule, pause, session), or None
    rate_bpm: float | None = None  # the user's breathing rate as the detector measures it now
    baseline_bpm: float | None = None  # the user's usual rate (calibrated or learnt), when known


@dataclass(frozen=True, slots=True)
class CueState:
    cue: Cue | None = None
    recovery: Recovery | None = None
    conditions: tuple[Condition, ...] = ()
    starts: tuple[float, ...] = ()  # start times of the nudges in the last hour
    snoozed_until: float | None = None

    @property
    def idle(self) -> bool:
        return self.cue is None and self.recovery is None and not self.conditions and self.snoozed_until is None


def step(
    state: CueState, events: Iterable[Event], now: float, inputs: Inputs, config: "CuesConfig"
) -> tuple[CueState, list[Event]]:
    """Apply the detector's events, then whatever time alone changes (escalation, timeouts)."""
    out: list[Event] = []
    for event in events:
        state = _on_event(state, event, inputs, config, out)
    if state.idle:
        return state, out
    return _on_time(state, now, inputs, config, out), out


def snooze(state: CueState, now: float, minutes: float) -> tuple[CueState, list[Event]]:
    """No nudges for ``minutes``; a cue showing now ends."""
    out: list[Event] = []
    state = _end(state, now, "snoozed", out)
    until = now + 60.0 * minutes
    out.append(Event("snooze", now, {"minutes": minutes, "until": until}))
    return replace(state, recovery=None, snoozed_until=until), out


def cancel(state: CueState, now: float) -> tuple[CueState, list[Event]]:
    """End the cue showing now (and its recovery breaths) without snoozing."""
    out: list[Event] = []
    state = _end(state, now, "cancelled", out)
    return replace(state, recovery=None), out


def resume(state: CueState) -> CueState:
    """Lift a snooze."""
    return replace(state, snoozed_until=None)


def why_not(state: CueState, now: float, inputs: Inputs, config: "CuesConfig") -> str | None:
    """Why a new cue may not start at ``now``, or None when one may."""
    if inputs.blocked:
        return inputs.blocked
    if state.snoozed_until is not None and now < state.snoozed_until:
        return SNOOZED
    recent = [s for s in state.starts if now - s < HOUR]
    if recent and now - recent[-1] < config.cooldown_seconds:
        return COOLDOWN
    if len(recent) >= config.max_per_hour:
        return HOURLY_LIMIT
    return None


# --- internals -------------------------------------------------------------------


def _on_event(state: CueState, event: Event, inputs: Inputs, config: "CuesConfig", out: list[Event]) -> CueState:
    name = event.name
    if name == "signal_lost":
        state = _end(state, event.t, "signal_lost", out)
        return replace(state, recovery=None, conditions=())
    if name in STARTS:
        reason = STARTS[name]
        kept = tuple(c for c in state.conditions if c.reason != reason)
        return replace(state, conditions=kept + (Condition(reason, event.t),))
    if name in ENDS:
        reason = ENDS[name]
        state = replace(state, conditions=tuple(c for c in state.conditions if c.reason != reason))
        cue = state.cue
        if cue is None or cue.reason != reason or reason == "rapid":
            return state  # the rapid pacer keeps slowing toward the target after rapid_end
        state = _end(state, event.t, "recovered", out)
        if reason == "hold" and config.recovery_breaths > 0:
            pacer = Pacer(cue.pacer.bpm, event.t + FADE_SECONDS)
            state = replace(state, recovery=Recovery(event.t, cue.level, pacer, config.recovery_breaths))
        return state
    if name == "breath" and state.cue is not None and state.cue.reason == "rapid":
        return _follow(state, event, config, out)
    return state


def _on_time(state: CueState, now: float, inputs: Inputs, config: "CuesConfig", out: list[Event]) -> CueState:
    if state.snoozed_until is not None and now >= state.snoozed_until:
        state = replace(state, snoozed_until=None)
    if state.recovery is not None and (now >= state.recovery.ends or inputs.blocked):
        state = replace(state, recovery=None)
    cue = state.cue
    if cue is not None:
        age = now - cue.started
        if inputs.blocked:
            state = _end(state, now, inputs.blocked, out)
        elif cue.reason == "hold" and cue.level == 1 and age >= config.escalate_seconds:
            state = replace(state, cue=replace(cue, level=2))
            out.append(Event("cue_level", now, {"reason": "hold", "level": 2}))
        elif cue.reason == "shallow" and age >= config.shallow_cue_seconds:
            state = _end(state, now, "timeout", out)
        elif cue.reason == "rapid" and age >= config.rapid_cue_seconds:
            state = _end(state, now, "timeout", out)
    if state.cue is None and any(not c.cued for c in state.conditions):
        state = _maybe_start(state, now, inputs, config, out)
    return state


def _maybe_start(state: CueState, now: float, inputs: Inputs, config: "CuesConfig", out: list[Event]) -> CueState:
    waiting = {c.reason: c for c in state.conditions if not c.cued}
    reason = next(r for r in PRIORITY if r in waiting)
    why = why_not(state, now, inputs, config)
    if why is not None:
        updated = []
        for c in state.conditions:
            if not c.cued and c.skipped is None:
                out.append(Event("cue_skipped", now, {"reason": c.reason, "why": why}))
                c = replace(c, skipped=why)
            updated.append(c)
        return replace(state, conditions=tuple(updated))
    if reason == "rapid":  # from where the user is now
        bpm = min(max(inputs.rate_bpm or config.target_bpm, config.target_bpm), RAPID_MAX_BPM)
    else:  # an invitation at the user's usual pace
        bpm = min(max(inputs.baseline_bpm or inputs.rate_bpm or DEFAULT_BPM, INVITE_BPM[0]), INVITE_BPM[1])
    cue = Cue(reason, 1, now, Pacer(bpm, now), bpm, user_bpm=bpm if reason == "rapid" else None)
    out.append(Event("cue_start", now, {"reason": reason, "level": 1, "bpm": round(bpm, 2)}))
    conditions = tuple(replace(c, cued=True) if c.reason == reason else c for c in state.conditions)
    starts = tuple(s for s in state.starts if now - s < HOUR) + (now,)
    return replace(state, cue=cue, recovery=None, conditions=conditions, starts=starts)


def _follow(state: CueState, breath: Event, config: "CuesConfig", out: list[Event]) -> CueState:
    """The closed loop of a rapid cue: one measured breath moves the pacer a step."""
    cue = state.cue
    assert cue is not None
    onset, end = breath.get("onset"), breath.get("end")
    if onset is None or end is None or end <= onset or onset < cue.started:
        return state
    measured = 60.0 / (end - onset)
    user = measured if cue.user_bpm is None else 0.5 * (cue.user_bpm + measured)
    target = config.target_bpm
    want = max(target, user * (1.0 - FOLLOW_LEAD))
    now_bpm = cue.pacer.bpm
    bpm = max(target, min(max(want, now_bpm * (1.0 - MAX_STEP)), now_bpm * (1.0 + MAX_STEP)))
    near = cue.near_target + 1 if user <= target * (1.0 + FOLLOW_LEAD) and bpm <= target * 1.001 else 0
    state = replace(state, cue=replace(cue, pacer=cue.pacer.retuned(breath.t, bpm), user_bpm=user, near_target=near))
    if near >= FOLLOW_BREATHS:
        state = _end(state, breath.t, "slowed", out)
    return state


def _end(state: CueState, t: float, outcome: str, out: list[Event]) -> CueState:
    cue = state.cue
    if cue is None:
        return state
    fields = {"reason": cue.reason, "started": cue.started, "duration": t - cue.started, "level": cue.level, "outcome": outcome}
    if cue.reason == "rapid":
        user = None if cue.user_bpm is None else round(cue.user_bpm, 2)
        fields.update(start_bpm=round(cue.start_bpm, 2), end_bpm=round(cue.pacer.bpm, 2), user_bpm=user)
    out.append(Event("cue_end", t, fields))
    return replace(state, cue=None)
