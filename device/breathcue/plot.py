"""`breathcue analyze --plot`: the signal with the breaths, holds and other periods marked.

matplotlib is an optional extra (``pip install 'breathcue[plot]'``) and is
imported only when a plot is asked for, so the daemon never loads it.
"""

from __future__ import annotations

import math
from pathlib import Path

from .analyze import PERIODS, Analysis

ROW_SECONDS = 300.0  # a row of a long plot: 5 minutes, where single breaths can be told apart
MAX_ROWS = 12  # beyond an hour, rows hold more, so the picture stays a page
COLOURS = {"hold": "tab:red", "shallow": "tab:orange", "rapid": "tab:purple", "artifact": "tab:gray", "signal_lost": "black"}


class PlotUnavailable(Exception):
    """matplotlib is not installed."""


def plot(analysis: Analysis, out: Path, title: str) -> None:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise PlotUnavailable("--plot needs matplotlib: pip install 'breathcue[plot]'") from None
    rate = analysis.rate_hz
    t = [i / rate for i in range(len(analysis.values))]
    total = t[-1] if t else 0.0
    per_row = row_seconds(total)
    rows = max(1, math.ceil(total / per_row)) if total else 1
    fig, axes = plt.subplots(rows, 1, figsize=(16, 1.2 + 2.4 * rows), squeeze=False)
    labelled: set[str] = set()
    for k, ax in enumerate(axes[:, 0]):
        lo, hi = k * per_row, min(total, (k + 1) * per_row)
        i0, i1 = int(lo * rate), min(len(t), int(hi * rate) + 2)
        _draw(ax, analysis, t[i0:i1], analysis.values[i0:i1], lo, hi, total, labelled)
        ax.set_xlim(lo, lo + per_row if rows > 1 else max(hi, lo + 1.0))  # every row to the same scale
    axes[-1, 0].set_xlabel("seconds since the first sample")
    axes[0, 0].set_title(title)
    handles, labels = [], []
    for ax in axes[:, 0]:  # a period seen only in a later row is in the legend too
        h, l = ax.get_legend_handles_labels()
        handles += h
        labels += l
    axes[0, 0].legend(handles, labels, loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def row_seconds(total: float) -> float:
    """Seconds of signal per row: 5 minutes, where single breaths can be told apart, up to 12 rows; longer recordings fit in 12."""
    return max(ROW_SECONDS, math.ceil(total / MAX_ROWS / 60.0) * 60.0)


def _draw(ax, analysis: Analysis, t: list[float], values: list[float], lo: float, hi: float, total: float, labelled: set[str]) -> None:
    """One row: the signal from ``lo`` to ``hi`` seconds, its breaths, and the periods that overlap it."""
    rate = analysis.rate_hz
    ax.plot(t, values, lw=0.8, color="tab:blue", label=None if "signal" in labelled else "signal")
    labelled.add("signal")

    def level(at: float) -> float:
        i = min(len(analysis.values) - 1, max(0, round(at * rate)))
        return analysis.values[i]

    breaths = [e for e in analysis.events if e.name == "breath" and lo <= e.get("peak") < hi]
    for key, mark, colour, size, label in (("peak", "v", "tab:green", 5, "breath peak"), ("onset", "^", "tab:olive", 4, "breath onset")):
        ax.plot([e.get(key) for e in breaths], [level(e.get(key)) for e in breaths], mark, color=colour, ms=size,
                label=None if label in labelled else label)
        labelled.add(label)
    open_since: dict[str, float] = {}
    for e in analysis.events:
        kind, _, edge = e.name.rpartition("_")
        if e.name == "signal_lost":
            kind, edge = "signal_lost", "start"
        elif e.name == "signal_ok":
            kind, edge = "signal_lost", "end"
        if kind not in PERIODS and kind != "signal_lost":
            continue
        if edge == "start":
            open_since[kind] = e.get("start", e.t)
        elif edge == "end" and kind in open_since:
            _span(ax, max(lo, open_since.pop(kind)), min(hi, e.get("end", e.t)), kind, labelled)
    for kind, start in open_since.items():
        _span(ax, max(lo, start), hi if hi < total else total, kind, labelled)


def _span(ax, start: float, end: float, kind: str, labelled: set[str]) -> None:
    if end <= start:
        return  # the period lies outside this row
    label = None if kind in labelled else kind.replace("_", " ")
    labelled.add(kind)
    ax.axvspan(start, end, color=COLOURS[kind], alpha=0.15, label=label)
