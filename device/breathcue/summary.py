"""What a run of `breathcue run` or `pace` held, said in a few lines when it ends.

However a run ends (Ctrl-C, ``--seconds``, the end of a replay, a session
that completes), the person who started it sees what happened: breaths,
breath holds, nudges and why others were held back, and a card for each
paced session.  It counts with simulate's Tally, so `simulate` and `run`
never count differently.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from .core.types import Event
from .simulate import Tally
from .words import WHY, clock, duration, session_card


@dataclass
class RunSummary(Tally):
    """A Sink that counts the run's events and keeps each session's card."""

    cards: list[str] = field(default_factory=list)
    last_rate: float | None = None

    def event(self, event: Event, wall: datetime) -> None:
        super().event(event, wall)
        if event.name == "session_end":
            self.cards.append(session_card(event.to_json_dict()))
        elif event.name == "breath" and event.get("rate_bpm") is not None:
            self.last_rate = event.get("rate_bpm")

    def text(self, seconds: float) -> str:
        breaths = self.events["breath"]
        rate = f", {self.last_rate:.0f} a minute at the end" if self.last_rate else ""
        holds = self.events["hold_start"]
        longest = f" (longest {self.longest_hold:.0f} s)" if self.longest_hold else ""
        nudges = sum(self.nudges.values())
        lines = [
            f"after {clock(seconds)} ({duration(seconds)}):",
            f"  breaths       {breaths}{rate}",
            f"  breath holds  {holds}{longest}",
            f"  nudges        {nudges}" + (": " + ", ".join(f"{r} {n}" for r, n in sorted(self.nudges.items())) if nudges else ""),
        ]
        if self.skipped:
            lines.append(f"  held back     {sum(self.skipped.values())}: " + "; ".join(
                f"{WHY.get(why, why)} ({n})" for why, n in self.skipped.most_common()))
        lines.append(f"  sessions      {self.events['session_start']}")
        lines += [f"    {card}" for card in self.cards]
        return "\n".join(lines)
