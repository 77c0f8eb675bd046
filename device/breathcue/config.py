"""One validated, frozen configuration object, read from a TOML file.

Each section is a frozen dataclass; each key is a field whose metadata says
what is allowed (``opt``).  ``parse`` walks the TOML document against those
dataclasses and collects every problem before raising one ``ConfigError``, so
a user fixes a file in one pass.  Adding a key means adding one field here,
its commented line in ``default.toml`` and its row in docs/configuration.md
(tests check all three agree).
"""

from __future__ import annotations

import dataclasses
import difflib
import json
import math
import os
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from datetime import date
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w

from .core.pacing import pattern_names
from .core.relaxation import NAME as RELAXATION

SYSTEM_CONFIG = Path("/etc/breathcue/config.toml")
MAX_BYTES = 256 * 1024
"""A config file larger than this is refused unread: the commented default is about 10 kB."""
ENV_CONFIG = "BREATHCUE_CONFIG"
DEFAULT_SOURCE = "<defaults>"

Check = Callable[[Any], "str | None"]


class ConfigError(Exception):
    """A configuration that cannot be used; ``errors`` lists every problem."""

    def __init__(self, source: str, errors: list[str]):
        self.source = source
        self.errors = errors
        super().__init__("\n".join(f"{source}: {e}" for e in errors))


def shown_path(path: str | Path) -> str:
    """A path for a one-line message: a newline or other control character in it is shown escaped."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in str(path))


def opt(
    default: Any,
    *,
    min: float | None = None,
    max: float | None = None,
    choices: tuple[Any, ...] | None = None,
    check: Check | None = None,
    each: Check | None = None,
    allowed: str | None = None,
) -> Any:
    """A config key: its default and what values are allowed.

    ``check`` returns None for a good value or a short reason; ``each`` does
    the same for every item of a list; ``allowed`` overrides the generated
    description of the allowed values.
    """
    meta = {"min": min, "max": max, "choices": choices, "check": check, "each": each, "allowed": allowed}
    if isinstance(default, (list, dict)):
        raise TypeError("use tuples or a default_factory for mutable defaults")
    return field(default=default, metadata=meta)


def section(cls: type) -> Any:
    """A sub-table whose defaults are the section dataclass's defaults."""
    return field(default_factory=cls)


# --- value checks shared by several keys -----------------------------------

_HHMM = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)$")
_RANGE = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-4]):([0-5]\d)$")
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def check_hhmm(value: str) -> str | None:
    return None if _HHMM.match(value) else 'a time "HH:MM" (24-hour)'


def check_time_range(value: str) -> str | None:
    m = _RANGE.match(value)
    if not m or (m.group(3) == "24" and m.group(4) != "00"):
        return 'a range "HH:MM-HH:MM" (24-hour; it may span midnight)'
    if value[:5] == value[6:]:
        return "a range whose start and end differ"
    return None


def check_timezone(value: str) -> str | None:
    if value == "":
        return None
    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        return 'an IANA time zone such as "Europe/Berlin", or "" for the system\'s'
    return None


def check_date(value: str) -> str | None:
    try:
        date.fromisoformat(value)
    except ValueError:
        return 'a date "YYYY-MM-DD"'
    return None


def check_weekday(value: str) -> str | None:
    return None if value in WEEKDAYS else f"a weekday: one of {', '.join(WEEKDAYS)}"


_EVERY = re.compile(r"^(?:([1-9]\d?)h)?(?:(\d{1,3})m)?$")


def every_minutes(value: str) -> int | None:
    """ "90m", "2h" or "1h30m" in minutes; None when it is not such an interval."""
    m = _EVERY.match(value)
    return int(m.group(1) or 0) * 60 + int(m.group(2) or 0) if value and m else None


def check_every(value: str) -> str | None:
    if 10 <= (every_minutes(value) or 0) <= 24 * 60:
        return None
    return 'an interval such as "90m", "2h" or "1h30m", from 10 minutes to 24 hours'


def check_off_day(value: str) -> str | None:
    first, sep, last = value.partition("..")
    try:
        start, end = date.fromisoformat(first), date.fromisoformat(last if sep else first)
    except ValueError:
        return 'a date "YYYY-MM-DD" or a range "YYYY-MM-DD..YYYY-MM-DD"'
    return None if start <= end else "a range whose first date is not after its last"


def check_ramp_bpm(value: float) -> str | None:
    return None if value == 0 or 2 <= value <= 30 else "2-30 breaths a minute, or 0 for no ramp"


def _optional(check: Check) -> Check:
    """The check of a key whose empty string means "not set"."""
    return lambda value: check(value) if value else None


# --- sections ---------------------------------------------------------------


@dataclass(frozen=True)
class HardwareConfig:
    mode: str = opt("auto", choices=("auto", "pi", "sim"))


@dataclass(frozen=True)
class RingConfig:
    pixels: int = opt(24, min=1, max=300)
    backend: str = opt("spi", choices=("spi", "pwm", "pi5"))
    pin: int = opt(10, choices=(10, 12, 18, 21))
    pixel_order: str = opt("GRB", choices=("GRB", "RGB", "GRBW", "RGBW"))
    fps: int = opt(60, min=5, max=120)
    brightness: float = opt(0.5, min=0.0, max=1.0)
    max_current_ma: int = opt(1000, min=50, max=20000)
    ma_per_channel: float = opt(20.0, min=1.0, max=100.0)
    curve: str = opt("cie", choices=("cie", "gamma"))
    gamma: float = opt(2.2, min=1.0, max=4.0)
    floor: float = opt(0.1, min=0.0, max=0.5)
    dither: bool = opt(True)

    def __post_init__(self) -> None:
        pins = {"spi": (10,), "pwm": (12, 18, 21)}.get(self.backend)
        if pins and self.pin not in pins:
            allowed = " or ".join(filter(None, (", ".join(str(p) for p in pins[:-1]), str(pins[-1]))))
            raise ConfigError("", [f"ring.pin = {self.pin}: expected {allowed} with backend = {_show(self.backend)}"])


def check_colour(value: str) -> str | None:
    return None if re.fullmatch(r"#[0-9a-fA-F]{6}", value) else 'a colour "#rrggbb"'


@dataclass(frozen=True)
class PacingConfig:
    style: str = opt("glow", choices=("glow", "fill"))
    inhale_colour: str = opt("#3a8dff", check=check_colour)
    hold_in_colour: str = opt("#3a8dff", check=check_colour)
    exhale_colour: str = opt("#3a8dff", check=check_colour)
    hold_out_colour: str = opt("#3a8dff", check=check_colour)


@dataclass(frozen=True)
class PatternConfig:
    """A user pattern, ``[patterns.NAME]``: phase lengths in seconds."""

    inhale: float = opt(4.0, min=0.5, max=30.0)
    hold_in: float = opt(0.0, min=0.0, max=30.0)
    exhale: float = opt(6.0, min=0.5, max=30.0)
    hold_out: float = opt(0.0, min=0.0, max=30.0)
    top_up: float = opt(0.0, min=0.0, max=10.0)

    def __post_init__(self) -> None:
        errors = []
        period = self.inhale + self.hold_in + self.exhale + self.hold_out
        if not 2.0 <= period <= 30.0:
            errors.append(
                f"inhale + hold_in + exhale + hold_out = {period:g} s: expected a cycle of 2 to 30 s (2-30 breaths a minute)"
            )
        if self.top_up >= self.inhale:
            errors.append(f"top_up = {self.top_up:g}: expected less than inhale ({self.inhale:g})")
        if errors:
            raise ConfigError("", errors)


ADS1115_RATES = (8, 16, 32, 64, 128, 250, 475, 860)
ADS1015_RATES = (128, 250, 490, 920, 1600, 2400, 3300)


@dataclass(frozen=True)
class SensorConfig:
    chip: str = opt("ads1115", choices=("ads1115", "ads1015"))
    bus: int = opt(1, min=0, max=31)
    address: int = opt(0x48, choices=(0x48, 0x49, 0x4A, 0x4B), allowed="one of 0x48, 0x49, 0x4a, 0x4b")
    channel: int | str = opt(
        0,
        choices=(0, 1, 2, 3, "0-1", "0-3", "1-3", "2-3"),
        allowed='0, 1, 2 or 3 (against GND), or a differential pair "0-1", "0-3", "1-3" or "2-3"',
    )
    full_scale_v: float = opt(4.096, choices=(6.144, 4.096, 2.048, 1.024, 0.512, 0.256))
    data_rate: int = opt(128, choices=tuple(sorted(set(ADS1115_RATES + ADS1015_RATES))))
    alert_pin: int = opt(-1, min=-1, max=27)
    supply_v: float = opt(3.3, min=0.5, max=5.5)
    rail_margin_v: float = opt(0.02, min=0.0, max=0.5)
    sample_rate_hz: float = opt(25.0, min=5.0, max=100.0)

    def __post_init__(self) -> None:
        errors = []
        rates = ADS1115_RATES if self.chip == "ads1115" else ADS1015_RATES
        if self.data_rate not in rates:
            errors.append(f"sensor.data_rate = {self.data_rate}: expected one of {', '.join(map(str, rates))} with chip = {_show(self.chip)}")
        elif self.data_rate < self.sample_rate_hz:
            errors.append(f"sensor.data_rate = {self.data_rate}: expected at least sample_rate_hz ({self.sample_rate_hz:g}), as every sample averages conversions")
        if errors:
            raise ConfigError("", errors)


@dataclass(frozen=True)
class DetectorConfig:
    hold_seconds: float = opt(10.0, min=3.0, max=60.0)
    shallow_fraction: float = opt(0.5, min=0.05, max=0.95)
    shallow_seconds: float = opt(30.0, min=5.0, max=600.0)
    rapid_bpm: float = opt(20.0, min=8.0, max=60.0)
    rapid_seconds: float = opt(60.0, min=5.0, max=600.0)
    polarity: str = opt("auto", choices=("auto", "normal", "inverted"))
    max_hold_seconds: float = opt(60.0, min=10.0, max=600.0)

    def __post_init__(self) -> None:
        if self.max_hold_seconds <= self.hold_seconds:
            raise ConfigError(
                "",
                [f"detector.max_hold_seconds = {self.max_hold_seconds:g}: expected more than detector.hold_seconds ({self.hold_seconds:g})"],
            )


@dataclass(frozen=True)
class CuesConfig:
    cooldown_seconds: float = opt(900.0, min=0.0, max=86400.0)
    max_per_hour: int = opt(2, min=0, max=120)
    max_per_day: int = opt(16, min=0, max=1000)
    hold_nudge_seconds: float = opt(30.0, min=0.0, max=600.0)
    shallow_nudge_seconds: float = opt(120.0, min=0.0, max=3600.0)
    dnd_minutes: float = opt(60.0, min=1.0, max=720.0)
    escalate_seconds: float = opt(15.0, min=1.0, max=600.0)
    recovery_breaths: int = opt(3, min=0, max=20)
    shallow_cue_seconds: float = opt(60.0, min=5.0, max=600.0)
    target_bpm: float = opt(6.0, min=3.0, max=15.0)
    rapid_cue_seconds: float = opt(180.0, min=10.0, max=180.0)
    snooze_minutes: float = opt(30.0, min=1.0, max=720.0)
    check_strap: bool = opt(True)
    colour: str = opt("#ff8c1a", check=check_colour)


@dataclass(frozen=True)
class AmbientConfig:
    mode: str = opt("pacer", choices=("pacer", "mirror", "off"))
    bpm: float = opt(6.0, min=2.0, max=30.0)
    brightness: float = opt(0.35, min=0.0, max=1.0)


@dataclass(frozen=True)
class ButtonConfig:
    enabled: bool = opt(False)
    pin: int = opt(17, min=2, max=27)
    pull_up: bool = opt(True)
    long_press_seconds: float = opt(2.0, min=0.5, max=10.0)
    double_press_seconds: float = opt(0.4, min=0.1, max=1.5)


@dataclass(frozen=True)
class VibrationConfig:
    enabled: bool = opt(False)
    pin: int = opt(27, min=2, max=27)
    pulses: int = opt(3, min=1, max=10)
    pulse_seconds: float = opt(0.25, min=0.05, max=2.0)
    gap_seconds: float = opt(0.15, min=0.05, max=2.0)
    quiet: tuple[str, ...] = opt((), each=check_time_range)


@dataclass(frozen=True)
class ScheduleConfig:
    workdays: tuple[str, ...] = opt(("mon", "tue", "wed", "thu", "fri"), each=check_weekday)
    working_hours: str = opt("09:00-17:30", check=check_time_range)
    hours: dict[str, str] = field(
        default_factory=lambda: types.MappingProxyType({}), metadata={"check": check_time_range}
    )
    quiet: tuple[str, ...] = opt((), each=check_time_range)
    off_days: tuple[str, ...] = opt((), each=check_off_day)
    night_dim: str = opt("", check=_optional(check_time_range))
    night_level: float = opt(0.3, min=0.0, max=1.0)
    timezone: str = opt("", check=check_timezone)

    def __post_init__(self) -> None:
        bad = [day for day in self.hours if day not in WEEKDAYS]
        if bad:
            raise ConfigError("", [f"schedule.hours.{day}: unknown day; expected one of {', '.join(WEEKDAYS)}" for day in bad])


@dataclass(frozen=True)
class SessionConfig:
    at: str = opt("", check=lambda v: check_hhmm(v) if v else None)
    every: str = opt("", check=_optional(check_every))
    pattern: str = opt("resonance")
    minutes: float = opt(5.0, min=0.5, max=120.0)
    days: tuple[str, ...] = opt((), each=check_weekday)
    ramp_from: float = opt(0.0, check=check_ramp_bpm)
    ramp_to: float = opt(0.0, check=check_ramp_bpm)
    ramp_minutes: float = opt(0.0, min=0.0, max=120.0)


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.0/8, ::1, localhost)."""
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_host(value: str) -> str | None:
    return None if value and not any(c.isspace() for c in value) else "a host name or IP address"


def check_topic(value: str) -> str | None:
    if not value or value.startswith("/") or value.endswith("/") or any(c in value for c in "+#\0"):
        return "an MQTT topic without +, # or a leading or trailing /"
    return None


def check_prom_file(value: str) -> str | None:
    return None if value.endswith(".prom") and not value.endswith("/.prom") else 'a file name ending in ".prom" (node_exporter reads only those)'


@dataclass(frozen=True)
class HistoryConfig:
    enabled: bool = opt(True)
    keep_days: int = opt(365, min=1, max=36500)
    flush_seconds: float = opt(10.0, min=1.0, max=60.0)


WEB_TOKEN_MIN = 16


@dataclass(frozen=True)
class WebConfig:
    enabled: bool = opt(False)
    host: str = opt("127.0.0.1", check=check_host)
    port: int = opt(8787, min=1, max=65535)
    token: str = opt("")

    def __post_init__(self) -> None:
        errors = []
        if self.token and (len(self.token) < WEB_TOKEN_MIN or any(c.isspace() for c in self.token)):
            # The value is a secret: the message never shows it.
            errors.append(f"web.token: expected at least {WEB_TOKEN_MIN} characters without spaces")
        if not self.token and not is_loopback(self.host):
            errors.append(f"web.host = {_show(self.host)}: expected a loopback address (127.0.0.1, ::1, localhost) unless web.token is set")
        if errors:
            raise ConfigError("", errors)


@dataclass(frozen=True)
class MqttConfig:
    enabled: bool = opt(False)
    host: str = opt("localhost", check=check_host)
    port: int = opt(1883, min=1, max=65535)
    username: str = opt("")
    password_file: str = opt("")
    tls: bool = opt(False)
    ca_file: str = opt("")
    topic_prefix: str = opt("breathcue", check=check_topic)
    discovery_prefix: str = opt("homeassistant", check=check_topic)
    node_id: str = opt("", check=_optional(lambda v: None if re.fullmatch(r"[A-Za-z0-9_-]+", v) else "letters, digits, _ and - only"))

    def __post_init__(self) -> None:
        if self.password_file and not self.username:
            raise ConfigError("", ["mqtt.username: expected a user name with mqtt.password_file"])


@dataclass(frozen=True)
class MetricsConfig:
    textfile: str = opt("", check=_optional(check_prom_file))
    interval_seconds: float = opt(15.0, min=1.0, max=3600.0)


def session_errors(config: "Config") -> list[str]:
    """Checks across the keys of each [[session]]: when it runs, its pattern, and how it ramps."""
    known = pattern_names(config.patterns) + [RELAXATION]
    errors = []
    for i, s in enumerate(config.session):
        where = f"session[{i}]"
        if bool(s.at) == bool(s.every):
            errors.append(f'{where}: expected either at = "HH:MM" or every = "90m", not {"both" if s.at else "neither"}')
        elif s.every and (every_minutes(s.every) or 0) <= s.minutes:
            errors.append(f"{where}.every = {_show(s.every)}: expected an interval longer than minutes = {s.minutes:g}")
        if s.pattern not in known:
            errors.append(f"{where}.pattern = {_show(s.pattern)}: expected one of {', '.join(known)}")
        if (s.ramp_from == 0) != (s.ramp_to == 0):
            errors.append(f"{where}: expected ramp_from and ramp_to together (both 0 for no ramp)")
        elif s.ramp_from and (s.ramp_minutes <= 0 or s.pattern == RELAXATION):
            errors.append(f"{where}.ramp_minutes = {s.ramp_minutes:g}: expected more than 0 with a ramp, on a breathing pattern")
        if s.ramp_minutes > s.minutes:
            errors.append(f"{where}.ramp_minutes = {s.ramp_minutes:g}: expected at most minutes = {s.minutes:g}")
    return errors


@dataclass(frozen=True)
class Config:
    hardware: HardwareConfig = section(HardwareConfig)
    ring: RingConfig = section(RingConfig)
    sensor: SensorConfig = section(SensorConfig)
    detector: DetectorConfig = section(DetectorConfig)
    cues: CuesConfig = section(CuesConfig)
    ambient: AmbientConfig = section(AmbientConfig)
    button: ButtonConfig = section(ButtonConfig)
    vibration: VibrationConfig = section(VibrationConfig)
    schedule: ScheduleConfig = section(ScheduleConfig)
    session: tuple[SessionConfig, ...] = field(default=())
    pacing: PacingConfig = section(PacingConfig)
    patterns: dict[str, PatternConfig] = field(default_factory=lambda: types.MappingProxyType({}))
    history: HistoryConfig = section(HistoryConfig)
    web: WebConfig = section(WebConfig)
    mqtt: MqttConfig = section(MqttConfig)
    metrics: MetricsConfig = section(MetricsConfig)

    def __post_init__(self) -> None:
        errors = session_errors(self)
        if self.vibration.enabled and self.button.enabled and self.vibration.pin == self.button.pin:
            errors.append(f"vibration.pin = {self.vibration.pin}: the button uses that pin; expected another BCM GPIO")
        if errors:
            raise ConfigError("", errors)


# --- parsing ----------------------------------------------------------------

_SCALARS = {bool: "true or false", int: "an integer", float: "a number", str: "a string"}


def _describe(meta: Mapping[str, Any], kind: Any) -> str:
    if meta.get("allowed"):
        return meta["allowed"]
    if meta.get("choices"):
        return "one of " + ", ".join(repr(c) if isinstance(c, str) else str(c) for c in meta["choices"])
    lo, hi = meta.get("min"), meta.get("max")
    base = _SCALARS.get(kind, "a value")
    if lo is not None and hi is not None:
        return f"{base} from {lo:g} to {hi:g}"
    if lo is not None:
        return f"{base} of at least {lo:g}"
    return base


def _show(value: Any) -> str:
    """A value as it would be written in TOML, shortened."""
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


class _Parser:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, key: str, value: Any, allowed: str) -> None:
        self.errors.append(f"{key} = {_show(value)}: expected {allowed}")

    def table(self, cls: type, data: Any, prefix: str) -> Any:
        if not isinstance(data, dict):
            self.errors.append(f"{prefix or 'the file'} = {_show(data)}: expected a table")
            return cls()
        fields = {f.name: f for f in dataclasses.fields(cls)}
        hints = typing.get_type_hints(cls)
        for key in data:
            if key not in fields:
                where = f"{prefix}.{key}" if prefix else key
                near = difflib.get_close_matches(key, fields, n=1, cutoff=0.6)
                hint = f"; did you mean {near[0]!r}?" if near else f"; allowed keys: {', '.join(fields)}"
                self.errors.append(f"{where}: unknown key{hint}")
        values = {}
        for name, f in fields.items():
            if name in data:
                where = f"{prefix}.{name}" if prefix else name
                values[name] = self.value(hints[name], f.metadata, data[name], where)
        try:
            return cls(**{k: v for k, v in values.items() if v is not _BAD})
        except ConfigError as exc:  # cross-field checks in __post_init__
            found = [e if not prefix or e.startswith(prefix) else f"{prefix}.{e}" for e in exc.errors]
            # A check across the keys of a table one of whose keys already failed only repeats it, wrongly
            # (a bad `every` is left out, so the session would have "neither" at nor every): leave it out.
            self.errors.extend(e for e in found if not any(seen.startswith(e.split(":")[0] + ".") for seen in self.errors))
            return cls()

    def value(self, kind: Any, meta: Mapping[str, Any], raw: Any, key: str) -> Any:
        origin = typing.get_origin(kind)
        if dataclasses.is_dataclass(kind):
            return self.table(kind, raw, key)
        if origin is tuple:
            item_kind = typing.get_args(kind)[0]
            if not isinstance(raw, list):
                self.error(key, raw, "a list")
                return _BAD
            if dataclasses.is_dataclass(item_kind):
                if not all(isinstance(item, dict) for item in raw):
                    self.error(key, raw, "an array of tables [[" + key + "]]")
                    return _BAD
                return tuple(self.table(item_kind, item, f"{key}[{i}]") for i, item in enumerate(raw))
            item_meta = {"check": meta.get("each")}
            items = tuple(self.scalar(item_kind, item_meta, item, f"{key}[{i}]") for i, item in enumerate(raw))
            if any(item is _BAD for item in items):
                return _BAD
            return self.checked({**meta, "each": None}, items, key, kind)
        if origin is dict:
            item_kind = typing.get_args(kind)[1]
            if not isinstance(raw, dict):
                self.error(key, raw, "a table")
                return _BAD
            return types.MappingProxyType(
                {name: self.value(item_kind, meta, item, f"{key}.{name}") for name, item in raw.items()}
            )
        if origin in (typing.Union, types.UnionType):
            options = typing.get_args(kind)
            for option in options:
                if self.accepts(option, raw):
                    return self.scalar(option, meta, raw, key)
            self.error(key, raw, _describe(meta, None) if meta.get("allowed") else "a value of another type")
            return _BAD
        return self.scalar(kind, meta, raw, key)

    @staticmethod
    def accepts(kind: type, raw: Any) -> bool:
        if kind is float:
            return isinstance(raw, (int, float)) and not isinstance(raw, bool)
        if kind is int:
            return isinstance(raw, int) and not isinstance(raw, bool)
        return isinstance(raw, kind)

    def scalar(self, kind: type, meta: Mapping[str, Any], raw: Any, key: str) -> Any:
        if not self.accepts(kind, raw):
            self.error(key, raw, _describe(meta, kind))
            return _BAD
        try:
            value = float(raw) if kind is float else raw
        except OverflowError:  # an integer past any float
            value = math.inf
        if kind is float and not math.isfinite(value):  # nan, inf: no key means either
            self.error(key, raw, _describe(meta, kind))
            return _BAD
        return self.checked(meta, value, key, kind)

    def checked(self, meta: Mapping[str, Any], value: Any, key: str, kind: Any) -> Any:
        choices = meta.get("choices")
        lo, hi = meta.get("min"), meta.get("max")
        if choices is not None and value not in choices:
            self.error(key, value, _describe(meta, kind))
            return _BAD
        if (lo is not None and value < lo) or (hi is not None and value > hi):
            self.error(key, value, _describe(meta, kind))
            return _BAD
        check = meta.get("check")
        if check is not None:
            problem = check(value)
            if problem:
                self.error(key, value, problem)
                return _BAD
        return value


_BAD = object()


def parse(data: Mapping[str, Any], source: str = DEFAULT_SOURCE) -> Config:
    """Validate a TOML document (already decoded) into a Config."""
    parser = _Parser()
    try:
        config = parser.table(Config, dict(data), "")
    except RecursionError:  # a value nested hundreds deep, shown in an error message
        raise ConfigError(source, ["a value is nested too deep"]) from None
    if parser.errors:
        raise ConfigError(source, parser.errors)
    return config


def parse_text(text: str, source: str = DEFAULT_SOURCE) -> Config:
    try:
        data = tomllib.loads(text)
    except RecursionError:  # tomllib recurses once per level of nested arrays and inline tables
        raise ConfigError(source, ["not valid TOML: nested too deep"]) from None
    except ValueError as exc:  # TOMLDecodeError, or an integer of more than 4,300 digits
        raise ConfigError(source, [f"not valid TOML: {one_line(exc).split(';')[0]}"]) from None
    return parse(data, source)


def one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())


def read_bounded(path: Path) -> str:
    """The file's text; ConfigError when it cannot be read, is over MAX_BYTES, or is not UTF-8.

    The size is checked before reading, and the read stops past the bound
    anyway: a device such as /dev/full or /dev/zero never ends.
    """
    try:
        with open(path, "rb") as f:
            size = os.fstat(f.fileno()).st_size
            if size > MAX_BYTES:
                raise ConfigError(str(path), [f"{size} bytes: larger than a config can be ({MAX_BYTES // 1024} KiB); not read"])
            data = f.read(MAX_BYTES + 1)
    except OSError as exc:
        raise ConfigError(str(path), [f"cannot read: {exc.strerror or exc}"]) from None
    except ValueError:  # a NUL in the path (only a program can pass one)
        raise ConfigError(shown_path(path), ["cannot read: a path cannot hold a NUL character"]) from None
    if len(data) > MAX_BYTES:
        raise ConfigError(str(path), [f"longer than a config can be ({MAX_BYTES // 1024} KiB); not read further"])
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(str(path), ["not a UTF-8 text file"]) from None


def load_file(path: Path) -> Config:
    return parse_text(read_bounded(path), str(path))


def default_text() -> str:
    """The commented default configuration shipped with the package."""
    return resources.files("breathcue").joinpath("default.toml").read_text(encoding="utf-8")


def find_config(explicit: Path | None, environ: Mapping[str, str] = os.environ) -> Path | None:
    """The config file to use: --config, $BREATHCUE_CONFIG, /etc, else none (the defaults)."""
    if explicit is not None:
        return explicit
    if environ.get(ENV_CONFIG):
        return Path(environ[ENV_CONFIG])
    if SYSTEM_CONFIG.exists():
        return SYSTEM_CONFIG
    return None


def load(explicit: Path | None = None, environ: Mapping[str, str] = os.environ) -> tuple[Config, str]:
    """The effective config and where it came from."""
    path = find_config(explicit, environ)
    if path is None:
        return parse_text(default_text()), DEFAULT_SOURCE
    return load_file(path), str(path)


def notes(config: Config) -> list[str]:
    """What a valid config does that its writer may not mean: said as a warning, never refused."""
    spans = [(text, _minutes_of(text)) for text in config.schedule.quiet]
    found = []
    for i, (a, a_spans) in enumerate(spans):
        for b, b_spans in spans[i + 1:]:
            if any(s < f2 and s2 < f for s, f in a_spans for s2, f2 in b_spans):
                found.append(f"schedule.quiet: {_show(a)} and {_show(b)} overlap; they act as one quiet time")
    return found


def _minutes_of(text: str) -> list[tuple[int, int]]:
    """A valid "HH:MM-HH:MM" as minutes of the day, split at midnight when it spans it."""
    start = int(text[0:2]) * 60 + int(text[3:5])
    end = int(text[6:8]) * 60 + int(text[9:11])
    return [(start, end)] if start < end else [(start, 24 * 60), (0, end)]


def state_dir(explicit: Path | None, environ: Mapping[str, str] = os.environ) -> Path:
    """Where history and status go: --state-dir, $STATE_DIRECTORY (systemd), else the user's data dir."""
    if explicit is not None:
        return explicit
    if environ.get("STATE_DIRECTORY"):
        return Path(environ["STATE_DIRECTORY"].split(":")[0])
    data_home = environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(data_home) / "breathcue"


def sim_state_dir(environ: Mapping[str, str] = os.environ) -> Path:
    """Where simulated and replayed runs keep their state: beside the real one, never in it.

    The real history only ever holds what the real strap measured, so
    `breathcue report` never shows the demo's holds as the user's day.
    """
    real = state_dir(None, environ)
    return real.with_name(real.name + "-sim")


def to_dict(config: Any) -> Any:
    """The config as plain TOML-ready data (tuples become lists)."""
    if dataclasses.is_dataclass(config):
        return {f.name: to_dict(getattr(config, f.name)) for f in dataclasses.fields(config)}
    if isinstance(config, Mapping):
        return {k: to_dict(v) for k, v in config.items()}
    if isinstance(config, tuple):
        return [to_dict(v) for v in config]
    return config


def to_toml(config: Config) -> str:
    return tomli_w.dumps(to_dict(config))
