"""The dashboard's HTTP server, fed by a Sink on the daemon's loop.

The loop only touches memory here: the latest status, the last ring frame,
the last 30 s of the strap signal, and a fan-out (``Hub``) of server-sent
events to whichever browsers are connected, each with a bounded queue so a
slow browser misses messages instead of holding up the loop.  A bounded transport
(transport.py) reads requests on one thread and answers them on a few
workers, so a flood of idle connections costs neither threads nor the
daemon's descriptors (docs/dashboard.md lists the routes, docs/security.md
the bounds).  Commands from the page go to ``Daemon.submit``.

Security: bound to loopback it checks the Host header (a web page cannot
reach it through DNS rebinding); anywhere else it needs ``web.token``.
Commands must be JSON posted from the page's own origin.
"""

from __future__ import annotations

import hmac
import json
import logging
import math
import os
import queue
import threading
from collections import deque
from datetime import tzinfo
from http import HTTPStatus
from http.cookies import CookieError, SimpleCookie
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from .. import history, jsonout
from ..app import Sink
from ..config import Config, WebConfig, is_loopback
from ..core.types import Event, RGBBytes, Sample
from . import days
from .transport import BoundedHTTPServer, Limits, OneRequestHandler

if TYPE_CHECKING:
    from ..app import Daemon

log = logging.getLogger(__name__)

WAVE_SECONDS = 30.0
"""The live waveform shows this much of the strap signal."""
WAVE_PUSH_SECONDS = 0.2
RING_PUSH_SECONDS = 1 / 15
"""The ring mirror is sent at most 15 times a second (the ring itself runs at ring.fps)."""
KEEPALIVE_SECONDS = 15.0
CLIENT_QUEUE = 256
MAX_BODY = 4096
COOKIE = "breathcue_token"
COMMANDS: dict[str, frozenset[str]] = {
    "snooze": frozenset({"minutes"}),
    "cancel": frozenset(),
    "start_session": frozenset({"pattern", "minutes"}),
    "pause": frozenset(),
    "do_not_disturb": frozenset({"minutes"}),
    "resume": frozenset(),
}
"""What the page may ask the daemon to do, and the fields each takes."""
LOOPBACK_NAMES = {"localhost", "127.0.0.1", "::1"}
TYPES = {".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
}


def load_assets() -> dict[str, tuple[bytes, str]]:
    """Every file of static/ by its URL path, read once: the page, its script, uPlot."""
    assets = {}

    def walk(folder: Any, prefix: str) -> None:
        for entry in folder.iterdir():
            if entry.is_dir():
                walk(entry, f"{prefix}{entry.name}/")
            else:
                suffix = "." + entry.name.rpartition(".")[2]
                assets[f"{prefix}{entry.name}"] = (entry.read_bytes(), TYPES.get(suffix, "text/plain; charset=utf-8"))

    walk(resources.files(__package__).joinpath("static"), "/static/")
    assets["/"] = assets.pop("/static/index.html")
    return assets


class Hub:
    """Server-sent events to every connected browser."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._clients: set[queue.Queue[bytes]] = set()
        self.closed = threading.Event()

    def __bool__(self) -> bool:
        return bool(self._clients)

    def subscribe(self) -> queue.Queue[bytes]:
        q: queue.Queue[bytes] = queue.Queue(CLIENT_QUEUE)
        with self._lock:
            self._clients.add(q)
        return q

    def unsubscribe(self, q: queue.Queue[bytes]) -> None:
        with self._lock:
            self._clients.discard(q)

    def publish(self, kind: str, data: Any) -> None:
        if not self._clients:
            return
        message = sse(kind, data)
        with self._lock:
            clients = list(self._clients)
        for q in clients:
            try:
                q.put_nowait(message)
            except queue.Full:
                pass  # a browser that does not keep up misses this one


def sse(kind: str, data: Any) -> bytes:
    return f"event: {kind}\ndata: {jsonout.dumps(data, separators=(',', ':'), default=str)}\n\n".encode()


class DashboardSink(Sink):
    """What the dashboard shows, kept up to date by the loop; it owns the HTTP server."""

    def __init__(
        self,
        web: WebConfig,
        submit: Callable[..., None],
        *,
        status: dict[str, Any],
        rate_hz: float,
        pixels: int,
        patterns: list[str] | None = None,
        history_path: Path | None = None,
        tz: tzinfo | None = None,
        snooze_minutes: float = 30.0,
        timezone: str = "",
        limits: Limits | None = None,
    ) -> None:
        self.submit = submit
        self.token = web.token
        self.loopback_only = not web.token and is_loopback(web.host)
        self.history_path = history_path
        self.tz = tz
        self.info = {
            "pixels": pixels,
            "rate_hz": rate_hz,
            "wave_seconds": WAVE_SECONDS,
            "patterns": list(patterns or []),
            "snooze_minutes": snooze_minutes,
            "history": history_path is not None,
            "timezone": timezone,
        }
        self.hub = Hub()
        self.assets = load_assets()
        self._status = status
        self._ring: list[RGBBytes] = [(0, 0, 0)] * pixels
        self._wave: deque[tuple[float, float | None]] = deque(maxlen=math.ceil(WAVE_SECONDS * rate_hz))
        self._wave_lock = threading.Lock()
        self._pending: list[tuple[float, float | None]] = []
        self._next_wave = 0.0
        self._next_ring = 0.0
        self._sent_ring: list[RGBBytes] | None = None
        self.httpd = DashboardHTTPServer((web.host, web.port), self, limits)
        self._thread = threading.Thread(target=self.httpd.serve_forever, name="dashboard", daemon=True)
        self._thread.start()
        self._closed = False

    @property
    def port(self) -> int:
        return self.httpd.server_address[1]

    @property
    def current_status(self) -> dict[str, Any]:
        """The daemon's status as of the last second (``Daemon.status()``)."""
        return self._status

    # What the loop tells it.

    def sample(self, sample: Sample) -> None:
        point = (round(sample.t, 3), None if sample.value is None else round(sample.value, 5))
        with self._wave_lock:
            self._wave.append(point)
        self._pending.append(point)
        if sample.t >= self._next_wave:
            self._next_wave = sample.t + WAVE_PUSH_SECONDS
            if self.hub:
                self.hub.publish("wave", wave_message(self._pending))
            self._pending = []

    def frame(self, t: float, rgb: list[RGBBytes]) -> None:
        self._ring = rgb
        if t >= self._next_ring and (rgb != self._sent_ring or t >= self._next_ring + 1.0):
            self._next_ring = t + RING_PUSH_SECONDS
            self._sent_ring = rgb
            if self.hub:
                self.hub.publish("ring", rgb)

    def status(self, status: dict[str, Any]) -> None:
        self._status = status
        self.hub.publish("status", status)

    def event(self, event: Event, wall: Any) -> None:
        if event.name != "breath":
            self.hub.publish("event", {**event.to_json_dict(), "wall": wall.isoformat(timespec="seconds")})

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.hub.closed.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self._thread.join()

    # What the HTTP threads read.

    def snapshot(self) -> list[bytes]:
        """The messages a browser gets on connecting: the status, the ring, the waveform so far."""
        with self._wave_lock:
            wave = list(self._wave)
        return [sse("status", self._status), sse("ring", self._ring), sse("wave", wave_message(wave))]

    def today(self, day: str | None) -> tuple[HTTPStatus, dict[str, Any]]:
        """The report, timeline and insight of a day from the history (today by default): web/days.py."""
        return days.day_answer(self.history_path, self.tz, day)

    def week(self, day: str | None) -> tuple[HTTPStatus, dict[str, Any]]:
        """The seven days ending with ``day`` (today by default): web/days.py."""
        return days.week_answer(self.history_path, self.tz, day)


def wave_message(points: list[tuple[float, float | None]]) -> dict[str, list[Any]]:
    return {"t": [p[0] for p in points], "v": [p[1] for p in points]}


class DashboardHTTPServer(BoundedHTTPServer):
    """The transport, with the sink its handlers read."""

    def __init__(self, address: tuple[str, int], sink: DashboardSink, limits: Limits | None = None) -> None:
        self.sink = sink
        super().__init__(address, Handler, limits or Limits.for_descriptors(max_body=MAX_BODY))


class Handler(OneRequestHandler):
    server: DashboardHTTPServer
    server_version = "breathcue"
    sys_version = ""

    # Routing.

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        sink = self.server.sink
        if not self._allowed(url):
            return
        if url.path == "/" and "token" in parse_qs(url.query):
            self._send(HTTPStatus.SEE_OTHER, b"", "text/plain", {"Location": "/", "Set-Cookie": self._cookie()})
        elif url.path in sink.assets:
            body, kind = sink.assets[url.path]
            self._send(HTTPStatus.OK, body, kind, {"Cache-Control": "no-cache"})
        elif url.path == "/api/status":
            self._json(HTTPStatus.OK, sink.current_status)
        elif url.path == "/api/info":
            self._json(HTTPStatus.OK, sink.info)
        elif url.path == "/api/today":
            self._json(*sink.today((parse_qs(url.query).get("day") or [None])[0]))
        elif url.path == "/api/week":
            self._json(*sink.week((parse_qs(url.query).get("day") or [None])[0]))
        elif url.path == "/api/events":
            self._events()
        else:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such page: {url.path}"})

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if not self._allowed(url):
            return
        name = url.path.removeprefix("/api/command/")
        if not url.path.startswith("/api/command/") or name not in COMMANDS:
            self._json(HTTPStatus.NOT_FOUND, {"error": f"no such command: {url.path}", "commands": sorted(COMMANDS)})
            return
        if self.headers.get_content_type() != "application/json":
            self._json(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, {"error": "expected Content-Type: application/json"})
            return
        origin = self.headers.get("Origin")
        if origin is not None and urlsplit(origin).netloc != self.headers.get("Host"):
            self._json(HTTPStatus.FORBIDDEN, {"error": "a command must come from the dashboard's own page"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = -1
        if not 0 <= length <= MAX_BODY:
            self._json(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, {"error": f"expected a JSON body of at most {MAX_BODY} bytes"})
            return
        try:
            args = command_args(name, json.loads(self.rfile.read(length) or b"{}"), self.server.sink.info["patterns"])
        except ValueError as exc:
            self._json(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
            return
        except RecursionError:
            self._json(HTTPStatus.BAD_REQUEST, {"error": "expected a JSON object, not one nested that deep"})
            return
        self.server.sink.submit(name, **args)
        self._json(HTTPStatus.ACCEPTED, {"ok": True, "command": name, **args})

    # Access.

    def _allowed(self, url: Any) -> bool:
        sink = self.server.sink
        if sink.loopback_only:
            host = urlsplit("//" + self.headers.get("Host", "localhost")).hostname or ""
            if host not in LOOPBACK_NAMES and not host.endswith(".localhost"):
                self._json(HTTPStatus.FORBIDDEN, {"error": f"unexpected Host {self.headers.get('Host')!r}: open http://127.0.0.1:{sink.port}/"})
                return False
            return True
        offered = [parse_qs(url.query).get("token", [""])[0] if url.path == "/" else ""]
        auth = self.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            offered.append(auth.removeprefix("Bearer ").strip())
        cookie: SimpleCookie = SimpleCookie()
        try:
            cookie.load(self.headers.get("Cookie", ""))
        except CookieError:
            cookie = SimpleCookie()  # a malformed Cookie header holds no token
        if COOKIE in cookie:
            offered.append(cookie[COOKIE].value)
        if any(hmac.compare_digest(o.encode(), sink.token.encode()) for o in offered if o):
            return True
        message = "this dashboard needs its token: open /?token=TOKEN once (web.token in the config)"
        challenge = {"WWW-Authenticate": 'Bearer realm="breathcue"'}
        if url.path.startswith("/api/"):
            body, kind = jsonout.dumps({"error": message}).encode(), "application/json"
        else:
            body, kind = f"breathcue: {message}\n".encode(), "text/plain; charset=utf-8"
        self._send(HTTPStatus.UNAUTHORIZED, body, kind, challenge)
        return False

    def _cookie(self) -> str:
        return f"{COOKIE}={self.server.sink.token}; Path=/; HttpOnly; SameSite=Strict; Max-Age=31536000"

    # Answers.

    def _events(self) -> None:
        sink = self.server.sink
        slot = self.server.stream_slot()
        if slot is None:
            self._json(HTTPStatus.SERVICE_UNAVAILABLE, {"error": "too many live dashboards open: close one"})
            return
        try:
            self._stream(sink)
        finally:
            slot.release()
            self.close_connection = True  # a stream has no length: its end is the connection's

    def _stream(self, sink: DashboardSink) -> None:
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self._security_headers()
        self.end_headers()
        q = sink.hub.subscribe()
        try:
            for message in sink.snapshot():
                self.wfile.write(message)
            self.wfile.flush()
            quiet = 0.0
            while not sink.hub.closed.is_set():
                try:
                    message = q.get(timeout=0.5)
                except queue.Empty:
                    quiet += 0.5
                    if quiet >= KEEPALIVE_SECONDS:
                        self.wfile.write(b": keepalive\n\n")
                        self.wfile.flush()
                        quiet = 0.0
                    continue
                quiet = 0.0
                self.wfile.write(message)
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            pass  # the browser went away
        finally:
            sink.hub.unsubscribe(q)

    def _json(self, code: HTTPStatus, data: Any) -> None:
        body = jsonout.dumps(data, separators=(",", ":"), default=str).encode()
        self._send(code, body, "application/json", {"Cache-Control": "no-store"})

    def _send(self, code: HTTPStatus, body: bytes, kind: str, headers: dict[str, str]) -> None:
        self.send_response(code)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        for key, value in headers.items():
            self.send_header(key, value)
        self._security_headers()
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _security_headers(self) -> None:
        for key, value in SECURITY_HEADERS.items():
            self.send_header(key, value)

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        """Requests go to the debug log, without the query (it may hold the token)."""
        path = getattr(self, "path", "")  # not there yet when the request line itself is refused
        log.debug("dashboard: %s %s %s", getattr(self, "command", ""), urlsplit(path).path, code)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("dashboard: %s", format % args)


def command_args(name: str, body: Any, patterns: list[str]) -> dict[str, Any]:
    """The arguments of a command from the page, checked; ValueError says what is wrong."""
    if not isinstance(body, dict):
        raise ValueError("expected a JSON object")
    unknown = set(body) - COMMANDS[name]
    if unknown:
        raise ValueError(f"{name} takes {', '.join(sorted(COMMANDS[name])) or 'nothing'}, not {', '.join(sorted(unknown))}")
    args = {k: v for k, v in body.items() if v is not None}
    minutes = args.get("minutes")
    if minutes is not None and (isinstance(minutes, bool) or not isinstance(minutes, (int, float)) or not 1 <= minutes <= 720):
        raise ValueError("minutes: expected a number from 1 to 720")
    pattern = args.get("pattern")
    if pattern is not None and pattern not in patterns:
        raise ValueError(f"pattern: expected one of {', '.join(patterns)}")
    return args


def warn_if_token_is_readable(web: WebConfig, source: str) -> bool:
    """Warn when the config holding ``web.token`` can be read by any local user (True when it did)."""
    if not web.token:
        return False
    try:
        readable = os.stat(source).st_mode & 0o004
    except OSError:
        return False  # the defaults, or a file gone since: no file to hold the token
    if readable:
        log.warning("%s holds web.token and any local user can read it: chmod o-r %s", source, source)
    return bool(readable)


def open_sinks(config: Config, state_dir: Path | None, daemon: Daemon) -> list[Sink]:
    """The dashboard of `breathcue run`; none (logged) when it cannot listen."""
    from ..core.pacing import pattern_names
    from ..core.relaxation import NAME as RELAXATION

    web = config.web
    warn_if_token_is_readable(web, daemon.source)
    try:
        sink = DashboardSink(
            web,
            daemon.submit,
            status=daemon.status(),
            rate_hz=daemon.sensor.rate_hz,
            pixels=config.ring.pixels,
            patterns=pattern_names(config.patterns) + [RELAXATION],
            history_path=history.path_in(state_dir) if state_dir is not None and config.history.enabled else None,
            tz=ZoneInfo(config.schedule.timezone) if config.schedule.timezone else None,
            snooze_minutes=config.cues.snooze_minutes,
            timezone=config.schedule.timezone,
        )
    except OSError as exc:
        log.error("no dashboard: cannot listen on %s port %d: %s", web.host, web.port, exc.strerror or exc)
        return []
    log.info("dashboard at http://%s:%d/", f"[{web.host}]" if ":" in web.host else web.host, sink.port)
    return [sink]
