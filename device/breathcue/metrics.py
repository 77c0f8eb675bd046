"""Prometheus metrics as a textfile for node_exporter's textfile collector.

Every ``metrics.interval_seconds`` the daemon's gauges (rate, depth, state,
paused, snoozed, session) and counters (breaths, events, held seconds) are
written to a temporary file beside the target and renamed over it, so
node_exporter never reads half a file; the temporary name does not end in
``.prom``, which the collector ignores.  No fsync: metrics describe the
present, and the file is usually on tmpfs.  On a clean stop
``breathcue_up`` becomes 0.  docs/history.md lists the metrics.
"""

from __future__ import annotations

import logging
import math
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .app import Sink
from .clock import Clock
from .config import Config
from .core.types import Event
from .private import write_atomic

if TYPE_CHECKING:
    from .app import Daemon

log = logging.getLogger(__name__)

STATES = ("starting", "breathing", "hold", "shallow", "rapid", "artifact", "signal_lost")


def _value(v: Any) -> str:
    if v is None:
        return "NaN"
    if isinstance(v, bool):
        return "1" if v else "0"
    return repr(float(v)) if isinstance(v, float) and math.isfinite(v) else str(v)


def _label(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


class Exposition:
    """Metrics in the Prometheus text format, one family at a time."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def family(self, name: str, kind: str, help: str, samples: list[tuple[dict[str, str], Any]]) -> None:
        self.lines += [f"# HELP breathcue_{name} {help}", f"# TYPE breathcue_{name} {kind}"]
        for labels, value in samples:
            inside = ",".join(f'{k}="{_label(v)}"' for k, v in labels.items())
            self.lines.append(f"breathcue_{name}{{{inside}}} {_value(value)}" if inside else f"breathcue_{name} {_value(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


class MetricsSink(Sink):
    """Counts what the daemon does and writes the textfile on the status beat."""

    def __init__(self, path: Path, clock: Clock, interval_seconds: float = 15.0) -> None:
        self.path = Path(path)
        self.clock = clock
        self.interval = interval_seconds
        self.events: Counter[str] = Counter()
        self.cues: Counter[str] = Counter()
        self.breaths = 0
        self.hold_seconds = 0.0
        self.status_now: dict[str, Any] = {}
        self._next = 0.0
        self._failing = False
        self._closed = False

    def event(self, event: Event, wall: Any) -> None:
        if event.name == "breath":
            self.breaths += 1
            return
        self.events[event.name] += 1
        if event.name == "cue_start":
            self.cues[str(event.get("reason"))] += 1
        elif event.name == "hold_end":
            self.hold_seconds += float(event.get("duration") or 0.0)

    def status(self, status: dict[str, Any]) -> None:
        self.status_now = status
        t = float(status.get("t", 0.0))
        if t >= self._next:
            self._next = t + self.interval
            self.write()

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self.write(up=False)

    def render(self, up: bool = True) -> str:
        s = self.status_now
        nudges = s.get("nudges") or {}
        cue = s.get("cue") or {}
        out = Exposition()
        out.family("up", "gauge", "1 while the daemon runs, 0 after a clean stop.", [({}, up)])
        out.family("uptime_seconds", "gauge", "Seconds since the daemon started.", [({}, s.get("t"))])
        out.family("breathing_rate_bpm", "gauge", "Breaths a minute (median of recent breaths).", [({}, s.get("rate_bpm"))])
        out.family("breath_depth_ratio", "gauge", "Breath depth relative to the usual (1 = usual).", [({}, s.get("rel_depth"))])
        out.family("state", "gauge", "The detector's state: 1 for the current one.",
                   [({"state": state}, state == s.get("state")) for state in STATES])
        out.family("cue_level", "gauge", "Level of the nudge showing now (0: none).", [({}, cue.get("level", 0))])
        out.family("nudges_paused", "gauge", "1 while nudges are paused.", [({}, nudges.get("paused_until") is not None)])
        out.family("nudges_snoozed", "gauge", "1 while nudges are snoozed.", [({}, nudges.get("snoozed_until") is not None)])
        out.family("session_active", "gauge", "1 while a paced session runs.", [({}, s.get("session") is not None)])
        out.family("breaths_total", "counter", "Breaths detected since the daemon started.", [({}, self.breaths)])
        out.family("events_total", "counter", "Events since the daemon started, by kind.",
                   [({"event": name}, n) for name, n in sorted(self.events.items())])
        out.family("cues_total", "counter", "Nudges started since the daemon started, by reason.",
                   [({"reason": reason}, n) for reason, n in sorted(self.cues.items())])
        out.family("hold_seconds_total", "counter", "Seconds of breath holds that ended since the daemon started.", [({}, self.hold_seconds)])
        out.family("last_write_timestamp_seconds", "gauge", "When this file was written (Unix time).",
                   [({}, self.clock.wall().timestamp())])
        return out.text()

    def write(self, up: bool = True) -> None:
        """Replace the textfile atomically; a failure is logged once, not each time."""
        try:
            write_atomic(self.path, self.render(up), mode=0o644)  # for node_exporter, another user: counts only
        except OSError as exc:
            if not self._failing:
                log.error("cannot write the metrics to %s: %s", self.path, exc.strerror or exc)
            self._failing = True
            return
        if self._failing:
            log.info("metrics are written to %s again", self.path)
        self._failing = False


def open_sinks(config: Config, daemon: Daemon) -> list[Sink]:
    """The Prometheus textfile of `breathcue run`."""
    return [MetricsSink(Path(config.metrics.textfile), daemon.clock, config.metrics.interval_seconds)]
