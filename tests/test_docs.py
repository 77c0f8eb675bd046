"""Docs are part of the feature: every config key and command is documented."""

from __future__ import annotations

import re
import tomllib

from breathcue import config as configmod
from breathcue.cli import build_parser

from .conftest import ROOT

DOCS = ROOT / "docs"


def keys(table: dict, prefix: str = "") -> list[str]:
    out = []
    for key, value in table.items():
        if isinstance(value, dict):
            out += keys(value, f"{prefix}{key}.")
        else:
            out.append(f"{prefix}{key}")
    return out


def test_every_default_key_is_in_the_configuration_reference():
    reference = (DOCS / "configuration.md").read_text()
    data = configmod.to_dict(configmod.Config())
    data.pop("session")
    missing = []
    for dotted in keys(data):
        section, _, key = dotted.rpartition(".")
        heading = f"## `[{section}]`"
        start = reference.find(heading)
        body = reference[start : reference.find("\n## ", start + 1)] if start >= 0 else ""
        if f"| `{key}` |" not in body:
            missing.append(dotted)
    assert not missing, f"undocumented config keys: {missing}"


def test_every_key_config_init_writes_is_documented():
    written = keys(tomllib.loads(configmod.default_text()))
    reference = (DOCS / "configuration.md").read_text()
    assert [k for k in written if f"`{k.rpartition('.')[2]}`" not in reference] == []


def test_every_command_is_in_the_cli_reference():
    text = (DOCS / "cli.md").read_text()
    parser = build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")
    for name in sub.choices:
        assert re.search(rf"`breathcue {name}\b", text), f"breathcue {name} is not in docs/cli.md"
