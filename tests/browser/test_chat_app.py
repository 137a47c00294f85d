"""apps/chat.py in real Chromium: the transcript updates live, per browser session.

Without any click after START, the page shows the spoken turn (user bubble
with its length, assistant bubble); another browser session of the same
app sees none of it.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from pathlib import Path

import browser_harness as bh
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

pytestmark = pytest.mark.browser

HERE = Path(__file__).parent
CHAT_APP = HERE.parents[1] / "apps" / "chat.py"
FIXTURES = HERE.parent / "fixtures" / "browser"
SPOKE = re.compile(r"spoke for ([0-9.]+) s")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bh.StreamlitServer]:
    log = tmp_path_factory.mktemp("chat") / "streamlit.log"
    with bh.StreamlitServer(app_path=CHAT_APP, log_path=log, env=bh.LOOPBACK_ENV) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        long_mic = bh.launch_loopback_chromium(p, FIXTURES / "turn_lead2s.wav")
        yield long_mic
        long_mic.close()


def spoken_lengths(page: Page) -> list[float]:
    texts = page.locator('[data-testid="stChatMessage"]').all_inner_texts()
    return [float(m.group(1)) for t in texts if (m := SPOKE.search(t))]


def bubbles(page: Page) -> int:
    return page.locator('[data-testid="stChatMessage"]').count()


def test_the_transcript_appears_live_and_only_in_its_own_session(
    server: bh.StreamlitServer, browser: Browser
) -> None:
    talking, idle = bh.new_context(browser), bh.new_context(browser)
    try:
        page, other = talking.new_page(), idle.new_page()
        frame = bh.open_app(page, server.url)
        bh.open_app(other, server.url)
        bh.click_start(frame)
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and bubbles(page) < 2:
            page.wait_for_timeout(250)
        turns = spoken_lengths(page)
        assert turns, "the transcript never appeared without a click"
        assert all(1.8 < s < 3.5 for s in turns), turns  # 2.15 s were spoken
        assert page.get_by_text("said it back").count() >= 1
        other.wait_for_timeout(1000)
        assert bubbles(other) == 0  # another browser session sees nothing of it
    finally:
        talking.close()
        idle.close()
