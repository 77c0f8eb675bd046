"""Progress on a terminal for work that takes a while: a bar on stderr, or nothing.

Long work (analysing hours of recording, simulating days, recording the
strap in real time) should not run in silence on a terminal, nor litter a
log or a pipe with carriage returns: so a bar is drawn only on a TTY.
"""

from __future__ import annotations

from typing import IO


class ProgressBar:
    """A one-line progress bar redrawn in place; ``share`` from 0 to 1, ``note`` after it."""

    WIDTH = 30

    def __init__(self, out: IO[str], label: str) -> None:
        self.out = out
        self.label = label
        self._shown = -1

    def __call__(self, share: float, note: str = "") -> None:
        share = min(1.0, max(0.0, share))
        percent = int(100 * share)
        if percent == self._shown and share < 1.0:
            return  # nothing new to show: a redraw per percent at most
        self._shown = percent
        filled = int(self.WIDTH * share)
        self.out.write(f"\r{self.label} [{'#' * filled}{'.' * (self.WIDTH - filled)}] {percent:3d}%" + (f"  {note}\x1b[K" if note else ""))
        if share >= 1.0:
            self.out.write("\n")
        self.out.flush()


def bar_for(out: IO[str], label: str) -> ProgressBar | None:
    """A bar on ``out`` when it is a terminal, else None (stay quiet)."""
    return ProgressBar(out, label) if out.isatty() else None
