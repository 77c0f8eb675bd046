"""The daemon loop on a virtual clock with a recording ring."""

from __future__ import annotations

import io
import json

from breathcue.app import Daemon, EventWriter, FrameWriter
from breathcue.hw.sim import RecordingRing, SimulatedBreather


def test_sixty_seconds_on_the_virtual_clock(default_config, vclock):
    ring = RecordingRing(default_config.ring.pixels)
    events, frames = io.StringIO(), io.StringIO()
    sensor = SimulatedBreather(seed=3, rate_hz=default_config.sensor.sample_rate_hz)
    daemon = Daemon(default_config, vclock, sensor, ring, [EventWriter(events), FrameWriter(frames)], seconds=60)
    assert daemon.run() == 0

    fps = default_config.ring.fps
    shown = [json.loads(line) for line in frames.getvalue().splitlines()]  # every frame tick
    times = [f["t"] for f in shown]
    assert len(times) == 60 * fps + 1
    assert all(abs((b - a) - 1 / fps) < 1e-3 for a, b in zip(times, times[1:]))
    assert all(len(rgb) == default_config.ring.pixels for _, rgb in ring.frames)
    assert 0 < len(ring.frames) <= len(times)  # the ring is written only when the frame changed
    assert vclock.now() == 60.0

    # The ambient pacer pulses at 6 breaths a minute: brightest every 10 s
    # (within 2 % of the top: dithering moves single bytes).
    level = [sum(map(sum, f["rgb"])) for f in shown]
    top = max(level)
    brightest = [t for t, v in zip(times, level) if v >= 0.98 * top]
    cycles = sorted({int(t // 10) for t in brightest})
    assert cycles == [0, 1, 2, 3, 4, 5]
    for c in cycles:  # the middle of each brightest plateau is the end of the 4 s inhale
        plateau = [t for t in brightest if int(t // 10) == c]
        assert abs((plateau[0] + plateau[-1]) / 2 - (10 * c + 4.0)) < 0.15  # 4 s up, 6 s down: slightly asymmetric

    lines = [json.loads(line) for line in events.getvalue().splitlines()]
    breaths = [e for e in lines if e["event"] == "breath"]
    assert 7 <= len(breaths) <= 13  # the breather runs at about 11 a minute
    assert not any(e["event"] == "hold_start" for e in lines)
    first = json.loads(frames.getvalue().splitlines()[0])
    assert set(first) == {"t", "rgb"} and len(first["rgb"]) == default_config.ring.pixels


def test_stop_ends_the_loop(default_config, vclock):
    ring = RecordingRing(default_config.ring.pixels)
    daemon = Daemon(default_config, vclock, SimulatedBreather(), ring)
    daemon.stop()
    assert daemon.run() == 0
    assert ring.frames == []
