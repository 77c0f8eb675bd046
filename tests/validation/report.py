"""The validation figures of docs/detection.md, recomputed: `.venv/bin/python -m tests.validation.report`.

Needs ../shared/data/respiration.  Prints breath counts against NeuroKit2 on
the whole recordings, the realistic holds (real recordings and both belt
types, half of them inverted), the older gentle splices (one minute, two
holds, cold start, a third inverted) at 10 and 25 Hz, and the moving-about
scenarios.
"""

from __future__ import annotations

import sys

import numpy as np

from . import recordings, scenarios
from .run import detect, named, run_detector
from .score import Score, match_peaks, score

SEEDS = 20


def counts() -> None:
    print("| recording | rate | NeuroKit2 breaths | ours (same span) | found within 1 s | extra | holds |")
    print("|---|---|---|---|---|---|---|")
    for name in recordings.SOURCES:
        if name == "respinpeace":
            continue  # GPL: no stored reference (the tests compare it live)
        truth = scenarios.reference(name)["peaks"]
        for rate in (10.0, 25.0):
            events = detect(recordings.load(name, rate), rate)
            peaks = [e.get("peak") for e in named(events, "breath") if truth[0] - 1 <= e.get("peak") <= truth[-1] + 1]
            found = match_peaks(peaks, truth)
            holds = len(named(events, "hold_start"))
            print(f"| {name} | {rate:g} Hz | {len(truth)} | {len(peaks)} | {found} ({100 * found / len(truth):.0f} %) | {len(peaks) - found} | {holds} |")


def spliced() -> None:
    print("\n| rate | scenarios | holds found | start error (5th-95th pct, max abs) | declared after start + hold_seconds (max) | late > 1 s | false holds | breaths inside holds (> 0.5 s in) | held breath's peak 0-0.5 s after the labelled start | breath recall | extra breaths |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    for rate in (10.0, 25.0):
        total = Score()
        n = 0
        for name in scenarios.CLEAN:
            for seed in range(SEEDS):
                rec = scenarios.heldout_like(name, rate, seed, invert=seed % 3 == 2)
                total.add(score(detect(rec.values, rate), rec.peaks, rec.holds, 10.0, 1.0))
                n += 1
        err = np.array(total.start_errors)
        print(
            f"| {rate:g} Hz | {n} | {total.holds_found}/{total.holds} | {np.percentile(err, 5):+.1f} to {np.percentile(err, 95):+.1f} s, {np.abs(err).max():.1f} s "
            f"| {max(total.declare_delays):+.1f} s | {total.late_holds} | {total.false_holds} | {total.breaths_in_holds} | {total.breaths_at_edge} "
            f"| {100 * total.recall:.1f} % | {100 * total.extra:.1f} % |"
        )


def realistic() -> None:
    """The realistic holds (hw/held_chest.py): real recordings (12 seeds each), both belt types (30 seeds each) and minutes of them (60 each)."""
    print("\n| rate | family | holds | found (start within 3 s) | start error (5th-95th pct) | declared after start + hold_seconds (max) | false holds | signal_lost | breath recall | extra breaths | polarity right |")
    print("|---|---|---|---|---|---|---|---|---|---|---|")
    families = {
        "real recordings": [(lambda r, s, i, n=n: scenarios.realistic(n, r, s, i), 12) for n in scenarios.CLEAN if recordings.SOURCES[n].licence != "GPL-3.0"],
        "stretch cord": [(lambda r, s, i: scenarios.belt("cord", r, s, i), 30)],
        "force belt": [(lambda r, s, i: scenarios.belt("force", r, s, i), 30)],
        "stretch cord, one minute": [(lambda r, s, i: scenarios.belt_minute("cord", r, s, i), 60)],
        "force belt, one minute": [(lambda r, s, i: scenarios.belt_minute("force", r, s, i), 60)],
    }
    for rate in (10.0, 25.0):
        for family, makers in families.items():
            total, right, count, lost = Score(), 0, 0, 0
            for make, seeds in makers:
                for seed in range(seeds):
                    invert = seed % 2 == 1
                    rec = make(rate, seed, invert)
                    events, det = run_detector(rec.values, rate)
                    total.add(score(events, rec.peaks, rec.holds, 10.0, 2.0))
                    lost += len(named(events, "signal_lost"))
                    right += det.polarity == ("inverted" if invert else "normal")
                    count += 1
            err = np.array(total.start_errors)
            print(
                f"| {rate:g} Hz | {family} | {total.holds} | {total.holds_found} | {np.percentile(err, 5):+.1f} to {np.percentile(err, 95):+.1f} s "
                f"| {max(total.declare_delays):+.1f} s | {total.false_holds} | {lost} | {100 * total.recall:.1f} % | {100 * total.extra:.1f} % | {right}/{count} |"
            )


def moving() -> None:
    runs = false = 0
    for rate in (10.0, 25.0):
        for name in scenarios.CLEAN:
            for seed in range(SEEDS):
                events = detect(scenarios.moving_around(name, rate, seed), rate)
                runs += 1
                false += bool(named(events, "hold_start"))
    print(f"\nmoving about: {runs} one-minute scenarios, {false} with a (false) hold")


if __name__ == "__main__":
    if not recordings.SHARED.exists():
        sys.exit(f"{recordings.SHARED} is absent")
    counts()
    realistic()
    spliced()
    moving()
