"""Smoke test of the browser harness itself, showing how its fixtures fit together."""

from __future__ import annotations

import browser_harness as bh
import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser


@pytest.mark.timeout(120)
def test_echo_stats_time_series(page: Page, streamlit_app: bh.StreamlitAppFactory) -> None:
    """START, watch inbound/outbound RTP stats grow over time, STOP."""
    server = streamlit_app("component_echo.py")
    frame = bh.open_app(page, server.url)
    bh.click_start(frame)
    first = bh.wait_for_inbound_audio(frame, timeout=10)
    assert first is not None, "no audio came back"

    series = bh.sample_stats(frame, duration=2.0, interval=0.1)
    # A loaded machine slows getStats() polling: check the span, not the count.
    assert len(series) >= 3 and series[-1].t - series[0].t >= 1.5
    packets = [s.packets_received for s in series]
    assert packets == sorted(packets) and packets[-1] > packets[0]
    assert series[-1].packets_sent > 0
    assert series[-1].total_samples_received > series[0].total_samples_received
    assert series[-1].total_audio_energy > 0
    assert all(s.connection_state == "connected" for s in series)

    bh.click_stop(frame)
    bh.wait_for_start_button(frame)
