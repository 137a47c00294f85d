"""Errors and messages from handler code as a user sees them, in real Chromium.

``apps/errors_probe.py`` runs one handler chosen by query parameter. A
handler whose ``start_up`` (sync, or async after a delay), ``receive`` or
``emit`` raises ends its stream: the page shows an ``st.error`` naming the
method and the exception, and the component offers START again. A reply of
``ReplyOnPause`` that raises ends only its turn: the error is shown while
the stream keeps listening and the next turn is answered. ``send_message``
and ``Warning`` from handler code reach the page as a caption and a warning.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TypeVar

import browser_harness as bh
import pytest
from playwright.sync_api import BrowserContext, Page
from playwright.sync_api import Error as PlaywrightError

pytestmark = pytest.mark.browser

APP = bh.APPS_DIR / "errors_probe.py"
MIC = bh.FIXTURES_DIR / "three_turns.wav"
STOP = re.compile(r"^\s*stop\s*$", re.IGNORECASE)
ERROR = '[data-testid="stAlertContentError"]'
WARNING = '[data-testid="stAlertContentWarning"]'
CAPTION = '[data-testid="stCaptionContainer"]'
T = TypeVar("T")


def texts(page: Page, selector: str) -> list[str]:
    try:
        return page.locator(selector).all_inner_texts()
    except PlaywrightError:  # the page re-rendered while we read
        return []


def body(page: Page) -> str:
    try:
        return page.locator("body").inner_text()
    except PlaywrightError:
        return ""


def wait_until(
    page: Page, what: str, check: Callable[[], T], timeout: float, server: bh.StreamlitServer
) -> T:
    """Poll ``check()`` until truthy (returned) or fail saying ``what`` and what the page shows."""
    return bh.wait_until(
        page,
        check,
        timeout,
        what,
        interval=0.2,
        explain=lambda: f"page: {body(page)[-1200:]}\nserver log:\n{server.log_tail(40)}",
    )


def shows_stop(page: Page) -> bool:
    """Some component iframe shows STOP (the stream is connecting or live)."""
    for child in page.frames[1:]:
        try:
            if child.get_by_role("button", name=STOP).count() > 0:
                return True
        except PlaywrightError:
            continue
    return False


def error_with(page: Page, *parts: str) -> str | None:
    """The text of an ``st.error`` containing all ``parts``, if one is shown."""
    for text in texts(page, ERROR):
        if all(part in text for part in parts):
            return text
    return None


def start(page: Page, server: bh.StreamlitServer, handler: str) -> None:
    frame = bh.open_app(page, f"{server.url}?handler={handler}", timeout=60)
    assert f"HANDLER {handler}" in body(page)
    bh.click_start(frame, timeout=30)


@pytest.mark.parametrize(
    ("handler", "expected"),
    [
        (
            "sync_start_up",
            "SyncStartUpFails.start_up() raised RuntimeError: no model loaded",
        ),
        (
            "sync_start_up_late",
            "SyncStartUpFailsLate.start_up() raised RuntimeError: no model loaded after 0.5 s",
        ),
        (
            "async_start_up",
            "AsyncStartUpFails.start_up() raised ConnectionError: api unreachable after 0.5 s",
        ),
        ("receive", "ReceiveFails.receive() raised ValueError: cannot decode this frame"),
        ("async_emit", "AsyncEmitFails.emit() raised KeyError: 'emit ran out of audio'"),
    ],
)
def test_a_failing_handler_method_ends_the_stream_and_is_named_in_the_page(
    server: bh.StreamlitServer, context: BrowserContext, handler: str, expected: str
) -> None:
    page = context.new_page()
    start(page, server, handler)
    wait_until(page, f"st.error {expected!r}", lambda: error_with(page, expected), 45, server)
    assert bh.wait_for_component_start(page, timeout_s=60), "the stream did not stop: no START"
    # Still explained once the stream has stopped and the page settled.
    page.wait_for_timeout(500)
    assert error_with(page, expected), texts(page, ERROR)
    assert not shows_stop(page)


def test_a_failing_reply_ends_only_its_turn(
    server: bh.StreamlitServer, context: BrowserContext
) -> None:
    page = context.new_page()
    start(page, server, "reply")
    message = wait_until(
        page,
        "the first turn's error",
        lambda: error_with(page, "reply() raised RuntimeError: first turn failed"),
        60,
        server,
    )
    assert "ReplyOnPause" in message, message
    assert shows_stop(page), "a failing reply stopped the stream"
    # The stream kept listening: the next turn is answered, with no click.
    wait_until(
        page, "an answer to turn 2", lambda: "ANSWER answered turn 2" in body(page), 60, server
    )
    assert shows_stop(page)
    assert "LIVE_STATE stopped" not in body(page)
    frame = bh.find_component_frame(page)
    bh.click_stop(frame, timeout=30)
    assert bh.wait_for_component_start(page, timeout_s=30)


@pytest.mark.parametrize(
    ("handler", "message", "warning"),
    [
        ("messages", "hello from handler", "careful"),
        ("async_messages", "hello from async handler", "careful, async"),
    ],
)
def test_send_message_and_warning_reach_the_page(
    server: bh.StreamlitServer,
    context: BrowserContext,
    handler: str,
    message: str,
    warning: str,
) -> None:
    page = context.new_page()
    start(page, server, handler)
    caption = f"Message from the stream: {message}"
    wait_until(page, "the message caption", lambda: caption in texts(page, CAPTION), 60, server)
    wait_until(
        page, "the warning", lambda: any(warning in t for t in texts(page, WARNING)), 60, server
    )
    wait_until(
        page,
        "LiveStatus.messages",
        lambda: (
            f"('message', {message!r})" in body(page) and f"('warning', {warning!r})" in body(page)
        ),
        30,
        server,
    )
    # Neither ends the stream or counts as an error.
    assert shows_stop(page)
    assert texts(page, ERROR) == []
    frame = bh.find_component_frame(page)
    bh.click_stop(frame, timeout=30)
    assert bh.wait_for_component_start(page, timeout_s=30)
