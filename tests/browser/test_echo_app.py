"""The README's main demo (apps/echo.py) in real Chromium with a fake microphone.

The fake microphone plays ``turn_lead2s.wav`` (2 s silence, a sentence, 4 s
silence). Chromium's own stats give both sides on one clock: the
``media-source`` energy is the speech the browser sends, the ``inbound-rtp``
energy is what the server plays back. The reply must start only after the
speech has ended (after the pause), and it must come.
"""

from __future__ import annotations

import time

import browser_harness as bh
import pytest
from playwright.sync_api import BrowserContext, Frame, Page

pytestmark = pytest.mark.browser

APP = bh.APPS_DIR / "echo_probe.py"
MIC = bh.FIXTURES_DIR / "turn_lead2s.wav"
ENERGY_JS = """async () => {
  const pc = window.__rtcHarness.peers.at(-1);
  if (!pc) return null;
  const out = {state: pc.connectionState, sent: 0, heard: 0};
  (await pc.getStats()).forEach((r) => {
    if (r.type === 'media-source' && r.kind === 'audio') out.sent = r.totalAudioEnergy || 0;
    if (r.type === 'inbound-rtp' && r.kind === 'audio') out.heard = r.totalAudioEnergy || 0;
  });
  return out;
}"""


def server_threads(page: Page) -> list[str]:
    text = page.get_by_text("PROBE threads=").inner_text()
    return text.split("names=", 1)[1].split(",")


def energy_timeline(frame: Frame, seconds: float) -> list[tuple[float, float, float]]:
    """(time, speech energy sent, reply energy heard) increments every 100 ms."""
    rows: list[tuple[float, float, float]] = []
    last_sent = last_heard = 0.0
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        sample = frame.evaluate(ENERGY_JS)
        if sample is not None:
            now = time.monotonic() - start
            rows.append((now, sample["sent"] - last_sent, sample["heard"] - last_heard))
            last_sent, last_heard = sample["sent"], sample["heard"]
        time.sleep(0.1)
    return rows


def test_echo_replies_after_the_pause_and_stop_releases_the_server(
    server: bh.StreamlitServer, context: BrowserContext
) -> None:
    page = context.new_page()
    frame = bh.open_app(page, server.url)
    baseline = server_threads(page)
    bh.click_start(frame)
    rows = energy_timeline(frame, 14.0)
    speech = [t for t, sent, _ in rows if sent > 0.002]
    reply = [t for t, _, heard in rows if heard > 0.002]
    assert speech, f"the fake microphone was never sent: {rows}"
    speech_end = max(t for t in speech if t < min(speech) + 3.0)
    assert reply, f"no reply came back: {rows}"
    first_reply = min(reply)
    # Nothing is played while the user talks or before the pause ends...
    assert first_reply > speech_end + 0.2, (speech_end, first_reply)
    # ...and the reply comes (generous: shared CI machines are slow).
    assert first_reply < speech_end + 5.0, (speech_end, first_reply)

    live = server_threads(page)
    assert any(name.startswith("echo@") for name in live), live

    bh.click_stop(frame)
    bh.wait_for_start_button(frame)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        page.reload()
        bh.open_app(page, server.url)
        after = server_threads(page)
        # the reloaded sessions' watchers wind down too: wait for both conditions
        settled = len(after) <= len(baseline) + 2
        if settled and not any(name.startswith("echo@") for name in after):
            break
    assert not any(name.startswith("echo@") for name in after), after
    assert len(after) <= len(baseline) + 2, (baseline, after)
