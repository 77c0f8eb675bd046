"""One line of plain-language insight about a day, from its report and the same weekday a week before.

The dashboard shows it on top, so a person sees at a glance what the
numbers below say: when the breath holds cluster, how often a nudge was
followed by recovery, and how the day compares with last week.  Every
figure comes from the day reports (report.py), so the line never
disagrees with them.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from .figures import plural


def insight(day: dict[str, Any], week_before: dict[str, Any] | None = None) -> str:
    """'Most breath holds between 10:00 and 11:00 (5 of 12); 9 of 14 nudges were followed by recovery; 3 fewer holds than last Tuesday.'"""
    if not day.get("recorded_minutes"):
        return "Nothing was recorded on this day."
    parts = []
    holds = day["holds"]
    if holds:
        hour, most = max(day["holds_per_hour"].items(), key=lambda kv: (kv[1], -int(kv[0])))
        if most > 1 and most * 4 >= holds:  # a cluster worth naming: at least a quarter of the day's holds
            parts.append(f"most breath holds between {hour}:00 and {int(hour) + 1:02d}:00 ({most} of {holds})")
        else:
            parts.append(f"{plural(holds, 'breath hold')}, spread over the day")
    else:
        parts.append("no breath holds")
    if day["cues"]:
        parts.append(f"{day['cues_recovered']} of {plural(day['cues'], 'nudge')} followed by recovery within 30 s")
    if week_before is not None and week_before.get("recorded_minutes"):
        change = holds - week_before["holds"]
        weekday = f"{date.fromisoformat(week_before['day']):%A}"
        if change == 0:
            parts.append(f"as many holds as last {weekday}")
        else:
            parts.append(f"{plural(abs(change), 'hold')} {'more' if change > 0 else 'fewer'} than last {weekday}")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."
