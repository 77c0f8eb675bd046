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
from dataclasses import dataclass, field
from typing import IO

from .clock import Clock
from .config import Config
from .core import cues, schedule
from .core.detector import BreathDetector
from .core.pacing import Pattern, volume
from .core.render import FrameEncoder, glow
from .core.types import Event, Frame
from .hw.ports import Ring, Sensor

log = logging.getLogger(__name__)

AMBIENT_BPM = 6.0
AMBIENT_COLOUR = (0.15, 0.45, 1.0)
AMBIENT_LEVEL = 0.35
CUE_COLOUR = (1.0, 0.55, 0.1)
LOST_COLOUR = (1.0, 0.45, 0.0)
LOST_LEVEL = 0.12
FLOOR = 0.08


@dataclass
class Outputs:
    """Where machine-readable output goes; see docs/formats.md."""

    events: IO[str] | None = None
    frames: IO[str] | None = None


@dataclass
class Daemon:
    config: Config
    clock: Clock
    sensor: Sensor
    ring: Ring
    outputs: Outputs = field(default_factory=Outputs)
    seconds: float | None = None

    def __post_init__(self) -> None:
        self._stop = False
        self.detector = BreathDetector(self.config.detector, self.sensor.rate_hz)
        self.cue_state = cues.CueState()
        self.encoder = FrameEncoder(brightness=self.config.ring.brightness)
        self.ambient = Pattern.at_rate(AMBIENT_BPM)
        self.frames_shown = 0

    def stop(self) -> None:
        """Ask the loop to finish; safe to call from a signal handler."""
        self._stop = True

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
                self._frame(next_frame)
        return 0

    def _sample(self, t: float) -> bool:
        sample = self.sensor.read(t)
        if sample is None:
            log.info("the recording has ended at %.1f s", t)
            return False
        events = self.detector.update(sample)
        allowed = schedule.nudges_allowed(self.clock.wall(), self.config.schedule)
        self.cue_state, cue_events = cues.step(self.cue_state, events, self.config.cues, allowed)
        for event in events + cue_events:
            self._emit(event)
        return True

    def _emit(self, event: Event) -> None:
        if event.name != "breath":
            log.info("%s at %.1f s %s", event.name, event.t, dict(event.fields))
        if self.outputs.events is not None:
            self.outputs.events.write(json.dumps(event.to_json_dict()) + "\n")

    def _frame(self, t: float) -> None:
        pixels = self.config.ring.pixels
        state = self.detector.status
        if state.state == "signal_lost":
            frame = glow(pixels, LOST_COLOUR, LOST_LEVEL)
        elif self.cue_state.cue is not None:
            frame = glow(pixels, CUE_COLOUR, volume(self.ambient, t - self.cue_state.cue.started), FLOOR)
        else:
            frame = glow(pixels, AMBIENT_COLOUR, AMBIENT_LEVEL * volume(self.ambient, t), FLOOR)
        self._show(frame, t)

    def _show(self, frame: Frame, t: float) -> None:
        rgb = self.encoder.encode(frame)
        self.ring.set_status(self.status_line())
        self.ring.show(rgb, t)
        self.frames_shown += 1
        if self.outputs.frames is not None:
            self.outputs.frames.write(json.dumps({"t": round(t, 4), "rgb": rgb}, separators=(",", ":")) + "\n")

    def status_line(self) -> str:
        s = self.detector.status
        rate = f"{s.rate_bpm:4.1f}/min" if s.rate_bpm else "  --/min"
        depth = f"{100 * s.rel_depth:3.0f}%" if s.rel_depth else " --"
        cue = f"  cue: {self.cue_state.cue.reason}" if self.cue_state.cue else ""
        return f"{s.state:<11} rate {rate}  depth {depth}{cue}"
