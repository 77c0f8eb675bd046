"""Home Assistant over MQTT: discovery, live state, availability and commands.

``MqttSink`` publishes Home Assistant discovery configs (retained) for the
breathing rate, depth, state and holds today, whether the breath is held
and the strap is on, a switch that pauses nudges, buttons that start a
session or snooze, a number that sets do-not-disturb for some minutes, and
an event entity that fires once per nudge (so an automation can forward
it to a phone); then one retained JSON state message that all of them
read.  Availability is ``online``/``offline`` with a last will, so Home
Assistant greys the device out when the daemon dies.  When Home Assistant
announces ``online`` on ``<discovery_prefix>/status`` (it restarted) the
configs and the state are sent again.  Commands from Home Assistant go to
``Daemon.submit``.  paho-mqtt (the ``mqtt`` extra) is imported only here,
and its network loop runs on its own thread, so a slow or absent broker
never holds up the daemon.  The password is read from a file and never
logged.  docs/home-assistant.md has the topics.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import socket
import stat
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from zoneinfo import ZoneInfo

from . import __version__, jsonout
from .app import MAX_DND_MINUTES, Sink
from .config import Config, ConfigError, MqttConfig
from .core.types import Event
from .figures import NUDGE_NAMES

if TYPE_CHECKING:
    from .app import Daemon

log = logging.getLogger(__name__)

STATE_EVERY_SECONDS = 5.0
COMMANDS_PER_SECOND, COMMAND_BURST = 2.0, 10
"""Commands from the broker go to the daemon at this rate (a burst of 10 at once); the rest are coalesced:
the latest of each kind waits for the next turn.  A flood of presses must not flood the loop."""
MESSAGES_PER_SECOND = 100.0
"""paho's thread handles at most this many incoming messages a second and sleeps past it (the broker
keeps or drops the rest).  A Python thread busy on a flood holds the GIL the frame loop needs: at full
speed 20,000 presses delayed frames by 150 ms; throttled, the loop never waits."""
ANNOUNCE_EVERY_SECONDS = 30.0
"""Discovery is sent again when Home Assistant comes back, at most this often."""
LOG_EVERY_SECONDS = 60.0
"""An ignored message is logged once, then at most this often (with how many were not)."""
"""Between changes of state, figures (rate, depth) are sent at most this often."""
STATES = ("starting", "breathing", "hold", "shallow", "rapid", "artifact", "signal_lost")
ON, OFF, PRESS = "ON", "OFF", "PRESS"
DISCRETE = ("state", "holding", "strap_on", "paused", "snoozed", "do_not_disturb_minutes", "cue", "holds_today")
"""State fields whose change is sent at once."""


class MqttUnavailable(Exception):
    """paho-mqtt is not installed."""


def node_id_of(config: MqttConfig, hostname: str | None = None) -> str:
    """This device's id in topics and in Home Assistant: ``mqtt.node_id``, else the host name."""
    if config.node_id:
        return config.node_id
    name = re.sub(r"[^a-z0-9_-]+", "_", (hostname or socket.gethostname()).lower()).strip("_")
    return name or "breathcue"


def read_password(config: MqttConfig, source: str) -> str | None:
    """The first line of ``mqtt.password_file`` (None without one); a ConfigError when it cannot be read."""
    if not config.password_file:
        return None
    path = Path(config.password_file)
    try:
        mode = path.stat().st_mode
        with path.open(encoding="utf-8") as f:
            password = f.readline().rstrip("\r\n")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else "not a UTF-8 text file"
        raise ConfigError(source, [f"mqtt.password_file = {json.dumps(str(path), allow_nan=False)}: cannot read: {reason}"]) from None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("%s can be read by other users: chmod 600 it", path)
    return password


class Topics:
    """Every topic of one device."""

    def __init__(self, config: MqttConfig, node: str) -> None:
        self.node = node
        self.base = f"{config.topic_prefix}/{node}"
        self.discovery = config.discovery_prefix
        self.availability = f"{self.base}/availability"
        self.state = f"{self.base}/state"
        self.paused_set = f"{self.base}/nudges_paused/set"
        self.start_session = f"{self.base}/start_session/press"
        self.snooze = f"{self.base}/snooze/press"
        self.do_not_disturb = f"{self.base}/do_not_disturb/set"
        self.nudge = f"{self.base}/nudge"
        self.ha_status = f"{config.discovery_prefix}/status"

    def config(self, component: str, object_id: str) -> str:
        return f"{self.discovery}/{component}/{self.node}/{object_id}/config"


def discovery(topics: Topics) -> dict[str, dict[str, Any]]:
    """The discovery config of every entity, by its config topic."""
    device = {
        "identifiers": [f"breathcue_{topics.node}"],
        "name": f"breathcue {topics.node}",
        "manufacturer": "breathcue",
        "model": "breathing pacer and nudger",
        "sw_version": __version__,
    }
    common = {
        "availability_topic": topics.availability,
        "device": device,
        "origin": {"name": "breathcue", "sw_version": __version__},
    }

    def entity(component: str, object_id: str, name: str, **fields: Any) -> tuple[str, dict[str, Any]]:
        return topics.config(component, object_id), {
            "name": name,
            "unique_id": f"breathcue_{topics.node}_{object_id}",
            "object_id": f"breathcue_{topics.node}_{object_id}",
            **common,
            **fields,
        }

    reading = {"state_topic": topics.state}
    return dict(
        [
            entity("sensor", "rate", "Breathing rate", **reading, value_template="{{ value_json.rate_bpm }}",
                   unit_of_measurement="breaths/min", state_class="measurement", suggested_display_precision=1, icon="mdi:lungs"),
            entity("sensor", "depth", "Breath depth", **reading, value_template="{{ value_json.depth_pct }}",
                   unit_of_measurement="%", state_class="measurement", icon="mdi:arrow-expand-vertical"),
            entity("sensor", "state", "Breathing state", **reading, value_template="{{ value_json.state }}",
                   device_class="enum", options=list(STATES), icon="mdi:account-heart"),
            entity("sensor", "holds_today", "Breath holds today", **reading, value_template="{{ value_json.holds_today }}",
                   state_class="total_increasing", icon="mdi:timer-pause"),
            entity("binary_sensor", "holding", "Holding breath", **reading,
                   value_template="{{ 'ON' if value_json.holding else 'OFF' }}", icon="mdi:pause-circle"),
            entity("binary_sensor", "strap", "Strap on", **reading, device_class="connectivity",
                   value_template="{{ 'ON' if value_json.strap_on else 'OFF' }}"),
            entity("switch", "nudges_paused", "Nudges paused", **reading, command_topic=topics.paused_set,
                   value_template="{{ 'ON' if value_json.paused else 'OFF' }}", payload_on=ON, payload_off=OFF, icon="mdi:bell-sleep"),
            entity("button", "start_session", "Start a session", command_topic=topics.start_session, payload_press=PRESS,
                   icon="mdi:meditation"),
            entity("button", "snooze", "Snooze nudges", command_topic=topics.snooze, payload_press=PRESS, icon="mdi:alarm-snooze"),
            entity("number", "do_not_disturb", "Do not disturb", **reading, command_topic=topics.do_not_disturb,
                   value_template="{{ value_json.do_not_disturb_minutes }}", min=0, max=MAX_DND_MINUTES, step=5, mode="box",
                   unit_of_measurement="min", icon="mdi:phone-lock"),
            entity("event", "nudge", "Nudge", state_topic=topics.nudge, event_types=NUDGE_EVENT_TYPES, icon="mdi:gesture-tap"),
        ]
    )


def nudge_event(event: Event) -> dict[str, Any] | None:
    """A nudge as Home Assistant's event entity takes it: ``event_type`` is its name (hold, deepen, slow_down)."""
    if event.name != "cue_start":
        return None
    reason = str(event.get("reason"))
    return {"event_type": _event_type(reason), "reason": reason, "level": event.get("level"), "bpm": event.get("bpm")}


def _event_type(reason: str) -> str:
    return NUDGE_NAMES.get(reason, reason).replace(" ", "_")


NUDGE_EVENT_TYPES = [_event_type(r) for r in NUDGE_NAMES]


def _minutes_left(until: Any, wall: Any) -> int:
    """Whole minutes from the status's wall time to ``until`` (local ISO times), rounded up; 0 when none."""
    if not isinstance(until, str) or not isinstance(wall, str):
        return 0
    try:
        seconds = (datetime.fromisoformat(until) - datetime.fromisoformat(wall)).total_seconds()
    except (ValueError, TypeError):
        return 0
    return max(0, -int(-seconds // 60))


def state_of(status: dict[str, Any], holds_today: int) -> dict[str, Any]:
    """The one state message every entity reads, from the daemon's status."""
    nudges = status.get("nudges") or {}
    rel = jsonout.finite(status.get("rel_depth"))
    rate = jsonout.finite(status.get("rate_bpm"))
    cue = status.get("cue")
    state = status.get("state")
    return {
        "state": state,
        "rate_bpm": None if rate is None else round(rate, 1),
        "depth_pct": None if rel is None else round(100 * rel),
        "holds_today": holds_today,
        "holding": state == "hold",
        "strap_on": state != "signal_lost",
        "paused": nudges.get("paused_until") is not None,
        "snoozed": nudges.get("snoozed_until") is not None,
        "do_not_disturb_minutes": _minutes_left(nudges.get("do_not_disturb_until"), status.get("wall")),
        "cue": None if not cue else cue.get("reason"),
        "session": None if not status.get("session") else status["session"].get("pattern"),
    }


def _paho() -> Any:
    try:
        import paho.mqtt.client as paho
    except ImportError:
        raise MqttUnavailable("MQTT needs paho-mqtt: pip install 'breathcue[mqtt]'") from None
    return paho


class MqttSink(Sink):
    """The daemon in Home Assistant, through a broker."""

    def __init__(
        self,
        config: MqttConfig,
        submit: Callable[..., None],
        *,
        node: str,
        password: str | None = None,
        holds_today: int = 0,
        today: str | None = None,
        reconnect_max_seconds: int = 60,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        paho = _paho()
        self.config = config
        self.submit = submit
        self.topics = Topics(config, node)
        self.configs = discovery(self.topics)
        self.holds_today = holds_today
        self._pacing = False  # a paced session is running
        self._day = today
        self._state: dict[str, Any] | None = None
        self._sent: dict[str, Any] | None = None
        self._sent_at = float("-inf")
        self._connected = False
        self._closed = False
        self._lock = threading.Lock()
        self._monotonic = monotonic
        self._tokens = float(COMMAND_BURST)
        self._refilled = monotonic()
        self._waiting: dict[str, dict[str, Any]] = {}  # commands coalesced while over the rate, latest of each kind
        self._ha_announced = float("-inf")  # when Home Assistant's "online" last brought an announcement
        self._announce_due = False
        self._ignored_logged = float("-inf")
        self._next_message = float("-inf")
        self._ignored = 0
        client = paho.Client(paho.CallbackAPIVersion.VERSION2, client_id=f"breathcue-{node}", protocol=paho.MQTTv311)
        if config.username:
            client.username_pw_set(config.username, password)
        if config.tls:
            client.tls_set(ca_certs=config.ca_file or None)
        client.will_set(self.topics.availability, "offline", qos=1, retain=True)
        client.reconnect_delay_set(1, reconnect_max_seconds)
        client.on_connect = self._on_connect
        client.on_disconnect = self._on_disconnect
        client.on_message = self._on_message
        self.client = client
        client.connect_async(config.host, config.port, keepalive=30)
        client.loop_start()

    # The loop's calls.

    def event(self, event: Event, wall: datetime) -> None:
        if event.name == "session_start":
            self._pacing = True
        elif event.name == "session_end":
            self._pacing = False
        elif event.name == "hold_start" and not self._pacing:  # a paced pattern's holds are not counted (report.breath_holds)
            self._roll_day(wall.date().isoformat())
            self.holds_today += 1
        nudge = nudge_event(event)
        if nudge is not None and self._connected:  # an event is news: not retained, and not sent late after a reconnect
            self.client.publish(self.topics.nudge, jsonout.dumps(nudge), qos=1, retain=False)

    def status(self, status: dict[str, Any]) -> None:
        wall = status.get("wall")
        if isinstance(wall, str):
            self._roll_day(wall[:10])
        self._send_waiting()
        if self._announce_due and self._monotonic() - self._ha_announced >= ANNOUNCE_EVERY_SECONDS:
            self._ha_online()
        state = state_of(status, self.holds_today)
        self._state = state
        t = float(status.get("t", 0.0))
        sent = self._sent
        changed = sent is None or any(state[k] != sent[k] for k in DISCRETE)
        if changed or (state != sent and t - self._sent_at >= STATE_EVERY_SECONDS):
            self._sent_at = t
            self._publish_state()

    def close(self) -> None:
        """Say goodbye (availability offline), then disconnect."""
        if self._closed:
            return
        self._closed = True
        if self._connected:
            info = self.client.publish(self.topics.availability, "offline", qos=1, retain=True)
            with contextlib.suppress(RuntimeError, ValueError):
                info.wait_for_publish(timeout=2.0)
        self.client.disconnect()
        self.client.loop_stop()

    # paho's thread.

    def _on_connect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        if reason.is_failure:
            log.error("MQTT broker %s:%d refused the connection: %s", self.config.host, self.config.port, reason)
            return
        self._connected = True
        log.info("MQTT connected to %s:%d as %s", self.config.host, self.config.port, self.topics.base)
        client.subscribe([(self.topics.ha_status, 1), (self.topics.paused_set, 1), (self.topics.start_session, 1), (self.topics.snooze, 1),
                          (self.topics.do_not_disturb, 1)])
        self._announce()

    def _on_disconnect(self, client: Any, userdata: Any, flags: Any, reason: Any, properties: Any) -> None:
        was, self._connected = self._connected, False
        if was and not self._closed:
            log.warning("MQTT connection to %s:%d lost (%s); reconnecting", self.config.host, self.config.port, reason)

    def _on_message(self, client: Any, userdata: Any, message: Any) -> None:
        self._throttle()
        topic, payload = message.topic, message.payload[:64].decode("utf-8", "replace").strip()
        t = self.topics
        if message.retain:
            # A retained command is an old one, replayed by the broker at every (re)connect: pressing
            # "start session" once must not start one at each restart.  (Connecting announces anyway.)
            self._ignore(payload, topic, "retained")
        elif topic == t.ha_status:
            if payload == "online":
                self._ha_online()
        elif topic == t.paused_set and payload in (ON, OFF):
            self._command("pause" if payload == ON else "resume", group="pause")
        elif topic == t.start_session and payload == PRESS:
            self._command("start_session")
        elif topic == t.snooze and payload == PRESS:
            self._command("snooze")
        elif topic == t.do_not_disturb and (minutes := _dnd_minutes(payload)) is not None:
            self._command("do_not_disturb", minutes=minutes)
        else:
            self._ignore(payload, topic, "not a command")

    def _throttle(self) -> None:
        """Sleep as long as it takes to keep incoming messages under MESSAGES_PER_SECOND (on paho's thread)."""
        now = self._monotonic()
        self._next_message = max(self._next_message, now - 0.5) + 1.0 / MESSAGES_PER_SECOND  # half a second of burst
        if self._next_message > now:
            time.sleep(self._next_message - now)

    def _command(self, name: str, group: str | None = None, **args: Any) -> None:
        """Submit now while within the rate; else keep it as the latest of its kind (pause/resume: one kind)."""
        with self._lock:
            now = self._monotonic()
            self._tokens = min(COMMAND_BURST, self._tokens + (now - self._refilled) * COMMANDS_PER_SECOND)
            self._refilled = now
            if self._tokens < 1 or self._waiting:
                self._waiting.pop(group or name, None)
                self._waiting[group or name] = {"name": name, "args": args}
                return
            self._tokens -= 1
        self.submit(name, **args)

    def _send_waiting(self) -> None:
        """The coalesced commands whose turn has come (called each second from the loop's status)."""
        with self._lock:
            now = self._monotonic()
            self._tokens = min(COMMAND_BURST, self._tokens + (now - self._refilled) * COMMANDS_PER_SECOND)
            self._refilled = now
            due = []
            while self._waiting and self._tokens >= 1:
                due.append(self._waiting.pop(next(iter(self._waiting))))
                self._tokens -= 1
        for command in due:
            self.submit(command["name"], **command["args"])

    def _ha_online(self) -> None:
        """Home Assistant is back: discovery again, at most every ANNOUNCE_EVERY_SECONDS (the loop sends a late one)."""
        with self._lock:
            now = self._monotonic()
            if now - self._ha_announced < ANNOUNCE_EVERY_SECONDS:
                self._announce_due = True
                return
            self._ha_announced, self._announce_due = now, False
        log.info("Home Assistant is back: sending the discovery configs again")
        self._announce()

    def _ignore(self, payload: str, topic: str, why: str) -> None:
        with self._lock:
            now = self._monotonic()
            if now - self._ignored_logged < LOG_EVERY_SECONDS:
                self._ignored += 1
                return
            more, self._ignored, self._ignored_logged = self._ignored, 0, now
        since = f" ({more} more ignored since the last message)" if more else ""
        log.warning("MQTT: ignored %r on %s (%s)%s", payload[:40], topic[:80], why, since)

    # Publishing.

    def _announce(self) -> None:
        """Discovery configs, availability and the state: what Home Assistant needs after a (re)start."""
        for topic, payload in self.configs.items():
            self.client.publish(topic, jsonout.dumps(payload), qos=1, retain=True)
        self.client.publish(self.topics.availability, "online", qos=1, retain=True)
        self._publish_state()

    def _publish_state(self) -> None:
        state = self._state
        if state is not None:
            self._sent = state
            self.client.publish(self.topics.state, jsonout.dumps(state), qos=0, retain=True)

    def _roll_day(self, day: str) -> None:
        if self._day != day:
            if self._day is not None:
                self.holds_today = 0
            self._day = day


def _dnd_minutes(payload: str) -> float | None:
    """Home Assistant's number: minutes of do-not-disturb (0 ends it); None for anything else."""
    try:
        minutes = float(payload)
    except ValueError:
        return None
    return minutes if 0 <= minutes <= MAX_DND_MINUTES else None


def open_sinks(config: Config, state_dir: Path | None, daemon: Daemon) -> list[Sink]:
    """The MQTT sink of `breathcue run`; an unreadable password file is a config error."""
    from . import history, report

    mqtt = config.mqtt
    password = read_password(mqtt, daemon.source)
    tz = ZoneInfo(config.schedule.timezone) if config.schedule.timezone else None
    today = daemon.clock.wall().date()
    holds = 0
    if state_dir is not None and config.history.enabled and history.path_in(state_dir).exists():
        try:
            with contextlib.closing(history.open_reader(history.path_in(state_dir))) as conn:
                holds = report.holds_on(conn, today, tz)
        except history.HistoryError as exc:
            log.warning("holds today start from 0: %s", exc)
    try:
        sink = MqttSink(mqtt, daemon.submit, node=node_id_of(mqtt), password=password, holds_today=holds, today=today.isoformat())
    except MqttUnavailable as exc:
        log.error("no MQTT: %s", exc)
        return []
    except OSError as exc:  # the TLS CA file (ssl.SSLError is an OSError)
        raise ConfigError(daemon.source, [f"mqtt.ca_file = {json.dumps(mqtt.ca_file, allow_nan=False)}: cannot use it for TLS: {exc}"]) from None
    return [sink]
