"""The config loader: good files load, bad files fail with every error named."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from breathcue import config as configmod
from breathcue.config import Config, ConfigError, parse, parse_text


def test_default_toml_matches_the_dataclass_defaults():
    assert parse_text(configmod.default_text()) == Config()


def test_empty_file_is_all_defaults():
    assert parse_text("") == Config()


def test_values_are_read_and_frozen():
    cfg = parse_text(
        """
        [ring]
        pixels = 60
        brightness = 1
        [sensor]
        address = 0x49
        [schedule]
        quiet = ["22:00-07:00", "12:00-13:00"]
        timezone = "Europe/Berlin"
        [[session]]
        at = "15:00"
        pattern = "box"
        minutes = 2
        """
    )
    assert cfg.ring.pixels == 60
    assert cfg.ring.brightness == 1.0 and isinstance(cfg.ring.brightness, float)
    assert cfg.sensor.address == 0x49
    assert cfg.schedule.quiet == ("22:00-07:00", "12:00-13:00")
    assert cfg.session[0].at == "15:00" and cfg.session[0].minutes == 2.0
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.ring.pixels = 3  # type: ignore[misc]


def test_acceptance_bad_file_names_key_and_suggests(tmp_path: Path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[ring]\npixels = -3\n[cues]\ncooldwn_seconds = 5\n")
    with pytest.raises(ConfigError) as info:
        configmod.load_file(bad)
    text = str(info.value)
    assert str(bad) in text
    assert "ring.pixels = -3" in text and "1 to 300" in text
    assert "cues.cooldwn_seconds" in text and "did you mean 'cooldown_seconds'" in text
    assert len(info.value.errors) == 2


@pytest.mark.parametrize(
    "toml, key, allowed",
    [
        ('ring = 3', "ring", "a table"),
        ('[ring]\npixels = "24"', "ring.pixels", "an integer"),
        ('[ring]\npixels = 2.5', "ring.pixels", "an integer"),
        ('[ring]\nbackend = "usb"', "ring.backend", "one of 'spi', 'pwm', 'pi5'"),
        ('[ring]\nbrightness = 1.5', "ring.brightness", "from 0 to 1"),
        ('[ring]\nfps = true', "ring.fps", "an integer"),
        ('[sensor]\naddress = 0x50', "sensor.address", "0x48"),
        ('[schedule]\nworking_hours = "9-5"', "schedule.working_hours", "HH:MM-HH:MM"),
        ('[schedule]\nquiet = ["12:00-12:00"]', "schedule.quiet[0]", "start and end differ"),
        ('[schedule]\nworkdays = "mon"', "schedule.workdays", "a list"),
        ('[schedule]\nworkdays = ["monday"]', "schedule.workdays[0]", "a weekday"),
        ('[schedule]\ntimezone = "Nowhere/Land"', "schedule.timezone", "IANA"),
        ('[[session]]\nat = "25:00"', "session[0].at", "HH:MM"),
        ('session = [1]', "session", "array of tables"),
        ('[hardware]\nmode = "gpu"', "hardware.mode", "'auto'"),
        ("[detector]\nhold_seconds = nan", "detector.hold_seconds", "a number"),
        ('[nonsense]\nx = 1', "nonsense", "unknown key"),
    ],
)
def test_each_class_of_error_names_key_and_allowed(toml: str, key: str, allowed: str):
    with pytest.raises(ConfigError) as info:
        parse_text(toml, "c.toml")
    message = str(info.value)
    assert f"c.toml: {key}" in message
    assert allowed in message


def test_all_errors_reported_at_once():
    with pytest.raises(ConfigError) as info:
        parse_text('[ring]\npixels = 0\nfps = 1000\n[cues]\nmax_per_hour = -1\n[x]\n')
    assert len(info.value.errors) == 4


def test_not_toml_is_a_config_error():
    with pytest.raises(ConfigError, match="not valid TOML"):
        parse_text("[ring\npixels=")


def test_unreadable_file_is_a_config_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="cannot read"):
        configmod.load_file(tmp_path / "missing.toml")
    binary = tmp_path / "b.toml"
    binary.write_bytes(b"\xff\xfe\x00")
    with pytest.raises(ConfigError):
        configmod.load_file(binary)


def test_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    explicit, env = tmp_path / "a.toml", tmp_path / "b.toml"
    explicit.write_text("[ring]\npixels = 12\n")
    env.write_text("[ring]\npixels = 16\n")
    assert configmod.load(explicit, {"BREATHCUE_CONFIG": str(env)})[0].ring.pixels == 12
    assert configmod.load(None, {"BREATHCUE_CONFIG": str(env)})[0].ring.pixels == 16
    monkeypatch.setattr(configmod, "SYSTEM_CONFIG", tmp_path / "absent.toml")
    cfg, source = configmod.load(None, {})
    assert cfg == Config() and source == configmod.DEFAULT_SOURCE


def test_state_dir_order(tmp_path: Path):
    assert configmod.state_dir(tmp_path, {"STATE_DIRECTORY": "/x"}) == tmp_path
    assert configmod.state_dir(None, {"STATE_DIRECTORY": "/var/lib/breathcue"}) == Path("/var/lib/breathcue")
    assert configmod.state_dir(None, {"XDG_DATA_HOME": "/d"}) == Path("/d/breathcue")


def test_show_round_trips():
    cfg = parse_text('[schedule]\nquiet = ["12:00-13:00"]\n[[session]]\nat = "15:00"\n')
    assert parse_text(configmod.to_toml(cfg)) == cfg


toml_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
section_names = st.sampled_from([f.name for f in dataclasses.fields(Config)] + ["junk"])
SECTIONS = [t for t in typing.get_type_hints(Config).values() if dataclasses.is_dataclass(t)]
ALL_KEYS = sorted({f.name for t in SECTIONS + [configmod.SessionConfig] for f in dataclasses.fields(t)} | {"x"})
key_names = st.sampled_from(ALL_KEYS)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(section_names, st.dictionaries(key_names, toml_values, max_size=4) | toml_values, max_size=5))
def test_garbage_raises_only_config_error(data):
    try:
        cfg = parse(data, "fuzz.toml")
    except ConfigError as exc:
        assert exc.errors and all(isinstance(e, str) for e in exc.errors)
    else:
        assert isinstance(cfg, Config)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_garbage_text_raises_only_config_error(text):
    try:
        parse_text(text)
    except ConfigError:
        pass


@pytest.mark.parametrize("text, says", [
    ("x = " + "[" * 600 + "]" * 600, "nested too deep"),
    ("x = " + "{a = " * 600 + "1" + "}" * 600, "nested too deep"),
    ("[ring]\nfps = " + "9" * 5000, "4300 digits"),
    ("[ring]\nbrightness = 1e400", "ring.brightness = Infinity"),
    ("[ring]\nbrightness = inf", "ring.brightness = Infinity"),
    ("[detector]\nhold_seconds = " + "9" * 400, "detector.hold_seconds"),
])
def test_pathological_files_are_one_line_config_errors(text: str, says: str):
    with pytest.raises(ConfigError) as caught:
        parse_text(text)
    assert says in str(caught.value) and len(caught.value.errors) == 1 and "\n" not in caught.value.errors[0]


def test_an_endless_or_huge_file_is_refused_unread(tmp_path: Path):
    for endless in ("/dev/full", "/dev/zero"):
        with pytest.raises(ConfigError, match="longer than a config can be"):
            configmod.load_file(Path(endless))
    big = tmp_path / "big.toml"
    big.write_text("# x\n" * (configmod.MAX_BYTES // 4 + 1))
    with pytest.raises(ConfigError, match="larger than a config can be"):
        configmod.load_file(big)


def test_config_check_exits_2_with_one_line_on_a_deep_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    from breathcue.cli import main

    deep = tmp_path / "deep.toml"
    deep.write_text("x = " + "[" * 600 + "]" * 600)
    assert main(["config", "check", str(deep)]) == 2
    assert main(["config", "check", "/dev/full"]) == 2
    err = capsys.readouterr().err
    assert "nested too deep" in err and "longer than a config" in err and "Traceback" not in err
