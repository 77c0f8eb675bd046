"""Writes tests/data/hostile/: inputs that crashed, hung or exhausted memory before issue 14.

Run from the repository root: python tests/data/make_hostile.py.  Each file is
one class of the attack campaign; tests/test_hostile_corpus.py feeds them to
the commands and expects one clean line of error each (inf_values.txt: a
recording whose infinities are missing samples).
"""

from __future__ import annotations

import struct
from pathlib import Path

OUT = Path(__file__).parent / "hostile"


def npy(header: str, body: bytes = b"") -> bytes:
    text = header.encode("latin-1")
    text += b" " * (63 - len(text) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + len(text).to_bytes(2, "little") + text + body


def wav(fmt_size: int, data: bytes, *, width: int = 2, rate: int = 25, claimed: int | None = None) -> bytes:
    fmt = struct.pack("<HHIIHH", 1, 1, rate, rate * width, width, 8 * width)
    size = len(data) if claimed is None else claimed
    chunks = b"fmt " + struct.pack("<I", fmt_size) + fmt + b"data" + struct.pack("<I", size) + data
    return b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks


FILES: dict[str, bytes | str] = {
    "wav_bad_chunk_size.wav": wav(0x7FFFFFF0, b"\x00\x01" * 50),
    "wav_partial_sample.wav": wav(16, b"\x00\x01" * 20 + b"\x02", claimed=400),
    "npy_string_shape.npy": npy("{'descr': '<f8', 'fortran_order': False, 'shape': ('a',), }", b"\x00" * 8),
    "npy_float_shape.npy": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2.5,), }", b"\x00" * 24),
    "npy_negative_shape.npy": npy("{'descr': '<f8', 'fortran_order': False, 'shape': (-5,), }", b"\x00" * 40),
    "npy_magic_only.npy": b"\x93NUMPY",
    "csv_long_field.csv": "time,value\n0," + "1" * 140_000 + "\n",
    "text_rate_1e8.txt": "# sampling rate: 100000000\n" + "1.0\n2.0\n" * 50,
    "text_rate_0.001.txt": "# rate_hz: 0.001\n" + "1.0\n2.0\n" * 50,
    "csv_time_gap_1e9.csv": "time,value\n0,1\n0.04,2\n0.08,1\n0.121,2\n1000000000,1\n",
    "inf_values.txt": "# sampling rate: 25\n" + "".join(f"{1.5 + (i % 10) / 20}\n" if i % 50 else "inf\n" for i in range(1000)),
    "config_deep_arrays.toml": "x = " + "[" * 600 + "]" * 600 + "\n",
    "config_deep_tables.toml": "x = " + "{a = " * 600 + "1" + "}" * 600 + "\n",
    "config_huge_integer.toml": "[ring]\nfps = " + "9" * 5000 + "\n",
    "baseline_infinity.json": '{"depth": Infinity, "rate_bpm": 12, "polarity": null}\n',
    "baseline_denormal.json": '{"depth": 5e-324, "rate_bpm": 12, "polarity": null}\n',
}

if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    for name, content in FILES.items():
        path = OUT / name
        if isinstance(content, str):
            path.write_text(content)
        else:
            path.write_bytes(content)
        print(path, path.stat().st_size)
