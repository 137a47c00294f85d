"""Errors and concurrency_limit as a user sees them in the page (real Chromium)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import browser_harness as bh
import pytest
from playwright.sync_api import Browser, Frame, Page, sync_playwright

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent
APP = HERE / "apps" / "limits_probe.py"
MIC = HERE.parent / "fixtures" / "browser" / "turn_lead2s.wav"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bh.StreamlitServer]:
    log = tmp_path_factory.mktemp("limits") / "streamlit.log"
    with bh.StreamlitServer(app_path=APP, log_path=log, env=bh.LOOPBACK_ENV) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = bh.launch_loopback_chromium(p, MIC)
        yield chromium
        chromium.close()


def wait_for_text(page: Page | Frame, text: str, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.get_by_text(text).count():
            return True
        time.sleep(0.25)
    return False


def test_a_failing_reply_is_shown_and_the_second_user_is_told_the_stream_is_full(
    server: bh.StreamlitServer, browser: Browser
) -> None:
    first, second = bh.new_context(browser), bh.new_context(browser)
    try:
        page_a, page_b = first.new_page(), second.new_page()
        frame_a = bh.open_app(page_a, server.url)
        bh.click_start(frame_a)
        bh.wait_for_connected(frame_a, timeout=30)
        assert wait_for_text(page_a, "The model is unavailable right now", 30), (
            "the handler's error never reached the page"
        )

        frame_b = bh.open_app(page_b, server.url)
        bh.click_start(frame_b)
        assert wait_for_text(frame_b, "its limit", 30), "the second user was not told"
        assert bh.component_state(frame_b) == "busy"
        stats = bh.read_stats(frame_b)
        assert stats is None or stats.packets_received == 0 or stats.total_audio_energy == 0

        # The first user's stream is unaffected and still live.
        assert page_a.get_by_text("its limit").count() == 0
        assert bh.read_stats(frame_a) is not None
    finally:
        first.close()
        second.close()
