"""What the history, the dashboard and the reports cost.

Run: .venv/bin/python tests/bench/bench_history.py
Prints, for a simulated 8-hour workday on the virtual clock: the time the
loop spends inside the history sink per simulated hour (and per call), the
writer thread's transactions (how many, mean and longest), the file's size
(and a year at that rate), the daemon's whole run with and without the
history; then the time of a day report, its PNG, and an export; and the
loop-thread cost of the dashboard sink with a browser connected.
"""

from __future__ import annotations

import contextlib
import http.client
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from breathcue import config as configmod
from breathcue import history, report
from breathcue.app import Sink
from breathcue.clock import VirtualClock
from breathcue.config import WebConfig
from breathcue.core.types import Sample
from breathcue.hw.sim import SimulatedBreather
from breathcue.simulate import simulate
from breathcue.web import server

HOURS = 8.0
UTC = ZoneInfo("UTC")
START = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)


class Timed(Sink):
    """Runs another sink and adds up the time its calls take."""

    def __init__(self, inner: Sink) -> None:
        self.inner = inner
        self.seconds = 0.0
        self.calls = 0

    def _time(self, method: str, *args) -> None:
        began = time.perf_counter()
        getattr(self.inner, method)(*args)
        self.seconds += time.perf_counter() - began
        self.calls += 1

    def event(self, event, wall) -> None:
        self._time("event", event, wall)

    def sample(self, sample) -> None:
        self._time("sample", sample)

    def frame(self, t, rgb) -> None:
        self._time("frame", t, rgb)

    def status(self, status) -> None:
        self._time("status", status)

    def close(self) -> None:
        self.inner.close()


class TimedWriter(history.Writer):
    """The real writer thread, timing each transaction."""

    durations: list[float] = []

    def _run(self) -> None:
        while (batch := self._queue.get()) is not None:
            began = time.perf_counter()
            history.write_batch(self.conn, batch)
            TimedWriter.durations.append(time.perf_counter() - began)


def day(config, state: Path | None) -> tuple[float, Timed | None]:
    clock = VirtualClock(START)
    sensor = SimulatedBreather(seed=2, scenario="workday", rate_hz=config.sensor.sample_rate_hz)
    timed: list[Timed] = []

    def more(daemon):
        if state is None:
            return []
        sink = history.HistorySink(history.path_in(state), daemon.clock, writer=TimedWriter)
        timed.append(Timed(sink))
        return timed

    began = time.perf_counter()
    simulate(config, clock, sensor, HOURS * 3600, more_sinks=more, breather=sensor)
    return time.perf_counter() - began, (timed[0] if timed else None)


def main() -> None:
    config = configmod.parse_text(configmod.default_text())
    folder = Path(tempfile.mkdtemp())
    try:
        bare, _ = day(config, None)
        kept, timed = day(config, folder)
        path = history.path_in(folder)
        size = path.stat().st_size
        ms = TimedWriter.durations
        print(f"simulated workday, {HOURS:g} h on the virtual clock")
        print(f"  daemon without history     {bare:6.2f} s")
        print(f"  daemon with history        {kept:6.2f} s  (+{100 * (kept - bare) / bare:.1f} %)")
        print(f"  loop time in the sink      {1000 * timed.seconds / HOURS:6.1f} ms per simulated hour, "
              f"{1e6 * timed.seconds / timed.calls:.2f} us per call ({timed.calls} calls)")
        print(f"  write transactions         {len(ms)} (one per 10 s: {int(HOURS * 360)}), mean {1000 * statistics.fmean(ms):.2f} ms, "
              f"longest {1000 * max(ms):.2f} ms")
        print(f"  file size                  {size / 1024:.0f} KiB for {HOURS:g} h; ~{size * 8 / HOURS * 365 / 2**20:.0f} MiB "
              "for a year of 8-hour days (history.keep_days = 365)")

        day_ = START.date()
        with contextlib.closing(history.open_reader(path)) as conn:
            began = time.perf_counter()
            r = report.day_report(conn, day_, UTC)
            t_report = time.perf_counter() - began
            began = time.perf_counter()
            report.day_png(report.timeline(conn, day_, UTC), r, folder / "day.png", UTC)
            t_png = time.perf_counter() - began
            with open(folder / "export.jsonl", "w") as out:
                began = time.perf_counter()
                rows = report.export(conn, out, "jsonl", report.EXPORT_TABLES, None, UTC)
                t_export = time.perf_counter() - began
        print(f"  day report                 {1000 * t_report:6.1f} ms ({r['holds']} holds, {r['cues']} nudges)")
        print(f"  day picture (matplotlib)   {1000 * t_png:6.0f} ms")
        print(f"  export, JSON Lines         {1000 * t_export:6.0f} ms ({rows} rows)")
    finally:
        shutil.rmtree(folder)

    dash = server.DashboardSink(WebConfig(enabled=True, port=0), lambda *a, **k: None, status={"state": "breathing"},
                                rate_hz=25.0, pixels=24)
    conn = http.client.HTTPConnection("127.0.0.1", dash.port, timeout=5)
    conn.request("GET", "/api/events")
    stream = conn.getresponse()
    while not dash.hub:
        time.sleep(0.01)
    rgb = [(10, 20, 30)] * 24
    n = 25 * 600  # ten minutes of samples, frames at 60 fps
    began = time.perf_counter()
    for i in range(n):
        t = i / 25
        dash.sample(Sample(t, 1.6 + (i % 50) / 100))
        for k in range(2 if i % 5 else 3):
            dash.frame(t + k / 60, [(i % 255, 20, 30)] * 24 if k == 0 else rgb)
        if i % 25 == 0:
            dash.status({"t": t, "state": "breathing", "rate_bpm": 11.0})
    spent = time.perf_counter() - began
    stream.close()
    dash.close()
    print("dashboard sink, a browser connected")
    print(f"  loop time                  {1000 * spent / 10 * 60:6.1f} ms per hour of live time "
          f"({100 * spent / 600:.3f} % of the loop's time)")


if __name__ == "__main__":
    sys.exit(main())
