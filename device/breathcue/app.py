"""The daemon loop: read -> detect -> decide cue -> render -> show.

This is the only module that wires the pure core to the hardware.  It runs
single-threaded on deadlines taken from the Clock: samples at the sensor
rate, frames at the ring's rate, each deadline computed from a counter so
nothing drifts, and a frame that falls more than one frame behind is
dropped rather than shown late.
"""

from __future__ import annotations

import json
import logging
import queue
from dataclasses import dataclass, field
from datetime import datetime
from typing import IO, Any

from .clock import Clock
from .config import Config
from .core import cues, schedule
from .core.detector import BreathDetector
from .core.pacing import PacedSession, Pattern
from .core.render import Curve, FrameEncoder, PhaseColours, glow, pacer
from .core.types import Event, Frame, RGBBytes, Sample
from .hw.ports import Ring, Sensor

log = logging.getLogger(__name__)

AMBIENT_BPM = 6.0
AMBIENT_COLOUR = (0.15, 0.45, 1.0)
AMBIENT_LEVEL = 0.35
CUE_COLOUR = (1.0, 0.55, 0.1)
LOST_COLOUR = (1.0, 0.45, 0.0)
LOST_LEVEL = 0.12
REFRESH_SECONDS = 1.0
"""An unchanged frame is still written this often: a pixel upset by a glitch on the data line recovers."""


class Sink:
    """Something that watches the daemon: an output file, the history, the web, MQTT.

    The loop calls these on its own thread; a sink that does slow I/O hands
    the work to its own thread.  Override what you need; the rest do nothing.
    """

    def event(self, event: Event, wall: datetime) -> None:
        """An event, with the local wall-clock time at which it was emitted."""

    def sample(self, sample: Sample) -> None: ...

    def frame(self, t: float, rgb: list[RGBBytes]) -> None: ...

    def status(self, status: dict[str, Any]) -> None:
        """The daemon's status, once a second of clock time."""

    def close(self) -> None: ...


class EventWriter(Sink):
    """--events-out: every event as one JSON line (docs/formats.md)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def event(self, event: Event, wall: datetime) -> None:
        self.out.write(json.dumps(event.to_json_dict()) + "\n")


class FrameWriter(Sink):
    """--frames-out: every frame shown as one JSON line (docs/formats.md)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def frame(self, t: float, rgb: list[RGBBytes]) -> None:
        self.out.write(json.dumps({"t": round(t, 4), "rgb": rgb}, separators=(",", ":")) + "\n")


@dataclass(frozen=True)
class Command:
    """A request from outside the loop (button, web, MQTT): ``name`` plus arguments."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class ActiveSession:
    """A paced session running now: the plan, when it began on the clock, how it is drawn."""

    session: PacedSession
    started: float
    style: str
    scheduled: bool = False

    def ended(self, t: float) -> bool:
        duration = self.session.duration
        return duration is not None and t - self.started >= duration


@dataclass
class Daemon:
    config: Config
    clock: Clock
    sensor: Sensor
    ring: Ring
    sinks: list[Sink] = field(default_factory=list)
    seconds: float | None = None

    def __post_init__(self) -> None:
        self._stop = False
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._next_status = 0.0
        self.detector = BreathDetector(self.config.detector, self.sensor.rate_hz)
        self.cue_state = cues.CueState()
        self.encoder = FrameEncoder.from_config(self.config.ring)
        self.curve = Curve.from_config(self.config.ring)
        self.colours = PhaseColours.from_config(self.config.pacing)
        self.ambient = PacedSession(Pattern.at_rate(AMBIENT_BPM))
        self.session: ActiveSession | None = None
        self.exit_when_session_ends = False
        self.frames_shown = 0  # frame ticks: what the sinks get
        self.frames_written = 0  # frames sent to the ring: only changed ones, and a refresh each second
        self._last_rgb: list[RGBBytes] | None = None
        self._next_refresh = 0.0

    def start_session(
        self, session: PacedSession, *, style: str | None = None, scheduled: bool = False, at: float | None = None
    ) -> ActiveSession:
        """Pace the user with ``session`` from clock time ``at`` (default: now) until it ends.

        While it runs the ring draws the pacer in ``style`` (default
        ``pacing.style``) instead of the ambient light.
        """
        self.session = ActiveSession(
            session, self.clock.now() if at is None else at, style or self.config.pacing.style, scheduled
        )
        return self.session

    def end_session(self) -> None:
        self.session = None

    def stop(self) -> None:
        """Ask the loop to finish; safe to call from a signal handler."""
        self._stop = True

    def submit(self, name: str, **args: Any) -> None:
        """Queue a command for the loop; safe to call from any thread."""
        self._commands.put(Command(name, args))

    def _drain_commands(self) -> None:
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            log.warning("unknown command %r ignored", command.name)

    def run(self) -> int:
        frame_dt = 1.0 / self.config.ring.fps
        sample_dt = 1.0 / self.sensor.rate_hz
        n_frame = n_sample = 0
        while not self._stop:
            next_frame, next_sample = n_frame * frame_dt, n_sample * sample_dt
            due = min(next_frame, next_sample)
            if self.seconds is not None and due > self.seconds:
                break
            self.clock.sleep_until(due)
            if next_sample <= due:
                n_sample += 1
                if not self._sample(next_sample):
                    break
            if next_frame <= due:
                n_frame = max(n_frame + 1, int(self.clock.now() / frame_dt))  # never more than one frame late
                self._drain_commands()
                self._frame(next_frame)
            if due >= self._next_status:
                self._next_status = due + 1.0
                status = self.status()
                for sink in self.sinks:
                    sink.status(status)
        return 0

    def _sample(self, t: float) -> bool:
        sample = self.sensor.read(t)
        if sample is None:
            log.info("the recording has ended at %.1f s", t)
            return False
        for sink in self.sinks:
            sink.sample(sample)
        events = self.detector.update(sample)
        inputs = cues.Inputs(schedule.nudge_block(self.clock.wall(), self.config.schedule), self.detector.status.rate_bpm)
        self.cue_state, cue_events = cues.step(self.cue_state, events, sample.t, inputs, self.config.cues)
        for event in events + cue_events:
            self._emit(event)
        return True

    def _emit(self, event: Event) -> None:
        if event.name != "breath":
            log.info("%s at %.1f s %s", event.name, event.t, dict(event.fields))
        wall = self.clock.wall()
        for sink in self.sinks:
            sink.event(event, wall)

    def _frame(self, t: float) -> None:
        pixels, floor = self.config.ring.pixels, self.config.ring.floor
        state = self.detector.status
        active = self.session
        if active is not None:
            guide = active.session.guide(t - active.started)
            frame = pacer(guide, active.style, self.colours, pixels, floor, self.curve)
            if active.ended(t):
                self.end_session()
                if self.exit_when_session_ends:
                    self.stop()
        elif state.state == "signal_lost":
            frame = glow(pixels, LOST_COLOUR, LOST_LEVEL)
        elif self.cue_state.cue is not None:
            frame = glow(pixels, CUE_COLOUR, self.ambient.guide(t - self.cue_state.cue.started).volume, floor)
        else:
            frame = glow(pixels, AMBIENT_COLOUR, AMBIENT_LEVEL * self.ambient.guide(t).volume, floor)
        self._show(frame, t)

    def _show(self, frame: Frame, t: float) -> None:
        """Encode every frame (dithering counts frames); write the ring only when it changed."""
        rgb = self.encoder.encode(frame)
        self.ring.set_status(self.status_line())
        if rgb != self._last_rgb or t >= self._next_refresh:
            self.ring.show(rgb, t)
            self._last_rgb = rgb
            self._next_refresh = t + REFRESH_SECONDS
            self.frames_written += 1
        self.frames_shown += 1
        for sink in self.sinks:
            sink.frame(t, rgb)

    def status(self) -> dict[str, Any]:
        """The daemon's state as JSON-ready data (the status file, the web, MQTT)."""
        s = self.detector.status
        cue = self.cue_state.cue
        return {
            "t": round(self.clock.now(), 3),
            "wall": self.clock.wall().isoformat(timespec="seconds"),
            "state": s.state,
            "rate_bpm": s.rate_bpm,
            "depth": s.depth,
            "rel_depth": s.rel_depth,
            "cue": None if cue is None else {"reason": cue.reason, "level": cue.level, "started": cue.started},
        }

    def status_line(self) -> str:
        s = self.detector.status
        rate = f"{s.rate_bpm:4.1f}/min" if s.rate_bpm else "  --/min"
        depth = f"{100 * s.rel_depth:3.0f}%" if s.rel_depth else " --"
        cue = f"  cue: {self.cue_state.cue.reason}" if self.cue_state.cue else ""
        return f"{s.state:<11} rate {rate}  depth {depth}{cue}"
