"""Home Assistant over MQTT, against a real mosquitto broker the tests start on 127.0.0.1.

Needs Debian's mosquitto (and mosquitto-clients) and paho-mqtt.  Without
them the tests skip on a developer's machine and fail in CI (CI=true).
"""

from __future__ import annotations

import dataclasses
import http.client
import json
import os
import pwd
import queue
import shutil
import signal
import socket
import subprocess
import sys
import textwrap
import time
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from breathcue import config as configmod
from breathcue import mqtt
from breathcue.config import MqttConfig
from breathcue.core.types import Event

from .conftest import ROOT

NODE = "testdesk"
PASSWORD = "correct horse battery staple"
EXPECTED = {
    "sensor": {"rate", "depth", "state", "holds_today"},
    "binary_sensor": {"holding", "strap"},
    "switch": {"nudges_paused"},
    "button": {"start_session", "snooze"},
    "number": {"do_not_disturb"},
    "event": {"nudge"},
}


def need(path: str | None, what: str) -> str:
    if path:
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing in CI: .ci/run installs it")
    pytest.skip(f"{what} is not installed")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Broker:
    """A mosquitto of our own on 127.0.0.1, optionally with a password."""

    def __init__(self, folder: Path, port: int | None = None, users: dict[str, str] | None = None) -> None:
        self.binary = need(shutil.which("mosquitto", path=os.environ.get("PATH", "") + ":/usr/sbin"), "mosquitto (apt install mosquitto)")
        self.port = port or free_port()
        lines = [f"listener {self.port} 127.0.0.1", "persistence false", "log_dest stderr", "log_type error"]
        lines.append(f"user {pwd.getpwuid(os.getuid()).pw_name}")  # as root it would switch to "mosquitto", who cannot read tmp_path
        if users:
            passwd = folder / "passwd"
            passwd.write_text("")
            tool = need(shutil.which("mosquitto_passwd"), "mosquitto_passwd (apt install mosquitto)")
            for user, password in users.items():
                subprocess.run([tool, "-b", str(passwd), user, password], check=True)
            lines += ["allow_anonymous false", f"password_file {passwd}"]
        else:
            lines.append("allow_anonymous true")
        self.conf = folder / "mosquitto.conf"
        self.conf.write_text("\n".join(lines) + "\n")
        self.proc: subprocess.Popen | None = None

    def start(self) -> "Broker":
        self.proc = subprocess.Popen([self.binary, "-c", str(self.conf)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return self
            except OSError:
                assert self.proc.poll() is None, self.proc.stderr.read().decode()
                assert time.monotonic() < deadline, "mosquitto did not start"
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(5)


class Watcher:
    """An MQTT client that keeps every message it sees on some topics."""

    def __init__(self, port: int, *topics: str, username: str | None = None) -> None:
        try:
            import paho.mqtt.client as paho
        except ImportError:
            paho = need(None, "paho-mqtt (pip install -e '.[test]')")
        self.messages: queue.Queue = queue.Queue()
        self.client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"watcher-{time.monotonic_ns()}")
        if username:
            self.client.username_pw_set(username, PASSWORD)
        subscribed = queue.Queue()
        self.client.on_message = lambda c, u, m: self.messages.put((m.topic, m.payload.decode(), m.retain))
        self.client.on_subscribe = lambda *a: subscribed.put(True)
        self.client.on_connect = lambda c, u, f, rc, p: c.subscribe([(t, 1) for t in topics])
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        subscribed.get(timeout=5)

    def wait(self, predicate, timeout: float = 5.0) -> tuple[str, str, bool]:
        deadline = time.monotonic() + timeout
        while True:
            try:
                message = self.messages.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError("no such message came") from None
            if predicate(*message):
                return message

    def take(self, n: int, timeout: float = 5.0) -> list[tuple[str, str, bool]]:
        return [self.messages.get(timeout=timeout) for _ in range(n)]

    def collect(self, seconds: float) -> list[tuple[str, str, bool]]:
        got, deadline = [], time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            try:
                got.append(self.messages.get(timeout=left))
            except queue.Empty:
                break
        return got

    def publish(self, topic: str, payload: str) -> None:
        self.client.publish(topic, payload, qos=1).wait_for_publish(5)

    def close(self) -> None:
        self.client.disconnect()
        self.client.loop_stop()


class Commands:
    def __init__(self) -> None:
        self.got: queue.Queue = queue.Queue()

    def __call__(self, name: str, **args) -> None:
        self.got.put((name, args))


@pytest.fixture
def broker(tmp_path: Path):
    b = Broker(tmp_path).start()
    yield b
    b.stop()


def settings(broker: Broker, **changes) -> MqttConfig:
    return dataclasses.replace(MqttConfig(enabled=True, host="127.0.0.1", port=broker.port), **changes)


def wait_online(watcher: Watcher, node: str = NODE) -> None:
    watcher.wait(lambda topic, payload, retain: topic == f"breathcue/{node}/availability" and payload == "online")


STATUS = {
    "t": 10.0, "wall": "2026-11-24T10:00:10+00:00", "state": "breathing", "rate_bpm": 11.234, "depth": 0.25, "rel_depth": 0.964,
    "cue": None, "session": None, "nudges": {"allowed": True, "snoozed_until": None, "paused_until": None},
}


# --- discovery, state, availability ---------------------------------------------------------------


def test_discovery_configs_are_retained_and_complete(broker):
    commands = Commands()
    sink = mqtt.MqttSink(settings(broker), commands, node=NODE)
    try:
        watcher = Watcher(broker.port, "breathcue/#")
        wait_online(watcher)
        watcher.close()
        late = Watcher(broker.port, "homeassistant/#", "breathcue/#")  # subscribes after: sees what is retained
        got = late.collect(1.0)
        late.close()
    finally:
        sink.close()
    configs = {topic: json.loads(payload) for topic, payload, retain in got if topic.startswith("homeassistant/") and retain}
    found = {}
    for topic in configs:
        _, component, node, object_id, last = topic.split("/")
        assert (node, last) == (NODE, "config")
        found.setdefault(component, set()).add(object_id)
    assert found == EXPECTED
    assert len({c["unique_id"] for c in configs.values()}) == len(configs) == 11
    for c in configs.values():
        assert c["availability_topic"] == f"breathcue/{NODE}/availability"
        assert c["device"]["identifiers"] == [f"breathcue_{NODE}"]
        assert "state_topic" in c or "command_topic" in c
    rate = configs[f"homeassistant/sensor/{NODE}/rate/config"]
    assert rate["state_topic"] == f"breathcue/{NODE}/state" and rate["value_template"] == "{{ value_json.rate_bpm }}"
    switch = configs[f"homeassistant/switch/{NODE}/nudges_paused/config"]
    assert switch["command_topic"] == f"breathcue/{NODE}/nudges_paused/set"
    event = configs[f"homeassistant/event/{NODE}/nudge/config"]
    assert event["state_topic"] == f"breathcue/{NODE}/nudge" and event["event_types"] == ["hold", "deepen", "slow_down"]
    dnd = configs[f"homeassistant/number/{NODE}/do_not_disturb/config"]
    assert dnd["command_topic"] == f"breathcue/{NODE}/do_not_disturb/set" and (dnd["min"], dnd["max"]) == (0, 720)
    assert ("breathcue/testdesk/availability", "online", True) in got


def test_state_follows_the_status_and_holds_are_counted(broker):
    sink = mqtt.MqttSink(settings(broker), Commands(), node=NODE, holds_today=4, today="2026-11-24")
    online = Watcher(broker.port, "breathcue/#")
    wait_online(online)
    online.close()
    watcher = Watcher(broker.port, f"breathcue/{NODE}/state")
    try:
        sink.status(STATUS)
        _, payload, _ = watcher.wait(lambda *m: True)
        assert json.loads(payload) == {
            "state": "breathing", "rate_bpm": 11.2, "depth_pct": 96, "holds_today": 4, "holding": False, "strap_on": True,
            "paused": False, "snoozed": False, "do_not_disturb_minutes": 0, "cue": None, "session": None,
        }
        wall = datetime(2026, 11, 24, 10, 0, 12, tzinfo=ZoneInfo("UTC"))
        sink.event(Event("hold_start", 12.0, {"start": 2.0}), wall)
        sink.status({**STATUS, "t": 12.0, "state": "hold", "cue": {"reason": "hold", "level": 1}})
        state = json.loads(watcher.wait(lambda *m: True)[1])
        assert (state["holding"], state["holds_today"], state["cue"]) == (True, 5, "hold")
        for event in (Event("session_start", 12.5, {"pattern": "4-7-8"}), Event("hold_start", 12.6, {"start": 2.6}), Event("session_end", 12.7, {})):
            sink.event(event, wall)
        assert sink.holds_today == 5  # a paced pattern's hold is the exercise, not counted
        sink.status({**STATUS, "t": 13.0, "state": "hold", "rate_bpm": 10.0, "cue": {"reason": "hold", "level": 1}})
        assert watcher.collect(0.5) == []  # only the rate moved: it waits for the next 5 s
        sink.status({**STATUS, "t": 18.0, "state": "hold", "rate_bpm": 10.0, "cue": {"reason": "hold", "level": 1}})
        assert json.loads(watcher.wait(lambda *m: True)[1])["rate_bpm"] == 10.0
        sink.status({**STATUS, "t": 19.0, "wall": "2026-11-25T00:00:01+00:00", "state": "signal_lost", "rate_bpm": None, "rel_depth": None})
        state = json.loads(watcher.wait(lambda *m: True)[1])
        assert (state["strap_on"], state["holds_today"], state["rate_bpm"], state["depth_pct"]) == (False, 0, None, None)
    finally:
        watcher.close()
        sink.close()


def test_commands_from_home_assistant(broker):
    commands = Commands()
    sink = mqtt.MqttSink(settings(broker), commands, node=NODE)
    watcher = Watcher(broker.port, "breathcue/#")
    try:
        wait_online(watcher)
        for topic, payload in (
            ("nudges_paused/set", "ON"), ("nudges_paused/set", "OFF"), ("start_session/press", "PRESS"),
            ("snooze/press", "PRESS"), ("snooze/press", "rm -rf"), ("nudges_paused/set", "MAYBE"),
            ("do_not_disturb/set", "45"), ("do_not_disturb/set", "0"), ("do_not_disturb/set", "9999"), ("do_not_disturb/set", "soon"),
        ):
            watcher.publish(f"breathcue/{NODE}/{topic}", payload)
        got = [commands.got.get(timeout=5) for _ in range(6)]
        assert got == [("pause", {}), ("resume", {}), ("start_session", {}), ("snooze", {}),
                       ("do_not_disturb", {"minutes": 45.0}), ("do_not_disturb", {"minutes": 0.0})]
        time.sleep(0.3)
        assert commands.got.empty()  # nonsense is ignored
    finally:
        watcher.close()
        sink.close()


def test_discovery_again_when_home_assistant_comes_back(broker):
    sink = mqtt.MqttSink(settings(broker), Commands(), node=NODE)
    online = Watcher(broker.port, "breathcue/#")
    wait_online(online)
    online.close()
    watcher = Watcher(broker.port, "homeassistant/+/testdesk/+/config")
    try:
        assert all(retain for _, _, retain in watcher.take(11))  # the retained ones
        watcher.publish("homeassistant/status", "offline")
        assert watcher.collect(0.3) == []
        watcher.publish("homeassistant/status", "online")
        again = watcher.take(11)
        assert not any(retain for _, _, retain in again)  # sent live, not from the store
        assert watcher.collect(0.3) == []
    finally:
        watcher.close()
        sink.close()


def test_a_clean_stop_says_offline(broker):
    sink = mqtt.MqttSink(settings(broker), Commands(), node=NODE)
    watcher = Watcher(broker.port, f"breathcue/{NODE}/availability")
    wait_online(watcher)
    sink.close()
    sink.close()
    assert watcher.wait(lambda *m: True)[1] == "offline"
    watcher.close()


LIVE_SCRIPT = textwrap.dedent(
    """
    import sys, time
    from breathcue import mqtt
    from breathcue.config import MqttConfig
    sink = mqtt.MqttSink(MqttConfig(enabled=True, host="127.0.0.1", port=int(sys.argv[1])), print, node="testdesk")
    while True:
        time.sleep(1)
    """
)


def test_the_last_will_says_offline_when_the_daemon_dies(broker):
    watcher = Watcher(broker.port, f"breathcue/{NODE}/availability")
    proc = subprocess.Popen([sys.executable, "-c", LIVE_SCRIPT, str(broker.port)], cwd=ROOT)
    try:
        wait_online(watcher, NODE)
        proc.send_signal(signal.SIGKILL)
        assert watcher.wait(lambda *m: True, timeout=10)[1] == "offline"
    finally:
        proc.kill()
        proc.wait()
        watcher.close()


def test_a_broker_that_comes_later(tmp_path: Path):
    port = free_port()
    sink = mqtt.MqttSink(MqttConfig(enabled=True, host="127.0.0.1", port=port), Commands(), node=NODE, reconnect_max_seconds=1)
    sink.status(STATUS)  # nobody to send it to: nothing breaks
    broker = Broker(tmp_path, port).start()
    try:
        watcher = Watcher(port, "breathcue/#")
        wait_online(watcher)
        state = watcher.wait(lambda topic, *_: topic.endswith("/state"))
        assert json.loads(state[1])["state"] == "breathing"  # the state it had, sent on connecting
        watcher.close()
    finally:
        sink.close()
        broker.stop()


# --- credentials ------------------------------------------------------------------------------------


def test_a_password_from_a_file_never_logged(tmp_path: Path, caplog):
    broker = Broker(tmp_path, users={"desk": PASSWORD}).start()
    secret = tmp_path / "mqtt-password"
    secret.write_text(PASSWORD + "\n")
    secret.chmod(0o600)
    try:
        good = settings(broker, username="desk", password_file=str(secret))
        password = mqtt.read_password(good, "c.toml")
        assert password == PASSWORD
        sink = mqtt.MqttSink(good, Commands(), node=NODE, password=password)
        watcher = Watcher(broker.port, "breathcue/#", username="desk")
        wait_online(watcher)
        watcher.close()
        sink.close()
        with caplog.at_level("DEBUG"):
            refused = mqtt.MqttSink(settings(broker, username="desk"), Commands(), node="other", password="wrong " + PASSWORD)
            deadline = time.monotonic() + 5
            while "refused the connection" not in caplog.text and time.monotonic() < deadline:
                time.sleep(0.05)
            refused.close()
        assert "refused the connection: Not authorized" in caplog.text
        assert PASSWORD not in caplog.text
    finally:
        broker.stop()


def test_password_file_problems_are_config_errors(tmp_path: Path, caplog):
    missing = MqttConfig(username="desk", password_file=str(tmp_path / "none"))
    with pytest.raises(configmod.ConfigError) as error:
        mqtt.read_password(missing, "c.toml")
    assert error.value.errors[0].startswith('mqtt.password_file = "') and "cannot read: No such file" in error.value.errors[0]
    loose = tmp_path / "loose"
    loose.write_text(PASSWORD)
    loose.chmod(0o644)
    assert mqtt.read_password(MqttConfig(username="desk", password_file=str(loose)), "c.toml") == PASSWORD
    assert "chmod 600" in caplog.text and PASSWORD not in caplog.text
    with pytest.raises(configmod.ConfigError, match="expected a user name"):
        configmod.parse_text('[mqtt]\npassword_file = "/x"\n')


def test_node_id():
    assert mqtt.node_id_of(MqttConfig(node_id="desk-2")) == "desk-2"
    assert mqtt.node_id_of(MqttConfig(), "Pi Zero.local") == "pi_zero_local"


# --- acceptance: a live run with the dashboard and the broker -----------------------------------------


def test_run_with_dashboard_and_broker(tmp_path: Path):
    """Acceptance 2 (docs/home-assistant.md), shortened: run --sim serves / and /api/status, sends discovery, exits 0."""
    broker = Broker(tmp_path).start()
    sub = need(shutil.which("mosquitto_sub"), "mosquitto_sub (apt install mosquitto-clients)")
    web_port = free_port()
    config = tmp_path / "c.toml"
    config.write_text(
        f'[web]\nenabled = true\nport = {web_port}\n\n[mqtt]\nenabled = true\nhost = "127.0.0.1"\nport = {broker.port}\nnode_id = "{NODE}"\n'
    )
    watch = subprocess.Popen([sub, "-h", "127.0.0.1", "-p", str(broker.port), "-t", "homeassistant/#", "-v"],
                             stdout=subprocess.PIPE, text=True)
    run = subprocess.Popen(
        [sys.executable, "-m", "breathcue", "run", "--sim", "--config", str(config), "--state-dir", str(tmp_path / "D"), "--seconds", "5"],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, cwd=ROOT,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", web_port, timeout=2)
                conn.request("GET", "/")
                page = conn.getresponse()
                page.read()
                break
            except OSError:
                assert time.monotonic() < deadline, "no dashboard"
                time.sleep(0.1)
        assert page.status == 200
        conn.request("GET", "/api/status")
        assert "state" in json.loads(conn.getresponse().read())
        _, err = run.communicate(timeout=30)
        assert run.returncode == 0, err
    finally:
        run.kill()
        watch.terminate()
        seen, _ = watch.communicate(timeout=5)
        broker.stop()
    configs = [line for line in seen.splitlines() if line.split(" ", 1)[0].endswith("/config")]
    assert len(configs) >= 4


def test_each_nudge_fires_the_event_entity_and_do_not_disturb_shows_its_minutes(broker):
    sink = mqtt.MqttSink(settings(broker), Commands(), node=NODE)
    watcher = Watcher(broker.port, "breathcue/#")
    try:
        wait_online(watcher)
        wall = datetime(2026, 11, 24, 10, 0, 12, tzinfo=ZoneInfo("UTC"))
        sink.event(Event("cue_start", 12.0, {"reason": "shallow", "level": 1, "bpm": 11.0}), wall)
        sink.event(Event("cue_level", 27.0, {"reason": "shallow", "level": 2}), wall)  # not a new nudge
        topic, payload, retain = watcher.wait(lambda t, p, r: t == f"breathcue/{NODE}/nudge")
        assert json.loads(payload) == {"event_type": "deepen", "reason": "shallow", "level": 1, "bpm": 11.0} and not retain
        assert [m for m in watcher.collect(0.5) if m[0].endswith("/nudge")] == []
        sink.status({**STATUS, "nudges": {**STATUS["nudges"], "do_not_disturb_until": "2026-11-24T10:45:00+00:00"}})
        state = json.loads(watcher.wait(lambda t, p, r: t.endswith("/state"))[1])
        assert state["do_not_disturb_minutes"] == 45  # 44 min 50 s left, rounded up
    finally:
        watcher.close()
        sink.close()
