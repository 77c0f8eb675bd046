"""Nothing breathcue writes in its state directory is readable by other users (issue 14, item 7)."""

from __future__ import annotations

import logging
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from breathcue import private
from breathcue.config import WebConfig
from breathcue.web.server import warn_if_token_is_readable


def test_after_run_sim_under_umask_022_nothing_in_the_state_dir_is_readable_by_others(tmp_path: Path):
    state = tmp_path / "state"
    config = tmp_path / "c.toml"
    config.write_text("[ring]\nfps = 10\n")
    subprocess.run(
        [sys.executable, "-m", "breathcue", "run", "--sim", "--clock", "virtual", "--seconds", "120",
         "--config", str(config), "--state-dir", str(state)],
        check=True, capture_output=True, preexec_fn=lambda: os.umask(0o022), timeout=120,
    )
    seen = [state, *state.rglob("*")]
    assert {p.name for p in seen} >= {"state", "status.json", "history.sqlite3"}
    open_to_others = {str(p.relative_to(tmp_path)): oct(stat.S_IMODE(p.stat().st_mode)) for p in seen if p.stat().st_mode & 0o007}
    assert open_to_others == {}


def test_an_old_history_readable_by_others_is_tightened(tmp_path: Path):
    db = tmp_path / "history.sqlite3"
    db.touch(mode=0o644)
    os.chmod(db, 0o644)
    private.create(db)
    assert stat.S_IMODE(db.stat().st_mode) == 0o640


def test_baseline_is_written_private(tmp_path: Path):
    from breathcue.analyze import save_baseline
    from breathcue.core.detector import Baseline

    old = os.umask(0o022)
    try:
        save_baseline(Baseline(0.2, 12.0, None), tmp_path / "new" / "baseline.json")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new" / "baseline.json").stat().st_mode) == 0o640
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) & 0o007 == 0


def test_a_token_in_a_world_readable_config_is_warned_about(tmp_path: Path, caplog: pytest.LogCaptureFixture):
    config = tmp_path / "config.toml"
    config.write_text('[web]\ntoken = "0123456789abcdef0123"\n')
    web = WebConfig(enabled=True, host="0.0.0.0", port=0, token="0123456789abcdef0123")
    os.chmod(config, 0o644)
    with caplog.at_level(logging.WARNING):
        assert warn_if_token_is_readable(web, str(config))
    assert "any local user can read it" in caplog.text
    os.chmod(config, 0o640)
    assert not warn_if_token_is_readable(web, str(config))
    assert not warn_if_token_is_readable(WebConfig(), str(config))
