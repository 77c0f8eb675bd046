"""The strap's polarity from how the chest follows the pacer's guide.

A person asked to "breathe in as it brightens" fills their lungs a little
after the guide does (people lag the light by 0-2 s).  So while they follow
it, the strap signal is the guide's lung-volume curve, delayed, scaled by
the strap's sensitivity and *signed by its polarity*, plus drift, cardiac
ripple and noise.  Correlating the signal with the guide over a range of
lags gives that sign directly, from evidence the breath's shape cannot
fake: a force belt whose inhale and exhale are equally steep, or a stretch
cord, both correlate the same way.

``GuidedPolarity`` is streaming with explicit state: both series are
averaged into 0.2 s blocks and high-passed identically (so the filter's
phase shift cancels), and running sums per lag give Pearson's r at every
lag from -3 s to +6 s in O(lags) per block.  ``verdict()`` decides, or
abstains with a reason: too few guide cycles seen, a swing too small to be
a snug strap, correlation weak at every lag (not following), the best lag
outside what people do, or two plausible lags that disagree.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

BLOCK_SECONDS = 0.2  # samples are averaged into blocks this long: the lag grid's step, and no cardiac aliasing
HIGHPASS_SECONDS = 8.0  # time constant of the drift-removing high-pass (a 10 s breath is shifted < 0.2 s)
SETTLE_SECONDS = 6.0  # blocks before this are not correlated: the high-pass is still settling
MIN_LAG_SECONDS = -3.0  # the lags searched: wide enough that a best lag outside...
MAX_LAG_SECONDS = 6.0
PLAUSIBLE_LAG = (-1.6, 2.4)
"""...what people do: 0-2 s behind the light, and a breath briefer than the guide's (a force belt's
brisk exhale and pause at the bottom) matches it best up to 1.5 s earlier still."""
MIN_CYCLES = 3  # guide cycles seen before deciding
MIN_CORRELATION = 0.6  # |r| at the best plausible lag needed to decide
GUIDE_CROSSING = 0.5  # a guide cycle is counted each time the guide rises through half a breath

REASONS = {
    "too_few_cycles": "too few guided breaths were seen",
    "too_small": "the strap barely moved: it may be loose",
    "not_following": "the breathing did not follow the light",
    "implausible_lag": "the breathing followed the light too far out of step to tell in from out",
    "ambiguous": "the breathing matched the light both ways round (a guide too quick to tell)",
}
"""Why a verdict abstains, in words for people."""


@dataclass(frozen=True, slots=True)
class Verdict:
    """What the guide says about the polarity: ``polarity`` None means it abstains, ``reason`` says why.

    ``correlation`` is Pearson's r at ``lag_seconds`` (the best plausible
    lag; negative when a breath in pulls the signal down), ``confidence``
    its size, ``swing`` the typical peak-to-peak change of the part of the
    signal that follows the guide (|r| times 2√2 standard deviations, as
    for a sine), in the signal's units.
    """

    polarity: str | None
    reason: str | None
    correlation: float
    lag_seconds: float | None
    confidence: float
    swing: float
    cycles: int

    @property
    def why(self) -> str:
        return "" if self.reason is None else REASONS[self.reason]

    def to_json_dict(self) -> dict[str, object]:
        return {
            "polarity": self.polarity,
            "reason": self.reason,
            "correlation": round(self.correlation, 3),
            "lag": None if self.lag_seconds is None else round(self.lag_seconds, 2),
            "confidence": round(self.confidence, 3),
            "swing": round(self.swing, 4),
            "cycles": self.cycles,
        }


class _Sums:
    """Running sums of one lag's pairs (the signal's own are shared by every lag): enough for Pearson's r."""

    __slots__ = ("g", "gg", "xg")

    def __init__(self) -> None:
        self.g = self.gg = self.xg = 0.0


class GuidedPolarity:
    """Correlate the strap signal with the guide, sample by sample; ``verdict()`` at any time.

    ``min_swing`` is the smallest change over a guided breath that a snug
    strap gives, in the signal's units (volts at the ADC on the device);
    ``min_cycles`` the guide cycles to see before deciding.
    """

    def __init__(self, rate_hz: float, min_swing: float = 0.0, min_cycles: int = MIN_CYCLES) -> None:
        if not rate_hz > 0:
            raise ValueError(f"rate {rate_hz!r} Hz: expected more than 0")
        self.min_swing = min_swing
        self.min_cycles = min_cycles
        self._per_block = max(1, round(BLOCK_SECONDS * rate_hz))
        self._block_seconds = self._per_block / rate_hz
        self._lead = round(-MIN_LAG_SECONDS / self._block_seconds)  # the signal is delayed this many blocks
        self._lags = range(-self._lead, round(MAX_LAG_SECONDS / self._block_seconds) + 1)
        self._alpha = self._block_seconds / (HIGHPASS_SECONDS + self._block_seconds)
        self._settle_blocks = round(SETTLE_SECONDS / self._block_seconds)
        # the block being filled
        self._acc_x = self._acc_g = 0.0
        self._acc_n = self._pending = 0
        self._last_x = 0.0
        # the high-passes (slow means, started at the first block)
        self._mean_x: float | None = None
        self._mean_g = 0.0
        self._blocks = 0
        # recent filtered blocks: the signal delayed by the widest lead, the guide back by the widest lag
        self._xs: deque[float] = deque(maxlen=self._lead + 1)
        self._gs: deque[float] = deque(maxlen=self._lead + self._lags.stop)
        # the running sums
        self._n = 0
        self._sx = self._sxx = 0.0
        self._sums = [_Sums() for _ in self._lags]
        # guide cycles
        self._above = True  # no crossing counted until the guide has been below the line
        self._cycles = 0

    @property
    def cycles(self) -> int:
        """Guide cycles (rises through half a breath) seen after the filters settled."""
        return self._cycles

    def update(self, value: float | None, guide: float) -> None:
        """One sample: the strap's ``value`` (None when it could not be read) and the guide's volume (0-1) then.

        A missing sample leaves its block shorter; a block with no sample at
        all repeats the last value, so the two series stay aligned.
        """
        if value is not None and value == value:
            self._acc_x += value
            self._acc_n += 1
        self._acc_g += guide
        self._count_cycle(guide)
        self._pending += 1
        if self._pending < self._per_block:
            return
        g = self._acc_g / self._pending
        if self._acc_n:
            x = self._acc_x / self._acc_n
        elif self._mean_x is not None:
            x = self._last_x
        else:  # nothing read yet
            self._acc_g, self._pending = 0.0, 0
            return
        self._acc_x = self._acc_g = 0.0
        self._acc_n = self._pending = 0
        self._last_x = x
        self._block(x, g)

    def _count_cycle(self, guide: float) -> None:
        if guide < GUIDE_CROSSING:
            self._above = False
        elif not self._above:
            self._above = True
            if self._blocks >= self._settle_blocks:
                self._cycles += 1

    def _block(self, x: float, g: float) -> None:
        if self._mean_x is None:
            self._mean_x, self._mean_g = x, g
        self._mean_x += self._alpha * (x - self._mean_x)
        self._mean_g += self._alpha * (g - self._mean_g)
        self._blocks += 1
        self._xs.append(x - self._mean_x)
        self._gs.append(g - self._mean_g)
        if self._blocks < self._settle_blocks or len(self._gs) < self._gs.maxlen:  # type: ignore[operator]
            return
        # The pair at lag L is (signal delayed by lead, guide delayed by lead + L): the newest
        # guide block is gs[-1], so the one lead + L back is gs[-1 - lead - L].
        xd = self._xs[0]
        gs = self._gs
        last = len(gs) - 1 - self._lead
        self._n += 1
        self._sx += xd
        self._sxx += xd * xd
        for lag, s in zip(self._lags, self._sums):
            gl = gs[last - lag]
            s.g += gl
            s.gg += gl * gl
            s.xg += xd * gl

    def correlations(self) -> list[tuple[float, float]]:
        """(lag in seconds, Pearson's r) at every lag searched."""
        n = self._n
        out = []
        vx = n * self._sxx - self._sx * self._sx
        for lag, s in zip(self._lags, self._sums):
            vg = n * s.gg - s.g * s.g
            cov = n * s.xg - self._sx * s.g
            r = cov / math.sqrt(vx * vg) if vx > 0 and vg > 0 else 0.0
            out.append((lag * self._block_seconds, r))
        return out

    @property
    def swing(self) -> float:
        """The whole signal's typical peak-to-peak change over the correlated stretch (2√2 standard deviations)."""
        n = self._n
        if n < 2:
            return 0.0
        var = max(0.0, self._sxx / n - (self._sx / n) ** 2)
        return 2.0 * math.sqrt(2.0 * var)

    def verdict(self) -> Verdict:
        """The polarity the guide shows, or an abstention with its reason.

        Pearson's r alone cannot tell in from out: half a breath later the
        same waveform matches the guide inverted, often as well.  What
        decides is *when*: the extreme of r inside the lags people show is
        the true one, and its sign is the polarity.
        """
        rows = self.correlations()
        lo, hi = PLAUSIBLE_LAG
        window = [row for row in rows if lo <= row[0] <= hi]
        at = max(range(len(window)), key=lambda i: abs(window[i][1]))
        lag, r = window[at]
        rs = [row[1] for row in window]
        other = max(  # the opposite sign's strongest turn inside the window
            (abs(b) for a, b, c in zip(rs, rs[1:], rs[2:]) if b * r < 0 and abs(b) >= abs(a) and abs(b) >= abs(c)), default=0.0
        )
        size = self.swing
        swing = abs(r) * size  # the part of the signal's swing that follows the guide

        def abstain(reason: str) -> Verdict:
            return Verdict(None, reason, r, lag, abs(r), swing, self._cycles)

        if self._cycles < self.min_cycles or self._n == 0:
            return abstain("too_few_cycles")
        if size < self.min_swing:
            return abstain("too_small")
        if abs(r) < MIN_CORRELATION:
            return abstain("not_following")
        if swing < self.min_swing:
            return abstain("too_small")
        if at in (0, len(window) - 1):  # still rising at the window's edge: the peak lies outside it
            return abstain("implausible_lag")
        if other >= MIN_CORRELATION:
            return abstain("ambiguous")
        return Verdict("normal" if r > 0 else "inverted", None, r, lag, abs(r), swing, self._cycles)
