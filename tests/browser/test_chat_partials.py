"""apps/chat.py in real Chromium: the words show while the user speaks, then the finished turn.

The fake microphone says "Please repeat this sentence back to me" (2.15 s,
espeak-ng) after 2 s. The page is read every 50 ms: the live line (a user
bubble marked "still listening") must appear before the finished turn (the
user bubble with its length), and be gone once the turn is shown.
"""

from __future__ import annotations

import time

import browser_harness as bh
import pytest
from playwright.sync_api import BrowserContext

pytestmark = pytest.mark.browser

APP = bh.REPO_ROOT / "apps" / "chat.py"
MIC = bh.FIXTURES_DIR / "turn_lead2s.wav"
LIVE = "still listening"
DONE = "spoke for"


@pytest.mark.timeout(120)
def test_a_partial_transcript_shows_before_the_finished_turn(
    server: bh.StreamlitServer, context: BrowserContext
) -> None:
    page = context.new_page()
    frame = bh.open_app(page, server.url, timeout=60)  # the first run loads the models
    bh.click_start(frame)
    partial_at = done_at = None
    live_words = ""
    deadline = time.monotonic() + 40
    while time.monotonic() < deadline and done_at is None:
        shown = bh.chat_messages(page)
        now = time.monotonic()
        live = [t for t in shown if LIVE in t]
        if live and partial_at is None:
            partial_at, live_words = now, live[0].replace(LIVE, "").strip()
        if any(DONE in t for t in shown):
            done_at = now
        page.wait_for_timeout(50)
    assert done_at is not None, f"the finished turn never showed: {bh.chat_messages(page)}"
    assert partial_at is not None, "no partial transcript showed before the finished turn"
    assert partial_at < done_at
    assert live_words.strip(" …*"), "the live line had no words"
    page.wait_for_timeout(500)
    final = bh.chat_messages(page)
    assert not any(LIVE in t for t in final[:2]), final  # the turn replaced the live line
