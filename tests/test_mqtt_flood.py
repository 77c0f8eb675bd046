"""MQTT floods and stale commands against a real mosquitto and a real daemon (issue 14, item 4).

20,000 command messages (snooze presses, Home Assistant coming "online",
junk) must not stall the light: at most 2 % of the frames lost and no gap
of a quarter second (before the fix: stalls of 317-783 ms, 5 % of frames
lost, in every run).  A wall-clock gap of 50 ms is no test on a shared
2-core machine, where the test runner itself can starve the daemon for a
frame; a run spoiled by such a moment is tried once more.  Retained
commands left on the broker must not be applied when the daemon starts.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

from .test_mqtt import NODE, Broker, Watcher

from .conftest import ROOT

SNOOZES, ONLINES, JUNK = 16_000, 2_000, 2_000


def frame_gaps(path: Path) -> list[float]:
    times = [json.loads(line)["t"] for line in path.read_text().splitlines() if line.strip()]
    return [b - a for a, b in zip(times, times[1:])]


def flood(tmp_path: Path) -> tuple[list[float], list[str], str]:
    """One daemon run under the flood: its frame gaps, its event names and its log."""
    tmp_path.mkdir()
    broker = Broker(tmp_path).start()
    base = f"breathcue/{NODE}"
    stale = Watcher(broker.port, "unused/topic")
    stale.client.publish(f"{base}/nudges_paused/set", "ON", qos=1, retain=True).wait_for_publish(5)
    stale.client.publish(f"{base}/start_session/press", "PRESS", qos=1, retain=True).wait_for_publish(5)
    stale.close()
    config = tmp_path / "c.toml"
    config.write_text(f'[ring]\nfps = 20\n[mqtt]\nenabled = true\nhost = "127.0.0.1"\nport = {broker.port}\nnode_id = "{NODE}"\n')
    frames, events = tmp_path / "frames.jsonl", tmp_path / "events.jsonl"
    run = subprocess.Popen(
        [sys.executable, "-m", "breathcue", "run", "--sim", "--config", str(config), "--state-dir", str(tmp_path / "D"),
         "--seconds", "10", "--frames-out", str(frames), "--events-out", str(events)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    watcher = Watcher(broker.port, f"{base}/availability")
    try:
        watcher.wait(lambda topic, payload, retain: payload == "online", timeout=20)
        time.sleep(1.0)  # the loop is in its stride
        client = watcher.client
        for n in range(max(SNOOZES, ONLINES, JUNK)):
            if n < SNOOZES:
                client.publish(f"{base}/snooze/press", "PRESS", qos=0)
            if n < ONLINES:
                client.publish("homeassistant/status", "online", qos=0)
            if n < JUNK:
                client.publish(f"{base}/snooze/press", f"junk {n}", qos=0)
        client.publish(f"{base}/snooze/press", "PRESS", qos=1).wait_for_publish(10)
        _, err = run.communicate(timeout=60)
        assert run.returncode == 0, err
    finally:
        run.kill()
        watcher.close()
        broker.stop()
    names = [json.loads(line)["event"] for line in events.read_text().splitlines()]
    return frame_gaps(frames), names, err


def lost_frames(gaps: list[float]) -> int:
    return sum(round(g / 0.05) - 1 for g in gaps)


def test_twenty_thousand_commands_never_stall_the_light_and_retained_ones_are_ignored(tmp_path: Path):
    # The flood never stalls the light: the old code lost 5 % of frames and stalled 317-783 ms, every
    # time.  A scheduler hiccup on a busy 2-core machine (the other test worker, the broker and the
    # publisher share it) can still cost frames now and then, so frames lost are counted rather than
    # one wall-clock gap asserted, and a run that a busy moment spoiled is tried once more: the old
    # stall failed every run, noise does not (tests/bench has no such noise to allow for).
    for attempt in range(2):
        gaps, names, err = flood(tmp_path / f"run{attempt}")
        if len(gaps) > 150 and lost_frames(gaps) <= 0.02 * len(gaps) and max(gaps) < 0.25:
            break
    assert len(gaps) > 150
    assert lost_frames(gaps) <= 0.02 * len(gaps), f"{lost_frames(gaps)} frames lost, longest gap {max(gaps) * 1000:.0f} ms"
    assert max(gaps) < 0.25, f"longest gap {max(gaps) * 1000:.0f} ms"
    assert "pause" not in names and "session_start" not in names  # the retained commands
    assert 1 <= names.count("snooze") <= 30  # coalesced: a few a second, not 16,000
    assert err.count("ignored") <= 3 and err.count("sending the discovery configs again") <= 2
