"""Recording readers, resampling and ReplaySensor, on real recordings and made-up files."""

from __future__ import annotations

import io
import json
import math
import wave
from pathlib import Path

import numpy as np
import pytest
from scipy.io import wavfile

from breathcue.cli import main
from breathcue.core.types import Sample
from breathcue.hw.replay import MISSING, RecordingError, RecordingWriter, ReplaySensor, load_recording, resample

from .conftest import DATA, SHARED_DATA


def write_wav(path: Path, frames: list[tuple[int, ...]], width: int = 2, rate: int = 200) -> None:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(len(frames[0]))
        w.setsampwidth(width)
        w.setframerate(rate)
        if width == 1:
            w.writeframes(bytes(v + 128 for frame in frames for v in frame))
        else:
            w.writeframes(b"".join(v.to_bytes(width, "little", signed=True) for frame in frames for v in frame))


# --- the formats ---------------------------------------------------------------


def test_biosppy_text_gives_its_rate_from_the_header():
    rec = load_recording(DATA / "biosppy_resp_2s.txt")
    assert rec.rate_hz == 1000.0
    assert len(rec.values) == 2000
    assert rec.values[:4] == [2094.0, 2094.0, 2095.0, 2094.0]
    assert "Resp" in rec.source


def test_opensignals_text_reads_the_labelled_channel_at_its_json_rate():
    rec = load_recording(DATA / "opensignals_resp_2s.txt")
    assert rec.rate_hz == 1000.0
    assert rec.values[:3] == [33912.0, 33892.0, 33920.0]
    assert "PORT1_CHN1" in rec.source
    by_name = load_recording(DATA / "opensignals_resp_2s.txt", column="PORT1_CHN1")
    by_number = load_recording(DATA / "opensignals_resp_2s.txt", column=3)
    assert by_name.values == by_number.values == rec.values
    assert load_recording(DATA / "opensignals_resp_2s.txt", column="1").values[:3] == [0.0, 1.0, 2.0]


def test_npy_is_read_without_numpy_and_matches_numpy():
    rec = load_recording(DATA / "physio_resp3_belt_2s.npy", rate=1000)
    assert rec.values == np.load(DATA / "physio_resp3_belt_2s.npy").tolist()
    with pytest.raises(RecordingError, match="physio_resp3_belt_2s.npy: no sampling rate.*--rate"):
        load_recording(DATA / "physio_resp3_belt_2s.npy")


@pytest.mark.parametrize("dtype", ["<f8", ">f8", "<f4", "<i2", ">i4", "<i8", "|u1", "<u2"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_npy_columns_in_every_plain_dtype_and_order(tmp_path, dtype, order):
    data = np.asarray(np.arange(30).reshape(10, 3) * 3 + 1, dtype=dtype, order=order)
    np.save(tmp_path / "x.npy", data)
    rec = load_recording(tmp_path / "x.npy", rate=50, column=2)
    assert rec.values == data[:, 1].astype(float).tolist()
    with pytest.raises(RecordingError, match="10 x 3 array; choose a column"):
        load_recording(tmp_path / "x.npy", rate=50)
    with pytest.raises(RecordingError, match="column 4: expected 1 to 3"):
        load_recording(tmp_path / "x.npy", rate=50, column=4)


def test_npy_that_is_not_plain_numbers_is_refused(tmp_path):
    np.save(tmp_path / "s.npy", np.array(["a", "b"]))
    with pytest.raises(RecordingError, match="s.npy: NPY dtype '<U1' is not supported"):
        load_recording(tmp_path / "s.npy", rate=10)


@pytest.mark.parametrize("width", [1, 2, 3, 4])
def test_wav_of_every_sample_width(tmp_path, width):
    big = 2 ** (8 * width - 1) - 1
    samples = [0, 1, -1, big, -big, big // 3]
    write_wav(tmp_path / "a.wav", [(v,) for v in samples], width=width, rate=200)
    rec = load_recording(tmp_path / "a.wav")
    assert rec.rate_hz == 200.0
    assert rec.values == [float(v) for v in samples]


def test_wav_stereo_needs_a_channel(tmp_path):
    write_wav(tmp_path / "s.wav", [(i, -i) for i in range(10)])
    assert load_recording(tmp_path / "s.wav", column=2).values == [float(-i) for i in range(10)]
    with pytest.raises(RecordingError, match="2 channels; choose one with --column"):
        load_recording(tmp_path / "s.wav")


def test_csv_with_a_header_by_name_or_number(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("ecg,rsp,eda\n1,10,100\n2,20,200\n3,30,300\n")
    assert load_recording(path, rate=10, column="rsp").values == [10.0, 20.0, 30.0]
    assert load_recording(path, rate=10, column="RSP").values == [10.0, 20.0, 30.0]
    assert load_recording(path, rate=10, column=3).values == [100.0, 200.0, 300.0]
    assert load_recording(path, rate=10).values == [10.0, 20.0, 30.0]  # the one named as respiration
    with pytest.raises(RecordingError, match=r"h.csv: no column named 'pulse'; the columns are ecg, rsp, eda"):
        load_recording(path, rate=10, column="pulse")


def test_headerless_csv_counts_columns_from_one_as_cut_does(tmp_path):
    path = tmp_path / "n.csv"
    path.write_text("0.5,1.25\n0.6,1.5\n")
    assert load_recording(path, rate=5, column="2").values == [1.25, 1.5]
    assert load_recording(path, rate=5, column=1).values == [0.5, 0.6]
    with pytest.raises(RecordingError, match="2 columns and no header; choose one with --column"):
        load_recording(path, rate=5)
    with pytest.raises(RecordingError, match="column 0: expected 1 to 2"):
        load_recording(path, rate=5, column=0)
    with pytest.raises(RecordingError, match="no column named 'volts'; it has no header"):
        load_recording(path, rate=5, column="volts")


@pytest.mark.parametrize("sep", [",", ";", "\t", " "])
def test_delimiters(tmp_path, sep):
    path = tmp_path / "d.txt"
    path.write_text(f"time{sep}volts\n0.00{sep}1.0\n0.04{sep}1.1\n0.08{sep}1.2\n")
    rec = load_recording(path)
    assert rec.rate_hz == pytest.approx(25.0)
    assert rec.values == [1.0, 1.1, 1.2]
    assert rec.units == "V"


def test_time_column_in_unix_seconds_gives_the_rate(tmp_path):
    path = tmp_path / "u.csv"
    start = 1_764_000_000.0
    path.write_text("timestamp,value\n" + "".join(f"{start + i / 50:.3f},{i}\n" for i in range(500)))
    rec = load_recording(path)
    assert rec.rate_hz == pytest.approx(50.0, rel=1e-6)
    assert rec.values[-1] == 499.0


def test_time_column_in_milliseconds(tmp_path):
    path = tmp_path / "ms.csv"
    path.write_text("time_ms,v\n" + "".join(f"{i * 10},{i}\n" for i in range(20)))
    assert load_recording(path).rate_hz == pytest.approx(100.0)


def test_explicit_rate_overrides_the_file(tmp_path):
    path = tmp_path / "o.csv"
    path.write_text("time,v\n0,1\n1,2\n2,3\n")
    assert load_recording(path, rate=4).rate_hz == 4.0
    assert load_recording(DATA / "biosppy_resp_2s.txt", rate=500).rate_hz == 500.0


def test_jittered_times_are_interpolated_onto_a_regular_grid(tmp_path):
    path = tmp_path / "j.csv"
    times = [i * 0.1 + (0.01 if i % 2 else -0.01) * (i > 0) for i in range(50)]
    path.write_text("t,v\n" + "".join(f"{t:.3f},{3 * t:.4f}\n" for t in times))
    rec = load_recording(path)
    assert rec.rate_hz == pytest.approx(10.0, rel=0.02)
    grid = [times[0] + k / rec.rate_hz for k in range(len(rec.values))]
    assert rec.values == pytest.approx([3 * t for t in grid], abs=1e-3)


def test_a_gap_in_the_time_column_is_missing_not_a_straight_line(tmp_path):
    path = tmp_path / "g.csv"
    times = [i / 10 for i in range(30)] + [i / 10 for i in range(80, 100)]
    path.write_text("time,v\n" + "".join(f"{t:.2f},{math.sin(t):.5f}\n" for t in times))
    rec = load_recording(path)
    assert rec.rate_hz == pytest.approx(10.0)
    missing = [i for i, v in enumerate(rec.values) if v != v]
    assert missing == list(range(30, 80))
    assert set(rec.faults.values()) == {MISSING}


def test_time_that_goes_backwards_is_an_error(tmp_path):
    path = tmp_path / "b.csv"
    path.write_text("time,v\n0,1\n0.1,2\n0.05,3\n")
    with pytest.raises(RecordingError, match="b.csv: the time column does not increase at data row 3"):
        load_recording(path)


def test_own_format_round_trip_keeps_rate_units_source_and_faults(tmp_path):
    out = io.StringIO()
    writer = RecordingWriter(out, 25.0, "V", "ADS1115 0x48 on /dev/i2c-1, AIN0", started="2026-11-24T09:00:00+01:00")
    samples = [Sample(10 + i / 25, 1.5 + i / 1000) for i in range(5)]
    samples += [Sample(10.2, None, "i2c_error"), Sample(10.24, None, "saturated"), Sample(10.28, 1.6)]
    for s in samples:
        writer.write(s, t0=10.0)
    path = tmp_path / "own.csv"
    path.write_text(out.getvalue())
    assert out.getvalue().startswith("# breathcue recording 1\n# rate_hz: 25\n# units: V\n")
    rec = load_recording(path)
    assert (rec.rate_hz, rec.units) == (25.0, "V")
    assert "ADS1115 0x48" in rec.source
    assert rec.values[:5] == [1.5, 1.501, 1.502, 1.503, 1.504]
    assert rec.faults == {5: "i2c_error", 6: "saturated"}
    sensor = ReplaySensor(rec, 25.0)
    assert [sensor.read(i / 25) for i in (4, 5, 6, 7)] == [
        Sample(4 / 25, 1.504),
        Sample(5 / 25, None, "i2c_error"),
        Sample(6 / 25, None, "saturated"),
        Sample(7 / 25, 1.6),
    ]
    assert sensor.read(8 / 25) is None


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "no data rows"),
        ("# only a comment\n", "no data rows"),
        ("a,b\n", "a header row but no data rows"),
        ("v\n1\nabc\n", "line 3, column 1: 'abc' is not a number"),
        ("v\n1\n2\n", "no sampling rate: the file does not say, and it has no time column; give --rate HZ"),
    ],
)
def test_bad_text_files_name_the_file_and_the_problem(tmp_path, text, problem):
    path = tmp_path / "bad.csv"
    path.write_text(text)
    with pytest.raises(RecordingError) as info:
        load_recording(path)
    assert str(info.value) == f"{path}: {problem}"


def test_missing_file_and_bad_rate(tmp_path):
    with pytest.raises(RecordingError, match=r"nope.csv: no such file"):
        load_recording(tmp_path / "nope.csv")
    with pytest.raises(RecordingError, match="is a directory"):
        load_recording(tmp_path)
    with pytest.raises(RecordingError, match="rate -1: expected 1 to 2000 samples a second"):
        load_recording(DATA / "biosppy_resp_2s.txt", rate=-1)
    (tmp_path / "bin.dat").write_bytes(b"\xff\xfe\x00\x81" * 10)
    with pytest.raises(RecordingError, match="not a text file, a WAV or an NPY file"):
        load_recording(tmp_path / "bin.dat")


# --- resampling --------------------------------------------------------------------


def tone(freq: float, rate: float, seconds: float, amplitude: float = 1.0) -> list[float]:
    return [amplitude * math.sin(2 * math.pi * freq * i / rate) for i in range(int(seconds * rate))]


def test_decimation_keeps_breathing_and_removes_what_would_alias():
    breathing = resample(tone(0.3, 1000, 60), 1000, 25)
    assert len(breathing) == 1500
    expected = tone(0.3, 25, 60)
    assert max(abs(a - b) for a, b in zip(breathing[25:-25], expected[25:-25])) < 1e-3
    # 20 Hz is above the 12.5 Hz Nyquist frequency of 25 Hz: it would fold onto 5 Hz.
    aliased = resample(tone(20.0, 1000, 60), 1000, 25)
    assert max(abs(v) for v in aliased[25:-25]) < 1e-3


def test_decimation_by_a_fraction_and_upsampling():
    out = resample(tone(0.25, 128, 40), 128, 25)
    assert len(out) == int(39.9921875 * 25) + 1
    assert out[10:-10] == pytest.approx(tone(0.25, 25, 40)[10 : len(out) - 10], abs=2e-3)
    up = resample(tone(0.25, 10, 40), 10, 25)
    assert up[30:-30] == pytest.approx(tone(0.25, 25, 40)[30 : len(up) - 30], abs=2e-3)


def test_a_constant_stays_exactly_constant():
    for rates in ((1000, 25), (100, 25), (128, 25), (10, 25)):
        assert set(resample([1.6180339] * 4000, *rates)) == {1.6180339}


def test_same_rate_is_a_copy_and_bad_rates_are_refused():
    values = [1.0, 2.0, 3.0]
    assert resample(values, 25, 25) == values
    assert resample([], 100, 25) == []
    with pytest.raises(ValueError):
        resample(values, 0, 25)


def test_replay_sensor_serves_the_recording_at_the_detector_rate():
    rec = load_recording(DATA / "neurokit2_rsp_90s_100hz.csv", rate=100)
    sensor = ReplaySensor(rec, 25.0)
    assert sensor.rate_hz == 25.0
    reads = []
    n = 0
    while (s := sensor.read(n / 25)) is not None:
        reads.append(s)
        n += 1
    assert len(reads) == 2250  # 90 s at 25 Hz
    assert all(s.fault is None and s.t == i / 25 for i, s in enumerate(reads))
    assert reads[1000].value == pytest.approx(rec.values[4000], abs=0.01)


# --- the original recordings in ../shared (skipped when absent) ----------------------

ORIGINALS = [
    ("biosppy/resp.txt", {}, 60000, 1000.0),
    ("biosignalsnotebooks/signal_sample_single_hub_RESPIRATION_2018_7_5.txt", {}, 60000, 1000.0),
    ("neurokit2/bio_resting_5min_100hz.csv", {"rate": 100}, 30000, 100.0),
    ("neurokit2/bio_eventrelated_100hz.csv", {"rate": 100}, 15000, 100.0),
    ("neurokit2/bio_resting_8min_100hz.csv", {"rate": 100, "column": "RSP"}, 50682, 100.0),
    ("physio-samuelgarcia/resp3_belt.npy", {"rate": 1000}, 300000, 1000.0),
    ("respinpeace/resp.wav", {}, 197368, 200.0),  # GPL-3.0: read in place, never copied
]


@pytest.mark.parametrize("name, options, count, rate", ORIGINALS, ids=[o[0] for o in ORIGINALS])
def test_the_shared_recordings_load(name, options, count, rate):
    path = SHARED_DATA / name
    if not path.exists():
        pytest.skip(f"{path} is not here")
    rec = load_recording(path, **options)
    assert (len(rec.values), rec.rate_hz) == (count, rate)
    if path.suffix == ".wav":
        assert rec.values == wavfile.read(path)[1].astype(float).tolist()
    elif path.suffix == ".npy":
        assert rec.values == np.load(path).tolist()
    assert all(math.isfinite(v) for v in rec.values)



# --- the acceptance run: breathcue run --replay -------------------------------------------


def breathing_csv_with_a_flat_stretch(path: Path) -> list[float]:
    """80 s of real breathing (NeuroKit2 RSP resampled to 25 Hz, as volts) with 30-50 s exactly constant."""
    rec = load_recording(DATA / "neurokit2_rsp_90s_100hz.csv", rate=100)
    rsp = resample(rec.values, 100, 25)[: 80 * 25]
    lo, hi = min(rsp), max(rsp)
    volts = [round(1.45 + 0.3 * (v - lo) / (hi - lo), 6) for v in rsp]
    volts[30 * 25 : 50 * 25] = [volts[30 * 25]] * (20 * 25)
    path.write_text("time,volts\n" + "".join(f"{n / 25:.2f},{v}\n" for n, v in enumerate(volts)))
    return volts


def test_run_replay_of_a_flat_stretch_loses_the_signal_and_never_holds(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("BREATHCUE_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    breathing_csv_with_a_flat_stretch(tmp_path / "f.csv")
    code = main(["run", "--sim", "--replay", "f.csv", "--rate", "25", "--column", "2", "--clock", "virtual", "--events-out", "e.jsonl"])
    assert code == 0
    events = [json.loads(line) for line in (tmp_path / "e.jsonl").read_text().splitlines()]
    lost = [e for e in events if e["event"] == "signal_lost"]
    ok = [e for e in events if e["event"] == "signal_ok"]
    assert len(lost) == 1 and 30 <= lost[0]["t"] <= 33 and lost[0]["reason"] == "flat"
    assert len(ok) == 1 and 50 <= ok[0]["t"] <= 56
    assert not [e for e in events if e["event"] == "hold_start"]
    assert sum(e["event"] == "breath" for e in events) > 10
    assert max(e["t"] for e in events) < 80  # the run ended with the recording


def test_run_replay_with_a_bad_file_or_options_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.delenv("BREATHCUE_CONFIG", raising=False)
    assert main(["run", "--sim", "--replay", str(tmp_path / "none.csv"), "--clock", "virtual"]) == 2
    assert "none.csv: no such file" in capsys.readouterr().err
    breathing_csv_with_a_flat_stretch(tmp_path / "f.csv")
    assert main(["run", "--sim", "--replay", str(tmp_path / "f.csv"), "--column", "volume", "--clock", "virtual"]) == 2
    assert "no column named 'volume'; the columns are time, volts" in capsys.readouterr().err
    assert main(["run", "--sim", "--rate", "25", "--clock", "virtual", "--seconds", "1"]) == 2
    assert "--rate and --column go with --replay FILE" in capsys.readouterr().err
