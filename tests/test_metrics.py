"""The Prometheus textfile: its contents parse, it is written on the interval, and atomically."""

from __future__ import annotations

import math
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from breathcue import config as configmod
from breathcue.clock import VirtualClock
from breathcue.core.types import Event
from breathcue.metrics import MetricsSink

from .conftest import ROOT

STATUS = {
    "t": 0.0, "state": "hold", "rate_bpm": 11.5, "rel_depth": 0.9, "cue": {"reason": "hold", "level": 2},
    "session": None, "nudges": {"paused_until": None, "snoozed_until": "2026-11-24T10:30:00+00:00"},
}


def samples(path: Path) -> dict[tuple[str, tuple], float]:
    out = {}
    for family in text_string_to_metric_families(path.read_text()):
        for s in family.samples:
            out[(s.name, tuple(sorted(s.labels.items())))] = s.value
    return out


def test_the_metrics(vclock: VirtualClock, tmp_path: Path):
    path = tmp_path / "breathcue.prom"
    sink = MetricsSink(path, vclock, interval_seconds=15.0)
    for name, fields in (("breath", {}), ("breath", {}), ("hold_start", {}), ("cue_start", {"reason": "hold"}),
                         ("hold_end", {"duration": 21.5}), ("hold_start", {}), ("hold_end", {"duration": 10.0})):
        sink.event(Event(name, 1.0, fields), vclock.wall())
    sink.status(STATUS)
    got = samples(path)
    assert got[("breathcue_up", ())] == 1
    assert got[("breathcue_breathing_rate_bpm", ())] == 11.5 and got[("breathcue_breath_depth_ratio", ())] == 0.9
    assert got[("breathcue_state", (("state", "hold"),))] == 1 and got[("breathcue_state", (("state", "breathing"),))] == 0
    assert got[("breathcue_cue_level", ())] == 2
    assert got[("breathcue_nudges_snoozed", ())] == 1 and got[("breathcue_nudges_paused", ())] == 0
    assert got[("breathcue_breaths_total", ())] == 2
    assert got[("breathcue_events_total", (("event", "hold_start"),))] == 2
    assert got[("breathcue_cues_total", (("reason", "hold"),))] == 1
    assert got[("breathcue_hold_seconds_total", ())] == 31.5
    assert got[("breathcue_last_write_timestamp_seconds", ())] == vclock.wall().timestamp()
    sink.status({**STATUS, "t": 1.0, "rate_bpm": None})
    assert samples(path)[("breathcue_breathing_rate_bpm", ())] == 11.5  # not yet: every 15 s
    sink.status({**STATUS, "t": 15.0, "rate_bpm": None, "state": "signal_lost"})
    got = samples(path)
    assert math.isnan(got[("breathcue_breathing_rate_bpm", ())]) and got[("breathcue_state", (("state", "signal_lost"),))] == 1
    sink.close()
    assert samples(path)[("breathcue_up", ())] == 0
    assert [p.name for p in tmp_path.iterdir()] == ["breathcue.prom"]  # no temporary files left


def test_a_reader_never_sees_half_a_file(vclock: VirtualClock, tmp_path: Path):
    path = tmp_path / "breathcue.prom"
    sink = MetricsSink(path, vclock, interval_seconds=1.0)
    for i in range(300):
        sink.event(Event(f"kind_{i}", 0.0), vclock.wall())  # a long file
    sink.status(STATUS)
    done, bad = threading.Event(), []

    def read() -> None:
        while not done.is_set():
            text = path.read_text()
            if not text.endswith("\n") or "breathcue_last_write_timestamp_seconds " not in text:
                bad.append(text)

    reader = threading.Thread(target=read)
    reader.start()
    for t in range(1, 300):
        sink.status({**STATUS, "t": float(t)})
    done.set()
    reader.join()
    assert bad == []


def test_an_unwritable_place_is_logged_once(vclock: VirtualClock, tmp_path: Path, caplog):
    caplog.set_level("INFO")
    sink = MetricsSink(tmp_path / "missing" / "breathcue.prom", vclock, interval_seconds=1.0)
    for t in range(5):
        sink.status({**STATUS, "t": float(t)})
    assert caplog.text.count("cannot write the metrics") == 1
    (tmp_path / "missing").mkdir()
    sink.status({**STATUS, "t": 10.0})
    assert "written to" in caplog.text and (tmp_path / "missing" / "breathcue.prom").exists()


def test_only_prom_files(tmp_path: Path):
    with pytest.raises(configmod.ConfigError, match=r'ending in "\.prom"'):
        configmod.parse_text('[metrics]\ntextfile = "/tmp/breathcue.txt"\n')


def test_run_writes_the_textfile(tmp_path: Path):
    path = tmp_path / "breathcue.prom"
    config = tmp_path / "c.toml"
    config.write_text(f'[metrics]\ntextfile = "{path}"\ninterval_seconds = 1.0\n')
    subprocess.run(
        [sys.executable, "-m", "breathcue", "run", "--sim", "--config", str(config), "--state-dir", str(tmp_path / "D"), "--seconds", "1.5"],
        check=True, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, timeout=60,
    )
    got = samples(path)
    assert got[("breathcue_up", ())] == 0 and got[("breathcue_uptime_seconds", ())] >= 1.0
