"""Admission control in real Chromium: past the server-wide cap a new connection is refused
with a message in its component, whatever its stream key, and the live sessions go on."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import browser_harness as bh
import pytest
from playwright.sync_api import Browser, Frame, Page, sync_playwright

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent
APP = HERE / "apps" / "ui_probe.py"
MIC = HERE.parent / "fixtures" / "browser" / "speech_pause.wav"


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bh.StreamlitServer]:
    log = tmp_path_factory.mktemp("admission") / "streamlit.log"
    env = {**bh.LOOPBACK_ENV, "STREAMLIT_RTC_MAX_SESSIONS": "1"}
    with bh.StreamlitServer(app_path=APP, log_path=log, env=env) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = bh.launch_loopback_chromium(p, MIC)
        yield chromium
        chromium.close()


def wait_for_state(page: Page, frame: Frame, wanted: str, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if bh.component_state(frame) == wanted:
            return
        page.wait_for_timeout(100)
    raise AssertionError(f"state {bh.component_state(frame)!r}, expected {wanted!r}")


def test_past_the_server_cap_a_new_connection_is_refused_with_a_message(
    server: bh.StreamlitServer, browser: Browser
) -> None:
    first, second = bh.new_context(browser), bh.new_context(browser)
    try:
        page_a, page_b = first.new_page(), second.new_page()
        page_a.goto(f"{server.url}?case=echo")
        frame_a = bh.find_component_frame(page_a)
        bh.click_start(frame_a)
        wait_for_state(page_a, frame_a, "listening")

        page_b.goto(f"{server.url}?case=look")  # another stream key: the cap is server-wide
        frame_b = bh.find_component_frame(page_b)
        frame_b.get_by_role("button", name="Talk to me").click()
        wait_for_state(page_b, frame_b, "busy")
        status = frame_b.get_by_test_id("streamlit-rtc-status").inner_text()
        assert "capacity of 1 live sessions" in status, status
        assert "STREAMLIT_RTC_MAX_SESSIONS" in status
        assert bh.component_state(frame_a) not in ("stopped", "error", "busy")
        assert bh.read_stats(frame_a) is not None

        bh.click_stop(frame_a)
        wait_for_state(page_a, frame_a, "stopped")
        frame_b.get_by_role("button", name="Talk to me").click()
        wait_for_state(page_b, frame_b, "listening")
    finally:
        first.close()
        second.close()
    log = server.log_path.read_text(errors="replace")
    assert "refused a connection" in log
