"""Live outputs in real Chromium: each output reruns only the live view, at once.

``apps/outputs_probe.py`` emits ``AdditionalOutputs(n)`` every 4 s (each one
after a quiet spell) and shows it in ``stream.live``, with the view's timers
set to a minute: only the server-initiated rerun of the view can show them.
The page counts its full script runs and the live view's runs.
"""

from __future__ import annotations

import re

import browser_harness as bh
import pytest
from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser

APP = bh.APPS_DIR / "outputs_probe.py"
MIC = bh.DEFAULT_FAKE_MIC_WAV
LINE = re.compile(r"TICK (\d+) VIEW_RUNS (\d+)")
FULL = re.compile(r"FULL_RUNS (\d+)")


def _read(page: Page) -> tuple[int, int, int]:
    """(tick shown, live-view runs, full app runs) as the page shows them now.

    While a run replaces the page's elements one of the lines can be missing
    for a moment: wait (up to 10 s) until both are there.
    """
    for _ in range(100):
        text = page.locator("body").inner_text()
        line, full = LINE.search(text), FULL.search(text)
        if line and full:
            return int(line.group(1)), int(line.group(2)), int(full.group(1))
        page.wait_for_timeout(100)
    raise AssertionError(f"the page lacks its counters: {text[-500:]}")


def _wait_for_tick(page: Page, tick: int, timeout: float) -> tuple[int, int, int]:
    waited = 0.0
    while waited < timeout:
        state = _read(page)
        if state[0] >= tick:
            return state
        page.wait_for_timeout(100)
        waited += 0.1
    raise AssertionError(f"tick {tick} not shown within {timeout} s; page shows {_read(page)}")


def test_sparse_outputs_refresh_only_the_live_view(
    server: bh.StreamlitServer, context: BrowserContext
) -> None:
    page = context.new_page()
    frame = bh.open_app(page, server.url + "?period=4")
    bh.click_start(frame)
    _, _, full_at_first = _wait_for_tick(page, 1, timeout=30)
    tick, view_runs, full_runs = _wait_for_tick(page, 3, timeout=20)
    # Two outputs, each after 4 s of quiet, reached the page with no click,
    # no timer and without rerunning the app: the server reran the view.
    assert tick == 3
    assert full_runs == full_at_first
    assert view_runs >= 3

    bh.click_stop(frame)
    bh.wait_for_start_button(frame, timeout=15)
    page.wait_for_timeout(2000)  # the stop's own reruns settle
    before = _read(page)
    page.wait_for_timeout(3000)
    after = _read(page)
    assert after[1] == before[1], "the live view kept rerunning after STOP"
