"""What the daemon is doing, in plain words: the terminal's status line and its event lines.

A person watching `breathcue run` or `pace` should read "holding your
breath 12 s: breathe out, then in with the light", not ``cue: hold (level
1)``; and "breath hold of 21 s ended", not a Python dict.  Everything here
reads the status (docs/formats.md, "status.json") or an event, so the words
never disagree with what the dashboard and the files say.
"""

from __future__ import annotations

from typing import Any

from .core.types import Event
from .figures import nudge_name

STATES = {
    "starting": "getting to know your breathing",
    "breathing": "breathing",
    "shallow": "breathing shallowly",
    "rapid": "breathing fast",
    "artifact": "moving: breaths are not counted until it settles",
    "signal_lost": "no signal from the strap: check it is on and plugged in",
}
ADVICE = {  # what a nudge asks, as the ring shows it
    "hold": "breathe out, then in with the light",
    "shallow": "deepen, breathe with the light",
    "rapid": "slow down with the light",
}
PHASES = {
    "inhale": "breathe in", "hold_in": "hold, lungs full", "exhale": "breathe out", "hold_out": "hold, lungs empty",
    "tense": "tense and breathe in", "hold": "hold the tension and the breath", "release": "let go, breathe out",
    "calm": "breathe calmly",
}
WHY = {  # a cue_skipped `why`, or the status's `nudges.blocked`
    "short": "it ended before a nudge was due",
    "quiet_hours": "quiet hours",
    "outside_working_hours": "outside working hours",
    "off_day": "not a working day",
    "paused": "paused",
    "session": "a session is running",
    "do_not_disturb": "do not disturb",
    "snoozed": "snoozed",
    "daily_limit": "today's nudges are used up",
    "kept_for_holds": "the last nudges of the day are kept for breath holds",
    "cooldown": "too soon after the last nudge",
    "learnt_cooldown": "you dismissed this kind today, so it waits longer",
    "hourly_limit": "enough nudges this hour",
    "another_nudge": "another nudge was showing",
    "signal_lost": "the signal was lost",
}
FOLLOWING = 0.6
"""How closely the signal must follow the guide (|r|) to say so: the calibration's own bar."""
SCHEDULE = ("quiet_hours", "outside_working_hours", "off_day")
OUTCOMES = {
    "recovered": "you are breathing again", "slowed": "you slowed down", "timeout": "it timed out",
    "snoozed": "snoozed", "cancelled": "cancelled", "signal_lost": "the signal was lost",
    "session": "a session began",
}
LOST = {
    "i2c_error": "the sensor does not answer",
    "flat": "the signal is flat",
    "saturated": "the signal is at its limit: the strap is unplugged or overstretched",
    "weak": "breathing shows only faintly: tighten the strap",
    "missing": "the recording has a gap",
}


def clock(seconds: float) -> str:
    """Elapsed time as a person reads it: 0:42, 12:05, 1:02:03."""
    s = max(0, int(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    return f"{h}:{m:02d}:{s:02d}" if h else f"{m}:{s:02d}"


def duration(seconds: float) -> str:
    """A length of time in words: 45 s, 3 min 20 s, 2 h 0 min."""
    s = max(0, round(seconds))
    h, rest = divmod(s, 3600)
    m, s = divmod(rest, 60)
    if h:
        return f"{h} h {m} min"
    return f"{m} min {s} s" if m and s else f"{m} min" if m else f"{s} s"


def _hold_seconds(status: dict[str, Any]) -> float | None:
    starts = [e for e in status.get("recent_events", ()) if e.get("event") == "hold_start"]
    return status["t"] - starts[-1]["start"] if starts and starts[-1].get("start") is not None else None


def status_line(status: dict[str, Any]) -> str:
    """One line: elapsed time, what is happening, what to do, the breathing rate."""
    state = status["state"]
    session, cue, nudges = status.get("session"), status.get("cue"), status.get("nudges") or {}
    if state == "hold":
        held = _hold_seconds(status)
        what = f"holding your breath {held:.0f} s" if held is not None else "holding your breath"
    else:
        what = STATES.get(state, state.replace("_", " "))
    if session is not None:
        what = session_words(session) + ("" if state in ("breathing", "starting") else f"; {what}")
        if session.get("following") is not None and not status.get("rate_bpm"):  # before the first breaths are counted
            what += "; following the light" if session["following"] >= FOLLOWING else "; not following the light yet"
    elif cue is not None:
        what += f": {ADVICE.get(cue['reason'], 'breathe with the light')}"
    rate = status.get("rate_bpm")
    if rate and state not in ("signal_lost",):
        what += f"  ({rate:.0f} breaths a minute)"
    if session is None and cue is None:
        if nudges.get("do_not_disturb_until"):
            what += "  do not disturb"
        elif nudges.get("paused_until"):
            what += "  paused"
        elif nudges.get("snoozed_until"):
            what += "  snoozed"
        elif nudges.get("blocked") in SCHEDULE:  # why a hold would go uncued (a demo in the evening, say)
            what += f"  no nudges now: {WHY.get(nudges['blocked'], nudges['blocked'].replace('_', ' '))}"
    return f"{clock(status['t'])}  {what}"


def session_words(session: dict[str, Any]) -> str:
    """'box: breathe in 3 s, 4:10 left': the phase in words and the time left."""
    words = session.get("pattern") or "session"
    phase = session.get("phase")
    if phase:
        words += f": {PHASES.get(phase, phase)}"
        if session.get("phase_left") is not None:
            words += f" {max(1, round(session['phase_left']))} s"
    left = session.get("left")
    words += f", {clock(left)} left" if left is not None else f", {clock(session.get('seconds', 0))} so far"
    return words


def event_line(event: Event) -> str | None:
    """A readable line for an event other than a breath; None for those not worth a line."""
    g, name = event.get, event.name
    if name == "hold_start":
        return f"breath hold: no breathing for {event.t - g('start'):.0f} s"
    if name == "hold_end":
        return f"breath hold of {g('duration'):.0f} s ended"
    if name in ("shallow_start", "rapid_start", "artifact_start"):
        return {"shallow_start": "breathing shallowly", "rapid_start": "breathing fast",
                "artifact_start": "movement: breaths are not counted until it settles"}[name]
    if name in ("shallow_end", "rapid_end", "artifact_end"):
        return {"shallow_end": "breathing deeply enough again", "rapid_end": "breathing slower again",
                "artifact_end": "movement over"}[name]
    if name == "signal_lost":
        return f"signal lost: {LOST.get(g('reason'), g('reason'))}"
    if name == "signal_ok":
        return f"signal back after {event.t - g('start'):.0f} s"
    if name == "cue_start":
        return f"nudge ({nudge_name(g('reason'))}): {ADVICE.get(g('reason'), 'breathe with the light')}, at {g('bpm'):.0f} breaths a minute"
    if name == "cue_level":
        return f"nudge ({nudge_name(g('reason'))}) brighter"
    if name == "cue_end":
        return f"nudge ({nudge_name(g('reason'))}) over after {g('duration'):.0f} s: {OUTCOMES.get(g('outcome'), WHY.get(g('outcome'), g('outcome')))}"
    if name == "cue_skipped":
        return f"nudge ({nudge_name(g('reason'))}) held back: {WHY.get(g('why'), g('why'))}"
    if name == "cue_learnt":
        return f"{nudge_name(g('reason'))} nudges dismissed {g('dismissed')} times today: they wait longer"
    if name == "snooze":
        return f"nudges snoozed for {g('minutes'):g} min"
    if name == "do_not_disturb":
        return f"do not disturb for {g('minutes'):g} min"
    if name == "pause":
        return f"paused until {g('until')}" if g("until") else "paused"
    if name == "resume":
        return "nudges back on"
    if name == "button":
        return f"button: {g('press')} press, {g('action') or 'nothing to do'}"
    if name == "session_start":
        minutes = g("minutes")
        return f"{g('pattern')} session started" + (f" ({duration(60 * minutes)})" if minutes else "")
    if name == "session_end":
        return session_card(event.to_json_dict())
    if name == "config_reloaded":
        changed = g("changed") or []
        return f"config reloaded from {g('source')}" + (f": {', '.join(changed)} changed" if changed else ": no changes")
    if name == "config_error":
        errors = g("errors") or []
        return f"config not reloaded, {len(errors)} problem{'s' if len(errors) != 1 else ''}: " + "; ".join(errors)
    rest = ", ".join(f"{k} {v}" for k, v in event.to_json_dict().items() if k not in ("event", "t"))
    return f"{name.replace('_', ' ')}" + (f": {rest}" if rest else "")


def session_card(end: dict[str, Any]) -> str:
    """The end of a paced session in a few numbers: length, breaths, in pace, phase lag, rate before and after."""
    parts = [f"{end.get('pattern') or 'session'} session {end.get('outcome', 'ended')}: {duration(end.get('duration') or 0)}"]
    breaths = end.get("breaths") or 0
    parts.append(f"{breaths} breath{'s' if breaths != 1 else ''}")
    if end.get("in_pace") is not None:
        parts.append(f"{100 * end['in_pace']:.0f} % in pace")
    if end.get("phase_lag_s") is not None:
        lag = end["phase_lag_s"]
        parts.append(f"{abs(lag):.1f} s {'behind' if lag >= 0 else 'ahead of'} the light")
    before, after = end.get("rate_before_bpm"), end.get("rate_after_bpm")
    if before is not None or after is not None:
        show = lambda v: "--" if v is None else f"{v:.1f}"  # noqa: E731
        parts.append(f"breathing rate {show(before)} -> {show(after)} a minute")
    return ", ".join(parts)
