"""What CI runs: a test that lacks the shared recordings or shellcheck fails there instead of skipping."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .conftest import ROOT

TESTS = '''
import pytest

def test_recording():
    pytest.skip("../shared/data/respiration/neurokit2/x.csv is not here")

@pytest.mark.skipif(True, reason="physio_belt is absent")
def test_marked():
    pass

@pytest.mark.skipif(True, reason="shellcheck is not installed")
def test_tool():
    pass

def test_other():
    pytest.skip("matplotlib is not installed")
'''


def outcome(tmp_path: Path, ci: str | None) -> str:
    (tmp_path / "conftest.py").write_text(f"import sys\nsys.path.insert(0, {str(ROOT)!r})\nfrom tests.conftest import pytest_runtest_makereport\n")
    (tmp_path / "test_needs.py").write_text(TESTS)
    # Only the hook under test: no hypothesis, xdist or randomly to load three times over.
    env = {k: v for k, v in os.environ.items() if k != "CI"} | {"PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    if ci is not None:
        env["CI"] = ci
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", str(tmp_path)],
        cwd=tmp_path, capture_output=True, text=True, env=env, timeout=60,
    )
    return done.stdout.strip().splitlines()[-1]


def test_missing_recordings_and_shellcheck_fail_in_ci_and_skip_elsewhere(tmp_path: Path):
    assert outcome(tmp_path, "true").strip("= ").startswith("1 failed, 1 skipped, 2 errors")
    assert outcome(tmp_path, None).strip("= ").startswith("4 skipped")
    assert outcome(tmp_path, "false").strip("= ").startswith("4 skipped")
