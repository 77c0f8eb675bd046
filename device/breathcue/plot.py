"""`breathcue analyze --plot`: the signal with the breaths, holds and other periods marked.

matplotlib is an optional extra (``pip install 'breathcue[plot]'``) and is
imported only when a plot is asked for, so the daemon never loads it.
"""

from __future__ import annotations

from pathlib import Path

from .analyze import PERIODS, Analysis

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
    width = min(60.0, max(8.0, len(t) / rate / 10))
    fig, ax = plt.subplots(figsize=(width, 4))
    ax.plot(t, analysis.values, lw=0.8, color="tab:blue", label="signal")

    def level(at: float) -> float:
        i = min(len(analysis.values) - 1, max(0, round(at * rate)))
        return analysis.values[i]

    breaths = [e for e in analysis.events if e.name == "breath"]
    ax.plot([e.get("peak") for e in breaths], [level(e.get("peak")) for e in breaths], "v", color="tab:green", ms=5, label="breath peak")
    ax.plot([e.get("onset") for e in breaths], [level(e.get("onset")) for e in breaths], "^", color="tab:olive", ms=4, label="breath onset")
    open_since: dict[str, float] = {}
    labelled: set[str] = set()
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
            _span(ax, open_since.pop(kind), e.get("end", e.t), kind, labelled)
    for kind, start in open_since.items():
        _span(ax, start, t[-1] if t else start, kind, labelled)
    ax.set_xlabel("seconds since the first sample")
    ax.set_title(title)
    ax.legend(loc="upper right", fontsize=8)
    fig.tight_layout()
    fig.savefig(out, dpi=100)
    plt.close(fig)


def _span(ax, start: float, end: float, kind: str, labelled: set[str]) -> None:
    label = None if kind in labelled else kind.replace("_", " ")
    labelled.add(kind)
    ax.axvspan(start, end, color=COLOURS[kind], alpha=0.15, label=label)
