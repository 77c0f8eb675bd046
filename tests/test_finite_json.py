"""Numbers that cannot poison the daemon: a baseline is checked, and no JSON carries NaN or Infinity (issue 14, item 3)."""

from __future__ import annotations

import ast
import json
import logging
import math
from pathlib import Path

import pytest

from breathcue import jsonout
from breathcue.analyze import load_baseline
from breathcue.commands.common import calibrated_baseline
from breathcue.mqtt import state_of
from breathcue.status import StatusFile
from breathcue.web.server import sse

from .conftest import ROOT

PACKAGE = ROOT / "device" / "breathcue"


@pytest.mark.parametrize("depth", ["Infinity", "-Infinity", "NaN", "5e-324", "1e400", "0", "-0.2", "9.0", "1e-6"])
def test_a_baseline_with_an_implausible_depth_is_refused(tmp_path: Path, depth: str):
    path = tmp_path / "baseline.json"
    path.write_text(f'{{"depth": {depth}, "rate_bpm": 12, "polarity": null}}')
    with pytest.raises(ValueError, match="depth = .*: expected a number from 0.000125 to 8.19") as caught:
        load_baseline(path, full_scale_v=4.096)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize("rate", ["Infinity", "NaN", "1e400", "-1"])
def test_a_baseline_with_an_implausible_rate_is_refused(tmp_path: Path, rate: str):
    path = tmp_path / "baseline.json"
    path.write_text(f'{{"depth": 0.05, "rate_bpm": {rate}}}')
    with pytest.raises(ValueError, match="rate_bpm"):
        load_baseline(path, full_scale_v=4.096)


def test_the_daemon_starts_without_a_bad_baseline_and_says_so(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    (tmp_path / "baseline.json").write_text('{"depth": Infinity, "rate_bpm": 12}')
    with caplog.at_level(logging.WARNING):
        assert calibrated_baseline(tmp_path, 4.096) is None
    assert "depth = inf" in caplog.text and "starting without a calibrated baseline" in caplog.text
    (tmp_path / "baseline.json").write_text('{"depth": 0.05, "rate_bpm": 12}')
    assert calibrated_baseline(tmp_path, 4.096).depth == 0.05


def test_dumps_writes_null_for_non_finite_numbers():
    data = {"a": math.nan, "b": [math.inf, 1.5, (-math.inf, 2)], "c": {"d": math.nan}, "e": "nan", "f": True}
    assert json.loads(jsonout.dumps(data)) == {"a": None, "b": [None, 1.5, [None, 2]], "c": {"d": None}, "e": "nan", "f": True}


def test_status_file_stream_and_mqtt_never_carry_nan(tmp_path: Path):
    status = {"t": 1.0, "state": "breathing", "rel_depth": math.nan, "rate_bpm": math.inf}
    sink = StatusFile(tmp_path)
    sink.status(status)
    text = (tmp_path / "status.json").read_text()
    assert "NaN" not in text and "Infinity" not in text and json.loads(text)["rel_depth"] is None
    message = sse("status", status).decode()
    assert "NaN" not in message and json.loads(message.split("data: ", 1)[1])["rate_bpm"] is None
    state = state_of(status, holds_today=0)  # round(nan) used to crash the daemon here
    assert state["depth_pct"] is None and state["rate_bpm"] is None


EXEMPT = {("config.py", "_show")}
"""Where json.dumps only shows a value in an error message (and "Infinity" is the clearest way to say it)."""


def test_every_json_the_package_writes_refuses_nan():
    """Every json.dump(s) call in the package goes through jsonout or passes allow_nan=False."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        if path.name == "jsonout.py":
            continue
        tree = ast.parse(path.read_text())
        exempt = [range(f.lineno, f.end_lineno + 1) for f in ast.walk(tree)
                  if isinstance(f, ast.FunctionDef) and (path.name, f.name) in EXEMPT]
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in ("dump", "dumps")
                    and isinstance(node.func.value, ast.Name) and node.func.value.id == "json"):
                ok = any(k.arg == "allow_nan" and isinstance(k.value, ast.Constant) and k.value.value is False for k in node.keywords)
                if not ok and not any(node.lineno in r for r in exempt):
                    offenders.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert not offenders, f"json.dumps without allow_nan=False (use jsonout.dumps): {sorted(set(offenders))}"
