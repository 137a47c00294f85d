"""apps/chat.py in real Chromium: the transcript updates live, per browser session.

Without any click after START, the page shows the spoken turn (user bubble
with its length, assistant bubble); another browser session of the same
app sees none of it.
"""

from __future__ import annotations

import re
import time

import browser_harness as bh
import pytest
from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser

APP = bh.REPO_ROOT / "apps" / "chat.py"
MIC = bh.FIXTURES_DIR / "turn_lead2s.wav"
SPOKE = re.compile(r"spoke for ([0-9.]+) s")


def spoken_lengths(page: Page) -> list[float]:
    return [float(m.group(1)) for t in bh.chat_messages(page) if (m := SPOKE.search(t))]


def bubbles(page: Page) -> int:
    return page.locator(bh.CHAT_MESSAGE).count()


def test_the_transcript_appears_live_and_only_in_its_own_session(
    server: bh.StreamlitServer, context: BrowserContext, other_context: BrowserContext
) -> None:
    page, other = context.new_page(), other_context.new_page()
    frame = bh.open_app(page, server.url)
    bh.open_app(other, server.url)
    bh.click_start(frame)
    deadline = time.monotonic() + 40
    # The fake microphone loops its file, so the next turn's partial line may
    # show before the reply's bubble: wait for the reply itself, not a count.
    while time.monotonic() < deadline and page.get_by_text("said it back").count() == 0:
        page.wait_for_timeout(250)
    turns = spoken_lengths(page)
    assert turns, "the transcript never appeared without a click"
    assert all(1.8 < s < 3.5 for s in turns), turns  # 2.15 s were spoken
    assert page.get_by_text("said it back").count() >= 1, bh.chat_messages(page)
    other.wait_for_timeout(1000)
    assert bubbles(other) == 0  # another browser session sees nothing of it
