"""Cut the test excerpts in this folder from the recordings in ../shared (see ATTRIBUTION.md).

Run once from the repository root: `.venv/bin/python tests/data/make_excerpts.py`.
"""

from __future__ import annotations

import csv
from pathlib import Path

HERE = Path(__file__).resolve().parent
SHARED = HERE.parent.parent.parent / "shared" / "data" / "respiration"


def header_and_rows(path: Path, rows: int) -> str:
    lines = path.read_text(encoding="utf-8").splitlines()
    header = [line for line in lines if line.startswith("#")]
    data = [line for line in lines if line and not line.startswith("#")]
    return "\n".join(header + data[:rows]) + "\n"


def npy_excerpt(path: Path, count: int) -> bytes:
    """The first ``count`` items of a 1-D version-1 .npy file, with its header's shape updated."""
    raw = path.read_bytes()
    size = int.from_bytes(raw[8:10], "little")
    header = raw[10 : 10 + size].decode("latin-1")
    shape_at = header.index("'shape': (") + len("'shape': (")
    header = header[:shape_at] + f"{count}," + header[header.index(")", shape_at) :]
    header = header.rstrip()
    header += " " * (-(10 + len(header) + 1) % 64) + "\n"  # the data starts on a 64-byte boundary
    return raw[:8] + len(header).to_bytes(2, "little") + header.encode("latin-1") + raw[10 + size : 10 + size + 8 * count]


def main() -> None:
    with open(SHARED / "neurokit2" / "bio_resting_5min_100hz.csv", newline="") as f:
        rsp = [float(row["RSP"]) for row in csv.DictReader(f)][:9000]
    (HERE / "neurokit2_rsp_90s_100hz.csv").write_text("RSP\n" + "".join(f"{v:.6g}\n" for v in rsp))
    (HERE / "biosppy_resp_2s.txt").write_text(header_and_rows(SHARED / "biosppy" / "resp.txt", 2000))
    opensignals = SHARED / "biosignalsnotebooks" / "signal_sample_single_hub_RESPIRATION_2018_7_5.txt"
    (HERE / "opensignals_resp_2s.txt").write_text(header_and_rows(opensignals, 2000))
    (HERE / "physio_resp3_belt_2s.npy").write_bytes(npy_excerpt(SHARED / "physio-samuelgarcia" / "resp3_belt.npy", 2000))


if __name__ == "__main__":
    main()
