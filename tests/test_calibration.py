"""Calibration: the procedure (core/calibration.py), the daemon doing it on request, the control socket, the command."""

from __future__ import annotations

import io
import json
import math
import threading
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import pytest

from breathcue.analyze import baseline_path, load_baseline, save_baseline
from breathcue.app import Daemon, EventWriter, SessionFollower
from breathcue.cli import main
from breathcue.clock import VirtualClock
from breathcue.config import DetectorConfig
from breathcue.control import BaselineKeeper, ControlError, ControlServer, ask_daemon, socket_path
from breathcue.control import open_sinks as control_sinks
from breathcue.core.calibration import QUALITY_TEXT, Calibration, CalibrationError, Progress
from breathcue.core.detector import Baseline
from breathcue.core.pacing import PacedSession, pattern_by_name
from breathcue.core.types import Sample
from breathcue.hw.sim import RecordingRing, SimulatedBreather

from .daemon_helpers import UTC, Script, config

RATE = 25.0


class Mirrored:
    """The simulated strap read the other way round (the cord on the divider's other side)."""

    def __init__(self, base: SimulatedBreather) -> None:
        self.base, self.rate_hz = base, base.rate_hz

    def read(self, t: float) -> Sample:
        return Sample(t, 3.2 - self.base.read(t).value)

    def close(self) -> None:
        pass


class Loose(Mirrored):
    """A loose strap: an eighth of the movement."""

    def read(self, t: float) -> Sample:
        return Sample(t, 1.6 + (self.base.read(t).value - 1.6) / 8.0)


class Stuck:
    rate_hz = RATE

    def read(self, t: float) -> Sample:
        return Sample(t, 1.0)

    def close(self) -> None:
        pass


class Faulty(Stuck):
    def read(self, t: float) -> Sample:
        return Sample(t, None, "i2c_error")


class Slow(Stuck):
    def read(self, t: float) -> Sample:
        return Sample(t, math.sin(2 * math.pi * t / 15.0) + 1e-4 * math.sin(7 * t))


def calibrate(read: Callable[[float], Sample], seconds: float = 30.0, follow: Callable[[Any], None] | None = None) -> tuple[Calibration, list[Progress]]:
    cal = Calibration(DetectorConfig(), RATE, seconds)
    seen: list[Progress] = []
    n = 0
    while not cal.done:
        t = n / RATE
        if follow is not None and cal.phase == "guided":
            follow(lambda tt: cal.guide(tt) or 0.0)
            follow = None
        cal.update(read(t))
        if n % int(RATE) == 0:
            seen.append(cal.progress(t))
        n += 1
    return cal, seen


# --- the procedure ----------------------------------------------------------------------


def test_a_calibration_measures_depth_and_rate_then_takes_the_polarity_from_the_guide() -> None:
    breather = SimulatedBreather(seed=3)
    cal, seen = calibrate(breather.read, follow=breather.follow)
    result = cal.outcome()
    assert result.baseline.polarity == "normal" and result.verdict.reason is None
    assert 0.2 < result.baseline.depth < 0.32 and 9 < result.baseline.rate_bpm < 13
    assert result.seconds == pytest.approx(70.0, abs=0.1)  # 30 s calm, four 10 s guided breaths
    assert result.describe().startswith("ready: 11 breaths a minute; your breaths move the strap by 0.2")
    assert result.describe().endswith("a breath in pulls the signal up")
    assert result.info()["guided"]["polarity"] == "normal"
    phases = [p.phase for p in seen]
    assert phases[0] == "calm" and "guided" in phases and phases[-1] == "done"
    guided = [p for p in seen if p.phase == "guided"]
    assert {p.guide for p in guided} == {"in", "out"}
    assert [p.left for p in seen] == sorted((p.left for p in seen), reverse=True)
    assert guided[-1].quality == "following" and "good" in {p.quality for p in seen if p.phase == "calm"}


def test_an_inverted_strap_is_found_inverted() -> None:
    breather = SimulatedBreather(seed=4)
    result = calibrate(Mirrored(breather).read, follow=breather.follow)[0].outcome()
    assert result.baseline.polarity == "inverted"
    assert result.describe().endswith("a breath in pulls the signal down")


def test_a_polarity_it_is_not_sure_of_is_not_saved_and_it_says_why() -> None:
    breather = SimulatedBreather(seed=5)  # never follows the light
    cal, seen = calibrate(breather.read)
    result = cal.outcome()
    assert result.baseline.polarity is None and result.baseline.depth > 0
    assert result.verdict.reason in ("not_following", "implausible_lag")
    assert "is not saved: the breathing did not follow the light" in result.describe() or "out of step" in result.describe()
    assert [p for p in seen if p.phase == "guided"][-1].quality == "not_following"


def test_a_loose_strap_gives_no_polarity() -> None:
    breather = SimulatedBreather(seed=6)
    result = calibrate(Loose(breather).read, follow=breather.follow)[0].outcome()
    assert result.baseline.polarity is None and result.verdict.reason == "too_small"
    assert "the strap barely moved: it may be loose" in result.describe()


@pytest.mark.parametrize("sensor, message, quality", [(Stuck(), "unusable", "lost"), (Faulty(), "i2c_error", "lost"), (Slow(), "breaths found", None)])
def test_a_calm_part_without_a_baseline_ends_it_at_once(sensor, message: str, quality: str | None) -> None:
    cal, seen = calibrate(sensor.read)
    with pytest.raises(CalibrationError, match=message):
        cal.outcome()
    calm = [p for p in seen if p.phase == "calm"]
    assert seen[-1].phase == "failed" and len(calm) == len(seen) - 1 == 30  # no guided breaths after a failed calm part
    if quality:
        assert calm[-1].quality == quality
    else:
        assert calm[-1].quality == "quiet"


def test_progress_reads_in_plain_words() -> None:
    p = Progress("guided", 40.0, 21.6, 5, "following", "in")
    assert p.describe() == "breathe in as it brightens, 22 s left; you follow the light"
    longest = max(
        [Progress("calm", 1.0, 639.0, 0, q, None).describe() for q in QUALITY_TEXT if q not in ("following", "not_following")]
        + [Progress("guided", 600.0, 39.0, 5, q, "in").describe() for q in ("following", "not_following")],
        key=len,
    )
    assert len("calibrating: " + longest) < 80
    assert Progress(**p.to_json_dict()) == replace(p, seconds=40.0, left=21.6)


# --- the daemon does it on request -----------------------------------------------------------


def daemon_with(cfg, breather, tmp_path: Path, *, baseline: Baseline | None = None) -> tuple[Daemon, io.StringIO]:
    clock = VirtualClock(datetime(2026, 11, 24, 10, 0, tzinfo=UTC))
    out = io.StringIO()
    d = Daemon(cfg, clock, breather, RecordingRing(cfg.ring.pixels), [EventWriter(out)], baseline=baseline)
    d.sinks += [BaselineKeeper(tmp_path, d), SessionFollower(d, breather.follow)]
    return d, out


def events_of(out: io.StringIO) -> list[dict]:
    return [json.loads(line) for line in out.getvalue().splitlines()]


def test_the_daemon_calibrates_while_running_and_applies_the_baseline(tmp_path: Path) -> None:
    breather = SimulatedBreather(seed=7)
    d, out = daemon_with(config(), breather, tmp_path)
    replies: list[dict] = []
    d.seconds = 100.0
    d.sinks.append(Script(d, [(2.0, "calibrate", {"seconds": 30.0, "reply": replies.append}), (5.0, "calibrate", {"reply": replies.append})]))
    d.run()
    names = [e["event"] for e in events_of(out)]
    assert names.index("calibration_start") < names.index("calibration_guide") < names.index("calibration_end")
    end = next(e for e in events_of(out) if e["event"] == "calibration_end")
    assert end["outcome"] == "saved" and end["polarity"] == "normal" and end["guided"]["cycles"] >= 3
    assert replies[0]["progress"]["phase"] == "calm"
    assert {"error": "a calibration is already running"} in replies
    assert replies[-1]["result"]["text"].startswith("ready: ")
    assert d.baseline is not None and d.baseline.polarity == "normal" and d.detector.polarity == "normal"
    assert load_baseline(baseline_path(tmp_path)) == d.baseline
    # the ring is still while it listens, then shows the guide
    ring = d.ring
    calm = [rgb for t, rgb in ring.frames if 3.0 < t < 31.0]
    guided = [max(map(max, rgb)) for t, rgb in ring.frames if 33.0 < t < 71.0]
    assert all(max(map(max, rgb)) == 0 for rgb in calm) and max(guided) > 100


def test_a_calibration_can_be_cancelled_and_blocks_sessions_meanwhile(tmp_path: Path) -> None:
    d, out = daemon_with(config(), SimulatedBreather(seed=8), tmp_path)
    replies: list[dict] = []
    d.seconds = 20.0
    d.sinks.append(Script(d, [(1.0, "calibrate", {"seconds": 30.0, "reply": replies.append}), (3.0, "start_session", {}), (10.0, "calibrate_cancel", {})]))
    d.run()
    events = events_of(out)
    assert not any(e["event"] == "session_start" for e in events)
    end = next(e for e in events if e["event"] == "calibration_end")
    assert end["outcome"] == "cancelled" and replies[-1] == {"error": "cancelled"}
    assert not baseline_path(tmp_path).exists() and d.calibration is None


def test_a_paced_session_corrects_a_wrong_polarity_and_keeps_it(tmp_path: Path) -> None:
    save_baseline(Baseline(0.25, 11.0, "inverted"), baseline_path(tmp_path), {"breaths": 9})  # wrong: the strap rises
    d, out = daemon_with(config(), SimulatedBreather(seed=9), tmp_path, baseline=Baseline(0.25, 11.0, "inverted"))
    assert d.detector.polarity == "inverted"
    d.seconds = 150.0
    d.sinks.append(Script(d, [(1.0, "start_session", {"pattern": "resonance", "minutes": 2.0})]))
    d.run()
    fixed = [e for e in events_of(out) if e["event"] == "polarity"]
    assert len(fixed) == 1 and fixed[0]["polarity"] == "normal" and fixed[0]["previous"] == "inverted"
    assert fixed[0]["applied"] is True and fixed[0]["source"] == "session" and fixed[0]["correlation"] > 0.6
    assert d.detector.polarity == "normal"
    d._apply(config("[detector]\nhold_seconds = 12\n"), "reloaded", d.clock.now())  # SIGHUP with new detector settings
    assert d.detector.polarity == "normal"
    kept = json.loads(baseline_path(tmp_path).read_text())
    assert kept["polarity"] == "normal" and kept["polarity_from"] == "session" and kept["breaths"] == 9


def test_a_configured_polarity_is_left_alone_and_reported(tmp_path: Path) -> None:
    d, out = daemon_with(config('[detector]\npolarity = "inverted"\n'), SimulatedBreather(seed=10), tmp_path)
    d.seconds = 150.0
    d.sinks.append(Script(d, [(1.0, "start_session", {"pattern": "resonance", "minutes": 2.0})]))
    d.run()
    fixed = [e for e in events_of(out) if e["event"] == "polarity"]
    assert fixed and all(e["applied"] is False for e in fixed)
    assert d.detector.polarity == "inverted" and not baseline_path(tmp_path).exists()


def test_a_session_that_agrees_changes_nothing(tmp_path: Path) -> None:
    d, out = daemon_with(config(), SimulatedBreather(seed=11), tmp_path, baseline=Baseline(0.25, 11.0, "normal"))
    d.seconds = 100.0
    d.session_started = d.start_session(PacedSession(pattern_by_name("resonance"), 1.5), at=0.0)
    d.run()
    assert not any(e["event"] == "polarity" for e in events_of(out))


# --- the control socket ------------------------------------------------------------------


class FakeDaemon:
    """Answers a calibrate command as the loop would, from another thread."""

    def __init__(self, messages: list[dict], every: float = 0.0) -> None:
        self.messages, self.every = messages, every
        self.commands: list[tuple[str, dict]] = []
        self.cancelled = threading.Event()

    def submit(self, name: str, **args: Any) -> None:
        self.commands.append((name, args))
        if name == "calibrate":
            threading.Thread(target=self._answer, args=(args["reply"],), daemon=True).start()
        elif name == "calibrate_cancel":
            self.cancelled.set()

    def _answer(self, reply: Callable[[dict], None]) -> None:
        for message in self.messages:
            if self.cancelled.wait(self.every):
                return
            reply(message)


PROGRESS = {"progress": Progress("calm", 1.0, 69.0, 0, "starting", None).to_json_dict()}
RESULT = {"result": {"outcome": "saved", "text": "ready: 11 breaths a minute; your breaths move the strap by 0.26 V; a breath in pulls the signal up"}}


def test_calibrate_asks_the_daemon_over_its_socket(tmp_path: Path) -> None:
    fake = FakeDaemon([PROGRESS, PROGRESS, RESULT])
    server = ControlServer(tmp_path, fake.submit)
    try:
        assert oct(socket_path(tmp_path).stat().st_mode & 0o777) == "0o660"
        seen: list[dict] = []
        assert ask_daemon(tmp_path, 45.0, seen.append) == RESULT["result"]
        assert len(seen) == 2 and fake.commands[0][0] == "calibrate" and fake.commands[0][1]["seconds"] == 45.0
    finally:
        server.close()
    assert not socket_path(tmp_path).exists()
    assert ask_daemon(tmp_path, 45.0, seen.append) is None  # no daemon: calibrate runs on its own


def test_the_daemons_error_reaches_the_asker(tmp_path: Path) -> None:
    server = ControlServer(tmp_path, FakeDaemon([{"error": "a calibration is already running"}]).submit)
    try:
        with pytest.raises(ControlError, match="already running"):
            ask_daemon(tmp_path, 60.0, lambda p: None)
        with pytest.raises(ControlError, match="--seconds 5: expected 30 to 600"):
            ask_daemon(tmp_path, 5.0, lambda p: None)
    finally:
        server.close()


def test_an_asker_that_goes_away_cancels(tmp_path: Path) -> None:
    import socket

    fake = FakeDaemon([PROGRESS] * 200, every=0.02)
    server = ControlServer(tmp_path, fake.submit)
    try:
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.connect(str(socket_path(tmp_path)))
        sock.sendall(b'{"command": "calibrate", "seconds": 60}\n')
        sock.recv(100)
        sock.close()
        assert fake.cancelled.wait(5.0)
    finally:
        server.close()


def test_a_stale_socket_is_taken_over_but_a_live_one_is_not(tmp_path: Path) -> None:
    import socket

    stale = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    stale.bind(str(socket_path(tmp_path)))
    stale.close()  # a daemon that died: the file stays, nobody listens
    first = ControlServer(tmp_path, FakeDaemon([]).submit)
    try:
        with pytest.raises(OSError, match="another breathcue daemon"):
            ControlServer(tmp_path, FakeDaemon([]).submit)
    finally:
        first.close()


# --- the command --------------------------------------------------------------------------


def test_the_documented_minimum_of_30_s_succeeds_for_ten_seeds() -> None:
    """The procedure `calibrate --sim --seconds 30` runs (20 s finds only 3 breaths at 11 a minute)."""
    for seed in range(10):
        breather = SimulatedBreather(seed=seed)
        assert calibrate(breather.read, 30.0, follow=breather.follow)[0].outcome().baseline.polarity == "normal", seed


def test_calibrate_succeeds_at_its_documented_minimum(tmp_path: Path, capsys) -> None:
    for seed in range(3):
        assert main(["calibrate", "--sim", "--clock", "virtual", "--seconds", "30", "--seed", str(seed), "--state-dir", str(tmp_path)]) == 0
        out = capsys.readouterr().out.splitlines()
        assert out[0].startswith("ready: ") and out[0].endswith("a breath in pulls the signal up"), (seed, out)
        assert out[1] == f"saved to {baseline_path(tmp_path)}"
    assert load_baseline(baseline_path(tmp_path)).polarity == "normal"


def test_calibrate_fails_with_exit_1_and_saves_nothing(tmp_path: Path, capsys, monkeypatch) -> None:
    from breathcue.hw import select

    monkeypatch.setattr(select, "simulated_sensor", lambda config, scenario, seed: (Faulty(), None))
    assert main(["calibrate", "--sim", "--clock", "virtual", "--seconds", "30", "--state-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "breathcue: calibration failed: the strap signal was unusable 100% of the time (i2c_error)" in err
    assert "Traceback" not in err and not baseline_path(tmp_path).exists()


def test_calibrate_uses_the_running_daemon(tmp_path: Path, capsys) -> None:
    server = ControlServer(tmp_path, FakeDaemon([PROGRESS, RESULT]).submit)
    try:
        assert main(["calibrate", "--seconds", "40", "--state-dir", str(tmp_path)]) == 0
    finally:
        server.close()
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [RESULT["result"]["text"], "the running daemon saved it and uses it now"]
    assert "(the running daemon)" in captured.err


def test_a_running_daemon_calibrates_over_its_socket_end_to_end(tmp_path: Path) -> None:
    """The whole path: `ask_daemon` -> socket -> the loop's calibration -> the reply, the live baseline and the file."""
    breather = SimulatedBreather(seed=12)
    d, out = daemon_with(config(), breather, tmp_path)
    d.sinks = [s for s in d.sinks if not isinstance(s, BaselineKeeper)]
    d.sinks += control_sinks(tmp_path, d)
    loop = threading.Thread(target=d.run)
    loop.start()
    try:
        seen: list[dict] = []
        result = ask_daemon(tmp_path, 30.0, seen.append)
    finally:
        d.stop()
        loop.join(30.0)
    assert result is not None and result["polarity"] == "normal" and result["text"].startswith("ready: ")
    assert {p["phase"] for p in seen} == {"calm", "guided"}
    assert d.detector.polarity == "normal" and load_baseline(baseline_path(tmp_path)).polarity == "normal"
    assert not socket_path(tmp_path).exists()  # closed with the daemon


def test_pace_keeps_the_polarity_a_session_corrects(tmp_path: Path) -> None:
    state = tmp_path / "state"
    save_baseline(Baseline(0.25, 11.0, "inverted"), baseline_path(state))  # wrong: the simulated strap rises
    events = tmp_path / "e.jsonl"
    assert main(["pace", "--minutes", "2", "--sim", "--clock", "virtual", "--state-dir", str(state), "--events-out", str(events)]) == 0
    fixed = [e for e in map(json.loads, events.read_text().splitlines()) if e["event"] == "polarity"]
    assert len(fixed) == 1 and fixed[0]["polarity"] == "normal" and fixed[0]["applied"]
    assert load_baseline(baseline_path(state)).polarity == "normal"


def test_a_simulated_calibration_keeps_out_of_the_real_state_dir(tmp_path: Path, capsys, monkeypatch) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path))
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)
    assert main(["calibrate", "--sim", "--clock", "virtual", "--seconds", "30"]) == 0
    assert capsys.readouterr().out.splitlines()[1] == f"saved to {tmp_path / 'breathcue-sim' / 'baseline.json'}"
    assert not (tmp_path / "breathcue").exists()


@pytest.mark.parametrize("seconds", [30.0, 60.0])
def test_breathing_whose_halves_are_alike_still_gives_its_breaths_to_the_calm_part(seconds: float) -> None:
    """A sine: nothing tells which way is the inhale, so the detector abstains; the calm part counts the breaths
    anyway (depth and rate are the same either way; the guided part says which way). A longer calm part used to
    give none at all."""
    cal = Calibration(DetectorConfig(), RATE, seconds)
    i = 0
    while cal.phase == "calm":
        t = i / RATE
        cal.update(Sample(t, 1.0 + 0.5 * math.sin(2 * math.pi * t / 6.0)))
        i += 1
    assert cal.error is None and cal.phase == "guided"
    progress = cal.progress(i / RATE)
    assert progress.phase == "guided" and progress.breaths >= seconds / 6.0 - 2
