"""Faults seen from real Chromium.

The server ends a sending session when no microphone audio arrives for
``INBOUND_TIMEOUT_S`` (the browser vanished without a goodbye). A muted
microphone must not look like that: Chromium keeps sending a disabled
track's audio as silence, so a long mute keeps the stream alive.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import browser_harness as bh
import pytest
from playwright.sync_api import Browser, BrowserContext, Frame, Page, Playwright

from streamlit_rtc.session.audio_session import INBOUND_TIMEOUT_S

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent
APP = HERE / "apps" / "ui_probe.py"
MIC = HERE.parent / "fixtures" / "browser" / "speech_pause.wav"
ROOT = '[data-testid="streamlit-rtc"]'


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bh.StreamlitServer]:
    log = tmp_path_factory.mktemp("faults") / "streamlit.log"
    with bh.StreamlitServer(app_path=APP, log_path=log, env=bh.LOOPBACK_ENV) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(playwright_sync: Playwright) -> Iterator[Browser]:
    chromium = bh.launch_loopback_chromium(playwright_sync, MIC)
    try:
        yield chromium
    finally:
        chromium.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    ctx = bh.new_context(browser)
    try:
        yield ctx
    finally:
        ctx.close()


def peaks(page: Page) -> list[float]:
    return [float(v) for v in re.findall(r"PEAK ([0-9.]+)", page.locator("body").inner_text())]


def state(frame: Frame) -> str | None:
    return frame.locator(ROOT).get_attribute("data-state", timeout=5000)


def wait_until(page: Page, check, timeout: float, what: str, server: bh.StreamlitServer):  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        page.wait_for_timeout(200)
    raise AssertionError(f"{what} not within {timeout} s\nserver log:\n{server.log_tail(30)}")


def test_a_long_mute_is_not_taken_for_a_vanished_browser(
    server: bh.StreamlitServer, context: BrowserContext
) -> None:
    page = context.new_page()
    page.goto(f"{server.url}?case=level")
    frame = bh.find_component_frame(page, timeout=60)
    frame.get_by_role("button", name="Start").click()
    wait_until(page, lambda: any(p > 1000 for p in peaks(page)), 30, "speech", server)
    frame.get_by_role("button", name="Mute microphone").click()
    # Muted for longer than the no-audio timeout (the fault's duration, not a wait).
    page.wait_for_timeout((INBOUND_TIMEOUT_S + 3.0) * 1000)
    assert state(frame) not in ("stopped", "error"), frame.locator(ROOT).inner_text()
    assert "No audio from the browser" not in page.locator("body").inner_text()
    frame.get_by_role("button", name="Unmute microphone").click()
    wait_until(page, lambda: any(p > 1000 for p in peaks(page)), 30, "speech after unmute", server)
    assert state(frame) not in ("stopped", "error")
    frame.get_by_role("button", name="Stop").click()
    frame.get_by_role("button", name="Start").wait_for(timeout=15_000)
