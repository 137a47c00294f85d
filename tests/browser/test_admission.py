"""Admission control in real Chromium: past the server-wide cap a new connection is refused
with a message in its component, whatever its stream key, and the live sessions go on."""

from __future__ import annotations

import browser_harness as bh
import pytest
from playwright.sync_api import BrowserContext, Frame, Page

pytestmark = pytest.mark.browser

APP = bh.APPS_DIR / "ui_probe.py"
MIC = bh.FIXTURES_DIR / "speech_pause.wav"
SERVER_ENV = {"STREAMLIT_RTC_MAX_SESSIONS": "1"}


def wait_for_state(page: Page, frame: Frame, wanted: str, timeout: float = 30.0) -> None:
    if bh.poll(page, lambda: bh.component_state(frame) == wanted, timeout) is None:
        raise AssertionError(f"state {bh.component_state(frame)!r}, expected {wanted!r}")


def test_past_the_server_cap_a_new_connection_is_refused_with_a_message(
    server: bh.StreamlitServer, context: BrowserContext, other_context: BrowserContext
) -> None:
    page_a, page_b = context.new_page(), other_context.new_page()
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
    # The refusal says "try again in a moment": the server frees the slot once the first
    # session has finished stopping, which may come after its page shows "stopped" (the
    # two pages are two Streamlit sessions). Retrying as a user would, it gets in.
    for _attempt in range(5):
        frame_b.get_by_role("button", name="Talk to me").click()
        if bh.poll(page_b, lambda: bh.component_state(frame_b) == "listening", 10.0):
            break
    else:
        raise AssertionError(f"still {bh.component_state(frame_b)!r} after 5 attempts")
    log = server.log_path.read_text(errors="replace")
    assert "refused a connection" in log
