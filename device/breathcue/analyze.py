"""`breathcue analyze`: the streaming detector over a recording; the baseline file `calibrate` writes.

``analyze`` feeds a recording through the very BreathDetector the daemon
runs, sample by sample, so what it reports is what the device would have
done live.  The standard library only: it runs on the Pi Zero.
"""

from __future__ import annotations

import dataclasses
import json
import math
import statistics
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Callable, Iterable

from . import jsonout, private
from .config import Config, DetectorConfig, parse, to_dict
from .core.detector import MAX_INTERVAL_SECONDS, Baseline, BreathDetector
from .core.types import Event, Sample
from .hw.replay import MISSING, Recording, load_recording, resample
from .progress import ProgressBar
from .words import duration

MAX_DIRECT_HZ = 50.0  # a recording at or below this rate is analysed at its own rate...
ANALYSIS_HZ = 25.0  # ...a faster one is resampled to this, the daemon's rate
BASELINE_FILE = "baseline.json"
PERIODS = ("hold", "shallow", "rapid", "artifact")  # states that have *_start and *_end events


@dataclass
class Analysis:
    """Everything ``analyze`` found: the events in order of ``t``, the summary, and the samples it ran on."""

    events: list[Event]
    summary: dict[str, Any]
    values: list[float]
    rate_hz: float


def analysis_rate(file_rate_hz: float) -> float:
    """The rate the detector runs at: the file's own when slow enough, else the daemon's."""
    return file_rate_hz if file_rate_hz <= MAX_DIRECT_HZ else ANALYSIS_HZ


def samples(recording: Recording, rate_hz: float) -> Iterable[Sample]:
    """The recording as Samples at ``rate_hz``; a missing value becomes a faulted Sample."""
    same = rate_hz == recording.rate_hz
    values = recording.values if same else resample(recording.values, recording.rate_hz, rate_hz)
    faults = recording.faults
    ratio = recording.rate_hz / rate_hz
    for i, value in enumerate(values):
        t = i / rate_hz
        if value != value:
            yield Sample(t, None, faults.get(i if same else round(i * ratio), MISSING))
        else:
            yield Sample(t, value)


def analyze(
    recording: Recording,
    config: DetectorConfig,
    baseline: Baseline | None = None,
    progress: Callable[[float], None] | None = None,
) -> Analysis:
    """Run the streaming detector over a whole recording."""
    rate = analysis_rate(recording.rate_hz)
    detector = BreathDetector(config, rate, baseline)
    events: list[Event] = []
    values: list[float] = []
    t = 0.0
    total = recording.seconds
    step = max(1, int(rate * 10))  # progress every 10 s of signal
    for n, sample in enumerate(samples(recording, rate)):
        t = sample.t
        values.append(math.nan if sample.value is None else sample.value)
        events.extend(detector.update(sample))
        if progress is not None and n % step == 0:
            progress(min(1.0, t / total))
    events.extend(detector.finish(t))
    if progress is not None:
        progress(1.0)
    duration = len(values) / rate
    return Analysis(events, summarize(events, duration, detector), values, rate)


def summarize(events: list[Event], duration: float, detector: BreathDetector) -> dict[str, Any]:
    """The last line of ``--format jsonl``: counts, the mean rate, and time spent in each state."""
    breaths = [e for e in events if e.name == "breath"]
    peaks = [e.get("peak") for e in breaths]
    gaps = [(e.get("start"), e.get("end")) for e in events if e.name == "hold_end"]
    intervals = [  # breathing intervals: none across a hold
        b - a for a, b in zip(peaks, peaks[1:]) if b - a <= MAX_INTERVAL_SECONDS and not any(a < end and start < b for start, end in gaps)
    ]
    seconds = {name: 0.0 for name in PERIODS}
    longest_hold = 0.0
    open_since: dict[str, float] = {}
    for e in events:
        kind, _, edge = e.name.rpartition("_")
        if kind in PERIODS and edge == "start":
            open_since[kind] = e.get("start")
        elif kind in PERIODS and edge == "end" and kind in open_since:
            start = open_since.pop(kind)
            end = e.get("end", e.t)
            seconds[kind] += end - start
            if kind == "hold":
                longest_hold = max(longest_hold, end - start)
    for kind, start in open_since.items():  # still going when the recording ended
        seconds[kind] += duration - start
        if kind == "hold":
            longest_hold = max(longest_hold, duration - start)
    lost = 0.0
    lost_since = None
    for e in events:
        if e.name == "signal_lost" and lost_since is None:
            lost_since = e.get("start")
        elif e.name == "signal_ok" and lost_since is not None:
            lost += e.t - lost_since
            lost_since = None
    if lost_since is not None:
        lost += duration - lost_since
    baseline = detector.baseline
    summary: dict[str, Any] = {
        "event": "summary",
        "duration": duration,
        "breaths": len(breaths),
        "mean_rate_bpm": 60.0 / statistics.fmean(intervals) if intervals else None,
        "mean_depth": statistics.fmean(e.get("depth") for e in breaths) if breaths else None,
        "holds": sum(1 for e in events if e.name == "hold_start"),
        "longest_hold": longest_hold,
        "hold_seconds": seconds["hold"],
        "shallow_seconds": seconds["shallow"],
        "rapid_seconds": seconds["rapid"],
        "artifact_seconds": seconds["artifact"],
        "signal_lost_seconds": lost,
        "polarity": detector.polarity,
        "baseline_depth": baseline.depth if baseline else None,
        "baseline_rate_bpm": baseline.rate_bpm if baseline else None,
    }
    return {k: round(v, 3) if isinstance(v, float) else v for k, v in summary.items()}


# --- output -----------------------------------------------------------------------


def write_jsonl(analysis: Analysis, out: IO[str]) -> None:
    for e in analysis.events:
        out.write(jsonout.dumps(e.to_json_dict()) + "\n")
    out.write(jsonout.dumps(analysis.summary) + "\n")


def write_table(analysis: Analysis, out: IO[str]) -> None:
    """One line per event, for reading: time, event and its fields."""
    out.write(f"{'t (s)':>9}  {'event':<15} details\n")
    for e in analysis.events:
        d = e.to_json_dict()
        del d["event"], d["t"]
        details = "  ".join(f"{k}={_show(v)}" for k, v in d.items())
        out.write(f"{e.t:9.2f}  {e.name:<15} {details}\n")
    write_summary(analysis, out)


def write_summary(analysis: Analysis, out: IO[str]) -> None:
    for key, value in analysis.summary.items():
        if key != "event":
            out.write(f"{key:<20} {_show(value, seconds=key in SECONDS_KEYS)}\n")


SECONDS_KEYS = ("duration", "longest_hold", "hold_seconds", "shallow_seconds", "rapid_seconds", "artifact_seconds", "signal_lost_seconds")
"""Summary figures that are lengths of time: shown as a person says them (2 h 0 min), not 7.2e+03."""


def _show(value: Any, seconds: bool = False) -> str:
    if value is None:
        return "-"
    if seconds and isinstance(value, (int, float)):
        return f"{value:.1f} s" if value < 60 else duration(value)
    if isinstance(value, float):
        return f"{value:.3g}" if 0 < abs(value) < 0.01 else f"{value:.2f}"
    return str(value)


# --- baseline --------------------------------------------------------------------------


def baseline_path(state_dir: Path) -> Path:
    return state_dir / BASELINE_FILE


def save_baseline(baseline: Baseline, path: Path, extra: dict[str, Any] | None = None) -> None:
    """Write the baseline as JSON, atomically (write a temporary file, then rename)."""
    private.make_dir(path.parent)
    data = {**dataclasses.asdict(baseline), **(extra or {})}
    private.write_atomic(path, jsonout.dumps(data, indent=2) + "\n")


ADC_STEPS = 32768
"""An ADS1115 reading has 2**15 steps from zero to full scale: a breath shallower than one is not a reading."""


def load_baseline(path: Path, full_scale_v: float | None = None) -> Baseline:
    """Read a baseline written by ``breathcue calibrate``; a bad file is a ValueError naming the problem.

    The depth must be a finite number from one step of the ADC to twice its
    full scale (the whole range from -FS to +FS): anything else is not a
    breath, and would make every relative depth NaN, infinite or zero.
    Without ``full_scale_v`` (a recording in other units) it must be finite
    and positive, and not so small that dividing by it overflows.
    """
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"{path}: cannot read the baseline: {exc.strerror or exc}") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(f"{path}: not a baseline file (invalid JSON: {getattr(exc, 'msg', 'not UTF-8')})") from None
    except RecursionError:
        raise ValueError(f"{path}: not a baseline file (nested too deep)") from None
    if not isinstance(data, dict):
        raise ValueError(f"{path}: not a baseline file (expected a JSON object)")
    depth, rate, polarity = data.get("depth"), data.get("rate_bpm"), data.get("polarity")
    lo, hi = (full_scale_v / ADC_STEPS, 2 * full_scale_v) if full_scale_v else (1e-9, 1e9)
    if not isinstance(depth, (int, float)) or isinstance(depth, bool) or not lo <= depth <= hi:
        raise ValueError(f"{path}: depth = {show(depth)}: expected a number from {lo:.3g} to {hi:.3g} (run `breathcue calibrate`)")
    if not isinstance(rate, (int, float)) or isinstance(rate, bool) or not 2 <= rate <= 60:
        raise ValueError(f"{path}: rate_bpm = {show(rate)}: expected a number of breaths a minute from 2 to 60")
    if polarity not in (None, "normal", "inverted"):
        raise ValueError(f"{path}: polarity = {show(polarity)}: expected \"normal\", \"inverted\" or null")
    return Baseline(float(depth), float(rate), polarity)


def show(value: Any) -> str:
    """A value for a one-line message, shortened."""
    text = repr(value) if not isinstance(value, (dict, list)) else type(value).__name__
    return text if len(text) <= 40 else text[:37] + "..."


def progress_for(out: IO[str], seconds: float, label: str) -> ProgressBar | None:
    """A progress bar for a long recording when ``out`` is a terminal."""
    return ProgressBar(out, label) if seconds >= 600 and out.isatty() else None


# --- the commands' work (commands/ parses, these do) --------------------------------------


def detector_options(config: Config, hold_seconds: float | None = None, polarity: str | None = None) -> DetectorConfig:
    """The [detector] section with ``--hold-seconds`` and ``--polarity`` applied, validated like the config file."""
    given = {"hold_seconds": hold_seconds, "polarity": polarity}
    given = {key: value for key, value in given.items() if value is not None}
    if not given:
        return config.detector
    data = to_dict(config)
    data["detector"].update(given)
    return parse(data, "the command line").detector


WRITERS: dict[str, Callable[[Analysis, IO[str]], None]] = {"jsonl": write_jsonl, "table": write_table, "summary": write_summary}
"""``--format``: how the analysis is written."""


def analyze_file(
    path: Path, *, rate: float | None, column: int | str | None, detector: DetectorConfig, baseline: Baseline | None, err: IO[str]
) -> Analysis:
    """Load and analyse one recording (a bar on ``err`` when long, on a terminal); a RecordingError reaches the caller."""
    recording = load_recording(path, rate=rate, column=column)
    return analyze(recording, detector, baseline, progress_for(err, recording.seconds, f"analyzing {path.name}"))
