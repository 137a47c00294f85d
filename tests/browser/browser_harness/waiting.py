"""Waiting for what a page shows: poll a check until it holds, inside Playwright.

Playwright's sync API processes browser events only while one of its calls
runs, so the pauses between checks are ``page.wait_for_timeout``, never
``time.sleep``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import TypeVar

from playwright.sync_api import Frame, Page

T = TypeVar("T")


def poll(page: Page, check: Callable[[], T], timeout: float, interval: float = 0.1) -> T | None:
    """``check()`` every ``interval`` s until it returns something truthy (returned), else None."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        page.wait_for_timeout(interval * 1000)
    return None


def wait_until(
    page: Page,
    check: Callable[[], T],
    timeout: float,
    what: str,
    *,
    interval: float = 0.1,
    explain: Callable[[], str] | None = None,
) -> T:
    """Like :func:`poll`, but a timeout fails the test naming ``what``.

    ``explain()`` (e.g. the page text or the server log's tail) is added to
    the failure message.
    """
    value = poll(page, check, timeout, interval)
    if value:
        return value
    detail = f"\n{explain()}" if explain is not None else ""
    raise AssertionError(f"timed out after {timeout:g} s waiting for {what}{detail}")


def wait_for_text(target: Page | Frame, text: str, timeout: float, interval: float = 0.2) -> bool:
    """True once ``text`` shows in ``target`` (a page or one frame), False after ``timeout``."""
    page = target if isinstance(target, Page) else target.page
    return poll(page, lambda: target.get_by_text(text).count() > 0, timeout, interval) is not None
