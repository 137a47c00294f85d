"""streamlit-rtc's component in a page: find its iframe, read its state, click START and STOP.

The sync API only processes browser events (frame attach included) while a
Playwright call runs, so waiting here uses ``page.wait_for_timeout``, never
``time.sleep``.
"""

from __future__ import annotations

import contextlib
import re
import time

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import Frame, Page

_START_RE = re.compile(r"^\s*start\s*$", re.IGNORECASE)
_STOP_RE = re.compile(r"^\s*stop\s*$", re.IGNORECASE)


def open_app(page: Page, url: str, timeout: float = 30.0) -> Frame:
    """Load the app and return the component iframe once its START button shows."""
    page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
    return find_component_frame(page, timeout=timeout)


COMPONENT_ROOT = '[data-testid="streamlit-rtc"]'
"""The root of streamlit-rtc's component (the DOM contract in docs/component-protocol.md)."""


def is_component_frame(frame: Frame) -> bool:
    """Our component's iframe, or streamlit-webrtc's (a START/STOP button) for baselines."""
    if frame.locator(COMPONENT_ROOT).count() > 0:
        return True
    return any(frame.get_by_role("button", name=name).count() > 0 for name in (_START_RE, _STOP_RE))


def component_state(frame: Frame) -> str | None:
    """The component's ``data-state`` (None for streamlit-webrtc's component)."""
    return frame.locator(COMPONENT_ROOT).get_attribute("data-state", timeout=5000)


def find_component_frame(page: Page, timeout: float = 30.0) -> Frame:
    """Return the first child frame (searching ``page.frames``) holding a stream component.

    Note: the sync API only processes browser events (frame attach included)
    while a Playwright call runs, so waiting uses ``page.wait_for_timeout``,
    never ``time.sleep``.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame is page.main_frame:
                continue
            with contextlib.suppress(Exception):
                if is_component_frame(frame):
                    return frame
        page.wait_for_timeout(100)
    raise TimeoutError(f"no webrtc component iframe within {timeout}s")


def wait_for_no_component_frame(page: Page, timeout: float = 15.0) -> None:
    """Wait until no child frame shows a START/STOP button (the component is unmounted).

    Streamlit removes an element that a run did not draw only when that run
    finishes; a run cut short by a rerun leaves the old iframe in place.
    """
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        present = False
        for frame in page.frames:
            if frame is page.main_frame:
                continue
            with contextlib.suppress(Exception):
                if is_component_frame(frame):
                    present = True
        if not present:
            return
        page.wait_for_timeout(100)
    raise TimeoutError(f"the webrtc component iframe was still mounted after {timeout}s")


def wait_for_component_start(page: Page, timeout_s: float) -> bool:
    """True once any component iframe is stopped (the stream ended).

    Searches all frames: when a stream ends on the server Streamlit may
    remount the component's iframe.
    """
    for _ in range(int(timeout_s * 4)):
        for child in page.frames[1:]:
            try:
                root = child.locator(COMPONENT_ROOT)
                if root.count() and root.get_attribute("data-state") in ("stopped", "error"):
                    return True
                if child.get_by_role("button", name=_START_RE).count() > 0:
                    return True
            except PlaywrightError:  # the iframe detached while we looked
                continue
        page.wait_for_timeout(250)
    return False


def click_start(frame: Frame, timeout: float = 10.0) -> None:
    """Click the component's START button."""
    frame.get_by_role("button", name=_START_RE).click(timeout=timeout * 1000)


def click_stop(frame: Frame, timeout: float = 10.0) -> None:
    """Click the component's STOP button."""
    frame.get_by_role("button", name=_STOP_RE).click(timeout=timeout * 1000)


def wait_for_stop_button(frame: Frame, timeout: float = 10.0) -> None:
    """Wait until the component shows STOP (the frontend is signalling or playing)."""
    frame.get_by_role("button", name=_STOP_RE).wait_for(timeout=timeout * 1000)


def wait_for_start_button(frame: Frame, timeout: float = 10.0) -> None:
    """Wait until the component shows START again (stopped)."""
    frame.get_by_role("button", name=_START_RE).wait_for(timeout=timeout * 1000)
