"""A conversation history passed in and out of the reply, in real Chromium.

``apps/history_probe.py`` is a chat app written like a ported fastrtc app:
``reply(audio, chatbot)`` gets the history as its extra input, appends a
turn whose answer says how many earlier turns it was given, and yields the
new history as ``AdditionalOutputs``, which lands back in
``st.session_state["chatbot"]``, the value the stream's input *is*. The fake
microphone says three questions separated by pauses (three turns), so the
page must show "I have seen 2 earlier turns": the third reply got the
history of the first two, although the live view applied the outputs
without a full script run in between.
"""

from __future__ import annotations

import re

import browser_harness as bh
import pytest
from playwright.sync_api import BrowserContext, Page

pytestmark = pytest.mark.browser

APP = bh.APPS_DIR / "history_probe.py"
MIC = bh.FIXTURES_DIR / "three_turns.wav"
FULL = re.compile(r"FULL_RUNS (\d+)")
ANSWER = re.compile(r"I have seen (\d+) earlier turns")


def body(page: Page) -> str:
    return page.locator("body").inner_text()


def answers(page: Page) -> list[int]:
    """The earlier-turn counts the assistant reported, in page order."""
    return [int(n) for n in ANSWER.findall(body(page))]


def full_runs(page: Page) -> int:
    match = FULL.search(body(page))
    assert match, body(page)[-800:]
    return int(match.group(1))


def wait_for_answers(page: Page, count: int, timeout: float, server: bh.StreamlitServer) -> None:
    """Wait until the page shows at least ``count`` assistant answers."""
    if bh.poll(page, lambda: len(answers(page)) >= count, timeout, interval=0.25) is None:
        raise AssertionError(
            f"{count} answer(s) not shown within {timeout} s; page shows {answers(page)}\n"
            f"page: {body(page)[-800:]}\nserver log:\n{server.log_tail(40)}"
        )


def run_three_turns(page: Page, server: bh.StreamlitServer, variant: str) -> tuple[int, int]:
    """START, wait for three answers; returns full script runs at the first and third answer."""
    frame = bh.open_app(page, f"{server.url}?variant={variant}", timeout=60)
    assert f"VARIANT {variant}" in body(page)
    bh.click_start(frame, timeout=30)
    wait_for_answers(page, 1, timeout=60, server=server)
    at_first = full_runs(page)
    wait_for_answers(page, 3, timeout=60, server=server)
    at_third = full_runs(page)
    # Every turn got the whole history so far: 0, 1, 2 earlier turns, in order.
    seen = answers(page)
    assert seen[:3] == [0, 1, 2], seen
    assert page.get_by_text("I have seen 2 earlier turns").count() >= 1
    bh.click_stop(frame, timeout=30)
    bh.wait_for_start_button(frame, timeout=30)
    return at_first, at_third


@pytest.mark.parametrize("variant", ["webrtc", "stream_ui", "stream_render"])
def test_each_turn_gets_the_history_under_a_live_view(
    server: bh.StreamlitServer, context: BrowserContext, variant: str
) -> None:
    at_first, at_third = run_three_turns(context.new_page(), server, variant)
    if variant == "webrtc":
        # Turns 2 and 3 got the history through the live view's reruns
        # alone: the app itself did not run between the first and third answer.
        assert at_third == at_first, (at_first, at_third)


def test_each_turn_gets_the_history_without_a_live_view(
    server: bh.StreamlitServer, context: BrowserContext
) -> None:
    run_three_turns(context.new_page(), server, "webrtc_nolive")
