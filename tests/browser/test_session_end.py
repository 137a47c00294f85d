"""Real-browser check of Streamlit session-end detection (tab close / reload).

Streamlit keeps a disconnected session ~2 minutes for a reconnect and does
not shut it down on tab close, so streamlit-webrtc's own shutdown observer
(``AppSessionState.SHUTDOWN_REQUESTED``) does not see a closed tab. The
``SessionEndWatcher`` in ``streamlit_rtc.streamlit._compat`` polls
``Runtime.is_active_session`` instead.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import pytest
from browser_harness import StreamlitAppFactory
from playwright.sync_api import BrowserContext

LOGGER = logging.getLogger(__name__)

pytestmark = pytest.mark.browser


def _wait_for(pattern: str, directory: Path, timeout: float) -> list[Path]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = sorted(directory.glob(pattern))
        if found:
            return found
        time.sleep(0.05)
    return []


@pytest.mark.timeout(120)
def test_tab_close_is_detected_within_seconds(
    browser_context: BrowserContext, streamlit_app: StreamlitAppFactory, tmp_path: Path
) -> None:
    """Closing the tab fires the watcher (status DISCONNECTED) within a few seconds."""
    server = streamlit_app("session_end_probe.py", env={"RTC_TEST_SESSION_END_DIR": str(tmp_path)})
    page = browser_context.new_page()
    page.goto(server.url)
    started = _wait_for("*.started", tmp_path, 30)
    assert started, "probe app never ran"
    sid = started[0].name.removesuffix(".started")
    page.get_by_text("connected").first.wait_for(timeout=10_000)

    closed_at = time.time()
    page.close()
    ended = _wait_for(f"{sid}.ended", tmp_path, 15)
    assert ended, "session end not detected within 15 s of closing the tab"
    payload = json.loads(ended[0].read_text())
    latency = payload["wall"] - closed_at
    LOGGER.info("tab close detected after %.2fs: %s", latency, payload)
    assert payload["status"] == "disconnected"
    assert latency < 5.0


@pytest.mark.timeout(120)
def test_reload_within_grace_does_not_fire(
    browser_context: BrowserContext, streamlit_app: StreamlitAppFactory, tmp_path: Path
) -> None:
    """A reload reconnects (or replaces) the session; with a grace period, record which."""
    server = streamlit_app(
        "session_end_probe.py",
        env={"RTC_TEST_SESSION_END_DIR": str(tmp_path), "RTC_TEST_SESSION_END_GRACE_S": "5"},
    )
    page = browser_context.new_page()
    page.goto(server.url)
    first = _wait_for("*.started", tmp_path, 30)
    assert first
    sid = first[0].name.removesuffix(".started")
    page.get_by_text("connected").first.wait_for(timeout=10_000)

    page.reload()
    page.get_by_text("connected").first.wait_for(timeout=15_000)
    time.sleep(7.0)  # longer than the grace period
    sessions = sorted(p.name.removesuffix(".started") for p in tmp_path.glob("*.started"))
    ended = sorted(p.name.removesuffix(".ended") for p in tmp_path.glob("*.ended"))
    LOGGER.info("after reload: sessions=%s ended=%s (first=%s)", sessions, ended, sid)
    if sessions == [sid]:
        # Streamlit resumed the same session: it must not be reported as ended.
        assert ended == []
    else:
        # A new session replaced the old one: only the old one may have ended.
        assert set(ended) <= {sid}
    page.close()
