"""Reports on the history: a day or a week in numbers, a picture of the day, exports.

Everything here reads the SQLite file that ``history.HistorySink`` writes
(docs/history.md) and works in the local time of the configured timezone:
a day is local midnight to local midnight, so DST days have 23 or 25 hours.
matplotlib draws the picture; it is imported only when a picture is asked
for (the ``report`` extra), never by the daemon.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import sqlite3
import statistics
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import IO, Any, Iterator

from . import history, jsonout
from .figures import minutes_text, nudge_name, plural, spell_minutes

EXPORT_TABLES = ("minutes", "episodes", "cues", "sessions", "buttons", "events")
REPORT_KEYS = (
    "holds",
    "longest_hold_seconds",
    "shallow_minutes",
    "mean_rate_bpm",
    "cues",
    "cues_recovered",
    "sessions",
    "mean_adherence",
    "holds_per_hour",
)
"""The keys every day report has (docs/history.md; other tools rely on them)."""


class ReportError(Exception):
    """A report that cannot be made: a missing extra, a bad date."""


# --- local time -------------------------------------------------------------------------


def local(epoch: float, tz: tzinfo | None) -> datetime:
    """Unix time as an aware local datetime (tz None: the system's zone)."""
    return datetime.fromtimestamp(epoch, tz) if tz is not None else datetime.fromtimestamp(epoch).astimezone()


def midnight(day: date, tz: tzinfo | None) -> float:
    """Unix time of the local midnight that begins ``day``."""
    naive = datetime.combine(day, time())
    return naive.replace(tzinfo=tz).timestamp() if tz is not None else naive.astimezone().timestamp()


def today(tz: tzinfo | None) -> date:
    return (datetime.now(tz) if tz is not None else datetime.now()).date()


FIRST_DAY, LAST_DAY = date(1970, 1, 1), date(2999, 12, 31)
"""Days a report or export may name: a day far outside overflows the local-midnight arithmetic."""


def parse_day(text: str) -> date:
    try:
        day = date.fromisoformat(text)
    except ValueError:
        raise ReportError(f"{text[:40]!r}: expected a date YYYY-MM-DD") from None
    if not FIRST_DAY <= day <= LAST_DAY:
        raise ReportError(f"{text!r}: expected a date from {FIRST_DAY} to {LAST_DAY}")
    return day


# --- the numbers of a day ------------------------------------------------------------------


@dataclass(frozen=True)
class Span:
    start: float
    end: float


def _rows(conn: sqlite3.Connection, sql: str, *params: Any) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(sql, params)]


def _mean(values: list[float]) -> float | None:
    return round(statistics.fmean(values), 3) if values else None


def day_data(conn: sqlite3.Connection, day: date, tz: tzinfo | None) -> dict[str, Any]:
    """Everything recorded on ``day``: minutes, episodes, cues, sessions, buttons."""
    start, end = midnight(day, tz), midnight(day + timedelta(days=1), tz)
    minutes = _rows(conn, "SELECT * FROM minutes WHERE minute >= ? AND minute < ? ORDER BY minute", start, end)
    states = _rows(conn, "SELECT * FROM minute_states WHERE minute >= ? AND minute < ? ORDER BY minute", start, end)
    # An episode counts on the day it began; one running over midnight shows on both.
    episodes = _rows(
        conn,
        "SELECT kind, start, end, reason FROM episodes WHERE start < ? AND (start >= ? OR end IS NULL OR end > ?) ORDER BY start",
        end, start, start,
    )
    cues = _rows(conn, "SELECT * FROM cues WHERE start >= ? AND start < ? ORDER BY start", start, end)
    sessions = _rows(conn, "SELECT * FROM sessions WHERE start >= ? AND start < ? ORDER BY start", start, end)
    buttons = _rows(conn, "SELECT time, action FROM buttons WHERE time >= ? AND time < ? ORDER BY time", start, end)
    snoozes = conn.execute("SELECT count(*) FROM events WHERE name = 'snooze' AND time >= ? AND time < ?", (start, end)).fetchone()[0]
    held_back = _rows(conn, "SELECT time, detail FROM events WHERE name = 'cue_skipped' AND time >= ? AND time < ? ORDER BY time", start, end)
    return {
        "day": day, "start": start, "end": end, "minutes": minutes, "states": states, "episodes": episodes,
        "cues": cues, "sessions": sessions, "buttons": buttons, "snoozes": snoozes, "held_back": held_back,
    }


def _last_seen(data: dict[str, Any]) -> float:
    """Where an episode still open at the end of the record is taken to end."""
    times = [m["minute"] + 60.0 for m in data["minutes"]] + [s["minute"] + 60.0 for s in data["states"]]
    times += [e["start"] for e in data["episodes"]]
    return min(max(times, default=data["start"]), data["end"])


def spans(data: dict[str, Any], kind: str) -> list[Span]:
    """The episodes of one kind on the day, open ones ending where the record ends."""
    last = _last_seen(data)
    return [
        Span(e["start"], e["end"] if e["end"] is not None else max(last, e["start"]))
        for e in data["episodes"]
        if e["kind"] == kind
    ]


def breath_holds(data: dict[str, Any]) -> list[dict[str, Any]]:
    """The hold episodes that began on the day, outside paced sessions.

    A pattern such as 4-7-8 asks for a long hold every breath; the detector
    rightly sees the chest still, but those holds are the exercise, not the
    habit the device is about, so they are not counted.
    """
    paced = _paced(data)
    return [e for e in data["episodes"] if e["kind"] == "hold" and e["start"] >= data["start"] and not _within(e["start"], paced)]


def _paced(data: dict[str, Any]) -> list[Span]:
    """The day's paced sessions, one still running ending where the record ends."""
    last = _last_seen(data)
    return [Span(s["start"], s["end"] if s["end"] is not None else last) for s in data["sessions"]]


def _within(t: float, spans: list[Span]) -> bool:
    return any(s.start <= t < s.end for s in spans)


def nudges_per_hour(data: dict[str, Any], tz: tzinfo | None) -> dict[str, dict[str, Any]]:
    """Nudges given and held back (with why) by the local hour, for the hours that had any."""
    hours: dict[str, dict[str, Any]] = {}

    def hour(epoch: float) -> dict[str, Any]:
        return hours.setdefault(f"{local(epoch, tz).hour:02d}", {"given": 0, "held_back": 0, "why": {}})

    for c in data["cues"]:
        hour(c["start"])["given"] += 1
    for row in data["held_back"]:
        try:
            why = str(json.loads(row["detail"]).get("why") or "unknown")
        except (ValueError, AttributeError):
            why = "unknown"
        h = hour(row["time"])
        h["held_back"] += 1
        h["why"][why] = h["why"].get(why, 0) + 1
    return {k: {**v, "why": dict(sorted(v["why"].items(), key=lambda kv: -kv[1]))} for k, v in sorted(hours.items())}


def holds_on(conn: sqlite3.Connection, day: date, tz: tzinfo | None) -> int:
    """How many breath holds began on ``day``, outside paced sessions."""
    return len(breath_holds(day_data(conn, day, tz)))


def day_report(conn: sqlite3.Connection, day: date, tz: tzinfo | None) -> dict[str, Any]:
    """The numbers of one day (docs/history.md lists every key)."""
    data = day_data(conn, day, tz)
    start, end = data["start"], data["end"]
    minutes = data["minutes"]
    rate_n = sum(m["rate_n"] for m in minutes)
    rel_n = sum(m["rel_depth_n"] for m in minutes)
    state_seconds: dict[str, float] = {}
    for row in data["states"]:
        state_seconds[row["state"]] = state_seconds.get(row["state"], 0.0) + row["seconds"]
    recorded = {m["minute"] for m in minutes} | {s["minute"] for s in data["states"]}

    holds = breath_holds(data)
    hold_lengths = [e["end"] - e["start"] for e in holds if e["end"] is not None]
    per_hour = {f"{h:02d}": 0 for h in range(24)}
    for e in holds:
        per_hour[f"{local(e['start'], tz).hour:02d}"] += 1
    recorded_hours = len(recorded) / 60.0

    def minutes_in(kind: str) -> float:
        return spell_minutes(((s.start, s.end) for s in spans(data, kind)), start, end)

    cues = data["cues"]
    by_reason: dict[str, int] = {}
    for c in cues:
        by_reason[c["reason"]] = by_reason.get(c["reason"], 0) + 1
    known = [c for c in cues if c["recovered"] is not None]
    recovered = [c for c in known if c["recovered"]]
    adherence = [s["adherence"] for s in data["sessions"] if s["adherence"] is not None]
    session_minutes = spell_minutes(((s.start, s.end) for s in _paced(data)), start, end)
    return {
        "day": day.isoformat(),
        "recorded_minutes": len(recorded),
        "breaths": sum(m["breaths"] for m in minutes),
        "mean_rate_bpm": round(sum(m["rate_sum"] for m in minutes) / rate_n, 2) if rate_n else None,
        "mean_depth_pct": round(100.0 * sum(m["rel_depth_sum"] for m in minutes) / rel_n, 1) if rel_n else None,
        "holds": len(holds),
        "longest_hold_seconds": round(max(hold_lengths), 1) if hold_lengths else None,
        "mean_hold_seconds": round(statistics.fmean(hold_lengths), 1) if hold_lengths else None,
        "holds_per_hour": per_hour,
        "holds_per_recorded_hour": round(len(holds) / recorded_hours, 2) if recorded_hours else None,
        "shallow_minutes": minutes_in("shallow"),
        "rapid_minutes": minutes_in("rapid"),
        "signal_lost_minutes": minutes_in("signal_lost"),
        "state_minutes": {k: round(v / 60.0, 1) for k, v in sorted(state_seconds.items())},
        "cues": len(cues),
        "cues_by_reason": dict(sorted(by_reason.items())),
        "nudges_held_back": len(data["held_back"]),
        "nudges_per_hour": nudges_per_hour(data, tz),
        "cues_recovered": len(recovered),
        "cues_recovered_share": round(len(recovered) / len(known), 3) if known else None,
        "mean_recovery_seconds": _mean([c["recovery_seconds"] for c in recovered]),
        "sessions": len(data["sessions"]),
        "session_minutes": session_minutes,
        "mean_adherence": _mean(adherence),
        "buttons": len(data["buttons"]),
        "snoozes": data["snoozes"],
    }


def week_report(conn: sqlite3.Connection, last: date, tz: tzinfo | None) -> dict[str, Any]:
    """Seven day reports ending with ``last``, and their totals."""
    days = [day_report(conn, last - timedelta(days=6 - i), tz) for i in range(7)]
    rate_w = [(d["mean_rate_bpm"], d["breaths"]) for d in days if d["mean_rate_bpm"] is not None and d["breaths"]]
    lengths = [d["longest_hold_seconds"] for d in days if d["longest_hold_seconds"] is not None]
    adherence = [(d["mean_adherence"], d["sessions"]) for d in days if d["mean_adherence"] is not None]
    per_hour = {h: sum(d["holds_per_hour"][h] for d in days) for h in days[0]["holds_per_hour"]}
    return {
        "from": days[0]["day"],
        "to": days[-1]["day"],
        "recorded_minutes": sum(d["recorded_minutes"] for d in days),
        "holds": sum(d["holds"] for d in days),
        "longest_hold_seconds": max(lengths) if lengths else None,
        "shallow_minutes": round(sum(d["shallow_minutes"] for d in days), 1),
        "mean_rate_bpm": round(sum(r * n for r, n in rate_w) / sum(n for _, n in rate_w), 2) if rate_w else None,
        "cues": sum(d["cues"] for d in days),
        "cues_recovered": sum(d["cues_recovered"] for d in days),
        "sessions": sum(d["sessions"] for d in days),
        "session_minutes": round(sum(d["session_minutes"] for d in days), 1),
        "mean_adherence": round(sum(a * n for a, n in adherence) / sum(n for _, n in adherence), 3) if adherence else None,
        "holds_per_hour": per_hour,
        "days": days,
    }


def timeline(conn: sqlite3.Connection, day: date, tz: tzinfo | None) -> dict[str, Any]:
    """The day minute by minute, with its episodes, cues and sessions: what the picture and the dashboard draw."""
    data = day_data(conn, day, tz)
    minutes = data["minutes"]
    paced = _paced(data)
    return {
        "day": day.isoformat(),
        "start": data["start"],
        "end": data["end"],
        "minutes": {
            "time": [m["minute"] for m in minutes],
            "breaths": [m["breaths"] for m in minutes],
            "rate_bpm": [round(m["rate_sum"] / m["rate_n"], 2) if m["rate_n"] else None for m in minutes],
            "depth_pct": [round(100 * m["rel_depth_sum"] / m["rel_depth_n"], 1) if m["rel_depth_n"] else None for m in minutes],
        },
        "episodes": [
            {"kind": kind, "start": s.start, "end": s.end}
            for kind in ("hold", "shallow", "rapid", "signal_lost")
            for s in spans(data, kind)
            if kind != "hold" or not _within(s.start, paced)  # a paced pattern's holds are the exercise
        ],
        "cues": [{"start": c["start"], "end": c["end"], "reason": c["reason"], "recovered": c["recovered"]} for c in data["cues"]],
        "sessions": [session_card(s) for s in data["sessions"]],
    }


def session_card(row: dict[str, Any]) -> dict[str, Any]:
    """A paced session as the dashboard's end-of-session card shows it: minutes, breaths, in pace, rate before and after."""
    try:
        ended = json.loads(row.get("detail") or "{}").get("end") or {}
    except (ValueError, AttributeError):
        ended = {}
    minutes = None if row["end"] is None else round((row["end"] - row["start"]) / 60.0, 1)
    return {
        "start": row["start"], "end": row["end"], "pattern": row["pattern"], "adherence": row["adherence"],
        "minutes": minutes, "breaths": row.get("breaths"),
        "rate_before_bpm": _finite(ended.get("rate_before_bpm")), "rate_after_bpm": _finite(ended.get("rate_after_bpm")),
    }


def _finite(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) else None


# --- text -------------------------------------------------------------------------------------

BARS = " ▁▂▃▄▅▆▇█"


def _duration(minutes: float) -> str:
    h, m = divmod(round(minutes), 60)
    return f"{h} h {m:02d} min" if h else f"{m} min"


def _pct(share: float | None) -> str:
    return "--" if share is None else f"{100 * share:.0f} %"


def hours_bar(per_hour: dict[str, int]) -> str:
    """Holds per hour of the day as a row of block characters, 00 to 23."""
    top = max(per_hour.values(), default=0)
    return "".join(BARS[round(8 * n / top)] if top else BARS[0] for n in per_hour.values())


def day_text(r: dict[str, Any]) -> str:
    day = date.fromisoformat(r["day"])
    rate = "--" if r["mean_rate_bpm"] is None else f"{r['mean_rate_bpm']:.1f}"
    depth = "--" if r["mean_depth_pct"] is None else f"{r['mean_depth_pct']:.0f} %"
    longest = "" if r["longest_hold_seconds"] is None else f", longest {r['longest_hold_seconds']:.0f} s"
    reasons = ", ".join(f"{nudge_name(k)} {v}" for k, v in r["cues_by_reason"].items())
    busiest = max(r["holds_per_hour"].items(), key=lambda kv: kv[1])
    lines = [
        f"breathcue, {day:%A %d %B %Y}",
        f"  recorded        {_duration(r['recorded_minutes'])}, {r['breaths']} breaths",
        f"  breathing       {rate} breaths/min on average, depth {depth} of your usual",
        f"  breath holds    {r['holds']}{longest}"
        + (f"; most at {busiest[0]}:00-{int(busiest[0]) + 1:02d}:00 ({busiest[1]})" if r["holds"] else ""),
        f"  shallow         {minutes_text(r['shallow_minutes'])}; rapid {minutes_text(r['rapid_minutes'])}; "
        f"signal lost {minutes_text(r['signal_lost_minutes'])}",
        f"  nudges          {r['cues']}" + (f" ({reasons})" if reasons else "")
        + (f", breathing recovered within 30 s after {r['cues_recovered']} ({_pct(r['cues_recovered_share'])})" if r["cues"] else ""),
        f"  sessions        {r['sessions']}" + (f", adherence {_pct(r['mean_adherence'])}" if r["mean_adherence"] is not None else ""),
        f"  holds per hour  |{hours_bar(r['holds_per_hour'])}|  (00 to 23 h)",
    ]
    if r["nudges_per_hour"]:
        lines.append(f"  nudges per hour given  held back  (held back {r['nudges_held_back']} in all)")
        for h, n in r["nudges_per_hour"].items():
            why = ", ".join(f"{k.replace('_', ' ')} {v}" for k, v in n["why"].items())
            lines.append(f"    {h}:00        {n['given']:5d}  {n['held_back']:9d}" + (f"  ({why})" if why else ""))
    return "\n".join(lines) + "\n"


def week_text(w: dict[str, Any]) -> str:
    lines = [
        f"breathcue, {w['from']} to {w['to']}",
        "  day          recorded  holds  longest    shallow   rate  nudges  recovered  sessions  adherence",
    ]
    for d in w["days"]:
        day = date.fromisoformat(d["day"])
        longest = "--" if d["longest_hold_seconds"] is None else f"{d['longest_hold_seconds']:.0f} s"
        rate = "--" if d["mean_rate_bpm"] is None else f"{d['mean_rate_bpm']:.1f}"
        lines.append(
            f"  {day:%a %d %b}  {_duration(d['recorded_minutes']):>10}  {d['holds']:5d}  {longest:>7}  "
            f"{minutes_text(d['shallow_minutes']):>9}  {rate:>5}  {d['cues']:6d}  {d['cues_recovered']:9d}  {d['sessions']:8d}  "
            f"{_pct(d['mean_adherence']):>9}"
        )
    lines.append(
        f"  week: {plural(w['holds'], 'breath hold')}, {plural(w['cues'], 'nudge')} ({w['cues_recovered']} followed by recovery "
        f"within 30 s), {plural(w['sessions'], 'session')}, adherence {_pct(w['mean_adherence'])}, "
        f"{minutes_text(w['shallow_minutes'])} shallow"
    )
    lines.append(f"  holds per hour  |{hours_bar(w['holds_per_hour'])}|  (00 to 23 h)")
    return "\n".join(lines) + "\n"


# --- pictures -------------------------------------------------------------------------------------

COLOURS = {
    "rate": "#1f5fbf",
    "depth": "#2b9aa8",
    "hold": "#d62728",
    "shallow": "#f0a30a",
    "rapid": "#9467bd",
    "signal_lost": "#9a9a9a",
    "session": "#2ca02c",
}


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ReportError("a picture needs matplotlib: pip install 'breathcue[report]'") from None
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def day_png(t: dict[str, Any], r: dict[str, Any], path: Path, tz: tzinfo | None) -> None:
    """The day as a picture on one time axis.

    Rate and depth per minute over bands of shallow, rapid and lost-signal
    spells and of sessions; each breath hold as a stem as tall as it lasted,
    with the nudges above it (filled when breathing recovered within 30 s);
    and the holds in each hour of the day.
    """
    plt = _pyplot()
    import matplotlib.dates as mdates
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    def when(epoch: float) -> datetime:
        return local(epoch, tz)

    m = t["minutes"]
    times = [when(x + 30) for x in m["time"]]
    fig, (ax_rate, ax_depth, ax_holds, ax_hours) = plt.subplots(
        4, 1, figsize=(12, 8.5), sharex=True, gridspec_kw={"height_ratios": [3, 2, 1.6, 1.2]}, constrained_layout=True
    )
    for ax in (ax_rate, ax_depth, ax_holds):
        for e in t["episodes"]:
            if e["kind"] != "hold":
                ax.axvspan(when(e["start"]), when(e["end"]), color=COLOURS[e["kind"]], alpha=0.3, lw=0)
        for s in t["sessions"]:
            ax.axvspan(when(s["start"]), when(s["end"] or s["start"] + 60), color=COLOURS["session"], alpha=0.18, lw=0)
    for ax in (ax_rate, ax_depth, ax_holds, ax_hours):
        ax.grid(True, alpha=0.3)

    nan = float("nan")
    ax_rate.plot(times, [nan if v is None else v for v in m["rate_bpm"]], ".-", ms=2.5, lw=0.8, color=COLOURS["rate"])
    ax_rate.set_ylabel("breaths / min")
    for s in t["sessions"]:
        label = (s["pattern"] or "session") + ("" if s["adherence"] is None else f" {100 * s['adherence']:.0f} %")
        ax_rate.annotate(label, (when(s["start"]), 1.0), xycoords=("data", "axes fraction"), xytext=(2, -10),
                         textcoords="offset points", fontsize=7, color=COLOURS["session"])
    ax_depth.plot(times, [nan if v is None else v for v in m["depth_pct"]], ".-", ms=2.5, lw=0.8, color=COLOURS["depth"])
    ax_depth.axhline(100, color="0.5", lw=0.8, ls="--")
    ax_depth.set_ylabel("depth, % of usual")

    holds = [e for e in t["episodes"] if e["kind"] == "hold"]
    if holds:
        ax_holds.vlines([when(e["start"]) for e in holds], 0, [e["end"] - e["start"] for e in holds], color=COLOURS["hold"], lw=1.5)
        ax_holds.plot([when(e["start"]) for e in holds], [e["end"] - e["start"] for e in holds], "o", ms=3, color=COLOURS["hold"])
    top = max([e["end"] - e["start"] for e in holds] + [10.0]) * 1.3
    for c in t["cues"]:
        colour = COLOURS.get(c["reason"], "k")
        ax_holds.plot([when(c["start"])], [top * 0.92], "v", ms=6, color=colour, markerfacecolor=colour if c["recovered"] else "white")
    ax_holds.set_ylim(0, top)
    ax_holds.set_ylabel("holds, s")

    per_hour: dict[float, int] = {}
    for e in holds:
        hour = when(e["start"]).replace(minute=0, second=0, microsecond=0)
        per_hour[hour.timestamp()] = per_hour.get(hour.timestamp(), 0) + 1
    ax_hours.bar([when(h) for h in per_hour], list(per_hour.values()), width=timedelta(minutes=54), align="edge",
                 color=COLOURS["hold"], alpha=0.8)
    ax_hours.set_ylabel("holds / hour")
    ax_hours.yaxis.get_major_locator().set_params(integer=True)

    seen = times + [when(e[k]) for e in t["episodes"] for k in ("start", "end")] + [when(c["start"]) for c in t["cues"]]
    if seen:  # the recorded part of the day, with a margin
        margin = timedelta(minutes=10)
        ax_rate.set_xlim(max(min(seen) - margin, when(t["start"])), min(max(seen) + margin, when(t["end"])))
    else:
        ax_rate.set_xlim(when(t["start"]), when(t["end"]))
    ax_hours.xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=when(t["start"]).tzinfo))

    legend = [Patch(color=COLOURS[k], alpha=0.5, label=k.replace("_", " ")) for k in ("shallow", "rapid", "signal_lost", "session")]
    legend += [
        Line2D([], [], marker="o", color=COLOURS["hold"], label="breath hold (height: seconds)"),
        Line2D([], [], marker="v", ls="", color="k", label="nudge (filled: breathing recovered within 30 s)"),
    ]
    fig.legend(handles=legend, loc="outside lower center", ncol=6, fontsize=8, frameon=False)
    rate = "--" if r["mean_rate_bpm"] is None else f"{r['mean_rate_bpm']:.1f}"
    longest = "" if r["longest_hold_seconds"] is None else f" (longest {r['longest_hold_seconds']:.0f} s)"
    fig.suptitle(
        f"{date.fromisoformat(r['day']):%A %d %B %Y}: {r['holds']} holds{longest}, {r['shallow_minutes']:.0f} min shallow, "
        f"{rate} breaths/min, {r['cues']} nudges ({r['cues_recovered']} recovered), {r['sessions']} sessions",
        fontsize=11,
    )
    _save(fig, path, plt)


def week_png(w: dict[str, Any], path: Path) -> None:
    """Seven days side by side: holds, nudges and shallow minutes, and the mean rate."""
    plt = _pyplot()
    days = [date.fromisoformat(d["day"]).strftime("%a %d") for d in w["days"]]
    x = range(len(days))
    fig, (ax_counts, ax_rate) = plt.subplots(2, 1, figsize=(10, 6), sharex=True, constrained_layout=True)
    width = 0.27
    bars = (("holds", "breath holds", COLOURS["hold"]), ("cues", "nudges", "#444444"), ("sessions", "sessions", COLOURS["session"]))
    for i, (key, label, colour) in enumerate(bars):
        ax_counts.bar([j + (i - 1) * width for j in x], [d[key] for d in w["days"]], width, color=colour, label=label)
    ax_counts.legend(fontsize=8, frameon=False)
    ax_counts.grid(True, axis="y", alpha=0.3)
    ax_shallow = ax_rate.twinx()
    ax_shallow.bar(x, [d["shallow_minutes"] for d in w["days"]], 0.6, color=COLOURS["shallow"], alpha=0.35)
    ax_shallow.set_ylabel("shallow minutes")
    ax_rate.plot(x, [d["mean_rate_bpm"] if d["mean_rate_bpm"] is not None else float("nan") for d in w["days"]],
                 "o-", color=COLOURS["rate"], zorder=3)
    ax_rate.set_ylabel("breaths / min")
    ax_rate.set_zorder(ax_shallow.get_zorder() + 1)
    ax_rate.patch.set_visible(False)
    ax_rate.set_xticks(list(x), days)
    fig.suptitle(f"{w['from']} to {w['to']}: {w['holds']} holds, {w['cues']} nudges, {w['sessions']} sessions", fontsize=11)
    _save(fig, path, plt)


def _save(fig: Any, path: Path, plt: Any) -> None:
    try:
        fig.savefig(path, dpi=110)
    except OSError as exc:
        raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)


# --- export ------------------------------------------------------------------------------------

DETAIL = "detail"
EXPORT_COLUMNS = {
    "minutes": ("time", "breaths", "rate_bpm", "depth", "rel_depth"),  # then seconds_STATE for each state seen
    "episodes": ("kind", "start", "end", "reason", DETAIL, "duration_s"),
    "cues": ("start", "reason", "level", "end", "outcome", "recovered", "recovery_seconds", DETAIL),
    "sessions": ("start", "pattern", "scheduled", "end", "adherence", "phase_lag_s", "breaths", DETAIL),
    "buttons": ("time", "action", DETAIL),
    "events": ("time", "name", DETAIL),
}
"""The columns of each table in an export (docs/formats.md)."""


def export_rows(conn: sqlite3.Connection, table: str, since: float | None, tz: tzinfo | None) -> Iterator[dict[str, Any]]:
    """One table's rows from ``since`` (Unix time) on, with local ISO times and computed means."""
    cutoff = since if since is not None else float("-inf")

    def iso(epoch: float | None) -> str | None:
        return None if epoch is None else local(epoch, tz).isoformat(timespec="milliseconds")

    if table == "minutes":
        states = [r[0] for r in conn.execute("SELECT DISTINCT state FROM minute_states ORDER BY state")]
        seconds: dict[tuple[int, str], float] = {
            (r["minute"], r["state"]): r["seconds"]
            for r in conn.execute("SELECT * FROM minute_states WHERE minute >= ?", (cutoff,))
        }
        keys = sorted({m for m, _ in seconds} | {r[0] for r in conn.execute("SELECT minute FROM minutes WHERE minute >= ?", (cutoff,))})
        totals = {r["minute"]: r for r in conn.execute("SELECT * FROM minutes WHERE minute >= ?", (cutoff,))}
        for minute in keys:
            m = totals.get(minute)
            row: dict[str, Any] = {"time": iso(minute), "breaths": m["breaths"] if m else 0}
            for name, n in (("rate_bpm", "rate"), ("depth", "depth"), ("rel_depth", "rel_depth")):
                row[name] = round(m[f"{n}_sum"] / m[f"{n}_n"], 4) if m and m[f"{n}_n"] else None
            for state in states:
                row[f"seconds_{state}"] = round(seconds.get((minute, state), 0.0), 2)
            yield row
        return
    column = history.TIME_COLUMNS[table]
    for r in conn.execute(f"SELECT * FROM {table} WHERE {column} >= ? ORDER BY {column}, id", (cutoff,)):
        row = {k: r[k] for k in r.keys() if k != "id"}
        for key in ("start", "end", "time"):
            if key in row:
                row[key] = iso(row[key])
        if table == "episodes":
            row["duration_s"] = round(r["end"] - r["start"], 3) if r["end"] is not None else None
        row[DETAIL] = json.loads(row[DETAIL])
        yield row


def export(conn: sqlite3.Connection, out: IO[str], fmt: str, tables: tuple[str, ...], since: float | None, tz: tzinfo | None) -> int:
    """Write the tables as JSON Lines or CSV (docs/formats.md); returns the number of rows."""
    count = 0
    if fmt == "jsonl":
        for table in tables:
            for row in export_rows(conn, table, since, tz):
                out.write(jsonout.dumps({"table": table, **row}, ensure_ascii=False) + "\n")
                count += 1
        return count
    rows = [(table, row) for table in tables for row in export_rows(conn, table, since, tz)]
    columns: dict[str, None] = {"table": None} if len(tables) > 1 else {}
    for table in tables:
        columns.update(dict.fromkeys(EXPORT_COLUMNS[table]))
    for _, row in rows:
        columns.update(dict.fromkeys(row))  # the seconds in each state, in minutes
    writer = csv.DictWriter(out, fieldnames=list(columns), lineterminator="\n")
    writer.writeheader()
    for table, row in rows:
        if DETAIL in row:
            row[DETAIL] = jsonout.dumps(row[DETAIL], ensure_ascii=False, separators=(",", ":"))
        writer.writerow({"table": table, **row} if len(tables) > 1 else row)
    return len(rows)


# --- forget -------------------------------------------------------------------------------------


def forget(path: Path, before: float | None) -> dict[str, int]:
    """Remove rows dated before ``before`` (None: all) for good.

    secure_delete overwrites the deleted rows in place, the WAL is
    checkpointed and truncated, and VACUUM rewrites the file, so nothing of
    them is left in free pages or in the log.
    """
    conn = history.open_store(path)
    try:
        conn.execute("PRAGMA secure_delete = ON")
        removed = history.delete_before(conn, before)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return removed
    except sqlite3.Error as exc:
        raise history.HistoryError(f"cannot remove data from {path}: {exc}") from None
    finally:
        conn.close()


# --- the commands --------------------------------------------------------------------------------


def damaged(state_dir: Path, exc: Exception) -> str:
    """What to say when the history holds values no breathcue wrote."""
    return (f"the history at {history.path_in(state_dir)} looks damaged ({type(exc).__name__}: {exc}); "
            "the daemon moves a damaged file aside when it starts")


def _fail(exc: Exception | str, err: IO[str], status: int = 1) -> int:
    err.write(f"breathcue: {exc}\n")
    return status


def _days(err: IO[str], **texts: str | None) -> dict[str, date | None] | None:
    """The date options parsed; None after printing the first bad one."""
    try:
        return {name: parse_day(text) if text else None for name, text in texts.items()}
    except ReportError as exc:
        _fail(exc, err)
        return None


def report_command(
    state_dir: Path, tz: tzinfo | None, *, day: str | None, week: bool, fmt: str | None, png: Path | None,
    out: IO[str], err: IO[str],
) -> int:
    """``breathcue report``: the text or JSON report and, with --png, the picture."""
    days = _days(err, day=day)
    if days is None:
        return 2
    last = days["day"] or today(tz)
    try:
        with contextlib.closing(history.open_reader(history.path_in(state_dir))) as conn:
            if week:
                data = week_report(conn, last, tz)
                if png is not None:
                    week_png(data, png)
                text = week_text
            else:
                data = day_report(conn, last, tz)
                if png is not None:
                    day_png(timeline(conn, last, tz), data, png, tz)
                text = day_text
    except (history.HistoryError, ReportError, sqlite3.Error) as exc:
        return _fail(exc, err)
    except (TypeError, ValueError) as exc:  # values of the wrong kind where the file is damaged
        return _fail(damaged(state_dir, exc), err)
    if fmt == "json":
        out.write(jsonout.dumps(data, indent=2) + "\n")
    elif fmt == "text" or png is None:
        out.write(text(data))
    if png is not None:
        err.write(f"wrote {png}\n")
    return 0


def export_command(
    state_dir: Path, tz: tzinfo | None, *, fmt: str, since: str | None, table: str | None, out: IO[str], err: IO[str]
) -> int:
    """``breathcue export``: the history as CSV or JSON Lines."""
    days = _days(err, since=since)
    if days is None:
        return 2
    start = midnight(days["since"], tz) if days["since"] else None
    try:
        with contextlib.closing(history.open_reader(history.path_in(state_dir))) as conn:
            export(conn, out, fmt, (table,) if table else EXPORT_TABLES, start, tz)
    except (history.HistoryError, ReportError, sqlite3.Error) as exc:
        return _fail(exc, err)
    except (TypeError, ValueError) as exc:  # values of the wrong kind where the file is damaged
        return _fail(damaged(state_dir, exc), err)
    return 0


def forget_command(state_dir: Path, tz: tzinfo | None, *, before: str | None, out: IO[str], err: IO[str]) -> int:
    """``breathcue forget``: remove history before a date, or all of it, for good."""
    days = _days(err, before=before)
    if days is None:
        return 2
    cutoff = midnight(days["before"], tz) if days["before"] else None
    path = history.path_in(state_dir)
    try:
        if not path.exists():
            raise history.HistoryError(f"no history at {path}: nothing to forget")
        removed = forget(path, cutoff)
    except (history.HistoryError, ReportError) as exc:
        return _fail(exc, err)
    what = f"before {before}" if before else "all of it"
    counts = ", ".join(f"{n} {table}" for table, n in removed.items() if n) or "nothing was there"
    out.write(f"removed from {path} ({what}): {counts}\n")
    return 0
