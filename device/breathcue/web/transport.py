"""A bounded HTTP/1.1 transport for the dashboard: one selector thread, a few workers.

Why not the standard library's ThreadingHTTPServer: it starts a thread per
connection and waits forever for an idle one, so a thousand idle TCP
connections cost a thousand threads and every descriptor the daemon has, and
its accept loop spins at full CPU once ``accept()`` fails with EMFILE.

Here one thread watches the listening socket and every connection with a
selector.  It reads a request's line, headers and (small) body itself, under
one deadline, and only a complete request goes to a worker thread, so a slow
or silent client holds a descriptor and a few bytes, never a thread.  The
number of connections is bounded by what the descriptor limit allows after a
reserve for the daemon's own files (history, status file, I2C bus, MQTT);
past the bound, or when ``accept()`` runs out of descriptors, the oldest idle
connection is shed, and with nothing to shed accepting pauses with a growing
back-off instead of spinning.  Long-lived event streams have their own small
bound.  docs/security.md has the figures and the test that holds them.

The handler is an ordinary ``BaseHTTPRequestHandler`` subclass (routing stays
in server.py): it gets the request's bytes as ``rfile`` and the socket as
``wfile``, and answers exactly one request per call.
"""

from __future__ import annotations

import contextlib
import errno
import io
import logging
import resource
import selectors
import socket
import threading
import time
from collections import deque
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from http.server import BaseHTTPRequestHandler
from typing import Any

log = logging.getLogger(__name__)

RESERVED_DESCRIPTORS = 64
"""Kept free for the daemon itself: the history database (+ WAL and journal), the status file's
temporary file, the I2C bus, the MQTT socket, logging, the selector and wake-up pair."""
OUT_OF_DESCRIPTORS = {errno.EMFILE, errno.ENFILE, errno.ENOBUFS, errno.ENOMEM}
ACCEPT_BATCH = 64
"""At most this many accepts per wake-up, so a flood cannot starve reading and reaping."""
BACKOFF_FIRST, BACKOFF_MAX = 0.05, 1.0
"""Seconds accepting pauses when descriptors run out and nothing can be shed, doubling up to the max."""
WARN_EVERY = 60.0
DRAIN_SECONDS = 1.0
"""How long input is read and dropped after an error answer, before the connection closes."""


@dataclass(frozen=True)
class Limits:
    """The transport's bounds; ``for_descriptors`` fits ``max_connections`` to RLIMIT_NOFILE."""

    max_connections: int = 128
    max_streams: int = 16
    """Concurrent live event streams (each holds a worker thread while it lasts)."""
    workers: int = 4
    """Threads answering ordinary requests."""
    head_timeout: float = 10.0
    """Seconds from a request's first byte until its line, headers and body must all be in."""
    idle_timeout: float = 30.0
    """Seconds a connection may sit without a request: a fresh one or a keep-alive one."""
    write_timeout: float = 10.0
    """Seconds one write to a client may block before the connection is dropped."""
    backlog: int = 1024
    max_line: int = 8192
    """Longest request line (414 beyond)."""
    max_head: int = 16384
    """Longest request line plus headers (431 beyond)."""
    max_body: int = 4096

    @classmethod
    def for_descriptors(cls, reserve: int = RESERVED_DESCRIPTORS, **kwargs: Any) -> Limits:
        """Limits whose connections (with streams and the listener) fit the descriptor limit less ``reserve``."""
        soft, _ = resource.getrlimit(resource.RLIMIT_NOFILE)
        limits = cls(**kwargs)
        if soft == resource.RLIM_INFINITY:
            return limits
        room = max(4, soft - reserve - limits.max_streams)
        return replace(limits, max_connections=min(limits.max_connections, room))


class Connection:
    """One client socket and what the selector thread knows of it."""

    __slots__ = ("sock", "address", "buffer", "since", "deadline", "state", "close_after")

    def __init__(self, sock: socket.socket, address: Any, now: float) -> None:
        self.sock = sock
        self.address = address
        self.buffer = bytearray()
        self.since = now
        """When it last became idle (accepted, or its last answer sent)."""
        self.deadline = 0.0
        """When its request must be complete, once its first byte is in."""
        self.state = "idle"
        """idle (no bytes of a request yet), reading (part of one), busy (with a worker),
        draining (answered with an error, closing)."""
        self.close_after = False


class SocketWriter(io.RawIOBase):
    """``wfile`` for a handler: every write is a ``sendall`` under the socket's timeout."""

    def __init__(self, sock: socket.socket) -> None:
        self._sock = sock

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self._sock.sendall(data)
        return len(data)


class OneRequestHandler(BaseHTTPRequestHandler):
    """A handler answering the one request the transport has read (``rfile`` holds its bytes)."""

    protocol_version = "HTTP/1.1"
    server: BoundedHTTPServer

    def setup(self) -> None:
        conn, raw = self.request
        self.connection = conn.sock
        self.rfile = io.BytesIO(raw)
        self.wfile = SocketWriter(conn.sock)
        self.close_connection = True

    def handle(self) -> None:
        self.handle_one_request()

    def finish(self) -> None:
        pass


class BoundedHTTPServer:
    """The listener, the selector thread and the worker pool; ``serve_forever`` runs the selector loop."""

    def __init__(self, address: tuple[str, int], handler: type[OneRequestHandler], limits: Limits | None = None) -> None:
        self.limits = limits or Limits.for_descriptors()
        self.handler = handler
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.socket(family, socket.SOCK_STREAM)
        try:
            self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            self.socket.bind((address[0].strip("[]"), address[1]))
            self.socket.listen(self.limits.backlog)
            self.socket.setblocking(False)
        except OSError:
            self.socket.close()
            raise
        self.server_address = self.socket.getsockname()
        self._selector = selectors.DefaultSelector()
        self._wake_r, self._wake_w = socket.socketpair()
        self._wake_r.setblocking(False)
        self._wake_w.setblocking(False)
        self._selector.register(self.socket, selectors.EVENT_READ, "listen")
        self._selector.register(self._wake_r, selectors.EVENT_READ, "wake")
        self._conns: dict[int, Connection] = {}
        """Open connections by descriptor, oldest-idle first (a connection moves to the end when idle again)."""
        self._returned: deque[tuple[Connection, bool]] = deque()
        self._pool = ThreadPoolExecutor(self.limits.workers + self.limits.max_streams, thread_name_prefix="dashboard")
        self._streams = threading.BoundedSemaphore(self.limits.max_streams)
        self._stop = threading.Event()
        self._stopped = threading.Event()
        self._listening = True
        self._resume_at = 0.0
        self._backoff = BACKOFF_FIRST
        self._warned_at = -WARN_EVERY
        self._next_reap = 0.0
        self.shed = 0
        """Connections closed to make room (for tests and the log)."""

    # The selector thread.

    def serve_forever(self) -> None:
        try:
            while not self._stop.is_set():
                for key, _ in self._selector.select(timeout=0.5):
                    if key.data == "listen":
                        self._accept()
                    elif key.data == "wake":
                        self._drain_wake()
                    else:
                        self._read(key.data)
                self._take_back()
                self._reap(time.monotonic())
        finally:
            self._stopped.set()

    def _accept(self) -> None:
        now = time.monotonic()
        for _ in range(ACCEPT_BATCH):
            try:
                sock, address = self.socket.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as exc:
                if exc.errno in OUT_OF_DESCRIPTORS:
                    self._out_of_descriptors(exc, now)
                    return
                continue  # ECONNABORTED and the like: that client has gone
            self._backoff = BACKOFF_FIRST
            if len(self._conns) >= self.limits.max_connections and not self._shed_oldest():
                sock.close()  # every connection is busy answering: this one waits for another day
                continue
            sock.setblocking(False)
            conn = Connection(sock, address, now)
            self._conns[sock.fileno()] = conn
            self._selector.register(sock, selectors.EVENT_READ, conn)

    def _out_of_descriptors(self, exc: OSError, now: float) -> None:
        """Shed the oldest idle connection; with none, stop accepting for a growing while."""
        if now - self._warned_at >= WARN_EVERY:
            self._warned_at = now
            log.warning("dashboard: out of descriptors (%s), dropping idle connections", exc.strerror or exc)
        if self._shed_oldest():
            return
        self._selector.unregister(self.socket)
        self._listening = False
        self._resume_at = now + self._backoff
        self._backoff = min(BACKOFF_MAX, self._backoff * 2)

    def _shed_oldest(self) -> bool:
        for conn in self._conns.values():
            if conn.state != "busy":
                self.shed += 1
                self._close(conn)
                return True
        return False

    def _read(self, conn: Connection) -> None:
        try:
            data = conn.sock.recv(65536)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._close(conn)
            return
        if conn.state == "draining":
            return
        if conn.state == "idle":
            conn.state = "reading"
            conn.deadline = time.monotonic() + self.limits.head_timeout
        conn.buffer += data
        self._dispatch(conn)

    def _dispatch(self, conn: Connection) -> None:
        """Give the connection to a worker once its buffer holds a whole request."""
        request = self._complete_request(conn)
        if request is None:
            return
        self._selector.unregister(conn.sock)
        conn.state = "busy"
        self._pool.submit(self._serve, conn, request)

    def _complete_request(self, conn: Connection) -> bytes | None:
        buf = conn.buffer
        line_end = buf.find(b"\n", 0, self.limits.max_line + 2)
        if line_end < 0:
            if len(buf) > self.limits.max_line:
                self._refuse(conn, 414, "Request-URI Too Long")
            return None
        head_end = find_head_end(buf, self.limits.max_head + 4)
        if head_end < 0:
            if len(buf) > self.limits.max_head:
                self._refuse(conn, 431, "Request Header Fields Too Large")
            return None
        length = content_length(bytes(buf[:head_end]))
        if length is None or length > self.limits.max_body:
            conn.close_after = True  # the handler refuses it; the unread body must not be taken for a request
            length = 0
        if len(buf) < head_end + length:
            return None
        request = bytes(buf[: head_end + length])
        del buf[: head_end + length]
        return request

    def _refuse(self, conn: Connection, code: int, reason: str) -> None:
        body = f"{code} {reason}\n".encode()
        try:
            conn.sock.send(
                f"HTTP/1.1 {code} {reason}\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                f"Connection: close\r\n\r\n".encode() + body
            )
        except OSError:
            self._close(conn)
            return
        self._linger(conn)

    def _linger(self, conn: Connection) -> None:
        """Close after a short drain: closing with unread input sends a reset that can destroy
        the answer before the client has read it."""
        try:
            conn.sock.shutdown(socket.SHUT_WR)
        except OSError:
            self._close(conn)
            return
        conn.state, conn.deadline = "draining", time.monotonic() + DRAIN_SECONDS
        conn.buffer.clear()

    def _take_back(self) -> None:
        """Connections the workers are done with: idle again, or closed."""
        while self._returned:
            conn, keep = self._returned.popleft()
            if self._stop.is_set():
                self._close(conn)
                continue
            now = time.monotonic()
            conn.sock.setblocking(False)
            self._conns.pop(conn.sock.fileno(), None)
            self._conns[conn.sock.fileno()] = conn  # now the newest idle one
            conn.since, conn.state = now, "idle"
            self._selector.register(conn.sock, selectors.EVENT_READ, conn)
            if not keep:
                self._linger(conn)
            elif conn.buffer:
                conn.state, conn.deadline = "reading", now + self.limits.head_timeout
                self._dispatch(conn)

    def _reap(self, now: float) -> None:
        if not self._listening and now >= self._resume_at:
            self._selector.register(self.socket, selectors.EVENT_READ, "listen")
            self._listening = True
        if now < self._next_reap:
            return
        self._next_reap = now + 0.25
        expired = [
            c for c in self._conns.values()
            if (c.state == "idle" and now - c.since > self.limits.idle_timeout)
            or (c.state in ("reading", "draining") and now > c.deadline)
        ]
        for conn in expired:
            if conn.state == "reading":
                self._refuse(conn, 408, "Request Timeout")
            else:
                self._close(conn)

    def _close(self, conn: Connection) -> None:
        fd = conn.sock.fileno()
        if fd >= 0 and self._conns.get(fd) is conn:
            del self._conns[fd]
            if conn.state != "busy":
                with contextlib.suppress(KeyError, ValueError):
                    self._selector.unregister(conn.sock)
        conn.sock.close()

    def _drain_wake(self) -> None:
        with contextlib.suppress(BlockingIOError):
            while self._wake_r.recv(4096):
                pass

    def _wake(self) -> None:
        with contextlib.suppress(BlockingIOError, OSError):
            self._wake_w.send(b"\0")

    # The workers.

    def _serve(self, conn: Connection, request: bytes) -> None:
        keep = False
        try:
            conn.sock.settimeout(self.limits.write_timeout)
            handler = self.handler((conn, request), conn.address, self)
            keep = not handler.close_connection and not conn.close_after
        except (OSError, ValueError):
            pass  # the client went away or stopped reading
        except Exception:  # a bug in a handler must not take the connection's descriptor with it
            log.exception("dashboard: error answering a request")
        self._returned.append((conn, keep))
        self._wake()

    def stream_slot(self) -> threading.BoundedSemaphore | None:
        """A slot for a long-lived event stream (release it when done); None when all are taken."""
        return self._streams if self._streams.acquire(blocking=False) else None

    # Lifetime.

    def connections(self) -> int:
        return len(self._conns)

    def shutdown(self) -> None:
        self._stop.set()
        self._wake()
        self._stopped.wait()

    def server_close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)
        for conn in list(self._conns.values()):
            self._close(conn)
        for conn, _ in self._returned:
            conn.sock.close()
        self._returned.clear()
        self._selector.close()
        self.socket.close()
        self._wake_r.close()
        self._wake_w.close()


def find_head_end(buf: bytearray, limit: int) -> int:
    """Where the blank line after the headers ends (CRLF or bare LF, as http.server accepts), or -1."""
    ends = [i + len(sep) for sep in (b"\r\n\r\n", b"\n\n") if (i := buf.find(sep, 0, limit)) >= 0]
    return min(ends) if ends else -1


def content_length(head: bytes) -> int | None:
    """The request's Content-Length (0 without one), or None when it is not a plain number or chunked."""
    length = 0
    for line in head.split(b"\n")[1:]:
        name, _, value = line.partition(b":")
        name = name.strip().lower()
        if name == b"transfer-encoding":
            return None
        if name == b"content-length":
            value = value.strip()
            if not value.isdigit() or len(value) > 9:
                return None
            length = int(value)
    return length
