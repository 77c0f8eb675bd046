"""Cost of the sensor side: the sampling layer per sample, the driver per conversion, resampling, scenarios.

Run: .venv/bin/python tests/bench/bench_sampling.py
Time is the emulator's (no sleeping), so the figures are CPU cost only;
on a Pi Zero 2 W expect roughly 5-10 times more, plus the I2C transfers.
"""

from __future__ import annotations

import math
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from breathcue.hw.ads1115 import ADS1115  # noqa: E402
from breathcue.hw.replay import load_recording, resample  # noqa: E402
from breathcue.hw.sampling import AdcSensor, Rails  # noqa: E402
from breathcue.hw.sim import make_breather  # noqa: E402
from tests.ads1115_emulator import ADS1115Emulator, Clock  # noqa: E402

SHARED = ROOT.parent / "shared" / "data" / "respiration"


def sampling_cost(data_rate: int, seconds: float = 120.0, rate_hz: float = 25.0) -> tuple[float, float]:
    """µs of CPU per output sample and per conversion: AdcSensor + driver + emulator."""
    clock = Clock()
    emu = ADS1115Emulator(clock, inputs=(lambda t: 1.6 + 0.15 * math.sin(2 * math.pi * 0.2 * t), 0, 0, 0), noise_lsb=2)
    clock.watchers.append(emu.update)

    def connect() -> ADS1115:
        adc = ADS1115(emu, data_rate=data_rate, monotonic=clock, sleep=clock.sleep)
        adc.start()
        return adc

    sensor = AdcSensor(connect, rate_hz, Rails(0.0, 3.3, 0.02), monotonic=clock, threaded=False)
    samples = int(seconds * rate_hz)
    start = time.perf_counter()
    for n in range(samples):
        deadline = n / rate_hz
        while clock() < deadline:
            sensor.poll()
        sensor.read(deadline)
    spent = time.perf_counter() - start
    return 1e6 * spent / samples, 1e6 * spent / sensor.conversions


class NullBus:
    """A bus that answers at once with the driver's own config: the driver's cost without an emulator."""

    def __init__(self) -> None:
        self.config = 0

    def write_i2c_block_data(self, addr: int, register: int, data: list[int]) -> None:
        if register == 1:
            self.config = (data[0] << 8) | data[1]

    def read_i2c_block_data(self, addr: int, register: int, length: int) -> list[int]:
        value = self.config if register == 1 else 0x3333
        return [value >> 8, value & 0xFF]


def driver_cost(reads: int = 50_000) -> float:
    adc = ADS1115(NullBus(), data_rate=860, monotonic=lambda: 1e9, sleep=lambda s: None)
    adc.start()
    start = time.perf_counter()
    for _ in range(reads):
        adc.read_volts()
    return 1e6 * (time.perf_counter() - start) / reads


def main() -> None:
    print("sampling layer (AdcSensor + ADS1115 driver + register emulator), 25 Hz out:")
    for data_rate in (128, 475, 860):
        per_sample, per_conversion = sampling_cost(data_rate)
        print(f"  data_rate {data_rate:3d}: {per_sample:7.1f} µs/sample  {per_conversion:5.1f} µs/conversion")
    print(f"ADS1115 driver alone (a bus that answers at once): {driver_cost():.2f} µs/conversion")

    values = [math.sin(2 * math.pi * 0.25 * i / 1000) for i in range(1000 * 60 * 16)]
    start = time.perf_counter()
    out = resample(values, 1000, 25)
    print(f"resample 16 min at 1000 Hz -> 25 Hz ({len(values)} -> {len(out)} samples): {time.perf_counter() - start:.2f} s")

    breather = make_breather("workday", 0, 25.0)
    start = time.perf_counter()
    for n in range(720_000):
        breather.read(n / 25.0)
    print(f"workday scenario, 8 h at 25 Hz (720000 samples): {time.perf_counter() - start:.2f} s")

    for name, options in (
        ("biosppy/resp.txt", {}),
        ("neurokit2/bio_resting_8min_100hz.csv", {"rate": 100, "column": "RSP"}),
        ("physio-samuelgarcia/resp3_belt.npy", {"rate": 1000}),
        ("respinpeace/resp.wav", {}),
    ):
        path = SHARED / name
        if not path.exists():
            continue
        start = time.perf_counter()
        rec = load_recording(path, **options)
        print(f"load_recording {name}: {len(rec.values)} samples in {time.perf_counter() - start:.3f} s")


if __name__ == "__main__":
    main()
