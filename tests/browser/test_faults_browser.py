"""Faults seen from real Chromium.

The server ends a sending session when no microphone audio arrives for
``INBOUND_TIMEOUT_S`` (the browser vanished without a goodbye). A muted
microphone must not look like that: Chromium keeps sending a disabled
track's audio as silence, so a long mute keeps the stream alive.
"""

from __future__ import annotations

import re

import browser_harness as bh
import pytest
from playwright.sync_api import BrowserContext, Page

from streamlit_rtc.session.audio_session import INBOUND_TIMEOUT_S

pytestmark = pytest.mark.browser

APP = bh.APPS_DIR / "ui_probe.py"
MIC = bh.FIXTURES_DIR / "speech_pause.wav"


def peaks(page: Page) -> list[float]:
    return [float(v) for v in re.findall(r"PEAK ([0-9.]+)", page.locator("body").inner_text())]


def speech_heard(page: Page) -> bool:
    """The handler reported a loud peak."""
    return any(p > 1000 for p in peaks(page))


def test_a_long_mute_is_not_taken_for_a_vanished_browser(
    server: bh.StreamlitServer, context: BrowserContext
) -> None:
    page = context.new_page()
    page.goto(f"{server.url}?case=level")
    frame = bh.find_component_frame(page, timeout=60)
    frame.get_by_role("button", name="Start").click()
    bh.wait_until(page, lambda: speech_heard(page), 30, "speech", interval=0.2)
    frame.get_by_role("button", name="Mute microphone").click()
    # Muted for longer than the no-audio timeout (the fault's duration, not a wait).
    page.wait_for_timeout((INBOUND_TIMEOUT_S + 3.0) * 1000)
    shown = frame.locator(bh.COMPONENT_ROOT).inner_text
    assert bh.component_state(frame) not in ("stopped", "error"), shown()
    assert "No audio from the browser" not in page.locator("body").inner_text()
    frame.get_by_role("button", name="Unmute microphone").click()
    bh.wait_until(page, lambda: speech_heard(page), 30, "speech after unmute", interval=0.2)
    assert bh.component_state(frame) not in ("stopped", "error")
    frame.get_by_role("button", name="Stop").click()
    frame.get_by_role("button", name="Start").wait_for(timeout=15_000)
