"""The nudge policy: a pure reducer ``step(state, events, now, inputs, config) -> (state, cue events)``.

A detector event (hold, shallow or rapid breathing) opens a *condition*.
The policy is built to be left switched on (docs/cues.md says why), so it
spends a small daily budget on what matters most:

- a hold is nudged as soon as the detector reports it, like the others
  below; once it has lasted ``hold_nudge_seconds`` it is a *long* hold,
  nudged whenever the schedule, a do-not-disturb, a snooze and the daily
  budget allow, past the cooldown and the hourly limit;
- a shallow spell once it has lasted ``shallow_nudge_seconds``, and rapid
  breathing and a hold at once, but only within the cooldown, the hourly
  limit and the part of the daily budget not kept for long holds;
- a snooze or a cancel while a nudge shows, or within ``DISMISS_SECONDS``
  after one that did not end in recovery, doubles that kind's cooldown for
  the rest of the local day.

A condition is nudged at most once.  One that ends without a nudge is
reported once, at its end, as ``cue_skipped`` with why it was held back
(``short`` when it never lasted long enough).  ``state.cue`` is the cue to
draw now, ``state.recovery`` the calm breaths after a hold.

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

# Why a nudge may not start, besides the schedule's reasons (schedule.py) and "session".
DO_NOT_DISTURB = "do_not_disturb"
SNOOZED = "snoozed"
DAILY_LIMIT = "daily_limit"
KEPT_FOR_HOLDS = "kept_for_holds"  # the last part of the daily budget waits for long holds
COOLDOWN = "cooldown"
LEARNT_COOLDOWN = "learnt_cooldown"
HOURLY_LIMIT = "hourly_limit"
SHORT = "short"  # the spell ended before it was worth a nudge
BUSY = "another_nudge"  # it was due while a nudge that matters as much was showing
SIGNAL_LOST = "signal_lost"
HARD_BLOCKS = (DO_NOT_DISTURB, SNOOZED)  # besides Inputs.blocked: reported even before a spell is due
EXERCISE = ("session", "calibrating")  # a spell seen while the user breathes to a guide is the exercise, never nudged

HOLD_RESERVE = 0.25  # this share of cues.max_per_day is kept for long holds
DISMISS_SECONDS = 120.0  # a snooze or cancel this soon after a nudge says it was unwelcome
MAX_LEARNT_SECONDS = 4 * HOUR  # a learnt cooldown never grows beyond this
RECOVERED = ("recovered", "slowed")  # cue_end outcomes after which a snooze or cancel teaches nothing


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
    began: float  # when it began (a hold's last breath movement, a shallow spell's first shallow breath)
    cued: bool = False
    skipped: str | None = None  # why it is held back, so far


@dataclass(frozen=True, slots=True)
class Inputs:
    """What the policy needs from outside the detector's events."""

    blocked: str | None = None  # why no nudge may start now (schedule, pause, session), or None
    rate_bpm: float | None = None  # the user's breathing rate as the detector measures it now
    baseline_bpm: float | None = None  # the user's usual rate (calibrated or learnt), when known
    day: int | None = None  # the local date (an ordinal): the daily budget and learning start afresh on a new one


@dataclass(frozen=True, slots=True)
class LastNudge:
    """The latest nudge, so a snooze or cancel soon after it can be taken as the user's answer to it."""

    reason: str
    started: float
    ended: float | None = None
    outcome: str | None = None


@dataclass(frozen=True, slots=True)
class CueState:
    cue: Cue | None = None
    recovery: Recovery | None = None
    conditions: tuple[Condition, ...] = ()
    starts: tuple[float, ...] = ()  # start times of the nudges in the last hour
    snoozed_until: float | None = None
    dnd_until: float | None = None
    day: int | None = None  # the local date the two counts below belong to
    today: int = 0  # nudges given on that day
    dismissed: tuple[str, ...] = ()  # the kind of each nudge snoozed or cancelled soon after it, that day
    last: LastNudge | None = None
    last_of: tuple[tuple[str, float], ...] = ()  # the start of the latest nudge of each kind

    @property
    def idle(self) -> bool:
        return (
            self.cue is None
            and self.recovery is None
            and not self.conditions
            and self.snoozed_until is None
            and self.dnd_until is None
        )


def step(
    state: CueState, events: Iterable[Event], now: float, inputs: Inputs, config: "CuesConfig"
) -> tuple[CueState, list[Event]]:
    """Apply the detector's events, then whatever time alone changes (escalation, timeouts)."""
    out: list[Event] = []
    if inputs.day is not None and inputs.day != state.day:
        state = replace(state, day=inputs.day, today=0, dismissed=())
    for event in events:
        state = _on_event(state, event, config, out)
    if state.idle:
        return state, out
    return _on_time(state, now, inputs, config, out), out


def snooze(state: CueState, now: float, minutes: float) -> tuple[CueState, list[Event]]:
    """No nudges for ``minutes``; a cue showing now ends, and if it came unwelcome its kind waits longer today."""
    out: list[Event] = []
    state = _learn(state, now, out)
    state = _end(state, now, "snoozed", out)
    until = now + 60.0 * minutes
    out.append(Event("snooze", now, {"minutes": minutes, "until": until}))
    return replace(state, recovery=None, snoozed_until=until), out


def cancel(state: CueState, now: float, learn: bool = True) -> tuple[CueState, list[Event]]:
    """End the cue showing now (and its recovery breaths) without snoozing.

    With ``learn`` (the button, the dashboard) a cancel soon after a nudge
    lengthens that kind's cooldown; a pause or do-not-disturb passes False,
    being about the moment, not the nudge.
    """
    out: list[Event] = []
    if learn:
        state = _learn(state, now, out)
    state = _end(state, now, "cancelled", out)
    return replace(state, recovery=None), out


def do_not_disturb(state: CueState, now: float, minutes: float) -> tuple[CueState, list[Event]]:
    """No nudges for ``minutes`` (a call, a meeting): unlike a snooze, it teaches the policy nothing."""
    out: list[Event] = []
    state = _end(state, now, DO_NOT_DISTURB, out)
    until = now + 60.0 * minutes
    out.append(Event("do_not_disturb", now, {"minutes": minutes, "until": until}))
    return replace(state, recovery=None, dnd_until=until), out


def end_do_not_disturb(state: CueState) -> CueState:
    """Lift a do-not-disturb only (a snooze stays)."""
    return replace(state, dnd_until=None)


def resume(state: CueState) -> CueState:
    """Lift a snooze and a do-not-disturb."""
    return replace(state, snoozed_until=None, dnd_until=None)


def cooldown(state: CueState, reason: str | None, config: "CuesConfig") -> float:
    """Seconds from the latest nudge of ``reason`` to the next: doubled for each time one was unwelcome today.

    Long holds have no cooldown of their own until one is dismissed; None is
    any other kind, as the status shows it.
    """
    n = state.dismissed.count(reason) if reason is not None else 0
    base = 0.0 if reason == "hold" else config.cooldown_seconds
    if n == 0:
        return base
    return min(max(config.cooldown_seconds, 1.0) * 2.0**n, MAX_LEARNT_SECONDS)


def learnt(state: CueState, config: "CuesConfig") -> dict[str, dict[str, float | int]]:
    """The kinds whose cooldown the user's snoozes and cancels lengthened today, and to how long."""
    return {
        reason: {"dismissed": state.dismissed.count(reason), "cooldown_seconds": cooldown(state, reason, config)}
        for reason in PRIORITY
        if reason in state.dismissed
    }


def budget(config: "CuesConfig") -> tuple[int, int]:
    """The daily budget: (all nudges, those left to kinds other than long holds)."""
    reserve = round(config.max_per_day * HOLD_RESERVE)
    return config.max_per_day, config.max_per_day - reserve


def why_not(
    state: CueState, now: float, inputs: Inputs, config: "CuesConfig", reason: str | None = None, long_hold: bool = True
) -> str | None:
    """Why a nudge for ``reason`` may not start at ``now``, or None when one may.

    A long hold is held back only by the schedule, a do-not-disturb, a
    snooze, the daily budget and a cooldown it has learnt; a hold not yet
    ``long_hold`` waits as the other kinds do; ``reason`` None asks for any
    other kind.
    """
    long = reason == "hold" and long_hold
    if inputs.blocked:
        return inputs.blocked
    if state.dnd_until is not None and now < state.dnd_until:
        return DO_NOT_DISTURB
    if state.snoozed_until is not None and now < state.snoozed_until:
        return SNOOZED
    today = state.today if inputs.day is None or inputs.day == state.day else 0
    total, others = budget(config)
    if today >= total:
        return DAILY_LIMIT
    if not long and today >= others:
        return KEPT_FOR_HOLDS
    own = dict(state.last_of).get(reason) if reason is not None else None
    if own is not None and reason in state.dismissed and now - own < cooldown(state, reason, config):
        return LEARNT_COOLDOWN
    if long:
        return None
    recent = [s for s in state.starts if now - s < HOUR]
    if recent and now - recent[-1] < config.cooldown_seconds:
        return COOLDOWN
    if len(recent) >= config.max_per_hour:
        return HOURLY_LIMIT
    return None


# --- internals -------------------------------------------------------------------


def _on_event(state: CueState, event: Event, config: "CuesConfig", out: list[Event]) -> CueState:
    name = event.name
    if name == "signal_lost":
        state = _end(state, event.t, "signal_lost", out)
        for c in state.conditions:
            _held_back(c, event.t, out, SIGNAL_LOST)
        return replace(state, recovery=None, conditions=())
    if name in STARTS:
        reason = STARTS[name]
        began = event.get("start")
        began = event.t if not isinstance(began, (int, float)) else min(float(began), event.t)
        kept = tuple(c for c in state.conditions if c.reason != reason)
        return replace(state, conditions=kept + (Condition(reason, began),))
    if name in ENDS:
        reason = ENDS[name]
        for c in state.conditions:
            if c.reason == reason:
                _held_back(c, event.t, out)
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


def _held_back(c: Condition, t: float, out: list[Event], why: str | None = None) -> None:
    """A condition that ends without a nudge is reported once, with why."""
    if not c.cued:
        out.append(Event("cue_skipped", t, {"reason": c.reason, "why": c.skipped or why or SHORT}))


def _on_time(state: CueState, now: float, inputs: Inputs, config: "CuesConfig", out: list[Event]) -> CueState:
    if state.snoozed_until is not None and now >= state.snoozed_until:
        state = replace(state, snoozed_until=None)
    if state.dnd_until is not None and now >= state.dnd_until:
        state = replace(state, dnd_until=None)
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
    if any(not c.cued for c in state.conditions):
        state = _maybe_start(state, now, inputs, config, out)
    return state


def _due(c: Condition, now: float, config: "CuesConfig") -> bool:
    """Whether a condition has gone on long enough to be worth a nudge."""
    if c.reason == "shallow":
        return now - c.began >= config.shallow_nudge_seconds
    return True


def _maybe_start(state: CueState, now: float, inputs: Inputs, config: "CuesConfig", out: list[Event]) -> CueState:
    """Nudge the most important condition that is due and allowed; note why the others wait."""
    chosen: str | None = None
    updated = []
    for c in state.conditions:
        if not c.cued and c.skipped not in EXERCISE:
            why = why_not(state, now, inputs, config, c.reason, now - c.began >= config.hold_nudge_seconds)
            due = _due(c, now, config)
            if why is not None and (due or why == inputs.blocked or why in HARD_BLOCKS):
                c = replace(c, skipped=why)
            elif why is None and due:
                c = replace(c, skipped=None)
                if chosen is None or PRIORITY.index(c.reason) < PRIORITY.index(chosen):
                    chosen = c.reason
        updated.append(c)
    state = replace(state, conditions=tuple(updated))
    showing = state.cue
    if chosen is None:
        return state
    if showing is not None and PRIORITY.index(showing.reason) <= PRIORITY.index(chosen):
        waiting = tuple(replace(c, skipped=BUSY) if c.reason == chosen else c for c in state.conditions)
        return replace(state, conditions=waiting)
    if showing is not None:  # a long hold matters more than the deepen or slow-down cue on show
        state = _end(state, now, "replaced", out)
    reason = chosen
    if reason == "rapid":  # from where the user is now
        bpm = min(max(inputs.rate_bpm or config.target_bpm, config.target_bpm), RAPID_MAX_BPM)
    else:  # an invitation at the user's usual pace
        bpm = min(max(inputs.baseline_bpm or inputs.rate_bpm or DEFAULT_BPM, INVITE_BPM[0]), INVITE_BPM[1])
    cue = Cue(reason, 1, now, Pacer(bpm, now), bpm, user_bpm=bpm if reason == "rapid" else None)
    out.append(Event("cue_start", now, {"reason": reason, "level": 1, "bpm": round(bpm, 2)}))
    conditions = tuple(replace(c, cued=True) if c.reason == reason else c for c in state.conditions)
    starts = tuple(s for s in state.starts if now - s < HOUR) + (now,)
    last_of = tuple((r, t) for r, t in state.last_of if r != reason) + ((reason, now),)
    return replace(
        state, cue=cue, recovery=None, conditions=conditions, starts=starts, today=state.today + 1,
        last=LastNudge(reason, now), last_of=last_of,
    )


def _learn(state: CueState, now: float, out: list[Event]) -> CueState:
    """A snooze or cancel while a nudge shows, or soon after one that did not help: that kind waits longer today."""
    last = state.last
    if last is None:
        return state
    showing = state.cue is not None and state.cue.started == last.started
    soon = last.ended is not None and now - last.ended <= DISMISS_SECONDS and last.outcome not in RECOVERED
    if not (showing or soon):
        return state
    dismissed = state.dismissed + (last.reason,)
    out.append(Event("cue_learnt", now, {"reason": last.reason, "dismissed": dismissed.count(last.reason)}))
    return replace(state, dismissed=dismissed, last=None)


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
    last = state.last
    if last is not None and last.started == cue.started:
        last = replace(last, ended=t, outcome=outcome)
    return replace(state, cue=None, last=last)
