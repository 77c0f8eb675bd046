"""Scoring detected events against the truth, as the acceptance test scores them."""

from __future__ import annotations

from dataclasses import dataclass, field

from breathcue.core.types import Event

from .splice import Hold

PEAK_TOLERANCE = 1.0
START_TOLERANCE = 3.0
EDGE = 0.5  # a hold at full inspiration starts at the top of its breath: that peak is on the edge, not inside


@dataclass
class Score:
    labelled: int = 0
    found: int = 0  # labelled breaths with a detected peak within PEAK_TOLERANCE
    detected: int = 0
    holds: int = 0
    holds_found: int = 0
    false_holds: int = 0
    breaths_in_holds: int = 0  # breath peaks more than EDGE into a hold
    breaths_at_edge: int = 0  # the held breath's own peak, found up to EDGE after the labelled start
    late_holds: int = 0  # declared later than hold_seconds + slack after the true start
    start_errors: list[float] = field(default_factory=list)
    declare_delays: list[float] = field(default_factory=list)  # declared t - (true start + hold_seconds)

    def add(self, other: "Score") -> "Score":
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        return self

    @property
    def recall(self) -> float:
        return self.found / self.labelled if self.labelled else 1.0

    @property
    def extra(self) -> float:
        return (self.detected - self.found) / self.labelled if self.labelled else 0.0


def match_peaks(found: list[float], truth: list[float], tol: float = PEAK_TOLERANCE) -> int:
    """Labelled peaks with a detected peak within ``tol``, each detected peak used once (greedy by distance)."""
    pairs = sorted((abs(f - p), i, j) for i, p in enumerate(truth) for j, f in enumerate(found) if abs(f - p) <= tol)
    used_t, used_f, hits = set(), set(), 0
    for _, i, j in pairs:
        if i not in used_t and j not in used_f:
            used_t.add(i)
            used_f.add(j)
            hits += 1
    return hits


def score(events: list[Event], peaks: list[float], holds: list[Hold], hold_seconds: float, slack: float) -> Score:
    breaths = [e.get("peak") for e in events if e.name == "breath"]
    s = Score(labelled=len(peaks), detected=len(breaths), holds=len(holds))
    s.found = match_peaks(breaths, peaks)
    matched: set[int] = set()
    for e in events:
        if e.name != "hold_start":
            continue
        near = [k for k, h in enumerate(holds) if k not in matched and abs(e.get("start") - h.start) <= START_TOLERANCE]
        if not near:
            s.false_holds += 1
            continue
        k = min(near, key=lambda k: abs(e.get("start") - holds[k].start))
        matched.add(k)
        s.holds_found += 1
        s.start_errors.append(e.get("start") - holds[k].start)
        delay = e.t - (holds[k].start + hold_seconds)
        s.declare_delays.append(delay)
        if delay > slack:
            s.late_holds += 1
    for h in holds:
        s.breaths_in_holds += sum(1 for p in breaths if h.start + EDGE < p < h.end)
        s.breaths_at_edge += sum(1 for p in breaths if h.start < p <= h.start + EDGE)
    return s
