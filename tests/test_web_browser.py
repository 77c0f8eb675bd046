"""The dashboard end to end in headless Chromium: the page loads, the waveform moves, a button works.

Needs Debian's chromium and chromium-driver and the selenium package.  On a
developer's machine without them the test is skipped; in CI (CI=true)
their absence is a failure, so a broken install cannot pass silently.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from breathcue import history
from breathcue.app import Daemon
from breathcue.clock import MonotonicClock
from breathcue.config import WebConfig
from breathcue.hw.sim import RecordingRing, SimulatedBreather
from breathcue.web import server

CHROME_FLAGS = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync", "--window-size=1280,1100",
)


def need(thing: object, what: str) -> object:
    if thing:
        return thing
    if os.environ.get("CI") == "true":
        pytest.fail(f"{what} is missing in CI: .ci/run installs it")
    pytest.skip(f"{what} is not installed")


@pytest.fixture
def browser(tmp_path: Path, monkeypatch):
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        webdriver = None
    need(webdriver, "selenium (pip install -e '.[test]')")
    chromium = need(shutil.which("chromium") or shutil.which("chromium-browser"), "chromium (apt install chromium)")
    driver = need(
        shutil.which("chromedriver") or (Path("/usr/lib/chromium/chromedriver").exists() and "/usr/lib/chromium/chromedriver"),
        "chromedriver (apt install chromium-driver)",
    )
    monkeypatch.setenv("SE_OFFLINE", "true")  # never let Selenium Manager download a browser or a driver
    options = webdriver.ChromeOptions()
    options.binary_location = str(chromium)
    for flag in CHROME_FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={tmp_path / 'chromium'}")
    chrome = webdriver.Chrome(service=Service(str(driver)), options=options)
    chrome.set_page_load_timeout(30)
    yield chrome
    chrome.quit()


@pytest.fixture
def live(default_config, tmp_path: Path):
    """A daemon on the real clock with the simulated breather, the history and the dashboard."""
    clock = MonotonicClock()
    daemon = Daemon(default_config, clock, SimulatedBreather(seed=4, rate_hz=default_config.sensor.sample_rate_hz), RecordingRing(24))
    path = history.path_in(tmp_path)
    dash = server.DashboardSink(
        WebConfig(enabled=True, port=0),
        daemon.submit,
        status=daemon.status(),
        rate_hz=daemon.sensor.rate_hz,
        pixels=default_config.ring.pixels,
        patterns=["resonance", "box"],
        history_path=path,
    )
    daemon.sinks += [history.HistorySink(path, clock, flush_seconds=1.0), dash]
    thread = threading.Thread(target=daemon.run, name="daemon")
    thread.start()
    yield dash
    daemon.stop()
    thread.join(10)


def wait_for(chrome, script: str, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while True:
        value = chrome.execute_script(script)
        if value:
            return value
        assert time.monotonic() < deadline, f"timed out waiting for: {script}"
        time.sleep(0.1)


def test_the_dashboard_in_chromium(browser, live):
    browser.get(f"http://127.0.0.1:{live.port}/")
    assert browser.title == "breathcue"
    wait_for(browser, "return window.dashboard && window.dashboard.samples > 0 && window.dashboard.live")
    canvas = "return document.querySelector('#wave canvas').toDataURL()"
    before = browser.execute_script("return [window.dashboard.live.data[0].length, window.dashboard.samples]")
    picture = browser.execute_script(canvas)
    time.sleep(1.5)
    after = browser.execute_script("return [window.dashboard.live.data[0].length, window.dashboard.samples]")
    assert after[1] > before[1] + 20  # about 25 samples a second arrive...
    assert after[0] > before[0]  # ...are drawn...
    assert browser.execute_script(canvas) != picture  # ...and the waveform on screen moves

    assert wait_for(browser, "return document.getElementById('connection').textContent") == "live"
    wait_for(browser, "return document.getElementById('state').textContent !== '–'")
    fills = browser.execute_script("return [...document.querySelectorAll('#ring circle:not(.base)')].map(c => c.getAttribute('fill'))")
    assert len(fills) == 24 and any(f != "rgb(0,0,0)" for f in fills)  # the ring mirror is lit

    browser.find_element("id", "snooze").click()
    wait_for(browser, "return document.getElementById('result').textContent.includes('snooze: sent')")
    wait_for(browser, "return document.getElementById('nudges').textContent.includes('snoozed until')")
    assert live.current_status["nudges"]["snoozed_until"] is not None  # the daemon did it

    wait_for(browser, "return document.getElementById('summary').textContent.includes('breath hold')", 30)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


# --- past days, the week, a phone's width (issue 13) ----------------------------------------------


@pytest.fixture
def known(tmp_path: Path):
    """A dashboard over a history holding one known day (tests/test_report.py: 24 Nov 2026, two holds, two sessions)."""
    from datetime import datetime, timedelta, timezone

    from .test_report import known_day

    known_day(tmp_path)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    tomorrow = (now + timedelta(days=1)).replace(hour=0, minute=0, second=0)
    status = {"t": 0.0, "wall": now.isoformat(), "state": "breathing",
              "nudges": {"today": 0, "paused_until": tomorrow.isoformat(timespec="minutes")}}
    dash = server.DashboardSink(
        WebConfig(enabled=True, port=0), lambda *a, **k: None, status=status, rate_hz=25.0, pixels=24,
        patterns=["resonance"], history_path=history.path_in(tmp_path), tz=timezone.utc,
    )
    yield dash
    dash.close()


def test_a_past_day_and_the_week_in_chromium(browser, known):
    browser.get(f"http://127.0.0.1:{known.port}/")
    wait_for(browser, "return window.dashboard && window.dashboard.week")  # today and its week have loaded
    assert "paused until tomorrow 00:00" in wait_for(browser, "return document.getElementById('nudges').textContent")
    browser.execute_script("window.dashboard.openDay('2026-11-26')")
    wait_for(browser, "return window.dashboard.week.to === '2026-11-26'")
    rows = browser.execute_script("return [...document.querySelectorAll('#week tbody tr')].map(r => [...r.cells].map(c => c.textContent))")
    assert len(rows) == 7 and rows[4] == ["Tue 24", "2", "3", "2", "10.0"]  # holds, nudges, followed by recovery, session minutes
    browser.execute_script("document.querySelector('#week tbody tr[data-day=\"2026-11-24\"]').click()")
    wait_for(browser, "return window.dashboard.day === '2026-11-24'")
    assert browser.find_element("id", "day-title").text == "Tuesday 24 November"
    summary = browser.find_element("id", "summary").text
    assert summary.startswith("2 breath holds (longest 35 s) · 10.0 min shallow") and "3 nudges" in summary
    assert browser.find_element("id", "insight").text.startswith("2 breath holds, spread over the day; 2 of 3 nudges followed")
    cards = browser.execute_script("return [...document.querySelectorAll('.session-card')].map(c => c.textContent)")
    assert len(cards) == 2 and "resonance at 10:06" in cards[0] and "5.0 min" in cards[0] and "in pace 80 %" in cards[0]
    ticks = browser.execute_script("return window.dashboard.timeline.axes[0]._values")
    assert ticks and all(len(t) == 5 and t[2] == ":" for t in ticks)  # 24-hour local times, nothing in US format
    browser.find_element("id", "to-today").click()
    wait_for(browser, "return window.dashboard.day !== '2026-11-24' && document.getElementById('to-today').hidden")
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == []


def test_nothing_overflows_at_a_phones_width(browser, known):
    browser.set_window_size(390, 900)
    browser.get(f"http://127.0.0.1:{known.port}/")
    wait_for(browser, "return window.dashboard && window.dashboard.week && window.dashboard.timeline")
    browser.execute_script("window.dashboard.openDay('2026-11-24')")  # a day with sessions, episodes and nudges
    wait_for(browser, "return window.dashboard.day === '2026-11-24' && document.querySelectorAll('.session-card').length")
    width = browser.execute_script("return document.documentElement.clientWidth")
    assert width <= 390
    wider = browser.execute_script(
        "return [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5)"
        ".map(e => e.id || e.className || e.tagName)"
    )
    assert wider == []
    assert browser.execute_script("return document.documentElement.scrollWidth") <= width


def test_the_today_panel_matches_the_status_within_a_second(browser, known):
    browser.get(f"http://127.0.0.1:{known.port}/")
    wait_for(browser, "return document.getElementById('summary').textContent.includes('nudges')")
    known.status({**known.current_status, "t": 1.0, "nudges": {**known.current_status["nudges"], "today": 1}})
    wait_for(browser, "return document.getElementById('summary').textContent.includes('1 nudge,')", 1.0)
    assert "1 nudge today" in browser.find_element("id", "nudges").text
    today = browser.execute_script("return fetch('/api/status').then(r => r.json()).then(s => s.nudges.today)")
    assert today == 1
