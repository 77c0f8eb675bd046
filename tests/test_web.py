"""The dashboard server: pages, status, live events, commands, and who may use them."""

from __future__ import annotations

import http.client
import json
import socket
import subprocess
import sys
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from breathcue import config as configmod
from breathcue.config import WebConfig
from breathcue.core.types import Event, Sample
from breathcue.web import server

from .conftest import ROOT
from .test_report import known_day

TOKEN = "s3cret-token-for-tests"
PATTERNS = ["resonance", "box"]


class Commands:
    def __init__(self) -> None:
        self.got: list[tuple[str, dict]] = []

    def __call__(self, name: str, **args) -> None:
        self.got.append((name, args))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def commands() -> Commands:
    return Commands()


def make(commands: Commands, token: str = "", history_path: Path | None = None) -> server.DashboardSink:
    return server.DashboardSink(
        WebConfig(enabled=True, host="127.0.0.1", port=0, token=token),
        commands,
        status={"t": 0.0, "state": "starting"},
        rate_hz=25.0,
        pixels=4,
        patterns=PATTERNS,
        history_path=history_path,
        tz=ZoneInfo("UTC"),
    )


@pytest.fixture
def dash(commands: Commands):
    sink = make(commands)
    yield sink
    sink.close()


def request(sink, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> tuple[int, dict, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", sink.port, timeout=5)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        answer = conn.getresponse()
        return answer.status, dict(answer.getheaders()), answer.read()
    finally:
        conn.close()


def post(sink, name: str, args: dict | None = None, headers: dict | None = None) -> tuple[int, dict]:
    status, _, body = request(sink, "POST", f"/api/command/{name}", json.dumps(args or {}).encode(),
                              {"Content-Type": "application/json", **(headers or {})})
    return status, json.loads(body)


class Stream:
    """A server-sent event stream, read message by message."""

    def __init__(self, sink, headers: dict | None = None) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", sink.port, timeout=5)
        self.conn.request("GET", "/api/events", headers=headers or {})
        self.answer = self.conn.getresponse()

    def next(self) -> tuple[str, object]:
        kind, data = "", ""
        while True:
            line = self.answer.readline().decode()
            if line == "":
                raise EOFError
            if line.startswith("event: "):
                kind = line[7:].strip()
            elif line.startswith("data: "):
                data = line[6:].strip()
            elif line == "\n" and kind:
                return kind, json.loads(data)

    def until(self, kind: str) -> object:
        while True:
            got, data = self.next()
            if got == kind:
                return data

    def close(self) -> None:
        self.conn.close()


# --- pages and data ----------------------------------------------------------------------


def test_the_page_and_its_assets(dash):
    status, headers, body = request(dash, "GET", "/")
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    page = body.decode()
    for asset in ("/static/uplot/uPlot.iife.min.js", "/static/uplot/uPlot.min.css", "/static/app.js", "/static/style.css"):
        assert asset in page
        status, headers, body = request(dash, "GET", asset)
        assert status == 200 and len(body) > 500, asset
    assert "default-src 'self'" in headers["Content-Security-Policy"] and headers["X-Content-Type-Options"] == "nosniff"
    assert "http://" not in page.replace("http://www.w3.org", "") and "https://" not in page  # nothing from the internet
    status, _, body = request(dash, "GET", "/static/uplot/LICENSE")
    assert status == 200 and b"MIT" in body
    assert request(dash, "GET", "/static/../server.py")[0] == 404
    assert request(dash, "GET", "/nothing")[0] == 404


def test_status_and_info(dash):
    status, headers, body = request(dash, "GET", "/api/status")
    assert status == 200 and headers["Content-Type"] == "application/json"
    assert json.loads(body) == {"t": 0.0, "state": "starting"}
    dash.status({"t": 1.0, "state": "breathing", "rate_bpm": 11.5})
    assert json.loads(request(dash, "GET", "/api/status")[2])["rate_bpm"] == 11.5
    info = json.loads(request(dash, "GET", "/api/info")[2])
    assert info["pixels"] == 4 and info["patterns"] == PATTERNS and info["wave_seconds"] == 30.0


def test_live_events(dash):
    for i in range(10):
        dash.sample(Sample(i / 25, 1.6 + i / 100))
    stream = Stream(dash)
    try:
        assert stream.until("status") == {"t": 0.0, "state": "starting"}
        assert stream.until("ring") == [[0, 0, 0]] * 4
        backlog = stream.until("wave")
        assert backlog["t"][:3] == [0.0, 0.04, 0.08] and backlog["v"][2] == 1.62
        for i in range(10, 25):
            dash.sample(Sample(i / 25, None if i == 12 else 1.7))
        points = {}
        while max(points, default=0.0) < 0.72:
            wave = stream.until("wave")
            points.update(zip(wave["t"], wave["v"]))
        assert points[0.48] is None and points[0.52] == 1.7  # a failed read is a gap, not a value
        dash.frame(1.0, [(1, 2, 3)] * 4)
        assert stream.until("ring") == [[1, 2, 3]] * 4
        dash.event(Event("hold_start", 2.0, {"start": 1.0}), datetime(2026, 11, 24, 10, tzinfo=ZoneInfo("UTC")))
        assert stream.until("event") == {"event": "hold_start", "t": 2.0, "start": 1.0, "wall": "2026-11-24T10:00:00+00:00"}
        dash.status({"t": 3.0, "state": "hold"})
        assert stream.until("status")["state"] == "hold"
    finally:
        stream.close()


def test_a_slow_browser_does_not_hold_up_the_loop(dash):
    stream = Stream(dash)  # connected, never read
    try:
        deadline = time.monotonic() + 5
        while not dash.hub and time.monotonic() < deadline:
            time.sleep(0.01)
        began = time.perf_counter()
        for i in range(20000):
            dash.sample(Sample(i / 25, 1.6))
        assert time.perf_counter() - began < 5.0  # bounded queues: messages are dropped, never waited on
    finally:
        stream.close()


def test_closing_ends_the_streams_and_the_server(commands):
    sink = make(commands)
    stream = Stream(sink)
    stream.until("wave")
    sink.close()
    with pytest.raises((EOFError, OSError)):
        while True:
            stream.next()
    with pytest.raises(OSError):
        request(sink, "GET", "/")
    sink.close()  # twice is fine


def test_today_from_the_history(commands, tmp_path: Path):
    known_day(tmp_path)
    sink = make(commands, history_path=tmp_path / "history.sqlite3")
    try:
        status, _, body = request(sink, "GET", "/api/today?day=2026-11-24")
        today = json.loads(body)
        assert status == 200 and today["report"]["holds"] == 2
        assert len(today["timeline"]["minutes"]["time"]) == 121 and len(today["timeline"]["cues"]) == 3
        assert request(sink, "GET", "/api/today?day=yesterday")[0] == 400
    finally:
        sink.close()
    sink = make(commands, history_path=tmp_path / "none.sqlite3")
    try:
        status, _, body = request(sink, "GET", "/api/today")
        assert status == 404 and "no history" in json.loads(body)["error"]
    finally:
        sink.close()


# --- commands ---------------------------------------------------------------------------------


def test_commands_go_to_the_daemon(dash, commands):
    assert post(dash, "snooze", {"minutes": 10}) == (202, {"ok": True, "command": "snooze", "minutes": 10})
    assert post(dash, "start_session", {"pattern": "box", "minutes": 3})[0] == 202
    assert post(dash, "start_session", {"pattern": None})[0] == 202
    for name in ("cancel", "pause", "resume"):
        assert post(dash, name)[0] == 202
    assert commands.got == [
        ("snooze", {"minutes": 10}), ("start_session", {"pattern": "box", "minutes": 3}), ("start_session", {}),
        ("cancel", {}), ("pause", {}), ("resume", {}),
    ]


@pytest.mark.parametrize(
    "name, args, code, says",
    [
        ("snooze", {"minutes": 0}, 400, "minutes"),
        ("snooze", {"minutes": True}, 400, "minutes"),
        ("snooze", {"hours": 1}, 400, "not hours"),
        ("start_session", {"pattern": "../etc"}, 400, "resonance, box"),
        ("cancel", {"minutes": 5}, 400, "takes nothing"),
        ("reload", {}, 404, "no such command"),
    ],
)
def test_bad_commands_are_refused(dash, commands, name, args, code, says):
    status, body = post(dash, name, args)
    assert status == code and says in json.dumps(body)
    assert commands.got == []


def test_commands_only_from_the_page(dash, commands):
    status, _, _ = request(dash, "POST", "/api/command/snooze", b"minutes=5", {"Content-Type": "application/x-www-form-urlencoded"})
    assert status == 415  # what a form on another site can send without asking
    assert post(dash, "snooze", headers={"Origin": "http://evil.example"})[0] == 403
    assert post(dash, "snooze", headers={"Origin": f"http://127.0.0.1:{dash.port}"})[0] == 202
    status, _, _ = request(dash, "POST", "/api/command/snooze", b"x" * 5000, {"Content-Type": "application/json"})
    assert status == 413
    assert request(dash, "POST", "/api/command/snooze", b"[1]", {"Content-Type": "application/json"})[0] == 400
    assert len(commands.got) == 1


# --- who may use it --------------------------------------------------------------------------------


def test_on_loopback_the_host_must_be_this_machine(dash):
    assert request(dash, "GET", "/api/status", headers={"Host": f"localhost:{dash.port}"})[0] == 200
    assert request(dash, "GET", "/api/status", headers={"Host": f"[::1]:{dash.port}"})[0] == 200
    status, _, body = request(dash, "GET", "/api/status", headers={"Host": f"rebound.example:{dash.port}"})
    assert status == 403 and b"unexpected Host" in body


def test_a_token_is_needed_when_one_is_set(commands):
    sink = make(commands, token=TOKEN)
    try:
        for path in ("/", "/api/status", "/api/events", "/static/app.js"):
            status, headers, _ = request(sink, "GET", path)
            assert status == 401 and headers["WWW-Authenticate"].startswith("Bearer"), path
        assert post(sink, "snooze")[0] == 401
        assert request(sink, "GET", "/api/status", headers={"Authorization": "Bearer wrong-token-wrong-token"})[0] == 401
        assert request(sink, "GET", "/api/status?token=" + TOKEN)[0] == 401  # a token in the URL only opens the page
        assert request(sink, "GET", "/api/status", headers={"Authorization": f"Bearer {TOKEN}"})[0] == 200
        status, headers, _ = request(sink, "GET", f"/?token={TOKEN}")
        assert status == 303 and headers["Location"] == "/"  # the token leaves the address bar...
        cookie = headers["Set-Cookie"].split(";")[0]
        assert "HttpOnly" in headers["Set-Cookie"] and "SameSite=Strict" in headers["Set-Cookie"]
        assert request(sink, "GET", "/", headers={"Cookie": cookie})[0] == 200  # ...for a cookie
        assert post(sink, "snooze", headers={"Cookie": cookie})[0] == 202
        assert request(sink, "GET", "/api/status", headers={"Host": "anything.example", "Cookie": cookie})[0] == 200
        assert request(sink, "GET", "/api/status", headers={"Cookie": "breathcue_token=nope"})[0] == 401
        assert request(sink, "GET", "/api/status", headers={"Cookie": '"bad'})[0] == 401
    finally:
        sink.close()


def test_binding_beyond_loopback_needs_a_token():
    with pytest.raises(configmod.ConfigError) as error:
        configmod.parse_text('[web]\nenabled = true\nhost = "0.0.0.0"\n')
    assert error.value.errors == [
        'web.host = "0.0.0.0": expected a loopback address (127.0.0.1, ::1, localhost) unless web.token is set'
    ]
    assert configmod.parse_text(f'[web]\nhost = "0.0.0.0"\ntoken = "{TOKEN}"\n').web.token == TOKEN
    with pytest.raises(configmod.ConfigError) as error:
        configmod.parse_text('[web]\nhost = "192.168.1.5"\ntoken = "short"\n')
    assert "short" not in str(error.value)  # a secret is never echoed


def test_a_port_in_use_leaves_the_daemon_running_without_a_dashboard(default_config, caplog):
    import dataclasses

    from breathcue.app import Daemon
    from breathcue.clock import MonotonicClock
    from breathcue.hw.sim import RecordingRing, SimulatedBreather

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        config = dataclasses.replace(default_config, web=WebConfig(enabled=True, port=taken.getsockname()[1]))
        daemon = Daemon(config, MonotonicClock(), SimulatedBreather(), RecordingRing(24))
        assert server.open_sinks(config, None, daemon) == []
    assert "no dashboard: cannot listen on 127.0.0.1" in caplog.text


def test_run_serves_the_dashboard(tmp_path: Path):
    port = free_port()
    config = tmp_path / "c.toml"
    config.write_text(f"[web]\nenabled = true\nport = {port}\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "breathcue", "run", "--sim", "--config", str(config), "--state-dir", str(tmp_path / "D"), "--seconds", "2.5"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/status")
                answer = conn.getresponse()
                status = json.loads(answer.read())
                break
            except OSError:
                assert time.monotonic() < deadline, "the dashboard did not come up"
                time.sleep(0.1)
        assert answer.status == 200 and "state" in status and "nudges" in status
        conn.request("GET", "/")
        assert conn.getresponse().status == 200
    finally:
        _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert f"dashboard at http://127.0.0.1:{port}/" in err
