"""Files in the state directory are for the daemon's user and group only.

They record someone's breathing.  The directory is made 0750 and every file
0640 (explicitly, whatever the umask), so other local users read nothing;
the service's group may, for `breathcue status` and `calibrate` by its
members.  docs/security.md says who can read what.
"""

from __future__ import annotations

import os
import stat
import tempfile
from pathlib import Path

DIR_MODE = 0o750
FILE_MODE = 0o640


def make_dir(path: Path) -> Path:
    """``path`` and its missing parents, the new directory itself 0750 (less under a stricter umask)."""
    path = Path(path)
    if not path.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.mkdir(mode=DIR_MODE, exist_ok=True)
    return path


def tighten(path: Path) -> None:
    """Take others' access away from a file the daemon owns (one written before this rule, say)."""
    try:
        mode = os.stat(path).st_mode
        if mode & 0o007 and stat.S_ISREG(mode):
            os.chmod(path, stat.S_IMODE(mode) & ~0o007)
    except OSError:
        pass  # not there, or not ours: nothing to do


def create(path: Path) -> None:
    """Create ``path`` empty and 0640 when it is missing, so whatever fills it later keeps that mode."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    except FileExistsError:
        tighten(path)
        return
    os.close(fd)


def write_atomic(path: Path, text: str, mode: int = FILE_MODE) -> None:
    """Replace ``path`` with ``text`` in one rename, 0640 unless told: a reader never sees half a file."""
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        os.fchmod(fd, mode)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
