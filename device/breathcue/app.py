"""The daemon loop: read -> detect -> decide cue -> render -> show.

This is the only module that wires the pure core to the hardware.  It runs
single-threaded on deadlines taken from the Clock: samples at the sensor
rate, frames at the ring's rate, each deadline computed from a counter so
nothing drifts, and a frame that falls more than one frame behind is
dropped rather than shown late.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import queue
from collections import deque
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import IO, Any, Callable

from . import jsonout
from .clock import Clock
from .config import DEFAULT_SOURCE, Config, ConfigError, SessionConfig
from .core import adherence, cues, schedule
from .core.adherence import Adherence
from .core.calibration import GUIDED_BREATHS, Calibration, CalibrationError
from .core.detector import Baseline, BreathDetector
from .core.guided import MIN_CYCLES, GuidedPolarity, Verdict
from .core.pacing import PacedSession, PatternError, Ramp, pattern_by_name
from .core.relaxation import NAME as RELAXATION
from .core.relaxation import PHASE_SECONDS
from .core.relaxation import Relaxation
from .core.render import FrameEncoder
from .core.scene import Ack, BreathMirror, Look, View, draw
from .core.types import Event, Frame, RGBBytes, Sample
from .hw.ports import Ring, Sensor
from .notify import Notifier
from .words import clock, event_line, status_line

log = logging.getLogger(__name__)

RECENT_EVENTS = 10  # non-breath events kept for the status
MAX_DND_MINUTES = 720  # a do-not-disturb from the web or MQTT lasts at most this long
SESSION_GUIDE_CYCLES = 6  # guide cycles of a paced session before its evidence may correct the polarity
NOTIFY_STATUS_SECONDS = 5.0  # how often systemd's STATUS= line is refreshed
RESTART_RING_KEYS = ("pixels", "backend", "pin", "pixel_order", "fps")  # the ring is opened and timed once
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
        self.out.write(jsonout.dumps(event.to_json_dict()) + "\n")


class FrameWriter(Sink):
    """--frames-out: every frame shown as one JSON line (docs/formats.md)."""

    def __init__(self, out: IO[str]) -> None:
        self.out = out

    def frame(self, t: float, rgb: list[RGBBytes]) -> None:
        self.out.write(json.dumps({"t": round(t, 4), "rgb": rgb}, separators=(",", ":"), allow_nan=False) + "\n")


class SessionFollower(Sink):
    """A simulated user who breathes along with every session, as a real one does (simulated hardware only).

    Without it the simulated breather ignores the light, and a session's
    adherence on the simulator says nothing.  ``follow`` is the breather's:
    it gets the guide's lung volume at clock time t, or None when the
    session is over.
    """

    def __init__(self, daemon: "Daemon", follow: Callable[[Callable[[float], float] | None], None]) -> None:
        self.daemon = daemon
        self.follow = follow

    def event(self, event: Event, wall: datetime) -> None:
        if event.name == "session_start" and self.daemon.session is not None:
            self.follow(self.daemon.session.volume)
        elif event.name == "calibration_guide" and self.daemon.calibration is not None:
            self.follow(self.daemon.calibration.guide_volume)
        elif event.name in ("session_end", "calibration_end"):
            self.follow(None)


@dataclass(frozen=True)
class Command:
    """A request from outside the loop (button, web, MQTT): ``name`` plus arguments."""

    name: str
    args: dict[str, Any] = field(default_factory=dict)


@dataclass
class CalibrationRun:
    """A calibration the daemon runs on request; ``reply`` gets its progress and result as JSON-ready dicts."""

    calibration: Calibration
    reply: Callable[[dict[str, Any]], None]
    next_progress: float = 0.0

    def guide_volume(self, t: float) -> float:
        return self.calibration.guide(t) or 0.0


@dataclass(frozen=True)
class ActiveSession:
    """A paced session running now: the plan, when it began on the clock, how it is drawn, how it goes."""

    session: PacedSession | Relaxation
    started: float
    style: str
    name: str = ""  # the pattern's name, for events and the status
    scheduled: datetime | None = None  # the planned local time of a scheduled session
    adherence: Adherence = Adherence()
    rate_before: float | None = None  # the user's breathing rate when it began, for the card at its end

    def ended(self, t: float) -> bool:
        duration = self.session.duration
        return duration is not None and t - self.started >= duration

    def volume(self, t: float) -> float:
        """The guide's lung volume (0-1) at clock time ``t``."""
        plan = self.session
        if isinstance(plan, Relaxation):
            return plan.at(t - self.started).volume
        return plan.guide(t - self.started).volume

    def phase(self, t: float) -> tuple[str, float]:
        """The guide's phase at clock time ``t`` and the seconds left in it, for the words on screen."""
        plan = self.session
        if isinstance(plan, Relaxation):
            step = plan.at(t - self.started)
            return step.phase, (1.0 - step.progress) * PHASE_SECONDS[step.phase]
        guide = plan.guide(t - self.started)
        return guide.phase, guide.phase_seconds - guide.elapsed


def session_plan(pattern: str, minutes: float, config: Config, ramp: Ramp | None = None) -> PacedSession | Relaxation:
    """The plan of a session by pattern name: a paced pattern, or progressive relaxation."""
    if pattern == RELAXATION:
        return Relaxation.for_minutes(minutes)
    return PacedSession(pattern_by_name(pattern, config.patterns), minutes, ramp)


@dataclass
class Daemon:
    """The loop and everything it decides: detection, nudges, sessions, the ring, the status.

    ``reload`` (for SIGHUP) loads and validates the config again and returns
    it with where it came from; ``notifier`` tells systemd how the daemon is;
    ``baseline`` is the user's calibrated breathing (`breathcue calibrate`).
    """

    config: Config
    clock: Clock
    sensor: Sensor
    ring: Ring
    sinks: list[Sink] = field(default_factory=list)
    seconds: float | None = None
    notifier: Notifier = field(default_factory=lambda: Notifier(None))
    reload: Callable[[], tuple[Config, str]] | None = None
    source: str = DEFAULT_SOURCE
    baseline: Baseline | None = None

    def __post_init__(self) -> None:
        self._stop = False
        self._commands: queue.SimpleQueue[Command] = queue.SimpleQueue()
        self._next_status = 0.0
        self._next_notify_status = 0.0
        self.detector = BreathDetector(self.config.detector, self.sensor.rate_hz, self.baseline)
        self.cue_state = cues.CueState()
        self.encoder = FrameEncoder.from_config(self.config.ring)
        self.look = Look.from_config(self.config)
        self.mirror = BreathMirror()
        self.session: ActiveSession | None = None
        self.session_guide: GuidedPolarity | None = None  # the polarity evidence of the session running
        self.guided_polarity: str | None = None  # the polarity a session's guide corrected the detector to
        self.calibration: CalibrationRun | None = None
        self.exit_when_session_ends = False
        self.planner = schedule.Planner()
        self.paused_until: datetime | None = None
        self.ack: Ack | None = None
        self.recent: deque[dict[str, Any]] = deque(maxlen=RECENT_EVENTS)
        self.config_errors: list[str] = []
        wall = self.clock.wall()
        self.config_loaded = wall.isoformat(timespec="seconds")
        self._block: str | None = None
        self._dim = 1.0
        self.frames_shown = 0  # frame ticks: what the sinks get
        self.frames_written = 0  # frames sent to the ring: only changed ones, and a refresh each second
        self._last_rgb: list[RGBBytes] | None = None
        self._next_refresh = 0.0
        self._status_changed = True  # the ring's status line needs redoing

    def restore_nudges_today(self, given: int) -> None:
        """Nudges already given today, before a restart (from the history), count against the daily budget."""
        self.cue_state = replace(self.cue_state, day=self.clock.wall().toordinal(), today=given)

    # --- sessions ---------------------------------------------------------------

    def start_session(
        self,
        session: PacedSession | Relaxation,
        *,
        style: str | None = None,
        name: str = "",
        scheduled: datetime | None = None,
        at: float | None = None,
    ) -> ActiveSession:
        """Pace the user with ``session`` from clock time ``at`` (default: now) until it ends.

        While it runs the ring draws the pacer in ``style`` (default
        ``pacing.style``) instead of the ambient light, and no nudge starts.
        A session already running ends first.
        """
        t = self.clock.now() if at is None else at
        if self.session is not None:
            self.end_session("replaced", t)
        self.session = ActiveSession(
            session, t, style or self.config.pacing.style, name, scheduled, rate_before=self.detector.status.rate_bpm
        )
        # A polarity still being guessed (box breathing gives the detector nothing to learn it from)
        # is settled by the guide as soon as calibration would settle it; a known one needs more.
        known = self.config.detector.polarity != "auto" or (self.baseline is not None and self.baseline.polarity is not None)
        cycles = SESSION_GUIDE_CYCLES if known else MIN_CYCLES
        self.session_guide = GuidedPolarity(self.sensor.rate_hz, min_cycles=cycles) if isinstance(session, PacedSession) else None
        minutes = None if session.duration is None else round(session.duration / 60.0, 2)
        when = None if scheduled is None else scheduled.isoformat(timespec="minutes")
        self._emit(Event("session_start", t, {"pattern": name, "scheduled": when, "minutes": minutes}))
        return self.session

    def end_session(self, outcome: str = "completed", t: float | None = None) -> None:
        """Stop the session, reporting how closely the user followed it."""
        active = self.session
        if active is None:
            return
        t = self.clock.now() if t is None else t
        self.session = None
        self.session_guide = None
        fields = {
            "pattern": active.name,
            "scheduled": None if active.scheduled is None else active.scheduled.isoformat(timespec="minutes"),
            "started": active.started,
            "duration": t - active.started,
            "outcome": outcome,
            **adherence.summary(active.adherence),
            "rate_before_bpm": _rounded(active.rate_before, 1),
            "rate_after_bpm": _rounded(self.detector.status.rate_bpm, 1),
        }
        self._emit(Event("session_end", t, fields))

    def _start_named(self, pattern: str | None, minutes: float | None, t: float, due: schedule.Due | None = None) -> None:
        spec = self.config.session[due.index] if due is not None else SessionConfig()
        pattern = pattern or spec.pattern
        ramp = Ramp(spec.ramp_from, spec.ramp_to, spec.ramp_minutes) if due is not None and spec.ramp_from else None
        try:
            plan = session_plan(pattern, minutes or spec.minutes, self.config, ramp)
        except PatternError as exc:
            log.warning("cannot start a session: %s", exc)
            return
        self.start_session(plan, name=pattern, scheduled=None if due is None else due.scheduled, at=t)

    # --- commands ---------------------------------------------------------------

    def stop(self) -> None:
        """Ask the loop to finish; safe to call from a signal handler."""
        self._stop = True

    def submit(self, name: str, **args: Any) -> None:
        """Queue a command for the loop; safe to call from any thread.

        Commands (docs/cues.md): ``snooze`` (minutes=None), ``cancel``,
        ``start_session`` (pattern=None, minutes=None), ``pause``,
        ``do_not_disturb`` (minutes=None), ``resume``,
        ``button`` (press="short"|"long"|"double"|"triple"), ``reload``,
        ``calibrate`` (seconds=60, reply=a callable given progress and result)
        and ``calibrate_cancel``.
        """
        self._commands.put(Command(name, args))

    def _drain_commands(self) -> None:
        if self._commands.empty():  # the usual case, checked each frame without raising queue.Empty
            return
        t = self.clock.now()
        self._status_changed = True
        while True:
            try:
                command = self._commands.get_nowait()
            except queue.Empty:
                return
            handler = getattr(self, f"_do_{command.name}", None)
            if handler is None:
                log.warning("unknown command %r ignored", command.name)
                continue
            try:
                handler(t, **command.args)
            except TypeError as exc:  # arguments that do not fit, from the web or MQTT
                log.warning("command %r ignored: %s", command.name, exc)

    def _do_snooze(self, t: float, minutes: float | None = None) -> None:
        self.cue_state, events = cues.snooze(self.cue_state, t, minutes or self.config.cues.snooze_minutes)
        self._emit_all(events)
        self._acknowledge("snooze", t)

    def _do_cancel(self, t: float) -> None:
        if self.session is not None:
            self.end_session("cancelled", t)
        self.cue_state, events = cues.cancel(self.cue_state, t)
        self._emit_all(events)
        self._acknowledge("cancel", t)

    def _do_start_session(self, t: float, pattern: str | None = None, minutes: float | None = None) -> None:
        if self.calibration is not None:
            log.info("no session now: a calibration is running")
            return
        self._start_named(pattern, minutes, t)
        self._acknowledge("session", t)

    def _do_pause(self, t: float) -> None:
        """No nudges and no scheduled sessions until the next working day begins."""
        self.paused_until = schedule.next_working_start(self.clock.wall(), self.config.schedule)
        if self.session is not None:
            self.end_session("cancelled", t)
        self.cue_state, events = cues.cancel(self.cue_state, t, learn=False)
        self._emit_all(events)
        until = None if self.paused_until is None else self.paused_until.isoformat(timespec="minutes")
        self._emit(Event("pause", t, {"until": until}))
        self._update_schedule()
        self._acknowledge("pause", t)

    def _do_do_not_disturb(self, t: float, minutes: float | None = None) -> None:
        """No nudges and no scheduled sessions for a while (a call, a meeting); the policy learns nothing from it."""
        minutes = self.config.cues.dnd_minutes if minutes is None else float(minutes)
        if not 0 <= minutes <= MAX_DND_MINUTES:
            log.warning("do_not_disturb for %r minutes ignored: expected 0 (to end it) to %d", minutes, MAX_DND_MINUTES)
            return
        if minutes == 0:  # Home Assistant's number set back to 0
            self.cue_state = cues.end_do_not_disturb(self.cue_state)
            self._emit(Event("resume", t))
            return
        if self.session is not None:
            self.end_session("cancelled", t)
        self.cue_state, events = cues.do_not_disturb(self.cue_state, t, minutes)
        self._emit_all(events)
        self._acknowledge("pause", t)

    def _do_resume(self, t: float) -> None:
        self.paused_until = None
        self.cue_state = cues.resume(self.cue_state)
        self._emit(Event("resume", t))
        self._update_schedule()
        self._acknowledge("resume", t)

    def _do_button(self, t: float, press: str) -> None:
        """Short: cancel what is showing, else snooze.  Long: a session now.  Double: pause.  Triple: do not disturb."""
        if press == "short":
            busy = self.session is not None or self.cue_state.cue is not None or self.cue_state.recovery is not None
            action = "cancel" if busy else "snooze"
        else:
            action = {"long": "start_session", "double": "pause", "triple": "do_not_disturb"}.get(press)
            if action is None:
                log.warning("unknown button press %r ignored", press)
                return
        self._emit(Event("button", t, {"press": press, "action": action}))
        getattr(self, f"_do_{action}")(t)

    def _do_calibrate(self, t: float, seconds: float = 60.0, reply: Callable[[dict[str, Any]], None] | None = None) -> None:
        """Calibrate while running (`breathcue calibrate` over the control socket): calm breathing, then guided breaths.

        A session running ends; nudges and scheduled sessions wait until it is over.
        """
        answer = reply or (lambda message: None)
        if self.calibration is not None:
            answer({"error": "a calibration is already running"})
            return
        if self.session is not None:
            self.end_session("replaced", t)
        calibration = Calibration(self.config.detector, self.sensor.rate_hz, seconds, t)
        self.calibration = CalibrationRun(calibration, answer, t)
        self._emit(Event("calibration_start", t, {"seconds": seconds, "guided_breaths": GUIDED_BREATHS}))

    def _do_calibrate_cancel(self, t: float) -> None:
        if self.calibration is not None:
            self._end_calibration(t, cancelled=True)

    def _calibrate_step(self, sample: Sample) -> None:
        """Feed the running calibration; tell the asker how it goes once a second; finish it."""
        run = self.calibration
        assert run is not None
        cal, t = run.calibration, sample.t
        before = cal.phase
        cal.update(sample)
        if before == "calm" and cal.phase == "guided":
            self._emit(Event("calibration_guide", t, {"breaths": GUIDED_BREATHS, "bpm": round(cal.session.pattern.bpm, 2)}))
        if cal.done:
            self._end_calibration(t)
        elif t >= run.next_progress:
            run.next_progress = t + 1.0
            run.reply({"progress": cal.progress(t).to_json_dict()})

    def _end_calibration(self, t: float, cancelled: bool = False) -> None:
        """Apply a finished calibration live (the baseline sink saves it), or report why there is none."""
        run = self.calibration
        assert run is not None
        self.calibration = None
        try:
            if cancelled:
                raise CalibrationError("cancelled")
            result = run.calibration.outcome()
        except CalibrationError as exc:
            fields: dict[str, Any] = {"outcome": "cancelled" if cancelled else "failed", "reason": str(exc)}
            self._emit(Event("calibration_end", t, fields))
            run.reply({"error": str(exc)})
            return
        baseline = result.baseline
        self.baseline = baseline
        self.detector = BreathDetector(self.config.detector, self.sensor.rate_hz, baseline)
        if baseline.polarity is not None and self.config.detector.polarity == "auto":
            self.detector.set_polarity(baseline.polarity)
        fields = {"outcome": "saved", "depth": baseline.depth, "rate_bpm": baseline.rate_bpm, "polarity": baseline.polarity, **result.info()}
        self._emit(Event("calibration_end", t, fields))
        run.reply({"result": {**fields, "text": result.describe()}})

    def _guided_polarity(self, t: float, verdict: Verdict, source: str) -> None:
        """Evidence from the guide that the strap reads the other way round: correct the detector (unless configured)."""
        previous = self.detector.polarity
        if verdict.polarity is None or verdict.polarity == previous:
            return
        applied = self.config.detector.polarity == "auto"
        if applied:
            self.detector.set_polarity(verdict.polarity)
            self.guided_polarity = verdict.polarity
            if self.baseline is not None:
                self.baseline = replace(self.baseline, polarity=verdict.polarity)
        else:
            log.warning(
                "the strap reads %s during the %s, but detector.polarity is %r: set it to \"auto\" or %r",
                verdict.polarity, source, self.config.detector.polarity, verdict.polarity,
            )
        fields = {"polarity": verdict.polarity, "previous": previous, "source": source, "applied": applied}
        self._emit(Event("polarity", t, {**fields, "correlation": round(verdict.correlation, 3), "lag": verdict.lag_seconds}))

    def _do_reload(self, t: float) -> None:
        """SIGHUP: load the config again; an invalid one keeps the old running and is reported."""
        if self.reload is None:
            return
        self.notifier.reloading()
        try:
            new, source = self.reload()
        except ConfigError as exc:
            self.config_errors = list(exc.errors)
            log.error("config reload failed, keeping the running config:\n%s", exc)
            self._emit(Event("config_error", t, {"source": exc.source, "errors": list(exc.errors)}))
        except Exception as exc:  # a bug in reading a config must not end the daemon (systemd would loop on it)
            self.config_errors = [f"cannot load the config: {type(exc).__name__}: {exc}"[:200]]
            log.exception("config reload failed, keeping the running config")
            self._emit(Event("config_error", t, {"source": self.source, "errors": list(self.config_errors)}))
        else:
            self._apply(new, source, t)
        self.notifier.ready(self.status_line())

    def _apply(self, new: Config, source: str, t: float) -> None:
        old = self.config
        fixed = {k: getattr(old.ring, k) for k in RESTART_RING_KEYS if getattr(new.ring, k) != getattr(old.ring, k)}
        later = [f"ring.{k}" for k in fixed] + [name for name in ("hardware", "sensor") if getattr(new, name) != getattr(old, name)]
        if later:
            log.warning("%s take effect after a restart", ", ".join(later))
            new = replace(new, ring=replace(new.ring, **fixed))
        changed = [f.name for f in dataclasses.fields(Config) if getattr(new, f.name) != getattr(old, f.name)]
        self.config, self.source, self.config_errors = new, source, []
        self.config_loaded = self.clock.wall().isoformat(timespec="seconds")
        if new.detector != old.detector:
            log.info("detector settings changed: the detector starts afresh, keeping the baseline")
            self.detector = BreathDetector(new.detector, self.sensor.rate_hz, self.detector.baseline)
            if self.guided_polarity is not None and new.detector.polarity == "auto":  # what a session showed stays known
                self.detector.set_polarity(self.guided_polarity)
        if new.ring != old.ring:
            self.encoder = FrameEncoder.from_config(new.ring)
        self.look = Look.from_config(new)
        self._update_schedule()
        self._emit(Event("config_reloaded", t, {"source": source, "changed": changed, "after_restart": later}))

    def _acknowledge(self, kind: str, t: float) -> None:
        self.ack = Ack(kind, t)

    # --- the loop -----------------------------------------------------------------

    def run(self) -> int:
        """Run until stopped, ``seconds`` have passed or the recording ends; the exit status."""
        self._update_schedule()
        self.notifier.ready(self.status_line())
        try:
            return self._loop()
        finally:
            self.notifier.stopping()
            if self.session is not None:
                self.end_session("stopped")
            self._close_sinks()

    def _loop(self) -> int:
        frame_dt = 1.0 / self.config.ring.fps
        sample_dt = 1.0 / self.sensor.rate_hz
        # Waking costs more than the work on a small Pi: when frames come at
        # least as often as samples, a sample is read at the first frame
        # deadline after its own (at most one frame later), keeping its
        # scheduled timestamp; only slower frame rates wake for samples too.
        wake_for_samples = frame_dt > sample_dt
        n_frame = n_sample = 0
        while not self._stop:
            next_frame, next_sample = n_frame * frame_dt, n_sample * sample_dt
            due = min(next_frame, next_sample) if wake_for_samples else next_frame
            if self.seconds is not None and due > self.seconds:
                if next_sample > self.seconds:
                    break
                due = self.seconds
            self.clock.sleep_until(due)
            while next_sample <= due:
                n_sample += 1
                if not self._sample(next_sample):
                    return 0
                next_sample = n_sample * sample_dt
            if next_frame <= due:
                # Never more than one frame late: after a stall, draw the latest deadline passed, skip the rest.
                n_frame = max(n_frame, int(self.clock.now() / frame_dt))
                self._drain_commands()
                self._frame(n_frame * frame_dt)
                n_frame += 1
            if due >= self._next_status:
                self._next_status = due + 1.0
                self._each_second(due)
        return 0

    def _each_second(self, t: float) -> None:
        self._update_schedule()
        self._status_changed = True
        if self.sinks:
            status = self.status()
            for sink in self.sinks:
                sink.status(status)
        if self.notifier.enabled and t >= self._next_notify_status:
            self._next_notify_status = t + NOTIFY_STATUS_SECONDS
            self.notifier.status(self.status_line())

    def _update_schedule(self) -> None:
        """What the wall clock decides, once a second: may nudges start, night dimming, sessions due."""
        wall, sched = self.clock.wall(), self.config.schedule
        if self.paused_until is not None and wall >= self.paused_until:
            self.paused_until = None
        self._block = schedule.nudge_block(wall, sched, self.paused_until)
        self._dim = schedule.dim_factor(wall, sched)
        t = self.clock.now()
        quiet = any(until is not None and t < until for until in (self.cue_state.snoozed_until, self.cue_state.dnd_until))
        if self.session is None and self.calibration is None and self.paused_until is None and not quiet and self.config.session:
            due = schedule.due_session(self.planner, wall, self.config.session, sched)
            if due is not None:
                self.planner = schedule.mark_done(self.planner, due, wall)
                self._start_named(None, None, t, due)

    def _inputs(self) -> cues.Inputs:
        baseline = self.detector.baseline
        return cues.Inputs(
            "session" if self.session is not None else "calibrating" if self.calibration is not None else self._block,
            self.detector.status.rate_bpm,
            baseline.rate_bpm if baseline is not None else None,
            self.clock.wall().toordinal(),
        )

    def _sample(self, t: float) -> bool:
        sample = self.sensor.read(t)
        if sample is None:
            log.info("the recording has ended at %.1f s", t)
            return False
        for sink in self.sinks:
            sink.sample(sample)
        if self.look.ambient_mode == "mirror":
            sign = -1 if self.detector.status.polarity == "inverted" else 1
            if sign != self.mirror.sign:  # the detector has learnt which way an inhale moves the strap
                self.mirror = BreathMirror(sign)
            self.mirror.update(t, sample.value)
        if self.calibration is not None:
            self._calibrate_step(sample)
        guide = self.session_guide
        if guide is not None and self.session is not None:
            seen = guide.cycles
            guide.update(sample.value, self.session.volume(t))
            if guide.cycles > seen:
                self._guided_polarity(t, guide.verdict(), "session")
        events = self.detector.update(sample)
        if events or not self.cue_state.idle:
            self.cue_state, cue_events = cues.step(self.cue_state, events, t, self._inputs(), self.config.cues)
            self._emit_all(events)
            self._emit_all(cue_events)
        return True

    def _emit_all(self, events: list[Event]) -> None:
        for event in events:
            self._emit(event)

    def _emit(self, event: Event) -> None:
        name = event.name
        wall = self.clock.wall()
        if name == "breath":
            if self.session is not None:
                self._score(event)
        else:
            record = event.to_json_dict()
            log.info("%s  %s", clock(event.t), event_line(event))
            self._status_changed = True
            self.recent.append({**record, "wall": wall.isoformat(timespec="seconds")})
        for sink in self.sinks:
            sink.event(event, wall)

    def _score(self, breath: Event) -> None:
        """A breath during a session counts toward its adherence."""
        active = self.session
        onset, end = breath.get("onset"), breath.get("end")
        if active is None or onset is None or end is None or onset < active.started:
            return
        a = adherence.add_breath(active.adherence, active.session, onset - active.started, end - active.started)
        self.session = replace(active, adherence=a)

    def _frame(self, t: float) -> None:
        active = self.session
        if self.ack is not None and self.ack.done(t):
            self.ack = None
        state = self.cue_state
        view = View(
            lost=self.detector.status.state == "signal_lost",
            cue=state.cue,
            recovery=state.recovery,
            session=None if active is None else (active.session, t - active.started, active.style),
            mirror=self.mirror.level,
            ack=self.ack,
            dim=self._dim,
        )
        if self.calibration is not None:  # still while it listens to calm breathing, then the guided breaths
            cal = self.calibration.calibration
            guided = (cal.session, t - cal.calm_end, self.config.pacing.style)
            view = View(session=guided, dim=self._dim) if cal.phase == "guided" else View(dim=0.0)
        self._show(draw(self.look, t, view), t)
        self.notifier.watchdog()
        if active is not None and active.ended(t):
            self.end_session("completed", t)
            if self.exit_when_session_ends:
                self.stop()

    def _show(self, frame: Frame, t: float) -> None:
        """Encode every frame (dithering counts frames); write the ring only when it changed."""
        rgb = self.encoder.encode(frame)
        if self._status_changed:  # once a second, and when something happened
            self._status_changed = False
            self.ring.set_status(self.status_line())
        if rgb != self._last_rgb or t >= self._next_refresh:
            self.ring.show(rgb, t)
            self._last_rgb = rgb
            self._next_refresh = t + REFRESH_SECONDS
            self.frames_written += 1
        self.frames_shown += 1
        for sink in self.sinks:
            sink.frame(t, rgb)

    def _close_sinks(self) -> None:
        for sink in self.sinks:
            try:
                sink.close()
            except Exception:  # one broken output must not keep the others from closing
                log.exception("closing %s failed", type(sink).__name__)

    # --- what it is doing -------------------------------------------------------------

    def status(self) -> dict[str, Any]:
        """The daemon's state as JSON-ready data: the status file, the web, MQTT (docs/formats.md)."""
        s = self.detector.status
        t, wall = self.clock.now(), self.clock.wall()
        cue, active, state = self.cue_state.cue, self.session, self.cue_state

        def wall_at(when: float | None) -> str | None:
            return None if when is None else (wall + timedelta(seconds=when - t)).isoformat(timespec="seconds")

        phase, phase_left = active.phase(t) if active is not None else (None, 0.0)
        guide = self.session_guide
        following = round(abs(guide.verdict().correlation), 2) if guide is not None and guide.cycles >= 1 else None
        inputs = self._inputs()
        blocked = cues.why_not(state, t, inputs, self.config.cues)
        total, _ = cues.budget(self.config.cues)
        today = state.today if state.day == inputs.day else 0
        return {
            "t": round(t, 3),
            "wall": wall.isoformat(timespec="seconds"),
            "state": s.state,
            "rate_bpm": _rounded(s.rate_bpm, 2),
            "depth": _rounded(s.depth, 4),
            "rel_depth": _rounded(s.rel_depth, 3),
            "cue": None
            if cue is None
            else {
                "reason": cue.reason,
                "level": cue.level,
                "started": round(cue.started, 3),
                "seconds": round(t - cue.started, 1),
                "bpm": round(cue.pacer.bpm, 2),
            },
            "session": None
            if active is None
            else {
                "pattern": active.name,
                "scheduled": None if active.scheduled is None else active.scheduled.isoformat(timespec="minutes"),
                "started": round(active.started, 3),
                "seconds": round(t - active.started, 1),
                "minutes": None if active.session.duration is None else round(active.session.duration / 60.0, 2),
                "left": None if active.session.duration is None else round(active.started + active.session.duration - t, 1),
                "phase": phase,
                "phase_left": round(phase_left, 1),
                "following": following,
                "adherence": adherence.summary(active.adherence),
            },
            "nudges": {
                "allowed": blocked is None,
                "blocked": blocked,
                "snoozed_until": wall_at(state.snoozed_until if (state.snoozed_until or 0.0) > t else None),
                "paused_until": None if self.paused_until is None else self.paused_until.isoformat(timespec="minutes"),
                "do_not_disturb_until": wall_at(state.dnd_until if (state.dnd_until or 0.0) > t else None),
                "today": today,
                "max_per_day": total,
                "learnt": cues.learnt(state, self.config.cues) if state.day == inputs.day else {},
            },
            "calibration": None if self.calibration is None else self.calibration.calibration.progress(t).to_json_dict(),
            "ambient": self.config.ambient.mode,
            "config": {"source": self.source, "loaded": self.config_loaded, "errors": list(self.config_errors)},
            "recent_events": list(self.recent),
        }

    def status_line(self) -> str:
        """The status in plain words, for the terminal and systemd (words.py)."""
        if self.calibration is not None:  # what to do now, and whether the strap picks it up, is all that matters
            return f"calibrating: {self.calibration.calibration.progress(self.clock.now()).describe()}"
        return status_line(self.status())


def _rounded(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


def play(
    ring: Ring,
    steps: list[tuple[float, str, Frame]],
    encoder: FrameEncoder,
    clock: Clock,
    stopped: Callable[[], bool] = lambda: False,
) -> None:
    """Show still frames one after another, each for its seconds (``breathcue leds test``)."""
    t = clock.now()
    for seconds, label, frame in steps:
        if stopped():
            return
        ring.set_status(label)
        ring.show(encoder.encode(frame), t)
        t += seconds
        clock.sleep_until(t)
