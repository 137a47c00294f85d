"""Every app in apps/ shows streamlit-rtc's component in real Chromium, stopped and ready,
with its start control (or, for a stream the app starts itself, its own trigger)."""

from __future__ import annotations

from pathlib import Path

import browser_harness as bh
import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

HELPER_MODULES = ("_brain", "_voice", "_llm", "_numbers")  # the assistant's parts, not apps
APPS = sorted(
    path
    for path in (bh.REPO_ROOT / "apps").glob("*.py")
    if not path.name.startswith("_") and not path.stem.endswith(HELPER_MODULES)
)
STARTED_BY_THE_APP = {"server_to_client", "video_stream"}


def test_the_apps_are_all_here() -> None:
    names = {p.stem for p in APPS}
    assert {"echo", "chat", "assistant", "stopwords", "server_to_client", "video_filter"} <= names


@pytest.mark.parametrize("app", APPS, ids=[p.stem for p in APPS])
def test_the_app_shows_the_component(
    app: Path, streamlit_app: bh.StreamlitAppFactory, page: Page
) -> None:
    server = streamlit_app(app, env=bh.LOOPBACK_ENV)
    page.goto(server.url)
    frame = bh.find_component_frame(page, timeout=60)
    assert bh.component_state(frame) == "stopped"
    assert frame.locator("video").count() == 0 or "video" in app.stem or "audio_video" in app.stem
    start = frame.get_by_role("button", name="Start")
    if app.stem in STARTED_BY_THE_APP:
        assert start.count() == 0, "a stream the app starts itself must not show a second Start"
    else:
        assert start.count() == 1
    assert page.locator('[data-testid="stException"]').count() == 0
