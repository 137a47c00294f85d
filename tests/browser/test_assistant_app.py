"""apps/assistant.py in real Chromium: asked "what time is it", it shows and speaks the time.

The fake microphone (``assistant_what_time.wav``, made by
``make_assistant_fixture.py`` with piper) says "What time is it?" after 1 s
and loops every ~7.8 s. Without any click after START the page must show the
question as transcribed, the answer's text, and the browser must receive
the spoken answer. Everything runs offline (Whisper, the brain, piper).
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
APP = HERE.parents[1] / "apps" / "assistant.py"
MIC = HERE.parent / "fixtures" / "browser" / "assistant_what_time.wav"
QUESTION = re.compile(r"what time is it", re.IGNORECASE)
ANSWER = re.compile(r"It's \d{1,2}:\d\d [AP]M\.")


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[bh.StreamlitServer]:
    log = tmp_path_factory.mktemp("assistant") / "streamlit.log"
    with bh.StreamlitServer(app_path=APP, log_path=log, env=bh.LOOPBACK_ENV) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        chromium = bh.launch_loopback_chromium(p, MIC)
        yield chromium
        chromium.close()


def bubbles(page: Page) -> list[str]:
    return page.locator('[data-testid="stChatMessage"]').all_inner_texts()


@pytest.mark.timeout(150)
def test_the_question_and_the_spoken_answer_reach_the_page(
    server: bh.StreamlitServer, browser: Browser
) -> None:
    context = bh.new_context(browser)
    try:
        page = context.new_page()
        frame = bh.open_app(page, server.url, timeout=60)  # the first run loads the models
        bh.click_start(frame)
        deadline = time.monotonic() + 45  # the file loops: several chances
        shown: list[str] = []
        while time.monotonic() < deadline:
            shown = bubbles(page)
            if any(QUESTION.search(b) for b in shown) and any(ANSWER.search(b) for b in shown):
                break
            page.wait_for_timeout(250)
        assert any(QUESTION.search(b) for b in shown), f"the question never showed: {shown}"
        assert any(ANSWER.search(b) for b in shown), f"the answer never showed: {shown}"
        audio = bh.wait_for_inbound_audio(frame, timeout=15)
        assert audio is not None, "no spoken answer reached the browser"
        assert audio.packets_received > 0 and audio.total_audio_energy > 0
    finally:
        context.close()
