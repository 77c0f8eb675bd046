"""`breathcue pace` and `breathcue leds test` as a user runs them, measured from the frames.

The acceptance commands of issue 3 run exactly as written; the brightness
of each frame (the bytes' light, through CIE L* back to a perceived level)
gives the pacing period, the plateaus at the top and the floor, and the
length of each cycle of a ramp.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from breathcue.app import Daemon, Sink
from breathcue.cli import main
from breathcue.clock import VirtualClock
from breathcue.core.pacing import PRESETS, PacedSession
from breathcue.hw.sim import RecordingRing, SimulatedBreather


def lstar(y: float) -> float:
    return (116 * y ** (1 / 3) - 16) / 100 if y > 0.008856 else 9.033 * y


def brightness(path: Path) -> tuple[list[float], list[float]]:
    """Frame times and perceived brightness (0-1 of the brightest frame)."""
    frames = [json.loads(line) for line in path.read_text().splitlines()]
    light = [sum(map(sum, f["rgb"])) for f in frames]
    top = max(light)
    return [f["t"] for f in frames], [lstar(x / top) for x in light]


def crossings(t: list[float], b: list[float], level: float, rising: bool, margin: float = 0.1) -> list[float]:
    """Interpolated times ``b`` crosses ``level``, with hysteresis so dither cannot double-count."""
    out, armed = [], False
    sign = 1 if rising else -1
    for i in range(1, len(b)):
        if sign * (b[i - 1] - level) < -margin:
            armed = True
        if armed and sign * (b[i - 1] - level) < 0 <= sign * (b[i] - level):
            out.append(t[i - 1] + (level - b[i - 1]) / (b[i] - b[i - 1]) * (t[i] - t[i - 1]))
            armed = False
    return out


def pace(tmp_path: Path, *args: str) -> Path:
    frames = tmp_path / "f.jsonl"
    done = subprocess.run(
        [sys.executable, "-m", "breathcue", "pace", *args, "--frames-out", str(frames)],
        capture_output=True, text=True, cwd=tmp_path, timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return frames


def plateaus(b: list[float]) -> tuple[float, float]:
    """Shares of frames near the top and near the floor (within 2 % of the range, perceived)."""
    lo, hi = min(b), max(b)
    near = 0.02 * (hi - lo)
    return sum(v >= hi - near for v in b) / len(b), sum(v <= lo + near for v in b) / len(b)


def test_acceptance_box(tmp_path: Path):
    frames = pace(tmp_path, "--pattern", "box", "--style", "glow", "--sim", "--clock", "virtual", "--seconds", "64")
    t, b = brightness(frames)
    assert len(t) == 64 * 60 + 1 and t[-1] == 64.0
    mid = (min(b) + max(b)) / 2
    rises = crossings(t, b, mid, rising=True)
    assert len(rises) == 4
    periods = [y - x for x, y in zip(rises, rises[1:])]
    assert all(abs(p - 16.0) <= 0.1 for p in periods), periods
    top, floor = plateaus(b)
    # the 4 s holds, widened a little by the eased ends of the inhale and exhale
    assert 0.22 <= top <= 0.32 and 0.22 <= floor <= 0.32, (top, floor)
    assert min(b) > 0.05  # the floor: the ring never goes fully dark


def test_acceptance_4_7_8(tmp_path: Path):
    frames = pace(tmp_path, "--pattern", "4-7-8", "--style", "glow", "--sim", "--clock", "virtual", "--seconds", "76")
    t, b = brightness(frames)
    mid = (min(b) + max(b)) / 2
    rises = crossings(t, b, mid, rising=True)
    falls = crossings(t, b, mid, rising=False)
    assert len(rises) == 4
    assert all(abs((y - x) - 19.0) <= 0.1 for x, y in zip(rises, rises[1:]))
    top, floor = plateaus(b)
    assert 7 / 19 <= top <= 9 / 19  # the long hold at the top
    assert floor < 0.1  # and no hold at the bottom
    # the half-way points: 2 s into the inhale, 4 s into the exhale after the 7 s hold
    assert falls[0] - rises[0] == pytest.approx(2.0 + 7.0 + 4.0, abs=0.1)


def test_acceptance_ramp_11_to_6(tmp_path: Path):
    frames = pace(
        tmp_path, "--pattern", "resonance", "--ramp-from", "11", "--ramp-to", "6", "--ramp-minutes", "8",
        "--minutes", "9", "--style", "glow", "--sim", "--clock", "virtual",
    )
    t, b = brightness(frames)
    assert abs(t[-1] - 540.0) < 5.0  # ends by itself, on the breath boundary nearest 9 minutes
    mid = (min(b) + max(b)) / 2
    rises, falls = crossings(t, b, mid, rising=True), crossings(t, b, mid, rising=False)
    assert len(rises) == len(falls)
    # Cycle k starts at s, lasts p, inhales for 0.4 p: the brightness crosses the threshold
    # x of the way up the inhale (r = s + 0.4 x p) and x of the way down the exhale
    # (f = s + 0.4 p + 0.6 (1 - x) p), so f - r = (1 - x) p.  The first cycle starts at 0,
    # which gives x; then every cycle's length follows from its own two crossings.
    first = falls[0] + 1.5 * rises[0]
    x = rises[0] / (0.4 * first)
    lengths = [(f - r) / (1 - x) for r, f in zip(rises, falls)]
    assert first == pytest.approx(60 / 11, abs=0.02)
    assert lengths[0] == pytest.approx(60 / 11, abs=0.02)
    assert lengths[-1] == pytest.approx(10.0, abs=0.02)
    assert all(b2 > b1 - 0.03 for b1, b2 in zip(lengths, lengths[1:]))  # slowing down all along
    assert t[-1] - (rises[-1] - 0.4 * x * lengths[-1]) == pytest.approx(10.0, abs=0.05)  # a whole last breath


def test_fill_style_runs_and_lights_an_arc(tmp_path: Path):
    frames = pace(tmp_path, "--inhale", "2", "--exhale", "3", "--style", "fill", "--sim", "--clock", "virtual", "--seconds", "5")
    lines = [json.loads(line) for line in frames.read_text().splitlines()]
    at_top = lines[120]["rgb"]  # t = 2 s: full lungs, the arc all the way round
    assert min(sum(px) for px in at_top) > 100
    halfway = lines[60]["rgb"]  # t = 1 s: half the ring lit clockwise from pixel 0
    assert sum(halfway[0]) > 100 and sum(halfway[-1]) < 10


@pytest.mark.parametrize(
    "args, words",
    [
        (["--pattern", "box", "--inhale", "4"], "either --pattern or"),
        (["--inhale", "4"], "--inhale and --exhale"),
        (["--ramp-from", "11", "--ramp-to", "6"], "go together"),
        (["--pattern", "slow"], "unknown pattern 'slow': expected one of resonance, coherent, box, 4-7-8, cyclic-sigh"),
        (["--inhale", "0.5", "--exhale", "0.5"], "60 breaths a minute: expected 2 to 30"),
        (["--ramp-from", "40", "--ramp-to", "6", "--ramp-minutes", "8"], "ramp's start is 40 breaths a minute"),
        (["--minutes", "0"], "expected more than 0"),
    ],
)
def test_usage_errors_exit_2(args, words, capsys):
    assert main(["pace", "--sim", "--clock", "virtual", "--seconds", "1", *args]) == 2
    assert words in capsys.readouterr().err


def test_session_events_name_the_pattern(tmp_path: Path):
    events = tmp_path / "e.jsonl"
    assert main(["pace", "--inhale", "4", "--exhale", "8", "--minutes", "0.2", "--sim", "--clock", "virtual",
                 "--events-out", str(events)]) == 0
    starts = [e for e in map(json.loads, events.read_text().splitlines()) if e["event"] == "session_start"]
    assert [e["pattern"] for e in starts] == ["4-0-8-0"]


def test_the_simulated_user_of_pace_sim_follows_the_light(tmp_path: Path):
    """`pace --sim` wires the simulated person to the session, so its adherence means something."""
    events = tmp_path / "e.jsonl"
    assert main(["pace", "--pattern", "resonance", "--minutes", "3", "--sim", "--clock", "virtual",
                 "--events-out", str(events)]) == 0
    end = next(e for e in map(json.loads, events.read_text().splitlines()) if e["event"] == "session_end")
    assert end["outcome"] == "completed" and end["breaths"] >= 12 and end["in_pace"] >= 0.9


def test_pace_uses_the_calibrated_polarity_where_box_breathing_alone_cannot_tell(tmp_path: Path):
    """Box breathing rises and falls alike: from a cold start the polarity is a guess; calibration knows it."""
    from breathcue.analyze import baseline_path, save_baseline
    from breathcue.core.detector import Baseline

    save_baseline(Baseline(0.35, 6.0, "normal"), baseline_path(tmp_path / "state"))  # the simulated strap rises on the inhale
    events = tmp_path / "e.jsonl"
    assert main(["pace", "--pattern", "box", "--minutes", "3", "--sim", "--clock", "virtual", "--state-dir", str(tmp_path / "state"),
                 "--events-out", str(events)]) == 0
    end = next(e for e in map(json.loads, events.read_text().splitlines()) if e["event"] == "session_end")
    assert end["in_pace"] >= 0.9 and 0.2 <= end["phase_lag_s"] <= 2.0  # inhales found where they are, not a half cycle off


def test_user_pattern_from_the_config(tmp_path: Path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("[patterns.calm]\ninhale = 3\nexhale = 5\n[pacing]\nstyle = \"fill\"\n")
    frames = tmp_path / "f.jsonl"
    assert main(["pace", "--config", str(cfg), "--pattern", "calm", "--minutes", "0.2", "--sim", "--clock", "virtual",
                 "--frames-out", str(frames)]) == 0
    lines = frames.read_text().splitlines()
    assert json.loads(lines[-1])["t"] == 16.0  # 12 s asked: the nearest whole breath of 8 s is 16 s


class LateClock(VirtualClock):
    """A virtual clock that oversleeps now and then, like a Pi stalled by an SD card write."""

    def __init__(self, start, stalls: dict[int, float]) -> None:
        super().__init__(start)
        self.stalls = stalls
        self.calls = 0

    def sleep_until(self, t: float) -> None:
        self.calls += 1
        super().sleep_until(t + self.stalls.get(self.calls, 0.0))


def test_frame_schedule_on_the_virtual_clock(default_config, vclock):
    """Frames at exactly n / fps, and after a stall the next frame is the latest deadline, never a stale one."""
    fps = default_config.ring.fps
    shown = []

    class Ticks(Sink):
        def frame(self, t, rgb):
            shown.append((t, clock.now()))

    clock = LateClock(vclock.wall(), {200: 0.1, 400: 0.5})
    daemon = Daemon(default_config, clock, SimulatedBreather(), RecordingRing(24), [Ticks()], seconds=10)
    daemon.start_session(PacedSession(PRESETS["box"]))
    daemon.run()
    deadlines = [t for t, _ in shown]
    assert all(abs(t * fps - round(t * fps)) < 1e-6 for t in deadlines)  # always on the n / fps grid
    assert all(0.0 <= now - t < 1.0 / fps for t, now in shown)  # never more than one frame late
    gaps = sorted({round((b - a) * fps) for a, b in zip(deadlines, deadlines[1:])})
    assert gaps[0] == 1 and gaps[-1] > 1  # frames were skipped after the stalls, not shown late
    assert len(deadlines) < 10 * fps + 1 - 30  # about 0.6 s of frames skipped


def test_session_started_later_is_timed_from_its_start(default_config, vclock):
    ring = RecordingRing(24)
    daemon = Daemon(default_config, vclock, SimulatedBreather(), ring, seconds=40)
    daemon.start_session(PacedSession(PRESETS["box"], minutes=0.25), at=20.0)  # 16 s from t = 20
    daemon.exit_when_session_ends = True
    daemon.run()
    assert ring.frames[-1][0] == pytest.approx(36.0)
    assert daemon.session is None


def test_leds_test_in_the_terminal():
    done = subprocess.run(
        [sys.executable, "-m", "breathcue", "leds", "test", "--sim", "--step", "0.05"],
        capture_output=True, text=True, timeout=60,
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()  # not a TTY: a plain line a second
    assert "pixel 0" in lines[0] and len(lines) >= 2
    assert main(["leds", "test", "--sim", "--step", "0"]) == 2
