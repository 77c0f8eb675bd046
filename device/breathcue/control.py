"""Calibrating a running daemon: a local control socket, and keeping the baseline it learns.

`breathcue calibrate` must not need the service stopped: the daemon owns
the strap and the ring.  So the daemon listens on a unix socket in its
state dir (``control.sock``, readable by its user and group only), and
`calibrate` asks it there.  The protocol is JSON Lines: the client sends
one request, ``{"command": "calibrate", "seconds": 60}``, and the daemon
answers with ``{"progress": {...}}`` about once a second, then one
``{"result": {...}}`` or ``{"error": "..."}`` (docs/formats.md).  A client
that goes away cancels its calibration.

``BaselineKeeper`` writes ``baseline.json`` whenever the daemon learns
something for it: a finished calibration, or a paced session that corrected
the strap's polarity.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import socket
import threading
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from . import jsonout, private
from .analyze import baseline_path, save_baseline
from .app import Sink
from .core.detector import Baseline
from .core.types import Event
from .private import write_atomic

if TYPE_CHECKING:
    from .app import Daemon

log = logging.getLogger(__name__)

SOCKET_NAME = "control.sock"
MAX_REQUEST = 1024
REPLY_TIMEOUT = 15.0  # seconds without a word from the loop: the daemon is stuck, give up
MIN_SECONDS, MAX_SECONDS = 30.0, 600.0


class ControlError(Exception):
    """The daemon could not be asked, or answered with an error; the message says why."""


def socket_path(state_dir: Path) -> Path:
    return Path(state_dir) / SOCKET_NAME


def check_seconds(seconds: Any) -> float:
    """The calm part's length, 30-600 s; ValueError naming the limit."""
    number = isinstance(seconds, (int, float)) and not isinstance(seconds, bool)
    if not number or not MIN_SECONDS <= seconds <= MAX_SECONDS:
        shown = format(seconds, "g") if number else repr(seconds)
        raise ValueError(f"--seconds {shown}: expected {MIN_SECONDS:g} to {MAX_SECONDS:g} seconds of calm breathing")
    return float(seconds)


class ControlServer(Sink):
    """The daemon's end of the control socket: a thread accepting one request per connection."""

    def __init__(self, state_dir: Path, submit: Callable[..., None]) -> None:
        self.path = socket_path(state_dir)
        self.submit = submit
        private.make_dir(self.path.parent)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self._claim()
            old = os.umask(0o117)  # rw for the daemon's user and group: the state dir's people
            try:
                self._sock.bind(str(self.path))
            finally:
                os.umask(old)
            self._sock.listen(4)
        except OSError:
            self._sock.close()
            raise
        self._closed = False
        self._thread = threading.Thread(target=self._serve, name="control", daemon=True)
        self._thread.start()

    def _claim(self) -> None:
        """Remove a socket left by a daemon that died; refuse one that another daemon still answers on."""
        if not self.path.exists():
            return
        probe = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            probe.connect(str(self.path))
        except OSError:
            self.path.unlink(missing_ok=True)
        else:
            raise OSError(f"another breathcue daemon answers on {self.path}")
        finally:
            probe.close()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self._sock.accept()
            except OSError:  # closed
                return
            threading.Thread(target=self._handle, args=(conn,), name="control-client", daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            stream = conn.makefile("rwb")
            try:
                self._converse(stream)
            except OSError:  # the asker went away before the first answer
                pass
            finally:
                with contextlib.suppress(OSError):
                    stream.close()

    def _converse(self, stream: Any) -> None:
        try:
            request = self._request(stream.readline(MAX_REQUEST))
        except ValueError as exc:
            _send(stream, {"error": str(exc)})
            return
        replies: queue.Queue[dict[str, Any]] = queue.Queue()
        self.submit("calibrate", seconds=request, reply=replies.put)
        while True:
            try:
                message = replies.get(timeout=REPLY_TIMEOUT)
            except queue.Empty:
                _send(stream, {"error": "the daemon stopped answering"})
                self.submit("calibrate_cancel")
                return
            try:
                _send(stream, message)
            except OSError:  # the asker went away (Ctrl-C): the strap is theirs again
                if "progress" in message:
                    self.submit("calibrate_cancel")
                return
            if "progress" not in message:
                return

    @staticmethod
    def _request(line: bytes) -> float:
        try:
            request = json.loads(line)
        except (ValueError, UnicodeDecodeError):
            raise ValueError("not a request: expected one JSON line") from None
        if not isinstance(request, dict) or request.get("command") != "calibrate":
            raise ValueError('unknown request: expected {"command": "calibrate", "seconds": N}')
        return check_seconds(request.get("seconds", 60.0))

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        with contextlib.suppress(OSError):
            self._sock.shutdown(socket.SHUT_RDWR)
        self._sock.close()
        self.path.unlink(missing_ok=True)
        self._thread.join(timeout=2.0)


def _send(stream: Any, message: dict[str, Any]) -> None:
    stream.write((jsonout.dumps(message) + "\n").encode())
    stream.flush()


def ask_daemon(
    state_dir: Path, seconds: float, on_progress: Callable[[dict[str, Any]], None], on_connect: Callable[[], None] = lambda: None
) -> dict[str, Any] | None:
    """Calibrate through the daemon answering in ``state_dir``; its result, or None when no daemon answers.

    ``on_connect`` is called once a daemon answers, ``on_progress`` with each
    progress message; an error from the daemon is a ControlError.
    """
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        sock.connect(str(socket_path(state_dir)))
    except (FileNotFoundError, ConnectionRefusedError, NotADirectoryError):
        sock.close()
        return None
    except PermissionError:
        sock.close()
        raise ControlError(
            f"not allowed to reach the daemon at {socket_path(state_dir)}: run calibrate as its user or group (sudo -u breathcue)"
        ) from None
    except OSError as exc:
        sock.close()
        raise ControlError(f"cannot reach the daemon at {socket_path(state_dir)}: {exc.strerror or exc}") from None
    on_connect()
    with sock, sock.makefile("rwb") as stream:
        _send(stream, {"command": "calibrate", "seconds": seconds})
        for line in stream:
            try:
                message = json.loads(line)
            except ValueError:
                raise ControlError("the daemon answered something that is not JSON") from None
            if "progress" in message:
                on_progress(message["progress"])
            elif "error" in message:
                raise ControlError(message["error"])
            else:
                return message["result"]
    raise ControlError("the daemon closed the connection without a result")


class BaselineKeeper(Sink):
    """Keeps ``baseline.json`` up to date with what the daemon learns (a calibration, a corrected polarity)."""

    def __init__(self, state_dir: Path, daemon: "Daemon") -> None:
        self.path = baseline_path(state_dir)
        self.daemon = daemon

    def event(self, event: Event, wall: datetime) -> None:
        try:
            if event.name == "calibration_end" and event.get("outcome") == "saved":
                self.save_calibration({k: event.get(k) for k in ("depth", "rate_bpm", "polarity", "breaths", "seconds", "guided")}, wall)
            elif event.name == "polarity" and event.get("applied"):
                self._polarity(event.get("polarity"), event.get("source"))
        except OSError as exc:  # a full or read-only disk must not stop the ring
            log.error("cannot write %s: %s", self.path, exc.strerror or exc)

    def save_calibration(self, result: dict[str, Any], wall: datetime) -> None:
        """Write a calibration's result (a ``calibration_end`` event's fields); OSError when it cannot be written."""
        baseline = Baseline(result["depth"], result["rate_bpm"], result["polarity"])
        info = {k: result[k] for k in ("breaths", "seconds", "guided")}
        save_baseline(baseline, self.path, {**info, "calibrated": wall.isoformat(timespec="seconds")})

    def _polarity(self, polarity: str, source: str) -> None:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            data = None
        if isinstance(data, dict):
            data.update(polarity=polarity, polarity_from=source)
            write_atomic(self.path, jsonout.dumps(data, indent=2) + "\n")
            return
        learnt = self.daemon.detector.baseline  # no calibration yet: keep what the detector has learnt
        if learnt is not None and learnt.depth > 0 and 2 <= learnt.rate_bpm <= 60:
            save_baseline(Baseline(learnt.depth, learnt.rate_bpm, polarity), self.path, {"polarity_from": source})


def open_sinks(state_dir: Path, daemon: "Daemon") -> list[Sink]:
    """The control socket (unless another daemon holds it) and the baseline keeper, for `run` with a state dir."""
    sinks: list[Sink] = [BaselineKeeper(state_dir, daemon)]
    try:
        sinks.append(ControlServer(state_dir, daemon.submit))
    except OSError as exc:
        log.error("no control socket (`breathcue calibrate` cannot reach this daemon): %s", exc.strerror or exc)
    return sinks
