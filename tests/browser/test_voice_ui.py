"""The voice UI in real Chromium: states over a spoken turn, levels, look, countdown, mute,
errors in the component, keyboard, dark theme (the DOM contract of docs/component-protocol.md)."""

from __future__ import annotations

import itertools
import re
import time
from pathlib import Path
from typing import Any

import browser_harness as bh
import pytest
from playwright.sync_api import Browser, BrowserContext, Frame, Page

pytestmark = pytest.mark.browser

APP = bh.APPS_DIR / "ui_probe.py"
MIC = bh.FIXTURES_DIR / "speech_pause.wav"
ROOT = '[data-testid="streamlit-rtc"]'

# Every frame records the root's data-state changes and samples its levels (20/s).
RECORDER = """
(() => {
  // Watches the component's root once it exists (an iframe's first document may be
  // replaced, so observe the element itself), and samples its levels 20 times a second.
  const log = (window.__rtcLog = { states: [], levels: [] });
  setInterval(() => {
    const el = document.querySelector('[data-testid="streamlit-rtc"]');
    if (!el) return;
    if (!el.__rtcWatched) {
      el.__rtcWatched = true;
      new MutationObserver(() => {
        log.states.push({ state: el.dataset.state, t: Date.now() });
      }).observe(el, { attributes: true, attributeFilter: ["data-state"] });
    }
    if (el.dataset.state === "stopped") return;
    log.levels.push({
      state: el.dataset.state,
      in: Number(el.getAttribute("data-level-in")),
      out: Number(el.getAttribute("data-level-out")),
      t: Date.now(),
    });
  }, 50);
})();
"""


@pytest.fixture
def context(context: BrowserContext) -> BrowserContext:
    """The conftest's context, recording the component's states and levels."""
    context.add_init_script(RECORDER)
    return context


def open_case(context: BrowserContext, server: bh.StreamlitServer, case: str) -> tuple[Page, Frame]:
    page = context.new_page()
    page.goto(f"{server.url}?case={case}")
    return page, component(page)


def component(page: Page, timeout: float = 30.0) -> Frame:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for frame in page.frames:
            if frame is not page.main_frame and frame.locator(ROOT).count():
                return frame
        page.wait_for_timeout(100)
    raise TimeoutError("no streamlit-rtc component in the page")


def state(frame: Frame) -> str:
    return str(frame.locator(ROOT).get_attribute("data-state"))


def recorded(frame: Frame) -> dict[str, list[dict[str, Any]]]:
    return frame.evaluate("window.__rtcLog")  # type: ignore[no-any-return]


def is_subsequence(wanted: list[str], seen: list[str]) -> bool:
    it = iter(seen)
    return all(any(s == w for s in it) for w in wanted)


def test_one_spoken_turn_walks_the_states_and_the_levels_follow_the_audio(
    server: bh.StreamlitServer, context: BrowserContext
) -> None:
    page, frame = open_case(context, server, "echo")
    frame.get_by_role("button", name="Start").click()
    walk = ["connecting", "listening", "user-speaking", "thinking", "responding", "listening"]

    def walked() -> bool:
        states = [s["state"] for s in recorded(frame)["states"]]
        return is_subsequence(walk, states)

    try:
        bh.wait_until(page, walked, 45, f"the walk {walk}")
    except AssertionError as exc:
        seen = [s["state"] for s in recorded(frame)["states"]]
        raise AssertionError(f"{exc}; seen {seen}") from None
    log = recorded(frame)
    levels = log["levels"]
    speaking_in = [s["in"] for s in levels if s["state"] == "user-speaking"]
    responding_out = [s["out"] for s in levels if s["state"] == "responding"]
    listening_out = [s["out"] for s in levels if s["state"] == "listening"]
    summary = [(s["state"], s["in"], s["out"]) for s in levels[::5]]
    assert speaking_in and max(speaking_in) > 0.2, summary
    assert responding_out and max(responding_out) > 0.2, responding_out
    # No reply audio while only listening (before the first reply ends, nothing plays).
    first_reply = next(s["t"] for s in log["states"] if s["state"] == "responding")
    before = [s["out"] for s in levels if s["state"] == "listening" and s["t"] < first_reply]
    assert before and max(before) < 0.05, before
    assert listening_out
    # Levels are sampled at least 10 times a second while live.
    times = [s["t"] for s in levels]
    changes = sum(
        1 for a, b in itertools.pairwise(levels) if (a["in"], a["out"]) != (b["in"], b["out"])
    )
    assert changes / ((times[-1] - times[0]) / 1000) >= 5, "levels barely change while live"
    status = frame.get_by_test_id("streamlit-rtc-status")
    assert status.get_attribute("aria-live") == "polite"
    frame.get_by_role("button", name="Stop").click()
    bh.wait_until(page, lambda: state(frame) == "stopped", 10, "stopped")
    # An audio-only stream has no video placeholder.
    assert frame.locator("video").count() == 0


def test_labels_icon_and_colours_are_applied(
    server: bh.StreamlitServer, context: BrowserContext
) -> None:
    _page, frame = open_case(context, server, "look")
    button = frame.get_by_role("button", name="Talk to me")
    button.wait_for(timeout=10_000)
    assert "🤖" in frame.locator(ROOT).inner_text()
    styles = frame.evaluate(
        """() => [...document.querySelectorAll('[data-testid="streamlit-rtc"] *')].map((el) => {
            const s = getComputedStyle(el);
            return [s.backgroundColor, s.borderRadius, s.borderColor, s.color, s.boxShadow];
        }).flat().join(' | ')"""
    )
    assert "rgb(200, 30, 40)" in styles, styles
    assert "10%" in styles, styles
    assert "rgb(0, 128, 0)" in styles or "rgba(0, 128, 0" in styles, styles
    button.click()
    frame.get_by_role("button", name="Hang up").wait_for(timeout=20_000)
    frame.get_by_role("button", name="Hang up").click()
    frame.get_by_role("button", name="Talk to me").wait_for(timeout=20_000)


def test_the_countdown_decreases_and_the_stream_ends_at_the_limit(
    server: bh.StreamlitServer, context: BrowserContext
) -> None:
    page, frame = open_case(context, server, "limit")
    frame.get_by_role("button", name="Start").click()
    root = frame.locator(ROOT)
    first = int(
        bh.wait_until(page, lambda: root.get_attribute("data-remaining"), 20, "a countdown")
    )
    assert 1 <= first <= 4
    bh.wait_until(
        page,
        lambda: (v := root.get_attribute("data-remaining")) is not None and int(v) < first,
        10,
        "the countdown to decrease",
    )
    bh.wait_until(page, lambda: state(frame) == "stopped", 15, "the end at the time limit")
    status = frame.get_by_test_id("streamlit-rtc-status")
    assert re.search(r"time limit", status.inner_text(), re.IGNORECASE), status.inner_text()
    frame.get_by_role("button", name="Start").wait_for(timeout=10_000)


def peaks(page: Page) -> list[float]:
    text = page.locator("body").inner_text()
    return [float(v) for v in re.findall(r"PEAK ([0-9.]+)", text)]


def test_mute_stops_audio_reaching_the_handler(
    server: bh.StreamlitServer, context: BrowserContext
) -> None:
    page, frame = open_case(context, server, "level")
    frame.get_by_role("button", name="Start").click()
    bh.wait_until(
        page, lambda: any(p > 1000 for p in peaks(page)), 30, "speech to reach the handler"
    )
    frame.get_by_role("button", name="Mute microphone").click()
    unmute = frame.get_by_role("button", name="Unmute microphone")
    assert unmute.get_attribute("aria-pressed") == "true"
    # After the mute, every peak the handler reports is silence (allow one in flight).
    page.wait_for_timeout(600)
    silent = bh.wait_until(
        page, lambda: (p := peaks(page)) and p[-1] < 50 and p, 10, "silence at the handler"
    )
    seen = set()
    for _ in range(8):  # two seconds of reports while muted: all silent
        page.wait_for_timeout(250)
        seen.update(peaks(page))
    assert max(seen | set(silent)) < 50, seen
    frame.get_by_role("button", name="Unmute microphone").click()
    bh.wait_until(page, lambda: any(p > 1000 for p in peaks(page)), 30, "speech again after unmute")


def test_a_start_up_error_and_a_refusal_show_in_the_component(
    server: bh.StreamlitServer, context: BrowserContext, other_context: BrowserContext
) -> None:
    page, frame = open_case(context, server, "startup")
    frame.get_by_role("button", name="Start").click()
    status = frame.get_by_test_id("streamlit-rtc-status")
    bh.wait_until(
        page, lambda: "refused the API key" in status.inner_text(), 30, "the start_up error"
    )
    assert "start_up" in status.inner_text()

    page_a, frame_a = open_case(context, server, "busy")
    frame_a.get_by_role("button", name="Start").click()
    bh.wait_until(page_a, lambda: state(frame_a) == "listening", 30, "the first user live")
    page_b, frame_b = open_case(other_context, server, "busy")
    frame_b.get_by_role("button", name="Start").click()
    bh.wait_until(page_b, lambda: state(frame_b) == "busy", 30, "the second user refused")
    text = frame_b.get_by_test_id("streamlit-rtc-status").inner_text()
    assert "limit" in text, text
    assert state(frame_a) != "stopped"
    frame_a.get_by_role("button", name="Stop").click()
    bh.wait_until(page_a, lambda: state(frame_a) == "stopped", 10, "the first user stopped")

    # The first user's slot is freed when the server has ended that session, a moment
    # after their page shows "stopped": a refused user presses Start again, as people do.
    def admitted() -> bool:
        now = state(frame_b)
        if now in ("busy", "stopped", "idle"):
            start = frame_b.get_by_role("button", name="Start")
            if start.count() and start.is_enabled():
                start.click()
        return now == "listening"

    bh.wait_until(page_b, admitted, 30, "the second user admitted")


def test_start_and_stop_by_keyboard(server: bh.StreamlitServer, context: BrowserContext) -> None:
    page, frame = open_case(context, server, "echo")
    button = frame.get_by_role("button", name="Start")
    button.focus()
    page.keyboard.press("Enter")
    bh.wait_until(page, lambda: state(frame) == "listening", 30, "live after Enter")
    frame.get_by_role("button", name="Stop").focus()
    page.keyboard.press("Space")
    bh.wait_until(page, lambda: state(frame) == "stopped", 10, "stopped after Space")


def test_the_dark_theme_is_followed(tmp_path: Path, browser: Browser) -> None:
    log = tmp_path / "streamlit.log"
    with bh.StreamlitServer(
        app_path=APP, log_path=log, env=bh.LOOPBACK_ENV, extra_args=("--theme.base", "dark")
    ) as dark:
        ctx = bh.new_context(browser)
        try:
            page = ctx.new_page()
            page.goto(dark.url)
            frame = component(page)
            colours = frame.evaluate(
                """() => {
                    const root = document.querySelector('[data-testid="streamlit-rtc"]');
                    const text = getComputedStyle(root).color;
                    return { text, theme: root.dataset.theme };
                }"""
            )
            channels = [int(v) for v in re.findall(r"\d+", colours["text"])[:3]]
            assert sum(channels) / 3 > 150, f"text is not light on the dark theme: {colours}"
        finally:
            ctx.close()
