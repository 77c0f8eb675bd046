"""Shared test fixtures: configs, a virtual clock and the repository paths."""

from __future__ import annotations

import logging
import os
import re
import tempfile
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from breathcue import config as configmod
from breathcue.clock import VirtualClock

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED_DATA = ROOT.parent / "shared" / "data" / "respiration"

CI_NEEDS = re.compile(r"shared/data|\bis absent\b|\bshellcheck\b")
"""What a skip's reason says when it lacks something CI always has: the real recordings
(``../shared/data/respiration``, "<recording> is absent") or a tool .ci/run installs (shellcheck)."""


@pytest.fixture(autouse=True)
def _no_stale_log_handler():
    """Drop the stderr handler a test's in-process ``main()`` gave the root logger.

    ``logging.basicConfig`` binds it to the sys.stderr of that moment, a
    capture that pytest closes after the test: any later test that logged
    would fail on a closed file, depending on the order tests ran in.
    """
    root = logging.getLogger()
    before = set(root.handlers)
    yield
    for handler in [h for h in root.handlers if h not in before and type(h) is logging.StreamHandler]:
        root.removeHandler(handler)


@pytest.fixture(scope="session")
def _data_homes(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data-homes")


@pytest.fixture(autouse=True)
def _own_data_home(_data_homes: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Give each test a data directory of its own, for the state a command finds without --state-dir.

    Otherwise `run --sim` and the like would share ``~/.local/share/breathcue-sim``
    with the other tests, the other pytest-xdist worker and the developer's
    own runs, and one test's history would show up in another's report.
    Subprocesses inherit it through the environment. (mkdtemp in one folder:
    tmp_path_factory.mktemp lists the whole base folder each time.)
    """
    monkeypatch.setenv("XDG_DATA_HOME", tempfile.mkdtemp(dir=_data_homes))
    monkeypatch.delenv("STATE_DIRECTORY", raising=False)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> object:
    """In CI (CI=true) a test that would skip for want of the shared data or shellcheck fails instead.

    On a developer's machine those tests skip; in CI a skip would hide that
    they never ran (docs/testing.md).
    """
    outcome = yield
    report = outcome.get_result()
    if report.skipped and os.environ.get("CI") == "true" and not hasattr(report, "wasxfail"):
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else str(report.longrepr)
        if CI_NEEDS.search(reason):
            report.outcome = "failed"
            report.longrepr = f"{reason.removeprefix('Skipped: ')}: CI must have it (CI=true), see docs/testing.md"


@pytest.fixture
def default_config() -> configmod.Config:
    return configmod.parse_text(configmod.default_text())


@pytest.fixture
def vclock() -> VirtualClock:
    return VirtualClock(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("UTC")))
