"""Shared test fixtures: configs, a virtual clock and the repository paths."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from breathcue import config as configmod
from breathcue.clock import VirtualClock

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
SHARED_DATA = ROOT.parent / "shared" / "data" / "respiration"


@pytest.fixture
def default_config() -> configmod.Config:
    return configmod.parse_text(configmod.default_text())


@pytest.fixture
def vclock() -> VirtualClock:
    return VirtualClock(datetime(2026, 11, 24, 10, 0, tzinfo=ZoneInfo("UTC")))
