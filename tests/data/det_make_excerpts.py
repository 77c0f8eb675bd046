"""Cut the detector's excerpts (det_*.csv) from ../shared/data/respiration.

Each is a headerless two-column CSV like the belt recordings breathcue is
checked against: a unix time (from an arbitrary start) and the signal,
resampled to 10 Hz with scipy's polyphase filter.  Run from the repository
root: `.venv/bin/python tests/data/det_make_excerpts.py`.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from tests.validation import recordings  # noqa: E402

HERE = Path(__file__).resolve().parent
EXCERPTS = {  # file: (recording, start s, seconds)
    "det_physio_belt_120s_10hz.csv": ("physio_belt", 30.0, 120.0),
    "det_nk_eventrelated_150s_10hz.csv": ("nk_eventrelated", 0.0, 150.0),
    "det_plux_60s_10hz.csv": ("plux", 0.0, 60.0),
}
RATE = 10.0
UNIX_START = 1_700_000_000.0


def main() -> None:
    for name, (source, start, seconds) in EXCERPTS.items():
        x = recordings.load(source, RATE)
        i = int(start * RATE)
        y = x[i : i + int(seconds * RATE)]
        t = UNIX_START + np.arange(len(y)) / RATE
        np.savetxt(HERE / name, np.c_[t, y], delimiter=",", fmt=["%.1f", "%.6g"])
        print(name, len(y))


if __name__ == "__main__":
    main()
