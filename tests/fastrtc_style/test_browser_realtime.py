"""fastrtc's realtime-API pattern in real Chromium (``tests/browser/apps/realtime_probe.py``).

Chromium's fake microphone loops ``speech_pause.wav`` (0.5 s silence, a
sentence, 3 s silence). The fake realtime API answers each turn with a 0.5 s
tone and a transcript: the page must show the transcript and the browser
must hear the tone. With ``?variant=fail`` the handler's async ``start_up``
raises 0.5 s after START: the page must name ``start_up()`` and the stream
must end by itself.
"""

from __future__ import annotations

import contextlib
import logging
import time
from collections.abc import Iterator
from pathlib import Path

import browser_harness as bh
import pytest
from playwright.sync_api import Browser, Frame, Page, sync_playwright

pytestmark = pytest.mark.browser
LOGGER = logging.getLogger(__name__)

APP = bh.APPS_DIR / "realtime_probe.py"
MIC = bh.DEFAULT_FAKE_MIC_WAV
HEARD_JS = """async () => {
  const pc = window.__rtcHarness.peers.at(-1);
  if (!pc) return null;
  let heard = 0;
  (await pc.getStats()).forEach((r) => {
    if (r.type === 'inbound-rtp' && r.kind === 'audio') heard = r.totalAudioEnergy || 0;
  });
  return heard;
}"""
REPLY_ENERGY = 0.03
"""Inbound ``totalAudioEnergy`` of half a reply (measured: one reply adds about 0.06,
the silence the server sends between replies adds 0)."""


@pytest.fixture(scope="module")
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[bh.StreamlitServer]:
    if not APP.exists() or not MIC.exists():
        pytest.fail(f"missing {APP} or {MIC}")
    log = tmp_path_factory.mktemp("realtime") / "streamlit.log"
    failed_before = request.session.testsfailed
    with bh.StreamlitServer(app_path=APP, log_path=log, env=bh.LOOPBACK_ENV) as srv:
        yield srv
        if request.session.testsfailed > failed_before:
            LOGGER.error("streamlit log %s (tail):\n%s", log, srv.log_tail(80))


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not bh.CHROMIUM_PATH.exists():
        pytest.fail(f"{bh.CHROMIUM_PATH} not installed")
    with sync_playwright() as p:
        chromium = bh.launch_loopback_chromium(p, Path(MIC))
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context (mic granted, RTC stats script), closed after the test."""
    with contextlib.closing(bh.new_context(browser)) as context:
        yield context.new_page()


def heard_energy(frame: Frame) -> float:
    value = frame.evaluate(HEARD_JS)
    return float(value or 0.0)


def test_the_page_shows_the_transcript_and_the_browser_hears_the_reply(
    server: bh.StreamlitServer, page: Page
) -> None:
    frame = bh.open_app(page, server.url)
    bh.click_start(frame)
    bh.wait_for_connected(frame, timeout=30)
    shown = bh.wait_for_text(page, "TRANSCRIPT assistant: Reply 1: I heard", 30)
    assert shown, page.locator("body").inner_text()[-800:]
    deadline = time.monotonic() + 10
    while heard_energy(frame) < REPLY_ENERGY and time.monotonic() < deadline:
        page.wait_for_timeout(200)
    assert heard_energy(frame) >= REPLY_ENERGY, "the reply tone never reached the browser"
    # the user's turn was transcribed too, before the reply
    text = page.locator("body").inner_text()
    assert text.index("TRANSCRIPT user: (user turn 1") < text.index("TRANSCRIPT assistant")

    bh.click_stop(frame)
    bh.wait_for_start_button(frame, timeout=15)


def test_a_start_up_that_fails_is_named_in_the_page_and_ends_the_stream(
    server: bh.StreamlitServer, page: Page
) -> None:
    frame = bh.open_app(page, server.url + "?variant=fail")
    bh.click_start(frame)
    message = "FailingStartUp.start_up() raised RuntimeError: realtime service unavailable"
    assert bh.wait_for_text(page, message, 30), page.locator("body").inner_text()[-800:]
    assert bh.wait_for_component_start(page, 20), "the stream did not end (no START button)"
    assert bh.wait_for_text(page, message, 5)  # still shown after the stream ended
