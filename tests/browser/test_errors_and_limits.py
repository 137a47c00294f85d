"""Errors and concurrency_limit as a user sees them in the page (real Chromium)."""

from __future__ import annotations

import browser_harness as bh
import pytest
from playwright.sync_api import BrowserContext

pytestmark = pytest.mark.browser

APP = bh.APPS_DIR / "limits_probe.py"
MIC = bh.FIXTURES_DIR / "turn_lead2s.wav"


def test_a_failing_reply_is_shown_and_the_second_user_is_told_the_stream_is_full(
    server: bh.StreamlitServer, context: BrowserContext, other_context: BrowserContext
) -> None:
    page_a, page_b = context.new_page(), other_context.new_page()
    frame_a = bh.open_app(page_a, server.url)
    bh.click_start(frame_a)
    bh.wait_for_connected(frame_a, timeout=30)
    assert bh.wait_for_text(page_a, "The model is unavailable right now", 30), (
        "the handler's error never reached the page"
    )

    frame_b = bh.open_app(page_b, server.url)
    bh.click_start(frame_b)
    assert bh.wait_for_text(frame_b, "its limit", 30), "the second user was not told"
    assert bh.component_state(frame_b) == "busy"
    stats = bh.read_stats(frame_b)
    assert stats is None or stats.packets_received == 0 or stats.total_audio_energy == 0

    # The first user's stream is unaffected and still live.
    assert page_a.get_by_text("its limit").count() == 0
    assert bh.read_stats(frame_a) is not None
