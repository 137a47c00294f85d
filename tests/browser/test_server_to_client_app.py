"""apps/server_to_client.py in real Chromium: the Generate button streams the generator.

The slider's value (the number of one-second notes) must reach the generator
as its argument, the audio must arrive in the browser, and the stream must
end by itself when the generator ends. The browser's ``inbound-rtp``
``totalAudioEnergy`` tells how much was played: each note adds about the
same energy, so two notes and the default five are far apart.
"""

from __future__ import annotations

import browser_harness as bh
import pytest
from playwright.sync_api import Page

pytestmark = pytest.mark.browser

APP = bh.REPO_ROOT / "apps" / "server_to_client.py"
# Chromium's audio level is the peak of each 10 ms (0.3 for the app's notes),
# and energy the sum of level**2 * duration: 0.09 per second, a bit less in the
# 50 ms fade in and out.
ENERGY_PER_NOTE = 0.087


def test_generate_streams_the_chosen_number_of_notes_then_ends(
    streamlit_app: bh.StreamlitAppFactory, page: Page
) -> None:
    server = streamlit_app(APP, env=bh.LOOPBACK_ENV)
    frame = bh.open_app(page, server.url)
    slider = page.get_by_role("slider").first
    slider.focus()
    slider.press("Home")
    slider.press("ArrowRight")  # 2 steps
    page.wait_for_function("() => document.querySelector('input[type=range]')?.value === '2'")

    page.get_by_role("button", name="Generate").click()
    first = bh.wait_for_inbound_audio(frame, timeout=20.0)
    assert first is not None, "no audio arrived after Generate"
    last = first
    for sample in bh.iter_stats(frame, 10.0, 0.2):  # two notes, then the stream ends
        if sample.connection_state in ("closed", None):
            break
        last = sample
    assert bh.wait_for_component_start(page, timeout_s=15), "the stream did not end"
    page.wait_for_timeout(2000)  # the trigger was used up: nothing starts again by itself
    assert bh.wait_for_component_start(page, timeout_s=1), "the stream started again"

    notes = last.total_audio_energy / ENERGY_PER_NOTE
    assert 1.4 < notes < 2.8, f"heard {notes:.2f} notes' energy, expected 2 ({last})"
