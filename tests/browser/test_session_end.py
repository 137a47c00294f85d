"""Real-browser check of Streamlit session-end detection (tab close / reload).

Streamlit keeps a disconnected session ~2 minutes for a reconnect and does
not shut it down on tab close, so streamlit-webrtc's own shutdown observer
(``AppSessionState.SHUTDOWN_REQUESTED``) does not see a closed tab. The
``SessionEndWatcher`` in ``streamlit_rtc.streamlit._compat`` polls
``Runtime.is_active_session`` instead.

While a reply plays (``apps/reply_end_probe.py``), the end of the session
(the tab closed, or only Streamlit's websocket lost while WebRTC goes on)
stops the stream: the reply generator is closed and the stream's threads end.
"""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable
from pathlib import Path

import browser_harness as bh
import pytest
from browser_harness import StreamlitAppFactory
from playwright.sync_api import Browser, BrowserContext, Page, WebSocketRoute

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


# -- the session ends while a reply plays ---------------------------------------------

ENDED_TO_CLOSED_S = 10.0
"""Session end noticed (3 s grace + 0.5 s poll) + the reply closed (2 s), with slack for a
loaded machine (2 cores, other jobs)."""


def _poll(check, timeout: float, page: Page | None = None):  # type: ignore[no-untyped-def]
    """``check()`` until truthy (returned) or None after ``timeout``.

    With a live ``page`` waits in Playwright (its event handlers, e.g. the
    websocket route, only run during Playwright calls).
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        if page is not None and not page.is_closed():
            page.wait_for_timeout(100)
        else:
            time.sleep(0.1)
    return None


def _stream_threads(directory: Path, after: float) -> list[str] | None:
    """The stream's threads as last written by the probe, if written after ``after``."""
    try:
        state = json.loads((directory / "threads.json").read_text())
    except (OSError, ValueError):
        return None
    return list(state["names"]) if state["wall"] > after else None


def _cut_websocket(page: Page) -> Callable[[], None]:
    """Route Streamlit's websocket through Playwright; the returned function cuts it for good."""
    routes: list[tuple[WebSocketRoute, WebSocketRoute]] = []
    cut = False

    def handle(ws: WebSocketRoute) -> None:
        if cut:  # the page keeps trying to reconnect: refuse every attempt
            ws.close()
            return
        routes.append((ws, ws.connect_to_server()))

    page.route_web_socket(re.compile(r".*/_stcore/stream"), handle)

    def cut_now() -> None:
        nonlocal cut
        cut = True
        for page_side, server_side in routes:
            server_side.close()
            page_side.close()

    return cut_now


@pytest.mark.timeout(240)
@pytest.mark.parametrize("how", ["tab-closed", "websocket-lost"])
def test_the_session_ending_while_a_reply_plays_closes_the_reply_and_its_threads(
    browser: Browser, streamlit_app: StreamlitAppFactory, tmp_path: Path, how: str
) -> None:
    env = {**bh.LOOPBACK_ENV, "RTC_TEST_FAULT_DIR": str(tmp_path)}
    server = streamlit_app("reply_end_probe.py", env=env)
    context = bh.new_context(browser)
    try:
        page = context.new_page()
        cut_websocket = _cut_websocket(page) if how == "websocket-lost" else None
        frame = bh.open_app(page, server.url, timeout=60)
        bh.click_start(frame, timeout=30)
        assert _poll(lambda: (tmp_path / "reply.started").exists(), 60, page), (
            f"no reply started\n{server.log_tail(30)}"
        )
        assert _poll(lambda: bh.component_state(frame) == "responding", 20, page)
        asked = time.time()
        playing = _poll(lambda: _stream_threads(tmp_path, asked), 5, page)
        assert playing, (tmp_path / "threads.json").read_text()
        assert not (tmp_path / "reply.closed").exists()

        ended_at = time.time()
        if cut_websocket is None:
            page.close()
        else:
            cut_websocket()
        closed = _poll(lambda: (tmp_path / "reply.closed").exists(), 30, page)
        assert closed, f"the reply was not closed after the {how}\n{server.log_tail(30)}"
        closed_after = float((tmp_path / "reply.closed").read_text()) - ended_at  # wall clocks
        LOGGER.info("%s: reply closed %.2f s later; threads were %s", how, closed_after, playing)
        assert closed_after < ENDED_TO_CLOSED_S
        closed_at = float((tmp_path / "reply.closed").read_text())
        gone = _poll(lambda: _stream_threads(tmp_path, closed_at) == [], 10, page)
        assert gone, _stream_threads(tmp_path, 0)
        if cut_websocket is not None:
            # The server said "end" on the data channel: the component stops by itself.
            assert bh.wait_for_component_start(page, timeout_s=15)
    finally:
        context.close()
