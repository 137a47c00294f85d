"""Screenshots of the voice UI for the README: ``python docs/make_screenshot.py``.

Serves ``tests/browser/apps/ui_probe.py`` on 127.0.0.1, opens it in headless
Chromium with a fake microphone (speech with pauses), presses Start and
captures the component while the user speaks and while the bot answers, in
the light and the dark theme. Writes ``docs/voice-ui.png``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from PIL import Image
from playwright.sync_api import sync_playwright

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "tests" / "browser"))

import browser_harness as bh  # noqa: E402

APP = REPO / "tests" / "browser" / "apps" / "ui_probe.py"
MIC = REPO / "tests" / "fixtures" / "browser" / "speech_pause.wav"
OUT = REPO / "docs" / "voice-ui.png"


def capture(theme: str, case: str, states: tuple[str, ...], tmp: Path) -> list[Path]:
    shots: list[Path] = []
    log = tmp / f"{theme}.log"
    with (
        bh.StreamlitServer(
            app_path=APP, log_path=log, env=bh.LOOPBACK_ENV, extra_args=("--theme.base", theme)
        ) as server,
        sync_playwright() as p,
    ):
        browser = bh.launch_loopback_chromium(p, MIC)
        try:
            context = bh.new_context(browser)
            page = context.new_page()
            page.set_viewport_size({"width": 720, "height": 420})
            page.goto(f"{server.url}?case={case}")
            frame = bh.find_component_frame(page)
            root = frame.locator(bh.COMPONENT_ROOT)
            frame.get_by_role("button").first.click()
            for state in states:
                deadline = time.monotonic() + 30
                while root.get_attribute("data-state") != state and time.monotonic() < deadline:
                    page.wait_for_timeout(20)
                page.wait_for_timeout(250)  # let the level visual catch up with the audio
                path = tmp / f"{theme}-{state}.png"
                page.locator("iframe").first.screenshot(path=str(path))
                shots.append(path)
        finally:
            browser.close()
    return shots


def main() -> None:
    tmp = Path("/tmp/streamlit-rtc-shots")
    tmp.mkdir(exist_ok=True)
    shots = capture("light", "echo", ("user-speaking", "responding"), tmp)
    shots += capture("dark", "echo", ("thinking", "responding"), tmp)
    images = [Image.open(s) for s in shots]
    width = max(i.width for i in images)
    sheet = Image.new("RGB", (width * 2, sum(i.height for i in images[::2])), "white")
    y = 0
    for row in range(0, len(images), 2):
        for col, image in enumerate(images[row : row + 2]):
            sheet.paste(image, (col * width, y))
        y += images[row].height
    sheet.save(OUT, optimize=True)
    print(OUT)


if __name__ == "__main__":
    main()
