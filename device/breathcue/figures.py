"""The figures a person reads, each computed and worded in one place.

The text and JSON reports, the week picture, the dashboard, Home Assistant
and `breathcue simulate` once disagreed on one day's shallow breathing
(17 min, 13.7 and 13 min 41 s): one counted the detector's state second by
second, another the spells from their first shallow breath, and each
rounded its own way.  Now a spell is what the detector reported, from the
``start`` it names to the moment it ended (``spans``, as the history keeps
episodes), its minutes are ``spell_minutes`` (one decimal), and they are
written by ``minutes_text``.  A cue is a "nudge" wherever a person reads
it, and each kind has one name (``NUDGE_NAMES``): the shallow-breathing
cue is "deepen", as the docs call it.
"""

from __future__ import annotations

from typing import Any, Iterable

EPISODE_STARTS = {
    "hold_start": "hold",
    "shallow_start": "shallow",
    "rapid_start": "rapid",
    "artifact_start": "artifact",
    "signal_lost": "signal_lost",
}
EPISODE_ENDS = {
    "hold_end": "hold",
    "shallow_end": "shallow",
    "rapid_end": "rapid",
    "artifact_end": "artifact",
    "signal_ok": "signal_lost",
}
NUDGE_NAMES = {"hold": "hold", "shallow": "deepen", "rapid": "slow down"}
"""The name a person reads for each kind of nudge (a cue's ``reason`` in events and JSON)."""


def edge(name: str, t: float, fields: dict[str, Any]) -> tuple[str, float] | None:
    """Where an episode begins or ends by this event: (kind, clock time), or None.

    A start is the ``start`` the detector names (a hold's last breath
    movement, a shallow spell's first shallow breath); an end is the
    event's ``end`` when it has one (where a hold's breathing resumed),
    else the moment the event came.
    """
    key = "start" if name in EPISODE_STARTS else "end" if name in EPISODE_ENDS else None
    if key is None:
        return None
    kind = EPISODE_STARTS.get(name) or EPISODE_ENDS[name]
    value = fields.get(key)
    return kind, float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else t


def spell_minutes(spans: Iterable[tuple[float, float]], start: float = float("-inf"), end: float = float("inf")) -> float:
    """Minutes in the spans, clipped to [start, end), to one decimal: the one figure for shallow, rapid, signal lost."""
    return round(sum(max(0.0, min(b, end) - max(a, start)) for a, b in spans) / 60.0, 1)


def minutes_text(minutes: float) -> str:
    """'14.5 min': how every report writes a spell's minutes."""
    return f"{minutes:.1f} min"


def nudge_name(reason: str) -> str:
    return NUDGE_NAMES.get(reason, reason)


def plural(n: int, one: str, many: str | None = None) -> str:
    """'1 nudge', '2 nudges'."""
    return f"{n} {one if n == 1 else many or one + 's'}"
