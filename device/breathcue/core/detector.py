"""BreathDetector: one sample in, zero or more events out.

Two low-passes condition the signal.  The fast one (breathing band, ~0.3 s
delay) feeds the segmenter: a turning point is confirmed once the signal has
come back a share of the typical breath depth from its running extreme.  The
slow one also removes the ~1 Hz cardiac ripple; the range of its output over
a short sliding window is the *movement*: a breath hold is a stretch without
movement, measured against the typical depth, so slow drift and the ripple of
a held chest never count as breathing, and no turning point is confirmed
while the chest is still.  Small rhythmic swings in a further low-passed
*quiet* signal (breathing far smaller than the depth; a cardiac ripple is
cut away) are never a hold: breathing at a smaller scale, or a loose strap
(signal lost, "weak").  The hold starts where the last breath movement
ended: the last quick motion, or the last slow progress in the breath's own
direction (a held chest relaxes the other way).  Polarity (which way an
inhale moves the signal) is learnt from the first breaths: the inhale is the
steeper half, its quickest part quicker for its size.  Everything is
causal, looks back a bounded time, and lives in explicit state.
See docs/detection.md for the method and its validation.
"""

from __future__ import annotations

import dataclasses
import math
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .filters import SlidingRange, SosFilter, butter_lowpass, group_delay
from .types import Event, Sample

if TYPE_CHECKING:
    from ..config import DetectorConfig

# Conditioning.
FAST_CUTOFF_HZ = 0.8  # breathing band: up to ~40 breaths a minute
SLOW_CUTOFF_HZ = 0.55  # with the fast stage, 4th order: the cardiac ripple is cut ~20 dB at 0.9 Hz
BREATH_HZ = 0.25  # where the filters' delay is measured and compensated
# Segmentation.
TURN_SHARE = 0.3  # a turning point needs a swing back of this share of the typical depth...
QUICK_TURN_SHARE = 0.08  # ...or, at the end of a breath, only this much after a full exhale...
FULL_SWING_SHARE = 0.7  # ...of this share of the depth, so a breath is reported within a second of its end
MIN_HALF_SECONDS = 0.5  # the shortest inhale or exhale...
MIN_BREATH_SECONDS = 1.5  # ...and breath (40 a minute): a cardiac ripple is quicker
MIN_BREATH_SHARE = 0.3  # a breath shallower than this share of the typical swing is a wobble
DEPTH_SWINGS = 6  # the typical depth is the median of this many recent swings
RATE_INTERVALS = 5  # the rate is the median of this many recent breath intervals
MAX_INTERVAL_SECONDS = 30.0  # a longer gap between breaths is no breathing interval
# Stillness and holds.
MOVE_WINDOW_SECONDS = 2.0  # movement is the range of the slow signal over this window...
STILL_SHARE = 0.2  # ...and the chest is still while it stays under this share of the depth
RESUME_SHARE = 0.35  # a hold ends at a movement of this share of the depth
QUIET_CUTOFF_HZ = 0.4  # a further low-pass for small swings: the cardiac ripple is cut by 25 dB more at 0.85 Hz
SMALL_SHARE = 0.04  # without breathing motion, swings of this share of the depth...
SMALL_HALF_SECONDS = 1.0  # ...at least this far apart (slower than a heartbeat)...
SMALL_SWINGS = 3  # ...this many times over are breathing, smaller than we knew: no hold
WEAK_SWINGS = 2  # two such swings (three turns: drift after a sag makes at most two) rule out a hold,
SMALL_RHYTHM_SECONDS = 4.5  # and a small turning point more recent than this defers one (a held chest's sag ends sooner)
WEAK_SHARE = 0.2  # ...and swings under this share of the baseline depth are too weak to count as breaths:
# a loose strap.  Still for hold_seconds with them, the signal is lost ("weak") until breathing is back.
READY_SWINGS = 3  # consistent swings needed after a (re)start before a hold or artefact can be called
MOTION_WINDOW_SECONDS = 1.0  # breathing moves the slow signal over this window...
MOTION_SHARE = 0.2  # ...by more than this share of the depth; drift, relaxation and ripple do not
TAIL_SECONDS = 1.2  # over this long (a heartbeat or more, so the ripple averages out)...
TAIL_SHARE = 0.1  # ...a breath that goes on its way by this share of the depth is still moving; a held
# chest relaxes the other way (a full one sags, an empty one creeps back up)
LAST_BREATH_SECONDS = 8.0  # a hold starts at most this long after the last turning point of a breath...
TURN_SLACK_SECONDS = 1.5  # ...and at most this long before it (a ripple can turn on the plateau's edge)
HOLD_START_LAG = -0.9  # from the last breathing motion of the slow signal to where the movement really stopped
# Artefacts and lost signal.
ARTIFACT_SHARE = 3.0  # movement this many usual depths (the larger of typical and baseline) is a motion artefact...
STEP_SHARE_PER_SECOND = 8.0  # ...and so is a jump between samples this fast
ARTIFACT_CALM_SECONDS = 3.0  # an artefact ends after this long within...
ARTIFACT_CALM_SHARE = 2.0  # ...this many typical depths of movement
ARTIFACT_RESCALE_SECONDS = 20.0  # an artefact this long means the strap moved: relearn the depth
FLAT_SECONDS = 2.0  # a value that does not change at all for this long is a stuck sensor
# Polarity and baseline.
POLARITY_SWINGS = 8  # swings (4 up, 4 down) weighed before deciding the polarity;
POLARITY_REVIEW_SWINGS = 16  # it is reviewed once after this many...
POLARITY_REVIEW_MARGIN = 0.15  # ...and turned over if the evidence then clearly says so
RECENT_SECONDS = 8.0  # the range over this window is the depth before any swing, and caps the turning threshold
RECENT_STEP_SECONDS = 0.2  # ...updated this often: a coarse scale needs no more
BASELINE_BREATHS = 3  # a cold start takes its baseline from the median of this many breaths
BASELINE_ALPHA = 0.03  # per breath, how fast the baseline follows breathing
SIGH_SHARE = 1.8  # a breath deeper than this many baselines is a sigh: the baseline ignores it
SHALLOW_END_BREATHS = 3  # shallow breathing ends when this many recent breaths are deep enough
WATCHED = ("flat-hold", "weak")  # lost while the detector keeps filtering, waiting for breathing to move the signal


@dataclass(frozen=True, slots=True)
class Baseline:
    """A person's calm breathing: depth in sensor units, rate, and the strap's polarity."""

    depth: float
    rate_bpm: float
    polarity: str | None = None  # "normal" / "inverted", when calibration learnt it


@dataclass(frozen=True, slots=True)
class DetectorStatus:
    """What the detector believes now, for the ring, the cue policy and the status file."""

    state: str  # "starting", "breathing", "hold", "shallow", "rapid", "artifact", "signal_lost"
    rate_bpm: float | None
    depth: float | None
    rel_depth: float | None
    breaths: int = 0
    polarity: str | None = None


@dataclass(frozen=True, slots=True)
class Turn:
    """A turning point of the fast signal: a local maximum (``high``) or minimum, in raw polarity."""

    high: bool
    t: float
    value: float
    slope: float = 0.0  # the steepest change per sample on the way here
    until: float = -math.inf  # when the signal left the extreme (the start of the next half breath)

    @property
    def left(self) -> float:
        return self.until if self.until > self.t else self.t


class SmallSwings:
    """Swings of the quiet signal far smaller than a breath, counted while the chest looks still.

    A hysteresis tracker with a threshold of a small share of the typical
    depth: slow drift never reverses and the cardiac residue of the quiet
    signal is far under the threshold (and quicker than SMALL_HALF_SECONDS),
    so a held chest counts at most one (a sag, then drift the other way),
    while breathing at a smaller scale than the depth learnt (motion or sighs
    inflated it, the breathing is very shallow, or the strap slackened)
    counts one per half breath.  Where tracking began is no turning point.
    """

    __slots__ = ("rising", "hi", "hi_t", "lo", "lo_t", "begun", "turned", "last", "swings", "median")

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        """Start afresh: the next value pushed is the first extreme."""
        self.rising: bool | None = None
        self.hi, self.lo = -math.inf, math.inf
        self.hi_t = self.lo_t = 0.0
        self.begun: float | None = None  # where tracking began: no turning point, though the signal leaves it
        self.turned = -math.inf  # when the last turning point was confirmed
        self.last: tuple[float, float] | None = None
        self.swings: list[float] = []
        self.median = 0.0

    def push(self, t: float, z: float, threshold: float) -> int:
        """Track one value; return the number of swings counted so far."""
        rising = self.rising
        if self.begun is None:
            self.begun = t
        if rising is not False:
            if z > self.hi:
                self.hi, self.hi_t = z, t
            elif self.hi - z > threshold:
                self._turn(self.hi_t, self.hi, t)
                self.rising, self.lo, self.lo_t = False, z, t
                return len(self.swings)
        if rising is not True:
            if z < self.lo:
                self.lo, self.lo_t = z, t
            elif z - self.lo > threshold:
                self._turn(self.lo_t, self.lo, t)
                self.rising, self.hi, self.hi_t = True, z, t
        return len(self.swings)

    def _turn(self, t: float, value: float, now: float) -> None:
        if t == self.begun:
            return
        self.turned = now
        if self.last is not None and t - self.last[0] >= SMALL_HALF_SECONDS:
            self.swings.append(abs(value - self.last[1]))
            self.median = _median(self.swings)
        self.last = (t, value)


def _median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else 0.5 * (s[n // 2 - 1] + s[n // 2])


class BreathDetector:
    """Feed samples in time order; read events from ``update`` and the present from ``status``."""

    def __init__(self, config: "DetectorConfig", rate_hz: float, baseline: Baseline | None = None) -> None:
        if not 5.0 <= rate_hz <= 200.0:
            raise ValueError(f"rate {rate_hz} Hz: the detector runs at 5-200 samples a second")
        self.config = config
        self.rate_hz = rate_hz
        fast = butter_lowpass(2, FAST_CUTOFF_HZ, rate_hz)
        slow = butter_lowpass(2, SLOW_CUTOFF_HZ, rate_hz)
        self._fast = SosFilter(fast)
        self._slow = SosFilter(slow)
        self._fast_delay = group_delay(fast, BREATH_HZ, rate_hz)
        self._slow_delay = self._fast_delay + group_delay(slow, BREATH_HZ, rate_hz)
        self._quiet = SosFilter(butter_lowpass(2, QUIET_CUTOFF_HZ, rate_hz))
        self._window = SlidingRange(MOVE_WINDOW_SECONDS)
        self._small = SmallSwings()
        self._recent_range = SlidingRange(RECENT_SECONDS)
        self._step_limit = STEP_SHARE_PER_SECOND / rate_hz  # in typical depths per sample
        self._motion = SlidingRange(MOTION_WINDOW_SECONDS)
        self._lag: deque[float] = deque(maxlen=max(2, round(TAIL_SECONDS * rate_hz)))
        self.baseline = baseline
        if config.polarity != "auto":
            self._sign: int | None = 1 if config.polarity == "normal" else -1
        elif baseline is not None and baseline.polarity in ("normal", "inverted"):
            self._sign = 1 if baseline.polarity == "normal" else -1
        else:
            self._sign = None
        self._held_turns: list[Turn] = []  # turns held back until the polarity is known
        self._learning = config.polarity == "auto"
        self._rise_scores: list[float] = []
        self._fall_scores: list[float] = []
        self._depths: deque[float] = deque(maxlen=DEPTH_SWINGS)
        self._typical: float | None = None
        self._cold_depths: list[float] = []
        self._calibrated = baseline is not None
        self._adapted = 0
        self._intervals: deque[float] = deque(maxlen=RATE_INTERVALS)
        self._rate: float | None = None
        self._last_peak_t: float | None = None
        self._breaths = 0
        self._last_raw: float | None = None
        self._flat_since = 0.0
        self._lost: tuple[str, float] | None = None
        self._started = False
        self._hold_start: float | None = None
        self._pinned: Turn | None = None  # the turn a hold began at
        self._artifact_start: float | None = None
        self._calm_since = 0.0
        self._shallow_start: float | None = None
        self._rapid_start: float | None = None
        self._above_rapid_since: float | None = None
        self._recent: deque[tuple[float, float, float]] = deque()  # (end, onset, rel_depth) of breaths
        self.status = DetectorStatus("starting", None, None, None)

    # --- the per-sample path ----------------------------------------------

    def update(self, sample: Sample) -> list[Event]:
        """Take one sample; return the events it completes, in order."""
        t = sample.t
        value = sample.value
        events: list[Event] = []
        if value is None:
            self._lose(t, sample.fault or "i2c_error", events)
            self._last_raw = None  # the first value after the gap is news, whatever it is
            return events
        if value == self._last_raw:
            if t - self._flat_since >= FLAT_SECONDS:
                self._lose(t, "flat", events, since=self._flat_since)
            if self._lost is not None:
                return events
        else:
            self._last_raw = value
            self._flat_since = t
        if not self._started or (self._lost is not None and self._lost[0] not in WATCHED):
            self._restart(t, value, events)
            return events

        dy = -self._y
        y = self._fast.step(value)
        z = self._slow.step(y)
        self._y = y
        dy += y
        if dy > self._up:
            self._up = dy
        elif dy < self._down:
            self._down = dy
        move = self._window.push(t, z)
        if t >= self._recent_due:  # a coarse scale: five updates a second are plenty
            self._recent_due = t + RECENT_STEP_SECONDS
            self._recent_depth = self._recent_range.push(t, y)
        recent = self._recent_depth
        typical = self._typical
        if typical is None:
            typical = recent if recent > 0.0 else 1e-12
        turn_at = TURN_SHARE * (recent if recent < typical else typical)  # a smaller breath still turns

        if self._lost is not None:  # a "hold" too long to be one, or weak breathing: wait for real movement
            if move > RESUME_SHARE * (typical if self._lost[0] != "weak" else self._usual(typical)):
                self._found(t, events)
            return events
        if self._artifact_start is not None:
            self._artifact(t, move, self._usual(typical), events)
            return events
        if (move > ARTIFACT_SHARE * typical or abs(dy) > self._step_limit * typical) and self._ready:
            usual = self._usual(typical)
            if move > ARTIFACT_SHARE * usual or abs(dy) > self._step_limit * usual:
                self._begin_artifact(t, events)
                return events

        still = move < STILL_SHARE * typical
        lag = self._lag
        if self._rising is not None and len(lag) == lag.maxlen and (z - lag[0] if self._rising else lag[0] - z) > TAIL_SHARE * typical:
            self._tail_at = t  # the breath is still going its way, however slowly
        lag.append(z)
        q = self._quiet.step(z)
        small = self._small
        if self._motion.push(t, z) > MOTION_SHARE * typical:
            self._moved_at = t
            small.reset()
        elif small.push(t, q, SMALL_SHARE * typical) >= SMALL_SWINGS and self._hold_start is None and not self._weak(small):
            self._rescale(t, small.swings)  # still breathing, only smaller than the depth we knew
            return events
        if self._hold_start is not None:
            if move > RESUME_SHARE * typical:
                self._end_hold(t, events)
            elif t - self._hold_start >= self.config.max_hold_seconds:
                self._hold_too_long(t, events)
            return events
        if still and len(small.swings) >= WEAK_SWINGS:  # small breathing goes on: never a hold
            since = max(self._moved_at - self._slow_delay + HOLD_START_LAG, self._epoch)
            if t - since >= self.config.hold_seconds and self._ready and self._weak(small):
                self._lose(t, "weak", events, since=since)
                return events
        elif still and (self._ready or self._ready_with_last_half()) and self._turns and (small.last is None or t - small.last[0] >= SMALL_RHYTHM_SECONDS):
                # The hold starts where breathing movement stopped: after the last turning point, and soon after it.
                last_turn = self._turns[-1].t
                start = max(
                    self._moved_at - self._slow_delay + HOLD_START_LAG,
                    self._tail_at - self._slow_delay - 0.5 * TAIL_SECONDS + HOLD_START_LAG,
                    last_turn - TURN_SLACK_SECONDS,
                    self._epoch,
                )
                if t - start >= self.config.hold_seconds and start - last_turn <= LAST_BREATH_SECONDS:
                    self._begin_hold(start, t, events)
                    return events

        # Segmentation: track the running extreme; confirm it on a swing back.  ``_ext_until`` is the
        # last time the signal was still within QUICK_TURN_SHARE of the extreme: where it left it.
        ext = self._ext_value
        if self._rising is None:
            self._first_turn(t, y, turn_at, still, events)
        elif self._rising:
            if y > ext:
                self._ext_value = y
                self._ext_t = self._ext_until = t
                self._down = 0.0  # the next fall is measured from the top
                return events
            back = ext - y
            if back <= QUICK_TURN_SHARE * typical:
                self._ext_until = t
            elif not still and (back > turn_at or (self._sign == -1 and ext - self._from_value > FULL_SWING_SHARE * typical)):
                delay = self._fast_delay
                self._turn(Turn(True, self._ext_t - delay, ext, self._up, self._ext_until - delay), t, events)
                self._rising = False
                self._from_value, self._ext_value, self._ext_t, self._ext_until = ext, y, t, t
        else:
            if y < ext:
                self._ext_value = y
                self._ext_t = self._ext_until = t
                self._up = 0.0  # the next rise is measured from the bottom
                return events
            back = y - ext
            if back <= QUICK_TURN_SHARE * typical:
                self._ext_until = t
            elif not still and (back > turn_at or (self._sign == 1 and self._from_value - ext > FULL_SWING_SHARE * typical)):
                delay = self._fast_delay
                self._turn(Turn(False, self._ext_t - delay, ext, -self._down, self._ext_until - delay), t, events)
                self._rising = True
                self._from_value, self._ext_value, self._ext_t, self._ext_until = ext, y, t, t
        return events

    def _first_turn(self, t: float, y: float, turn_at: float, still: bool, events: list[Event]) -> None:
        """After a restart the direction is unknown: watch both extremes until the signal turns from one."""
        if y > self._ext_value:
            self._ext_value, self._ext_t = y, t
            self._down = 0.0
        if y < self._low_value:
            self._low_value, self._low_t = y, t
            self._up = 0.0
        if still:
            return
        if self._ext_value - y > turn_at and self._ext_t > self._epoch:
            self._turn(Turn(True, self._ext_t - self._fast_delay, self._ext_value, self._up), t, events)
            self._rising = False
            self._from_value, self._ext_value, self._ext_t, self._ext_until = self._ext_value, y, t, t
        elif y - self._low_value > turn_at and self._low_t > self._epoch:
            self._turn(Turn(False, self._low_t - self._fast_delay, self._low_value, -self._down), t, events)
            self._rising = True
            self._from_value, self._ext_value, self._ext_t, self._ext_until = self._low_value, y, t, t

    def finish(self, t: float) -> list[Event]:
        """The recording ended at ``t``: report breaths still held back, and a last one cut off mid-exhale."""
        events: list[Event] = []
        if self._lost is not None or self._artifact_start is not None or not self._started:
            return events
        if self._sign is None:
            if not self._held_turns:
                return events  # nothing seen that a polarity could be learnt from
            self._settle_polarity(t, events)
        turns = self._turns
        if self._hold_start is None and len(turns) >= 2 and turns[-1].high == (self._sign > 0):
            onset, peak = turns[-2], turns[-1]
            end = Turn(not peak.high, self._ext_t - self._fast_delay, self._ext_value, 0.0, self._ext_until - self._fast_delay)
            if abs(peak.value - end.value) >= 0.5 * abs(peak.value - onset.value):
                self._breath_from([onset, peak, end], t, events)
        return events

    # --- starting, and the depth before any breath --------------------------

    def _restart(self, t: float, value: float, events: list[Event]) -> None:
        """Start tracking afresh at ``value``: at the first sample, and after a lost signal."""
        if self._lost is not None:
            events.append(Event("signal_ok", t, {"start": self._lost[1]}))
            self._lost = None
        self._started = True
        self._y = self._fast.settle(value)
        self._quiet.settle(self._slow.settle(self._y))
        self._window.clear()
        self._window.push(t, self._y)
        self._motion.clear()
        self._motion.push(t, self._y)
        self._lag.clear()
        self._recent_range.clear()
        self._recent_due = t
        self._recent_depth = 0.0
        self._reset_segments(t)
        self._set_state(t)

    def _reset_segments(self, t: float) -> None:
        """Forget turning points: after a start, a lost signal or an artefact no breath spans the gap."""
        self._epoch = t
        self._epoch_value = self._from_value = self._y
        self._rising: bool | None = None
        self._ext_value = self._low_value = self._y
        self._ext_t = self._low_t = self._ext_until = t
        self._turns: list[Turn] = []
        self._swings = 0
        self._ready = False
        self._moved_at = self._tail_at = t
        self._last_peak_t = None
        self._up = self._down = 0.0
        self._learnt_ahead: bool | None = None
        self._small.reset()  # no small swing spans a gap either

    def _ready_with_last_half(self) -> bool:
        """Still before READY_SWINGS: the half breath into the stillness is over, so it counts if it is consistent.

        A hold after two breaths of a cold start would otherwise wait for the
        turn that ends it, which a still chest never confirms.
        """
        turns = self._turns
        if self._rising is None or not turns or self._swings + 1 < READY_SWINGS or turns[-1].t + self._fast_delay <= self._epoch:
            return False
        depths = [*self._depths, abs(self._ext_value - turns[-1].value)]
        typical = _median(depths)
        return sum(1 for d in depths if 0.5 * typical <= d <= 2.0 * typical) >= READY_SWINGS

    def _rescale(self, t: float, swings: list[float]) -> None:
        """Breathing goes on at a smaller scale than the depth learnt (after motion, or a looser strap): relearn it."""
        self._depths.clear()
        self._depths.extend(swings)
        self._typical = _median(swings)
        self._reset_segments(t)
        self._swings = len(swings)
        self._ready = self._swings >= READY_SWINGS

    # --- turning points and breaths ---------------------------------------

    def _turn(self, turn: Turn, now: float, events: list[Event]) -> None:
        # The swing to this extreme is measured; the one away from it already is, since the extreme.
        if turn.high:
            self._up = 0.0
        else:
            self._down = 0.0
        turns = self._turns
        if not turns:
            if turn.t + self._fast_delay > self._epoch:  # where tracking began stands for the other extreme,
                turns.append(Turn(not turn.high, self._epoch - self._fast_delay, self._epoch_value))
                if self._sign is None:  # so a first breath already under way is not lost
                    self._held_turns.append(turns[0])
        elif turns[-1].t + self._fast_delay > self._epoch:  # the epoch is no measured extreme: no depth from it
            last = turns[-1]
            swing = abs(turn.value - last.value)
            if turn.t - last.t < MIN_HALF_SECONDS:
                return  # a wobble, not half a breath: the older extreme stands
            typical = self._typical
            ahead, self._learnt_ahead = self._learnt_ahead, None  # weighed already when a hold began at it?
            if self._learning and ahead != turn.high and turn.slope > 0.0 and (typical is None or 0.5 * typical <= swing <= 2.0 * typical):
                self._learn_polarity(turn, swing, now, events)
            self._depths.append(swing)
            ordered = sorted(self._depths)
            typical = self._typical = _median(ordered)
            self._swings += 1
            consistent = sum(1 for d in ordered if 0.5 * typical <= d <= 2.0 * typical)
            self._ready = self._swings >= READY_SWINGS and consistent >= READY_SWINGS
        turns.append(turn)
        if len(turns) > 3:
            del turns[0]
        if self._sign is None:
            self._held_turns.append(turn)
        elif len(turns) == 3:
            self._breath_from(turns, now, events)

    def _learn_polarity(self, turn: Turn, swing: float, now: float, events: list[Event]) -> None:
        """The inhale is the steeper half: weigh each rise against each fall.

        The score of a half breath is log(steepest slope / swing), the slope
        measured between its two extremes: the pace of its quickest part,
        whatever the size.  Not its duration: where an extreme lies in a flat
        pause (end-expiration, or a rounded top) is a matter of noise, and
        a pause counted into the next inhale made it look slow.  The polarity
        is normal when rises score higher than falls.  It is decided after
        POLARITY_SWINGS swings and reviewed once after POLARITY_REVIEW_SWINGS.
        """
        (self._rise_scores if turn.high else self._fall_scores).append(math.log(turn.slope / swing))
        rises, falls = self._rise_scores, self._fall_scores
        n = len(rises) + len(falls)
        if not rises or not falls or n < POLARITY_SWINGS:
            return
        score = sum(rises) / len(rises) - sum(falls) / len(falls)
        if self._sign is None:
            self._sign = 1 if score >= 0.0 else -1
            self._release_held(now, events)
        elif n >= POLARITY_REVIEW_SWINGS:
            self._learning = False
            if abs(score) >= POLARITY_REVIEW_MARGIN and (score > 0) != (self._sign > 0):
                self._sign = -self._sign
                self._last_peak_t = None
                self._set_state(now)

    def _learn_last_half(self, now: float, events: list[Event]) -> None:
        """A hold begins before its polarity is known: the half breath that ended in it is complete, learn from it now."""
        turns = self._turns
        if not self._learning or self._rising is None or not turns or turns[-1].t + self._fast_delay <= self._epoch:
            return
        last = turns[-1]
        slope = self._up if self._rising else -self._down
        swing = abs(self._ext_value - last.value)
        typical = self._typical
        if slope > 0.0 and self._ext_t - self._fast_delay - last.t >= MIN_HALF_SECONDS and (typical is None or 0.5 * typical <= swing <= 2.0 * typical):
            self._learnt_ahead = self._rising  # the turn that confirms this extreme later is not weighed twice
            self._learn_polarity(Turn(self._rising, self._ext_t - self._fast_delay, self._ext_value, slope), swing, now, events)

    def _settle_polarity(self, now: float, events: list[Event]) -> None:
        """Decide now, on the evidence so far (a hold has begun), and report the breaths held back."""
        rises, falls = self._rise_scores, self._fall_scores
        score = sum(rises) / len(rises) - sum(falls) / len(falls) if rises and falls else 0.0
        self._sign = 1 if score >= 0.0 else -1
        self._release_held(now, events)

    def _release_held(self, now: float, events: list[Event]) -> None:
        held, self._held_turns = self._held_turns, []
        for i in range(2, len(held)):
            self._breath_from(held[i - 2 : i + 1], now, events)

    def _breath_from(self, turns: list[Turn], now: float, events: list[Event]) -> None:
        onset, peak, end = turns[-3], turns[-2], turns[-1]
        sign = self._sign
        if peak.high != (sign > 0):
            return  # these three turns make an exhale-inhale, not a breath
        depth = sign * (peak.value - 0.5 * (onset.value + end.value))
        if (self._typical is not None and depth < MIN_BREATH_SHARE * self._typical) or end.t - onset.t < MIN_BREATH_SECONDS:
            return  # a ripple on a pause, not a breath
        if self._last_peak_t is not None and peak.t - self._last_peak_t <= MAX_INTERVAL_SECONDS:
            self._intervals.append(peak.t - self._last_peak_t)
            self._rate = 60.0 / _median(list(self._intervals))
        inst = 60.0 / (peak.t - self._last_peak_t) if self._last_peak_t is not None else None
        self._last_peak_t = peak.t
        self._breaths += 1
        rel = self._rel_depth(depth)
        # A breath runs from the start of its inhale to the start of the next: where the signal left each trough.
        start = min(onset.left, peak.t)
        stop = end.left
        events.append(
            Event(
                "breath",
                now,
                {
                    "onset": start,
                    "peak": peak.t,
                    "end": stop,
                    "depth": depth,
                    "rel_depth": rel,
                    "rate_bpm": self._rate,
                    "inhale": peak.t - start,
                    "exhale": stop - peak.t,
                    "inst_rate_bpm": inst,
                },
            )
        )
        self._patterns(now, stop, start, depth, rel, events)

    def _rel_depth(self, depth: float) -> float | None:
        if self.baseline is None:
            self._cold_depths.append(depth)
            if len(self._cold_depths) < BASELINE_BREATHS:
                return None
            self.baseline = Baseline(_median(self._cold_depths), self._rate or 0.0, self.polarity)
        return depth / self.baseline.depth

    @property
    def polarity(self) -> str | None:
        return None if self._sign is None else ("normal" if self._sign > 0 else "inverted")

    def set_polarity(self, polarity: str) -> None:
        """Take the polarity from outside evidence (guided calibration, a paced session); stop guessing it."""
        if polarity not in ("normal", "inverted"):
            raise ValueError(f"polarity {polarity!r}: expected 'normal' or 'inverted'")
        sign = 1 if polarity == "normal" else -1
        self._learning = False
        if sign != self._sign:
            self._sign = sign
            self._held_turns = []
            self._last_peak_t = None
        self.status = dataclasses.replace(self.status, polarity=polarity)

    # --- shallow and rapid breathing ----------------------------------------

    def _patterns(self, now: float, end: float, onset: float, depth: float, rel: float | None, events: list[Event]) -> None:
        if rel is not None:
            self._shallow(now, end, onset, rel, events)
            if self._shallow_start is None and self._artifact_start is None and rel <= SIGH_SHARE:
                self._adapt_baseline(depth)
        self._rapid(now, end, events)
        self._set_state(now)

    def _shallow(self, now: float, end: float, onset: float, rel: float, events: list[Event]) -> None:
        """Shallow while the median relative depth of the breaths over ``shallow_seconds`` is under the fraction."""
        cfg = self.config
        recent = self._recent
        recent.append((end, onset, rel))
        while recent and recent[0][0] < now - cfg.shallow_seconds:
            recent.popleft()  # a breath reported late (after a polarity decision) may leave nothing
        if self._shallow_start is None:
            covered = bool(recent) and recent[0][1] <= now - cfg.shallow_seconds + 0.5 * (end - onset)
            if covered and len(recent) >= 3 and _median([r for _, _, r in recent]) < cfg.shallow_fraction:
                self._shallow_start = next(o for _, o, r in recent if r < cfg.shallow_fraction)
                events.append(Event("shallow_start", now, {"start": self._shallow_start}))
        elif len(recent) >= SHALLOW_END_BREATHS and all(r >= cfg.shallow_fraction for _, _, r in list(recent)[-SHALLOW_END_BREATHS:]):
            events.append(Event("shallow_end", now, {"start": self._shallow_start}))
            self._shallow_start = None

    def _adapt_baseline(self, depth: float) -> None:
        """Follow breathing slowly; shallow, hold and artefact periods and sighs are left out by the caller.

        A baseline learnt from a cold start is the running mean of its breaths
        until that is as slow as BASELINE_ALPHA; a calibrated one only ever
        moves by BASELINE_ALPHA a breath.
        """
        self._adapted += 1
        alpha = BASELINE_ALPHA if self._calibrated else max(BASELINE_ALPHA, 1.0 / (BASELINE_BREATHS + self._adapted))
        b = self.baseline
        rate = b.rate_bpm
        if self._rate:
            rate = self._rate if not rate else rate + alpha * (self._rate - rate)
        self.baseline = Baseline(b.depth + alpha * (depth - b.depth), rate, b.polarity)

    def _rapid(self, now: float, end: float, events: list[Event]) -> None:
        cfg = self.config
        if self._rate is not None and self._rate > cfg.rapid_bpm:
            if self._above_rapid_since is None:
                self._above_rapid_since = end
            if self._rapid_start is None and now - self._above_rapid_since >= cfg.rapid_seconds:
                self._rapid_start = self._above_rapid_since
                events.append(Event("rapid_start", now, {"start": self._rapid_start}))
        else:
            self._above_rapid_since = None
            if self._rapid_start is not None:
                events.append(Event("rapid_end", now, {"start": self._rapid_start}))
                self._rapid_start = None

    # --- holds ----------------------------------------------------------------

    def _begin_hold(self, start: float, t: float, events: list[Event]) -> None:
        self._hold_start = start
        # The last breath's extreme is where the chest stopped, just before the hold: never a ripple in it.
        held_at = start - 1.0 / self.rate_hz
        delay = self._fast_delay
        turns = self._turns
        if turns and turns[-1].t > held_at:
            last = turns[-1]
            turns[-1] = Turn(last.high, held_at, last.value, last.slope, held_at)
            if self._held_turns and self._held_turns[-1] is last:
                self._held_turns[-1] = turns[-1]
        if self._ext_t - delay > held_at:
            self._ext_t = self._ext_until = held_at + delay
        events.append(Event("hold_start", t, {"start": start}))
        if self._sign is None:
            self._learn_last_half(t, events)  # the half breath into the hold is over: weigh it too
        if self._sign is None:
            self._settle_polarity(t, events)
        if self._rising is not None and self._rising == (self._sign < 0):
            # Held at the end of an exhale: that breath is over now, not when breathing resumes.
            ext = self._ext_value
            self._turn(Turn(self._rising, self._ext_t - delay, ext, self._up if self._rising else -self._down, self._ext_t - delay), t, events)
            self._rising = not self._rising
            self._from_value, self._ext_value, self._ext_t, self._ext_until = ext, self._y, t, t
        # Held at the bottom, the last turn is the trough the chest stopped at: the next breath starts
        # when the hold ends.  Held at the top before its peak was confirmed, the last turn is the trough
        # that began the breath now held, and its start stays where it is.
        last = turns[-1] if turns else None
        at_bottom = last is not None and last.high == (self._sign < 0) and abs(self._ext_value - last.value) < 0.5 * (self._typical or 0.0)
        self._pinned = last if at_bottom else None
        self._set_state(t)

    def _end_hold(self, t: float, events: list[Event]) -> None:
        start = self._hold_start
        end = max(start, t - 0.5 * MOVE_WINDOW_SECONDS - self._slow_delay)
        events.append(Event("hold_end", t, {"start": start, "end": end, "duration": end - start}))
        turns = self._turns
        if turns and turns[-1] is self._pinned:
            turns[-1] = dataclasses.replace(turns[-1], until=end)  # the next breath starts when the hold ends
        self._pinned = None
        self._hold_start = None
        self._last_peak_t = None
        self._set_state(t)

    def _hold_too_long(self, t: float, events: list[Event]) -> None:
        start = self._hold_start
        events.append(Event("hold_end", t, {"start": start, "end": t, "duration": t - start}))
        events.append(Event("signal_lost", t, {"start": t, "reason": "flat"}))
        self._hold_start = None
        self._lost = ("flat-hold", t)
        self._set_state(t)

    def _found(self, t: float, events: list[Event]) -> None:
        events.append(Event("signal_ok", t, {"start": self._lost[1]}))
        self._lost = None
        self._reset_segments(t)
        self._set_state(t)

    # --- artefacts and lost signal ---------------------------------------------

    def _begin_artifact(self, t: float, events: list[Event]) -> None:
        if self._hold_start is not None:
            self._end_hold(t, events)
        self._artifact_start = t
        self._calm_since = t
        events.append(Event("artifact_start", t, {"start": t}))
        self._set_state(t)

    def _artifact(self, t: float, move: float, typical: float, events: list[Event]) -> None:
        if move > ARTIFACT_CALM_SHARE * typical:
            self._calm_since = t
            if t - self._artifact_start >= ARTIFACT_RESCALE_SECONDS:
                self._depths.clear()
                self._typical = None
            else:
                return
        elif t - self._calm_since < ARTIFACT_CALM_SECONDS:
            return
        events.append(Event("artifact_end", t, {"start": self._artifact_start}))
        self._artifact_start = None
        ready = self._ready and self._typical is not None
        self._reset_segments(t)
        self._ready = ready  # the depth is still known; a hold still needs a breath's turn after the artefact
        self._set_state(t)

    def _lose(self, t: float, reason: str, events: list[Event], since: float | None = None) -> None:
        """The signal is unusable from ``since`` (default ``t``): end what was going on, report it once."""
        if self._lost is not None and self._lost[0] not in WATCHED:
            return
        start = t if since is None else since
        if self._hold_start is not None:
            held, self._hold_start = self._hold_start, None  # the hold ends where the signal did
            end = max(held, start)
            events.append(Event("hold_end", t, {"start": held, "end": end, "duration": end - held}))
        if self._artifact_start is not None:
            events.append(Event("artifact_end", t, {"start": self._artifact_start}))
            self._artifact_start = None
        if self._lost is None:
            events.append(Event("signal_lost", t, {"start": start, "reason": reason}))
            self._lost = (reason, start)
        else:
            self._lost = (reason, self._lost[1])  # a too-long hold that now reads stuck: lost since then
        self._set_state(t)

    # --- status -------------------------------------------------------------------

    def _weak(self, small: SmallSwings) -> bool:
        """Are the small swings too small to be breaths (a loose strap)?  Only a baseline can tell: motion may inflate the typical depth."""
        return self.baseline is not None and small.median < WEAK_SHARE * self.baseline.depth

    def _usual(self, typical: float) -> float:
        """The depth motion is measured against: the baseline's, unless recent breaths are deeper."""
        return self.baseline.depth if self.baseline is not None and self.baseline.depth > typical else typical

    def _set_state(self, t: float) -> None:
        if self._lost is not None:
            state = "signal_lost"
        elif self._artifact_start is not None:
            state = "artifact"
        elif self._hold_start is not None:
            state = "hold"
        elif self._rapid_start is not None:
            state = "rapid"
        elif self._shallow_start is not None:
            state = "shallow"
        elif self._breaths:
            state = "breathing"
        else:
            state = "starting"
        depth = self._typical
        rel = depth / self.baseline.depth if depth is not None and self.baseline is not None else None
        self.status = DetectorStatus(state, self._rate, depth, rel, self._breaths, self.polarity)
