"""Stage 3 of the detector: which way a breath in moves the strap's signal, from evidence, or not yet.

Three kinds of evidence, each weighed as a z-score (positive: a breath in
pulls the signal up, "normal"):

- *steepness*: an inhale is muscular and quick, an exhale passive, so on a
  stretch cord the rises of a normal strap are steeper for their size than
  its falls (per half breath, log of steepest slope over swing; Welch's t
  of rises against falls).  On a force belt both halves take about a second
  and this says nothing.
- *dwell*: a chest rests at end-expiration, so the signal dwells at the end
  a breath out leads to (per half breath, where it spent its time between
  the two extremes; a one-sample t against the middle).  Some people pause
  after the inhale instead (nk_resting_8min does, every breath), so dwell
  weighs less than steepness, and the less the surer steepness is.
- *a held full chest sags* toward exhalation, by a third of a breath or
  more, while an empty one creeps back by less: a hold at one extreme of
  the breathing that then moves far toward the other says which end was
  full.

The verdict is given once the evidence is clear (|z| >= 3 after at least
MIN_HALVES half breaths, less after many more) and turned over later only if the evidence
then clearly says the opposite; until then the detector abstains.  Holds
never wait for it.
"""

from __future__ import annotations

import math
from collections import deque

MIN_HALVES = 6  # half breaths weighed before any verdict
MEMORY_HALVES = 40  # the evidence of this many recent half breaths is kept
DECIDE_Z = ((24, 1.5), (16, 2.0), (0, 3.0))  # a verdict needs this much combined evidence (less after more halves)...
FINAL_Z = 0.4  # at the end of a recording, this much will do
REVERSE_Z = 4.5  # ...and turning it over this much the other way, over
REVERSE_HALVES = 16  # at least this many half breaths
DWELL_WEIGHT = 0.7  # dwell counts for less than steepness (some people pause full)...
STEEP_SURE = 3.0  # ...and for less still the surer steepness is: at this z, half as much
SAG_SHARE = 0.5  # a hold that moves this share of a depth away from the extreme it began at...
SAG_Z = 1.5  # ...counts this much for the end it left being the full one
PRIOR_HALVES = 2.0  # each spread is taken as if this many more half breaths had shown the usual spread...
SLOPE_SPREAD = 0.15  # ...of log steepness from breath to breath...
DWELL_SPREAD = 0.1  # ...and of dwell: two or three alike half breaths are no certainty


def _variance(values: deque[float], mean: float, spread: float) -> float:
    """The sample variance, drawn toward the usual spread while the sample is small."""
    return (sum((v - mean) ** 2 for v in values) + PRIOR_HALVES * spread * spread) / (len(values) - 1 + PRIOR_HALVES)


def _t_one(values: deque[float], spread: float) -> float:
    n = len(values)
    if n < 3:
        return 0.0
    mean = sum(values) / n
    return mean / math.sqrt(_variance(values, mean, spread) / n)


def _t_two(a: deque[float], b: deque[float], spread: float) -> float:
    if len(a) < 2 or len(b) < 2:
        return 0.0
    ma, mb = sum(a) / len(a), sum(b) / len(b)
    se = math.sqrt(_variance(a, ma, spread) / len(a) + _variance(b, mb, spread) / len(b))
    return (ma - mb) / se


class PolarityVote:
    """Evidence for the strap's polarity, and the verdict once it is clear (``sign``: +1, -1 or None)."""

    def __init__(self, sign: int | None = None, learning: bool = True) -> None:
        self.sign = sign
        self.learning = learning
        self._rises: deque[float] = deque(maxlen=MEMORY_HALVES // 2)
        self._falls: deque[float] = deque(maxlen=MEMORY_HALVES // 2)
        self._dwell: deque[float] = deque(maxlen=MEMORY_HALVES)
        self._halves = 0
        self._holds = 0.0

    def half(self, rising: bool, slope: float, swing: float, dwell: float) -> bool:
        """Weigh one half breath (a rise when ``rising``); True when the verdict changed."""
        if not self.learning or swing <= 0.0:
            return False
        if slope > 0.0:
            (self._rises if rising else self._falls).append(math.log(slope / swing))
        self._dwell.append(0.5 - dwell)  # > 0: it dwelt toward the raw low end, so that is end-expiration
        self._halves += 1
        return self._review()

    def hold(self, at_high: bool, moved: float, depth: float) -> bool:
        """Weigh a hold that began at the raw high (``at_high``) or low end and moved by ``moved`` (raw units)."""
        if not self.learning or depth <= 0.0 or abs(moved) < SAG_SHARE * depth:
            return False
        if at_high == (moved < 0.0):  # it moved away from the end it began at: that end was full
            self._holds += SAG_Z if at_high else -SAG_Z
        return self._review()

    @property
    def z(self) -> float:
        """The combined evidence; positive for "normal"."""
        steep = _t_two(self._rises, self._falls, SLOPE_SPREAD)
        # Dwell settles what steepness cannot (a force belt), and gives way where steepness is sure.
        return steep + DWELL_WEIGHT / (1.0 + (steep / STEEP_SURE) ** 2) * _t_one(self._dwell, DWELL_SPREAD) + self._holds

    def _review(self) -> bool:
        z = self.z
        if self.sign is None:
            need = next(level for halves, level in DECIDE_Z if self._halves >= halves)
            if self._halves >= MIN_HALVES and abs(z) >= need:
                self.sign = 1 if z > 0 else -1
                return True
        elif self._halves >= REVERSE_HALVES and z * self.sign <= -REVERSE_Z:
            self.sign = -self.sign
            return True
        return False

    def last_word(self) -> bool:
        """The recording ended: a verdict on weaker evidence (FINAL_Z) rather than none; True if one was given."""
        if self.sign is None and self.learning and self._halves >= MIN_HALVES and abs(self.z) >= FINAL_Z:
            self.sign = 1 if self.z > 0 else -1
            return True
        return False

    def guess(self) -> bool:
        """No verdict even at the last word, but the breaths are wanted all the same: the way the evidence leans (normal on none)."""
        if self.sign is None and self._halves >= MIN_HALVES:
            self.sign = -1 if self.z < 0 else 1
            return True
        return False

    def settle(self) -> None:
        """Stop learning: the polarity was given from outside (config, calibration, a paced session)."""
        self.learning = False
