"""A component not rendered for a run ends its connection; shown again, it starts cleanly."""

from __future__ import annotations

import browser_harness as bh
import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


@pytest.mark.timeout(180)
def test_hidden_then_shown_component_restarts_cleanly(
    page: Page, streamlit_app: bh.StreamlitAppFactory
) -> None:
    """Stream, hide the component for a run, show it again, stream again."""
    server = streamlit_app(
        "component_echo.py", env={"RTC_TEST_DEBUG": "1", "RTC_TEST_HIDEABLE": "1"}
    )
    frame = bh.open_app(page, server.url)
    bh.click_start(frame)
    assert bh.wait_for_inbound_audio(frame, timeout=10) is not None

    checkbox = page.get_by_text("show component")
    checkbox.click()
    page.get_by_text("component hidden").wait_for(timeout=10_000)
    # Showing it again before the hiding run has finished would keep the old
    # iframe (Streamlit drops undrawn elements only when a run completes).
    bh.wait_for_no_component_frame(page)
    checkbox.click()
    page.get_by_text("component hidden").wait_for(state="detached", timeout=10_000)

    frame = bh.find_component_frame(page, timeout=15)
    bh.click_start(frame)
    first = bh.wait_for_inbound_audio(frame, timeout=10)
    assert first is not None, "no audio after the component was shown again"
    ok, last = bh.audio_keeps_flowing(frame, first, hold=1.5, min_energy=1e-3)
    assert ok, f"audio did not keep flowing: {last}"

    log = server.log_path.read_text(errors="replace")
    assert "echo@" in log and ": stopped" in log, "the hidden component's session never stopped"
