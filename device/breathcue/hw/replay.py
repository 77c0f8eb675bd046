"""Recorded strap signals as a sensor: file readers, resampling, and ReplaySensor.

``load_recording`` reads the formats respiration data comes in (CSV with or
without a header, whitespace text with ``#`` headers such as OpenSignals and
BioSPPy files, WAV, NPY, and breathcue's own recording format) into one
``Recording``.  ``resample`` brings it to the detector's rate with an
anti-aliasing windowed-sinc filter, and ``ReplaySensor`` serves it through
the Sensor protocol.  Everything here is the standard library only: the
daemon and ``analyze`` must not need numpy on a Pi Zero.
"""

from __future__ import annotations

import ast
import bisect
import csv
import json
import io
import math
import operator
import os
import re
import statistics
import struct
import sys
import wave
from array import array
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Mapping, Sequence

from ..core.types import Sample

FORMAT_MAGIC = "# breathcue recording"
FORMAT_VERSION = 1
MISSING = "missing"
"""The fault of a sample a file has no value for (an empty cell, NaN, a gap in its time column)."""

NPY_MAGIC = b"\x93NUMPY"
WAV_MAGIC = b"RIFF"

MAX_FILE_BYTES = 16 * 1024 * 1024
"""A recording file larger than this is refused unread (16 MiB: a day at 25 Hz as CSV is about 10 MB)."""
MAX_SAMPLES = 1_000_000
"""Most samples a recording may hold or claim (11 h at 25 Hz, 16 min at 1 kHz); a file's header is not trusted past it."""
MAX_SECONDS = 12 * 3600.0
"""Longest recording: replayed at the daemon's rate it is held in memory whole."""
MIN_RATE_HZ, MAX_RATE_HZ = 1.0, 2000.0
"""Sampling rates a recording may have: breathing needs more than one sample a second, and past 2 kHz the
resampling filter (its length grows with the rate) costs more memory than a Pi Zero should give it."""
MAX_NPY_HEADER = 65536

_RATE_LINE = re.compile(
    r"^\s*(?:sampling[ _]?rate|sample[ _]?rate|rate[ _]?hz|rate|fs)\s*(?:\(hz\))?\s*[:=]+\s*([0-9.eE+-]+)",
    re.IGNORECASE,
)
_KEY_LINE = re.compile(r"^\s*([A-Za-z_ ]+?)\s*[:=]+\s*(.*?)\s*$")
_TIME_NAMES = {"t": 1.0, "time": 1.0, "times": 1.0, "timestamp": 1.0, "seconds": 1.0, "sec": 1.0, "secs": 1.0,
               "s": 1.0, "time_s": 1.0, "t_s": 1.0, "elapsed": 1.0, "unix": 1.0, "unix_time": 1.0, "epoch": 1.0,
               "time_ms": 1e-3, "t_ms": 1e-3, "ms": 1e-3, "millis": 1e-3, "timestamp_ms": 1e-3}
_NOT_SIGNAL = {"nseq", "di", "fault", "index", "sample", "seq", "n"}
_SIGNAL_HINT = re.compile(r"resp|rsp|breath|strap|belt|volts?$|value", re.IGNORECASE)
_UNITS_OF_COLUMN = {"volts": "V", "volt": "V", "v": "V", "millivolts": "mV", "mv": "mV"}


class RecordingError(Exception):
    """A recording that cannot be read; the message names the file and the problem."""

    def __init__(self, path: str | Path, problem: str) -> None:
        self.path = str(path)
        self.problem = problem
        super().__init__(f"{path}: {problem}")


@dataclass(frozen=True)
class Recording:
    """One signal channel at a regular rate.

    ``values`` are in the file's units (``units`` when it says); a NaN marks
    a sample with no value, and ``faults`` maps its index to why
    (``i2c_error``, ``saturated`` in breathcue's own recordings, else
    ``missing``).
    """

    values: list[float]
    rate_hz: float
    source: str
    units: str | None = None
    faults: Mapping[int, str] = field(default_factory=dict)

    @property
    def seconds(self) -> float:
        return len(self.values) / self.rate_hz


# --- loading ------------------------------------------------------------------


def load_recording(path: str | Path, *, rate: float | None = None, column: int | str | None = None) -> Recording:
    """Read one channel of a recording file.

    ``column`` is a header name or a 1-based index (as ``cut`` counts; also
    for a WAV's channel or an NPY's second axis); without it the one signal
    column is taken, or the one whose name says respiration.  ``rate``
    overrides whatever the file says; without it the rate comes from the
    file's header or its time column, and a file with neither is an error.
    """
    path = Path(path)
    if rate is not None and not (MIN_RATE_HZ <= rate <= MAX_RATE_HZ):
        raise RecordingError(path, f"rate {rate!r}: expected {MIN_RATE_HZ:g} to {MAX_RATE_HZ:g} samples a second")
    raw = _read_bounded(path)
    if raw.startswith(WAV_MAGIC):
        return _load_wav(path, raw, rate, column)
    if raw.startswith(NPY_MAGIC):
        return _load_npy(path, raw, rate, column)
    return _load_text(path, raw, rate, column)


def _read_bounded(path: Path) -> bytes:
    """The file's bytes, refused unread past MAX_FILE_BYTES (and a device such as /dev/zero stops there)."""
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_FILE_BYTES:
                raise RecordingError(path, f"{size} bytes: larger than a recording can be ({MAX_FILE_BYTES // 2**20} MiB); cut it")
            raw = f.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise RecordingError(path, "no such file") from None
    except IsADirectoryError:
        raise RecordingError(path, "is a directory, not a recording") from None
    except OSError as exc:
        raise RecordingError(path, f"cannot read: {exc.strerror or exc}") from None
    except ValueError:  # a NUL in the path
        raise RecordingError(repr(str(path))[1:-1], "cannot read: a path cannot hold a NUL character") from None
    if len(raw) > MAX_FILE_BYTES:
        raise RecordingError(path, f"longer than a recording can be ({MAX_FILE_BYTES // 2**20} MiB); cut it")
    return raw


def _short(value: object, limit: int = 40) -> str:
    """A value for a one-line message."""
    return _clip(repr(value), limit)


def _clip(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _column_index(path: Path, column: int | str | None, names: Sequence[str] | None, count: int, what: str) -> int | None:
    """The 0-based index ``column`` picks among ``count`` columns, or None when it is not given."""
    if column is None:
        return None
    if isinstance(column, str) and names is not None:
        for i, name in enumerate(names):
            if name == column:
                return i
        folded = [i for i, name in enumerate(names) if name.strip().lower() == column.strip().lower()]
        if len(folded) == 1:
            return folded[0]
    if isinstance(column, str):
        if not (column.strip().isascii() and column.strip().isdigit()):
            known = f"; the {what}s are {_clip(', '.join(names), 200)}" if names else f"; it has no header, so give a 1-based {what} number"
            raise RecordingError(path, f"no {what} named {_short(column)}{known}")
        column = int(column)
    if isinstance(column, bool) or not 1 <= column <= count:
        listing = f" ({_clip(', '.join(names), 200)})" if names else ""
        raise RecordingError(path, f"{what} {column}: expected 1 to {count}, counting from 1{listing}")
    return column - 1


def _load_wav(path: Path, raw: bytes, rate: float | None, column: int | str | None) -> Recording:
    try:
        with wave.open(io.BytesIO(raw), "rb") as w:
            channels, width, file_rate, frames = w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()
            if channels < 1 or width < 1:
                raise wave.Error(f"{channels} channels of {width}-byte samples")
            data = w.readframes(min(frames, MAX_SAMPLES + 1))
    except (wave.Error, EOFError, RuntimeError, ValueError, struct.error, OverflowError) as exc:  # RuntimeError: a bad chunk size
        raise RecordingError(path, f"not a readable PCM WAV file: {' '.join(str(exc).split()) or type(exc).__name__}") from None
    data = data[: len(data) - len(data) % (width * channels)]  # a last frame cut short is dropped
    if len(data) // (width * channels) > MAX_SAMPLES:
        raise RecordingError(path, f"more than {MAX_SAMPLES:,} samples; cut it")
    index = _column_index(path, column, None, channels, "channel")
    if index is None:
        if channels != 1:
            raise RecordingError(path, f"{channels} channels; choose one with --column 1 to {channels}")
        index = 0
    if width == 1:
        ints = array("B", data)
        samples = [v - 128 for v in ints]  # 8-bit WAV is unsigned around 128
    elif width in (2, 4):
        ints = array("h" if width == 2 else "i", data)
        if ints.itemsize != width:
            raise RecordingError(path, f"{8 * width}-bit samples are not supported on this machine")
        if sys.byteorder == "big":
            ints.byteswap()
        samples = ints.tolist()
    elif width == 3:
        samples = [int.from_bytes(data[i : i + 3], "little", signed=True) for i in range(0, len(data), 3)]
    else:
        raise RecordingError(path, f"{8 * width}-bit samples are not supported")
    values = [float(v) for v in samples[index::channels]]
    source = f"{path.name}" + (f" channel {index + 1}" if channels > 1 else "")
    return _finish(path, values, rate if rate is not None else float(file_rate), source, None, {})


_NPY_TYPES = {"f8": "d", "f4": "f", "i1": "b", "u1": "B", "b1": "B", "i2": "h", "u2": "H", "i4": "i", "u4": "I", "i8": "q", "u8": "Q"}


def _load_npy(path: Path, raw: bytes, rate: float | None, column: int | str | None) -> Recording:
    """An .npy file, read by its documented header (numpy's format.rst) with no numpy."""
    if len(raw) < 10:
        raise RecordingError(path, "the NPY file is cut short in its header")
    major = raw[6]
    if major == 1:
        header_len, start = int.from_bytes(raw[8:10], "little"), 10
    elif major in (2, 3):
        header_len, start = int.from_bytes(raw[8:12], "little"), 12
    else:
        raise RecordingError(path, f"NPY format version {major} is not supported (1 to 3 are)")
    if header_len > MAX_NPY_HEADER or start + header_len > len(raw):
        raise RecordingError(path, f"the NPY header claims {header_len} bytes: more than the file or a header holds")
    try:
        header = ast.literal_eval(raw[start : start + header_len].decode("utf-8" if major == 3 else "latin-1"))
        descr, fortran, shape = header["descr"], header["fortran_order"], tuple(header["shape"])
    except (ValueError, SyntaxError, KeyError, TypeError, RecursionError, MemoryError):
        raise RecordingError(path, "the NPY header cannot be read") from None
    if not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape):
        raise RecordingError(path, f"NPY shape {_short(shape)}: expected sizes that are whole numbers, 0 or more")
    if not isinstance(descr, str) or descr[1:] not in _NPY_TYPES:
        raise RecordingError(path, f"NPY dtype {_short(descr)} is not supported: expected plain numbers (float, int, uint, bool)")
    code = _NPY_TYPES[descr[1:]]
    data = array(code)
    if data.itemsize != int(descr[2:]):
        code = {"i": "l", "I": "L"}.get(code, code)
        data = array(code)
    body = raw[start + header_len :]
    count = math.prod(shape)
    if count > MAX_SAMPLES * max(1, shape[1] if len(shape) == 2 else 1):
        raise RecordingError(path, f"NPY shape {_short(shape)}: more than {MAX_SAMPLES:,} samples; cut it")
    if len(body) < count * data.itemsize:
        raise RecordingError(path, f"the NPY data is cut short: {len(body)} bytes for shape {shape}")
    data.frombytes(body[: count * data.itemsize])
    if (descr[0] == "<" and sys.byteorder == "big") or (descr[0] == ">" and sys.byteorder == "little"):
        data.byteswap()
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1 and column is None):
        if column not in (None, 1, "1"):
            _column_index(path, column, None, 1, "column")
        values = [float(v) for v in data]
        source = path.name
    elif len(shape) == 2:
        rows, cols = shape
        index = _column_index(path, column, None, cols, "column")
        if index is None:
            raise RecordingError(path, f"a {rows} x {cols} array; choose a column with --column 1 to {cols}")
        picked = data[index * rows : (index + 1) * rows] if fortran else data[index::cols]
        values = [float(v) for v in picked]
        source = f"{path.name} column {index + 1}"
    else:
        raise RecordingError(path, f"NPY shape {shape}: expected one signal (N,) or columns (N, K)")
    return _finish(path, values, rate, source, None, {})


@dataclass
class _TextHeader:
    rate: float | None = None
    names: list[str] | None = None
    signals: list[str] | None = None  # the names the header calls signals (OpenSignals labels)
    units: str | None = None
    source: str | None = None
    own: bool = False


def _parse_comments(lines: list[str]) -> _TextHeader:
    """What ``#`` header lines say: breathcue's own keys, OpenSignals' JSON, BioSPPy's ``Key:= value``."""
    header = _TextHeader(own=bool(lines) and lines[0].strip().lower().startswith(FORMAT_MAGIC))
    for line in lines:
        text = line.lstrip("#").strip()
        if text.startswith("{"):
            try:
                doc = json.loads(text)
            except (json.JSONDecodeError, RecursionError):
                continue
            device = next((v for v in doc.values() if isinstance(v, dict)), None) if isinstance(doc, dict) else None
            if device is not None:
                if isinstance(device.get("sampling rate"), (int, float)):
                    header.rate = float(device["sampling rate"])
                if isinstance(device.get("column"), list):
                    header.names = [str(c) for c in device["column"]]
                if isinstance(device.get("label"), list):
                    header.signals = [str(c) for c in device["label"]]
            continue
        m = _RATE_LINE.match(text)
        if m:
            try:
                header.rate = float(m.group(1))
            except ValueError:
                pass
            continue
        m = _KEY_LINE.match(text)
        if m:
            key, value = m.group(1).strip().lower(), m.group(2)
            if key in ("labels", "label", "columns"):
                header.names = [v for v in re.split(r"[\t,;]+|\s+", value) if v]
            elif key in ("units", "unit"):
                header.units = value or None
            elif key == "source":
                header.source = value or None
    return header


def _number(cell: str) -> float | None:
    try:
        return float(cell)
    except ValueError:
        return None


def _load_text(path: Path, raw: bytes, rate: float | None, column: int | str | None) -> Recording:
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise RecordingError(path, "not a text file, a WAV or an NPY file") from None
    try:
        return _parse_text(path, text, rate, column)
    except csv.Error as exc:  # a field past csv's limit of 131,072 characters, a NUL byte
        raise RecordingError(path, f"not a readable CSV file: {' '.join(str(exc).split())}") from None


def _parse_text(path: Path, text: str, rate: float | None, column: int | str | None) -> Recording:
    comments: list[str] = []
    lines: list[str] = []
    numbers: list[int] = []  # the file line of each data line, for error messages
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("#"):
            if not lines:
                comments.append(stripped)
        elif stripped:
            lines.append(stripped)
            numbers.append(number)
    header = _parse_comments(comments)
    if not lines:
        raise RecordingError(path, "no data rows")
    delimiter = next((d for d in (",", ";", "\t") if d in lines[0]), None)
    rows = list(csv.reader(lines, delimiter=delimiter)) if delimiter else [line.split() for line in lines]
    names = header.names if header.names and len(header.names) == len(rows[0]) else None
    if any(_number(cell) is None for cell in rows[0]):
        names = [cell.strip() for cell in rows[0]]
        rows, numbers = rows[1:], numbers[1:]
        if not rows:
            raise RecordingError(path, "a header row but no data rows")
    width = len(names) if names else len(rows[0])
    unix = _unix_time_column(rows) if names is None and width == 2 else None
    index = _column_index(path, column, names, width, "column")
    if index is None:
        index = 1 - unix if unix is not None else _default_column(path, names, width, header)
    time_index, time_scale = (unix, 1.0) if unix is not None and unix != index else _time_column(names, index)
    fault_index = names.index("fault") if names and "fault" in names else None

    values: list[float] = []
    times: list[float] = []
    faults: dict[int, str] = {}
    for number, row in zip(numbers, rows):
        if index >= len(row):
            raise RecordingError(path, f"line {number} has {len(row)} columns; column {index + 1} is missing")
        cell = row[index].strip()
        value = _number(cell) if cell else math.nan
        if value is None:
            raise RecordingError(path, f"line {number}, column {index + 1}: {_short(cell)} is not a number")
        if not math.isfinite(value):  # nan, or inf: no reading either way
            value = math.nan
            reason = row[fault_index].strip() if fault_index is not None and fault_index < len(row) else ""
            faults[len(values)] = reason or MISSING
        values.append(value)
        if time_index is not None:
            t = _number(row[time_index]) if time_index < len(row) else None
            if t is None or not math.isfinite(t):
                raise RecordingError(path, f"line {number}: the time in column {time_index + 1} is not a number")
            times.append(t * time_scale)

    units = header.units or (_UNITS_OF_COLUMN.get(names[index].strip().lower()) if names else None)
    label = f" column {index + 1}" + (f" ({names[index]})" if names else "")
    source = f"{header.source} ({path.name})" if header.source else f"{path.name}{label}"
    file_rate = header.rate
    if rate is None and file_rate is None and times:
        values, file_rate, faults = _regular(path, times, values, faults)
    return _finish(path, values, rate if rate is not None else file_rate, source, units, faults)


def _default_column(path: Path, names: list[str] | None, width: int, header: _TextHeader) -> int:
    """The column to read when none is given: the only signal, or the one named as respiration."""
    if width == 1:
        return 0
    if names is None:
        raise RecordingError(path, f"{width} columns and no header; choose one with --column 1 to {width}")
    if header.signals:
        wanted = [i for i, n in enumerate(names) if n in header.signals]
        if len(wanted) == 1:
            return wanted[0]
    signals = [i for i, n in enumerate(names) if n.strip().lower() not in _TIME_NAMES and n.strip().lower() not in _NOT_SIGNAL]
    if len(signals) == 1:
        return signals[0]
    hinted = [i for i in signals if _SIGNAL_HINT.search(names[i])]
    if len(hinted) == 1:
        return hinted[0]
    raise RecordingError(path, f"several columns ({', '.join(names)}); choose one with --column NAME or a 1-based number")


UNIX_EPOCH_MIN = 1e9  # 2001-09-09 in seconds since 1970: a smaller first column is not a Unix time


def _unix_time_column(rows: list[list[str]]) -> int | None:
    """In a headerless two-column file, the column that is Unix time in seconds (a logger's usual first column).

    It must look like one all the way: at least 2001, rising on every row by
    steps under a minute.  Anything else is left to --column.
    """
    for i in (0, 1):
        try:
            times = [float(row[i]) for row in rows[:1000]]
        except (ValueError, IndexError):
            continue
        if len(times) >= 2 and times[0] >= UNIX_EPOCH_MIN and all(0 < b - a < 60 for a, b in zip(times, times[1:])):
            return i
    return None


def _time_column(names: list[str] | None, signal: int) -> tuple[int | None, float]:
    """The index of a column named as time (and its scale to seconds), if there is one."""
    for i, name in enumerate(names or ()):
        key = name.strip().lower().replace(" ", "_").replace("(s)", "_s").replace("(ms)", "_ms").strip("_")
        if i != signal and key in _TIME_NAMES:
            return i, _TIME_NAMES[key]
    return None, 1.0


def _regular(path: Path, times: list[float], values: list[float], faults: dict[int, str]) -> tuple[list[float], float, dict[int, str]]:
    """Values on a regular grid at the time column's typical rate.

    Evenly timed rows are taken as they are.  Jittered rows are linearly
    interpolated onto the grid; where the time column has a gap of more than
    two sample periods the samples are missing, not a straight line that
    would look like a held breath.
    """
    if len(times) < 2:
        raise RecordingError(path, "one row is too few to tell the rate from the time column; give --rate")
    steps = [b - a for a, b in zip(times, times[1:])]
    for row, step in enumerate(steps, start=2):
        if not step > 0:
            raise RecordingError(path, f"the time column does not increase at data row {row} ({times[row - 2]:g} then {times[row - 1]:g})")
    typical = statistics.median(steps)
    regular = [s for s in steps if s <= 2 * typical]  # the rest are gaps
    dt = math.fsum(regular) / len(regular)
    span = times[-1] - times[0]
    if max(abs(s - dt) for s in steps) <= 0.01 * dt:
        return values, (len(times) - 1) / span, faults
    if span / dt > MAX_SAMPLES:
        raise RecordingError(path, f"the time column spans {span:.6g} s at {1 / dt:.6g} Hz: more than {MAX_SAMPLES:,} samples")
    count = int(span / dt + 1e-6) + 1
    near = 1e-6 * dt
    grid: list[float] = []
    grid_faults: dict[int, str] = {}
    j = 0
    for k in range(count):
        t = times[0] + k * dt
        while j + 2 < len(times) and times[j + 1] <= t + near:
            j += 1
        t0, t1 = times[j], times[j + 1]
        if abs(t - t0) <= near or abs(t - t1) <= near:
            j_at = j if abs(t - t0) <= near else j + 1
            value = values[j_at]
            if value != value:
                grid_faults[k] = faults.get(j_at, MISSING)
        elif t1 - t0 > 2 * dt or t > t1:
            value = math.nan
            grid_faults[k] = MISSING
        else:
            share = (t - t0) / (t1 - t0)
            value = values[j] + share * (values[j + 1] - values[j])
            if value != value:
                grid_faults[k] = faults.get(j if share < 0.5 else j + 1, MISSING)
        grid.append(value)
    return grid, 1.0 / dt, grid_faults


def _finish(path: Path, values: list[float], rate: float | None, source: str, units: str | None, faults: dict[int, str]) -> Recording:
    if rate is None:
        raise RecordingError(path, "no sampling rate: the file does not say, and it has no time column; give --rate HZ")
    if not (MIN_RATE_HZ <= rate <= MAX_RATE_HZ):
        raise RecordingError(path, f"sampling rate {rate:g} Hz: expected {MIN_RATE_HZ:g} to {MAX_RATE_HZ:g} samples a second")
    if not values:
        raise RecordingError(path, "no samples")
    if len(values) > MAX_SAMPLES or len(values) / rate > MAX_SECONDS:
        raise RecordingError(path, f"{len(values):,} samples at {rate:g} Hz: longer than a recording can be "
                                   f"({MAX_SAMPLES:,} samples, {MAX_SECONDS / 3600:g} h); cut it")
    for i, value in enumerate(values):
        if not math.isfinite(value):  # inf is no more a reading than NaN: a missing sample, not motion
            values[i] = math.nan
            faults.setdefault(i, MISSING)
    return Recording(values, float(rate), source, units, faults)


# --- breathcue's own format ---------------------------------------------------


class RecordingWriter:
    """Writes breathcue's recording format, one sample at a time (``sensor record``).

    A CSV file with ``#`` header lines::

        # breathcue recording 1
        # rate_hz: 25
        # units: V
        # source: ADS1115 0x48 on /dev/i2c-1, AIN0, +-4.096 V
        time,volts,fault
        0.0000,1.612345,
        0.0400,,i2c_error

    ``time`` is seconds since the recording started; a sample the sensor
    could not read has an empty value and its fault.
    """

    def __init__(self, out: IO[str], rate_hz: float, units: str, source: str, started: str | None = None) -> None:
        self.out = out
        out.write(f"{FORMAT_MAGIC} {FORMAT_VERSION}\n# rate_hz: {rate_hz:g}\n# units: {units}\n# source: {source}\n")
        if started:
            out.write(f"# started: {started}\n")
        column = {"V": "volts", "mV": "millivolts"}.get(units, "value")
        out.write(f"time,{column},fault\n")

    def write(self, sample: Sample, t0: float = 0.0) -> None:
        value = "" if sample.value is None else f"{sample.value:.6f}"
        self.out.write(f"{sample.t - t0:.4f},{value},{sample.fault or ''}\n")


# --- resampling -----------------------------------------------------------------

HALF_WIDTH = 12
"""Filter half-length in periods of the lower of the two rates."""
PHASES = 256
"""Fractional positions the filter is tabulated at, for rates that are not whole multiples."""
_sumprod = getattr(math, "sumprod", None) or (lambda a, b: sum(map(operator.mul, a, b)))


def _taps(half: int, phase: float, cutoff: float) -> list[float]:
    """A Blackman-windowed sinc low-pass centred ``phase`` samples after the middle tap, gain 1 at DC."""
    taps = []
    for k in range(-half, half + 1):
        x = k - phase
        u = x / (half + 1)
        window = 0.42 + 0.5 * math.cos(math.pi * u) + 0.08 * math.cos(2 * math.pi * u)
        arg = 2 * cutoff * x
        taps.append(window * (1.0 if arg == 0 else math.sin(math.pi * arg) / (math.pi * arg)))
    total = math.fsum(taps)
    return [w / total for w in taps]


def resample(values: Sequence[float], from_hz: float, to_hz: float) -> list[float]:
    """``values`` sampled at ``from_hz`` as the samples at ``to_hz`` over the same span.

    A Blackman-windowed sinc whose stop band begins at the lower rate's
    Nyquist frequency, so nothing aliases into the output when decimating
    (stop band about -74 dB; pass band flat to about a quarter of the lower
    rate, far above breathing).  The ends are padded with the end values, and
    a stretch of equal values comes out exactly equal, not with rounding
    noise.  Output ``j`` is the signal at time
    ``j / to_hz``.  A NaN (a missing sample) makes the outputs near it NaN.
    """
    if not (from_hz > 0 and to_hz > 0):
        raise ValueError(f"rates must be positive, not {from_hz!r} and {to_hz!r}")
    n = len(values)
    if n == 0 or from_hz == to_hz:
        return list(values)
    step = from_hz / to_hz
    scale = min(1.0, to_hz / from_hz)  # the lower rate's band, as a share of the input's
    transition = 2.75 / HALF_WIDTH  # a Blackman window's transition band, in units of the lower rate
    cutoff = (0.5 - transition / 2) * scale  # cycles per input sample, mid-transition
    half = math.ceil(HALF_WIDTH / scale)
    padded = [values[0]] * half + list(values) + [values[-1]] * (half + 2)
    count = int((n - 1) / step + 1e-9) + 1
    tables: dict[int, list[float]] = {}
    out = []
    for j in range(count):
        x = j * step
        i = math.floor(x)
        phase = round((x - i) * PHASES)
        if phase == PHASES:
            i, phase = i + 1, 0
        taps = tables.get(phase)
        if taps is None:
            taps = tables[phase] = _taps(half, phase / PHASES, cutoff)
        window = padded[i : i + 2 * half + 1]
        first = window[0]
        # A flat line must stay exactly flat: the detector tells an unplugged strap by equal values.
        out.append(first if window.count(first) == len(window) else _sumprod(window, taps))
    return out


# --- the sensor -------------------------------------------------------------------


class ReplaySensor:
    """A recording played back as the strap, resampled to the detector's rate.

    ``read(t)`` gives the recording's value at time ``t`` since it started,
    a Sample with the recorded fault where it has no value, and None once it
    has ended, which ends the run.
    """

    def __init__(self, recording: Recording, rate_hz: float) -> None:
        self.recording = recording
        self.rate_hz = rate_hz
        self._values = resample(recording.values, recording.rate_hz, rate_hz)
        self._faulted = sorted(recording.faults)

    def read(self, t: float) -> Sample | None:
        i = max(0, round(t * self.rate_hz))
        if i >= len(self._values):
            return None
        value = self._values[i]
        if value != value:
            return Sample(t, None, self._fault_near(round(t * self.recording.rate_hz)))
        return Sample(t, value)

    def _fault_near(self, index: int) -> str:
        """The recorded fault of the faulted source sample nearest ``index``."""
        if not self._faulted:
            return MISSING
        at = bisect.bisect_left(self._faulted, index)
        near = min(self._faulted[max(0, at - 1) : at + 1], key=lambda k: abs(k - index))
        return self.recording.faults[near]

    def close(self) -> None:
        pass
