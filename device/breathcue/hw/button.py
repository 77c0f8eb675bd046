"""The push button: short, long, double and triple presses from a gpiozero Button.

``PressClassifier`` is the logic, fed press and release times, so it is
tested exactly; ``PushButton`` wires it to a gpiozero Button whose pin
factory is injectable (tests pass gpiozero's own MockFactory).  gpiozero
calls back on its own threads; the action callback should only queue work
(the daemon's ``submit``).
"""

from __future__ import annotations

import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Callable

if TYPE_CHECKING:
    from ..config import ButtonConfig

log = logging.getLogger(__name__)

SHORT, LONG, DOUBLE, TRIPLE = "short", "long", "double", "triple"
BOUNCE_SECONDS = 0.02  # contacts settle within this; shorter blips are not presses


class PressClassifier:
    """Press and release times in, ``short``/``long``/``double``/``triple`` out.

    A long press is reported while the button is still down, once it has
    lasted ``long_seconds``, so the ring can answer at once.  Quick presses
    are counted: each waits ``double_seconds`` after its release for
    another; when none comes, one is a short press and two a double; a
    third is a triple at once.
    """

    def __init__(self, long_seconds: float, double_seconds: float) -> None:
        self.long_seconds = long_seconds
        self.double_seconds = double_seconds
        self._down: float | None = None
        self._held = False
        self._count = 0  # quick presses released so far in this run
        self._pending: float | None = None  # release time of the latest of them, while another may follow

    def press(self, t: float) -> list[str]:
        out = self.expire(t)
        self._down, self._held = t, False
        return out

    def held(self, t: float) -> list[str]:
        """The button is still down; a long press once it has been for ``long_seconds``."""
        if self._down is None or self._held or t - self._down < self.long_seconds:
            return []
        self._held, self._pending, self._count = True, None, 0
        return [LONG]

    def release(self, t: float) -> list[str]:
        out = self.held(t)
        down, held = self._down, self._held
        self._down, self._held = None, False
        if down is None or held:
            return out
        self._count += 1
        if self._count == 3:
            self._pending, self._count = None, 0
            return out + [TRIPLE]
        self._pending = t
        return out

    def expire(self, t: float) -> list[str]:
        """Quick presses whose window for one more has closed."""
        if self._pending is not None and self._down is None and t - self._pending >= self.double_seconds:
            count, self._pending, self._count = self._count, None, 0
            return [SHORT if count == 1 else DOUBLE]
        return []

    @property
    def waiting(self) -> bool:
        return self._pending is not None


class PushButton:
    """A gpiozero Button that reports each classified press to ``on_press``."""

    def __init__(
        self,
        config: "ButtonConfig",
        on_press: Callable[[str], None],
        pin_factory: Any = None,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        from gpiozero import Button

        self.config = config
        self._on_press = on_press
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None
        self._classifier = PressClassifier(config.long_press_seconds, config.double_press_seconds)
        self._button = Button(
            config.pin,
            pull_up=config.pull_up,
            bounce_time=BOUNCE_SECONDS,
            hold_time=config.long_press_seconds,
            pin_factory=pin_factory,
        )
        self._button.when_pressed = lambda: self._feed(self._classifier.press)
        self._button.when_held = lambda: self._feed(self._classifier.held)
        self._button.when_released = lambda: self._feed(self._classifier.release)

    def _feed(self, handler: Callable[[float], list[str]]) -> None:
        with self._lock:
            actions = handler(self._monotonic())
            if self._classifier.waiting and self._timer is None:
                self._timer = threading.Timer(self.config.double_press_seconds, self._expire)
                self._timer.daemon = True
                self._timer.start()
        for action in actions:
            self._report(action)

    def _expire(self) -> None:
        with self._lock:
            self._timer = None
            actions = self._classifier.expire(self._monotonic())
            if self._classifier.waiting:  # a press came and went meanwhile: wait for its window
                self._timer = threading.Timer(self.config.double_press_seconds, self._expire)
                self._timer.daemon = True
                self._timer.start()
        for action in actions:
            self._report(action)

    def _report(self, action: str) -> None:
        log.info("button: %s press", action)
        self._on_press(action)

    def close(self) -> None:
        with self._lock:
            if self._timer is not None:
                self._timer.cancel()
                self._timer = None
        self._button.close()


def open_button(config: "ButtonConfig", on_press: Callable[[str], None], pin_factory: Any = None) -> PushButton | None:
    """The configured button, or None when there is none or it cannot be opened.

    A button that cannot be opened (no GPIO access, a pin in use) is logged
    and left out: the ring and the nudges work without it.
    """
    if not config.enabled:
        return None
    try:
        from gpiozero.exc import GPIOZeroError
    except ImportError:
        log.error("the button needs gpiozero: pip install 'breathcue[pi]'; running without the button")
        return None
    try:
        return PushButton(config, on_press, pin_factory)
    except (GPIOZeroError, OSError) as exc:
        log.error("cannot open the button on GPIO%d (%s); running without it", config.pin, exc)
        return None
