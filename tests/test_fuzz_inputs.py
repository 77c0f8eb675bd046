"""Fuzzing what breathcue reads: config files, recordings of every format, command-line arguments (issue 14).

Each input goes through the command a user would run, in this process: the
command returns an exit status (no exception escapes), takes under 10 s
(SIGALRM) and allocates under 200 MB (RLIMIT_DATA: past it, a MemoryError
fails the case), and a rejected input
gets a non-zero status and one line of error (a config: a heading and one
line per problem).  Seeded and derandomized, so CI sees the same cases;
BREATHCUE_FUZZ=N multiplies the number of cases for a longer hunt.
"""

from __future__ import annotations

import contextlib
import io
import math
import os
import resource
import signal
import struct
import wave
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from breathcue import cli
from breathcue import config as configmod
from breathcue.cli import main

SCALE = max(1, int(os.environ.get("BREATHCUE_FUZZ", "1")))
SECONDS, MEGABYTES = 10, 200
FUZZ = settings(derandomize=True, deadline=None, database=None, suppress_health_check=list(HealthCheck), print_blob=True)


def examples(n: int) -> settings:
    return settings(FUZZ, max_examples=n * SCALE)


class Hung(Exception):
    pass


def heap_bytes() -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmData:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmData")


def run_cli(argv: list[str]) -> tuple[int, str]:
    """``breathcue ARGV`` in this process: (exit status, stderr), checked for time and memory."""

    def alarm(signum, frame):
        raise Hung(f"breathcue {' '.join(argv)[:200]} ran past {SECONDS} s")

    err, out = io.StringIO(), io.StringIO()
    old = signal.signal(signal.SIGALRM, alarm)
    soft, hard = resource.getrlimit(resource.RLIMIT_DATA)
    limit = heap_bytes() + MEGABYTES * 2**20
    resource.setrlimit(resource.RLIMIT_DATA, (limit if hard == resource.RLIM_INFINITY else min(limit, hard), hard))
    signal.alarm(SECONDS)
    try:
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
            code = main(argv)
    except MemoryError:
        raise AssertionError(f"more than {MEGABYTES} MB for breathcue {' '.join(argv)[:200]}") from None
    finally:
        signal.alarm(0)
        resource.setrlimit(resource.RLIMIT_DATA, (soft, hard))
        signal.signal(signal.SIGALRM, old)
    text = err.getvalue()
    assert "Traceback" not in text, text[-3000:]
    assert isinstance(code, int), code
    return code, text


def one_line(code: int, err: str) -> None:
    """A rejected input: a non-zero status and one line saying why (a config: its heading, one line per problem)."""
    if code != 0:
        lines = [line for line in err.split("\n") if line.strip()]  # not splitlines: a path may hold \x1e
        assert lines and lines[0].startswith("breathcue"), err[-2000:]
        if "invalid configuration in" in lines[0]:
            assert len(lines) > 1 and all(line.startswith("  ") for line in lines[1:]), err[-2000:]
        else:
            assert len(lines) == 1, err[-2000:]


PARSER = cli.build_parser()


@pytest.fixture(autouse=True)
def _quick_cli(monkeypatch: pytest.MonkeyPatch) -> None:
    """One parser for every case (building it is most of a case's time), and no log handler:
    warnings about what a recording holds are not the error line counted here."""
    monkeypatch.setattr(cli, "build_parser", lambda: PARSER)
    monkeypatch.setattr(cli, "setup_logging", lambda verbosity: None)


# --- config files ----------------------------------------------------------------------------

KEYS = sorted(
    f"{section}.{key}" for section, table in configmod.to_dict(configmod.Config()).items() if isinstance(table, dict)
    for key in table
)
SCALARS = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(lambda f: "nan" if math.isnan(f) else ("inf" if f == math.inf else ("-inf" if f == -math.inf else repr(f)))),
    st.sampled_from(["true", "false", '""', '"0.0.0.0"', '"09:00-17:00"', '"mon"', "1979-05-27", "07:32:00", "1e400", "9" * 400]),
    st.text(max_size=30).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'),
)


def nested(depth: int) -> st.SearchStrategy[str]:
    return st.sampled_from(["[", "{a = "]).map(lambda o: o * depth + "1" + ("]" if o == "[" else "}") * depth)


VALUES = st.one_of(SCALARS, st.lists(SCALARS, max_size=4).map(lambda v: "[" + ", ".join(v) + "]"),
                   st.integers(1, 3000).flatmap(nested))


@st.composite
def config_texts(draw) -> bytes:
    lines = []
    for _ in range(draw(st.integers(0, 6))):
        dotted = draw(st.one_of(st.sampled_from(KEYS), st.from_regex(r"[a-z_]{1,8}\.[a-z_]{1,12}", fullmatch=True)))
        section, _, key = dotted.partition(".")
        lines.append(f"[{section}]\n{key} = {draw(VALUES)}")
    text = "\n".join(lines).encode()
    cut = draw(st.integers(0, len(text)))
    if draw(st.booleans()):
        text = text[:cut] + draw(st.binary(max_size=8)) + text[cut:]
    return text


@given(text=config_texts())
@examples(500)
def test_config_files(tmp_path_factory: pytest.TempPathFactory, text: bytes):
    path = tmp_path_factory.getbasetemp() / "fuzz.toml"
    path.write_bytes(text)
    code, err = run_cli(["config", "check", str(path)])
    assert code in (0, 2)
    one_line(code, err)


# --- recordings of every format ----------------------------------------------------------------


def mutate(data: bytes, draw) -> bytes:
    """A few bytes changed, inserted or cut: what a damaged or hostile file looks like."""
    data = bytearray(data)
    for _ in range(draw(st.integers(0, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        how = draw(st.sampled_from(["flip", "insert", "cut", "big"]))
        if how == "flip":
            data[at] = draw(st.integers(0, 255))
        elif how == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif how == "cut":
            del data[at:]
        else:  # a length or count field made huge
            data[at:at + 4] = struct.pack("<I", draw(st.sampled_from([0, 1, 0x7FFFFFFF, 0xFFFFFFFF, 10**8])))
    return bytes(data)


SIGNAL = st.lists(st.floats(-5, 5, allow_nan=False), min_size=0, max_size=60)
ODD = st.sampled_from(["nan", "inf", "-inf", "", "1e400", "x", "²", "0x10", "1_0"])


@st.composite
def csv_files(draw) -> bytes:
    values = draw(SIGNAL)
    rate = draw(st.sampled_from(["25", "100", "0.001", "1e8", "nan", "-3", "1e400"]))
    head = draw(st.sampled_from(["", f"# sampling rate: {rate}\n", f"# breathcue recording 1\n# rate_hz: {rate}\n# units: V\n"]))
    header = draw(st.sampled_from(["", "time,volts\n", "t;resp;ecg\n", "value\n"]))
    rows = []
    for i, v in enumerate(values):
        cell = draw(st.one_of(st.just(repr(v)), ODD)) if draw(st.integers(0, 9)) == 0 else repr(v)
        t = draw(st.sampled_from([i / 25, i * 1e7, -i])) if draw(st.integers(0, 19)) == 0 else i / 25
        rows.append({"time,volts\n": f"{t},{cell}", "t;resp;ecg\n": f"{t};{cell};0"}.get(header, cell))
    return mutate((head + header + "\n".join(rows) + "\n").encode(), draw)


@st.composite
def wav_files(draw) -> bytes:
    buf = io.BytesIO()
    channels, width = draw(st.integers(1, 3)), draw(st.sampled_from([1, 2, 3, 4]))
    with wave.open(buf, "wb") as w:
        w.setnchannels(channels)
        w.setsampwidth(width)
        w.setframerate(draw(st.sampled_from([1, 25, 100, 8000, 44100])))
        w.writeframes(draw(st.binary(max_size=400)))
    return mutate(buf.getvalue(), draw)


@st.composite
def npy_files(draw) -> bytes:
    descr = draw(st.sampled_from(["<f8", "<f4", ">i2", "|u1", "<i8", "|b1", "<c16", "<U3", "O"]))
    shape = draw(st.one_of(
        st.lists(st.integers(-5, 40), max_size=3).map(tuple),
        st.sampled_from([("a",), (2.5,), (10**12,), (True,), "x", None]),
    ))
    header = repr({"descr": descr, "fortran_order": draw(st.booleans()), "shape": shape})
    major = draw(st.sampled_from([1, 2, 3, 9]))
    text = header.encode("latin-1")
    text += b" " * (63 - len(text) % 64) + b"\n"
    size = len(text).to_bytes(2 if major == 1 else 4, "little")
    return mutate(b"\x93NUMPY" + bytes([major, 0]) + size + text + draw(st.binary(max_size=300)), draw)


FORMATS = {"csv": csv_files(), "wav": wav_files(), "npy": npy_files(), "txt": csv_files(), "bin": st.binary(max_size=200)}
OPTIONS = st.lists(st.sampled_from([
    ["--rate", "25"], ["--rate", "nan"], ["--rate", "1e9"], ["--rate", "0.0001"], ["--column", "2"], ["--column", "²"],
    ["--column", "resp"], ["--column", "0"], ["--format", "jsonl"], ["--format", "summary"], ["--hold-seconds", "inf"],
]), max_size=2)


@pytest.mark.parametrize("suffix", sorted(FORMATS))
def test_recordings(suffix: str, tmp_path_factory: pytest.TempPathFactory):
    @given(data=FORMATS[suffix], options=OPTIONS)
    @examples(150)
    def check(data: bytes, options: list[list[str]]) -> None:
        path = tmp_path_factory.getbasetemp() / f"fuzz.{suffix}"
        path.write_bytes(data)
        code, err = run_cli(["analyze", str(path), *[a for option in options for a in option]])
        one_line(code, err)

    check()


# --- command-line arguments -----------------------------------------------------------------

WORDS = st.one_of(
    st.sampled_from(["nan", "inf", "-inf", "-1", "0", "1e400", "a\x00b", "9999-12-31", "0001-01-01", "2026-02-30", "2026-11-24",
                     "9999-12-31T23:59:59", "2026-11-24T09:00:00", "", "²", "--", "-x", "1" * 5000]),
    st.text(max_size=12),
)
COMMANDS = st.sampled_from([
    ["report", "--day"], ["report", "--week", "--day"], ["report", "--format", "json", "--day"], ["export", "--since"],
    ["export", "--table"], ["status", "--state-dir"], ["config", "check"],
    ["run", "--clock", "virtual", "--seconds", "0.5", "--start"], ["run", "--clock", "virtual", "--seconds"],
    ["simulate", "--hours", "0.001", "--start"], ["simulate", "--hours"], ["simulate", "--hours", "0.001", "--seed"],
    ["analyze", "tests/data/biosppy_resp_2s.txt", "--rate"], ["analyze", "tests/data/biosppy_resp_2s.txt", "--hold-seconds"],
])


@given(command=COMMANDS, word=WORDS)
@examples(300)
def test_command_line_arguments(tmp_path_factory: pytest.TempPathFactory, command: list[str], word: str):
    state = tmp_path_factory.getbasetemp() / "fuzz-state"
    argv = [*command, word]
    if command[0] in ("report", "export", "run", "simulate"):
        argv += ["--state-dir", str(state)]
    if command[0] == "simulate" and command[1:2] == ["--hours"]:
        try:
            hours = float(word)
        except ValueError:
            hours = 0.0
        if math.isfinite(hours) and hours > 0.01:  # a long simulation is a request, not a hang
            return
    code, err = run_cli(argv)
    one_line(code, err)
