"""Talking to systemd: sd_notify over its datagram socket, and log lines journald can rank.

The notify protocol is one datagram of ``KEY=value`` lines to the unix
socket named by ``$NOTIFY_SOCKET`` (an ``@`` first means Linux's abstract
namespace).  Without that variable every call is a no-op, so the daemon
runs the same under systemd, in a terminal and in tests.  Sending never
raises: a lost notification must not take the ring down.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from typing import Callable, Mapping

log = logging.getLogger(__name__)

# syslog priorities, as journald reads them from a "<N>" prefix on stderr
PRIORITIES = ((logging.CRITICAL, 2), (logging.ERROR, 3), (logging.WARNING, 4), (logging.INFO, 6))
DEBUG_PRIORITY = 7


class Notifier:
    """sd_notify for one process: READY, RELOADING, STOPPING, STATUS and the watchdog."""

    def __init__(
        self,
        address: str | None,
        watchdog_seconds: float | None = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.address = address
        self.watchdog_interval = watchdog_seconds / 2 if watchdog_seconds else None
        self._monotonic = monotonic
        self._next_kick = monotonic()
        self._sock: socket.socket | None = None
        self._failed = False

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> "Notifier":
        """The notifier systemd asked for through the environment (or a no-op one)."""
        address = environ.get("NOTIFY_SOCKET") or None
        seconds = None
        usec, pid = environ.get("WATCHDOG_USEC"), environ.get("WATCHDOG_PID")
        if usec and (not pid or pid == str(os.getpid())):  # a watchdog for this process, not a parent
            try:
                seconds = int(usec) / 1e6
            except ValueError:
                log.warning("ignoring WATCHDOG_USEC=%r: not a number", usec)
        return cls(address, seconds)

    @property
    def enabled(self) -> bool:
        return self.address is not None

    def send(self, **fields: object) -> bool:
        """Send one notification, e.g. ``send(READY=1, STATUS="up")``; whether it was delivered."""
        if self.address is None:
            return False
        message = "\n".join(f"{key}={value}" for key, value in fields.items()).encode()
        target = "\0" + self.address[1:] if self.address.startswith("@") else self.address
        try:
            if self._sock is None:
                self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
            self._sock.sendto(message, target)
        except OSError as exc:
            if not self._failed:  # say it once, not every second
                log.warning("cannot notify systemd at %s: %s", self.address, exc)
                self._failed = True
            return False
        self._failed = False
        return True

    def ready(self, status: str | None = None) -> bool:
        return self.send(READY=1, **({"STATUS": status} if status else {}))

    def reloading(self) -> bool:
        """RELOADING=1 with the monotonic time systemd uses to match the reload to its request."""
        return self.send(RELOADING=1, MONOTONIC_USEC=time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000)

    def stopping(self) -> bool:
        return self.send(STOPPING=1)

    def status(self, text: str) -> bool:
        return self.send(STATUS=text)

    def watchdog(self) -> bool:
        """WATCHDOG=1 when half the watchdog interval has passed since the last one."""
        if self.watchdog_interval is None or self.address is None:
            return False
        now = self._monotonic()
        if now < self._next_kick:
            return False
        self._next_kick = now + self.watchdog_interval
        return self.send(WATCHDOG=1)

    def close(self) -> None:
        if self._sock is not None:
            self._sock.close()
            self._sock = None


def journal_stderr(environ: Mapping[str, str] = os.environ, fd: int = 2) -> bool:
    """Whether stderr is connected to journald ($JOURNAL_STREAM names its device and inode)."""
    stream = environ.get("JOURNAL_STREAM", "")
    dev, _, ino = stream.partition(":")
    try:
        st = os.fstat(fd)
        return bool(stream) and (st.st_dev, st.st_ino) == (int(dev), int(ino))
    except (OSError, ValueError):
        return False


class JournalFormatter(logging.Formatter):
    """Log lines with the ``<N>`` syslog priority prefix journald understands.

    Under systemd, ``journalctl -p warning`` then shows warnings and worse;
    journald adds its own timestamps, so lines carry none.  Every line of a
    multi-line message (a traceback) gets the prefix.
    """

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        priority = next((p for level, p in PRIORITIES if record.levelno >= level), DEBUG_PRIORITY)
        return "\n".join(f"<{priority}>{line}" for line in super().format(record).splitlines())
