"""Stage 5 of the detector: shallow and rapid breathing over many breaths, and the personal baseline.

Each breath comes in with its depth relative to the baseline; shallow
breathing is a median relative depth under ``shallow_fraction`` over
``shallow_seconds``, rapid breathing a rate over ``rapid_bpm`` for
``rapid_seconds``.  The baseline follows calm breathing slowly, leaving out
shallow spells, sighs and the breaths of a cold start's first seconds.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .types import Event

if TYPE_CHECKING:
    from ..config import DetectorConfig

BASELINE_BREATHS = 3  # a cold start takes its baseline from the median of this many breaths
BASELINE_ALPHA = 0.03  # per breath, how fast the baseline follows breathing
SIGH_SHARE = 1.8  # a breath deeper than this many baselines is a sigh: the baseline ignores it
SHALLOW_END_BREATHS = 3  # shallow breathing ends when this many recent breaths are deep enough


@dataclass(frozen=True, slots=True)
class Baseline:
    """A person's calm breathing: depth in sensor units, rate, and the strap's polarity."""

    depth: float
    rate_bpm: float
    polarity: str | None = None  # "normal" / "inverted", when calibration learnt it


class BreathPatterns:
    """Shallow and rapid spells, and the baseline they are measured against."""

    def __init__(self, config: "DetectorConfig", baseline: Baseline | None) -> None:
        self.config = config
        self.baseline = baseline
        self._calibrated = baseline is not None
        self._cold: list[float] = []
        self._adapted = 0
        self._recent: deque[tuple[float, float, float]] = deque()  # (end, onset, rel_depth) of breaths
        self._last: deque[float] = deque(maxlen=SHALLOW_END_BREATHS)  # the last rel_depths, whatever the window
        self.shallow_start: float | None = None
        self.rapid_start: float | None = None
        self._above_rapid_since: float | None = None

    def relative(self, depth: float, rate: float | None, polarity: str | None) -> float | None:
        """A breath's depth against the baseline; a cold start has none before BASELINE_BREATHS breaths."""
        if self.baseline is None:
            self._cold.append(depth)
            if len(self._cold) < BASELINE_BREATHS:
                return None
            self.baseline = Baseline(statistics.median(self._cold), rate or 0.0, polarity)
        return depth / self.baseline.depth

    def breath(self, now: float, onset: float, end: float, depth: float, rel: float | None, rate: float | None, calm: bool, events: list[Event]) -> None:
        """Take one breath (``calm``: outside artefacts); add the spells it starts or ends to ``events``."""
        if rel is not None:
            self._shallow(now, end, onset, rel, events)
            if self.shallow_start is None and calm and rel <= SIGH_SHARE:
                self._adapt(depth, rate)
        self._rapid(now, end, rate, events)

    def _shallow(self, now: float, end: float, onset: float, rel: float, events: list[Event]) -> None:
        cfg = self.config
        recent = self._recent
        recent.append((end, onset, rel))
        self._last.append(rel)
        while recent and recent[0][0] < now - cfg.shallow_seconds:
            recent.popleft()  # a breath reported late (after a polarity verdict) may leave nothing
        if self.shallow_start is None:
            covered = bool(recent) and recent[0][1] <= now - cfg.shallow_seconds + 0.5 * (end - onset)
            if covered and len(recent) >= 3 and statistics.median(r for _, _, r in recent) < cfg.shallow_fraction:
                self.shallow_start = next(o for _, o, r in recent if r < cfg.shallow_fraction)
                events.append(Event("shallow_start", now, {"start": self.shallow_start}))
        elif len(self._last) == SHALLOW_END_BREATHS and all(r >= cfg.shallow_fraction for r in self._last):
            events.append(Event("shallow_end", now, {"start": self.shallow_start}))
            self.shallow_start = None

    def _adapt(self, depth: float, rate: float | None) -> None:
        """Follow breathing slowly: a cold start's running mean until that is as slow as BASELINE_ALPHA."""
        self._adapted += 1
        alpha = BASELINE_ALPHA if self._calibrated else max(BASELINE_ALPHA, 1.0 / (BASELINE_BREATHS + self._adapted))
        b = self.baseline
        new_rate = b.rate_bpm
        if rate:
            new_rate = rate if not new_rate else new_rate + alpha * (rate - new_rate)
        self.baseline = Baseline(b.depth + alpha * (depth - b.depth), new_rate, b.polarity)

    def _rapid(self, now: float, end: float, rate: float | None, events: list[Event]) -> None:
        cfg = self.config
        if rate is not None and rate > cfg.rapid_bpm:
            if self._above_rapid_since is None:
                self._above_rapid_since = end
            if self.rapid_start is None and now - self._above_rapid_since >= cfg.rapid_seconds:
                self.rapid_start = self._above_rapid_since
                events.append(Event("rapid_start", now, {"start": self.rapid_start}))
        else:
            self._above_rapid_since = None
            if self.rapid_start is not None:
                events.append(Event("rapid_end", now, {"start": self.rapid_start}))
                self.rapid_start = None
