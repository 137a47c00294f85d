"""Benchmark: how long real Chromium holds our audio before playing it.

Prints one JSON object (logs go to stderr). A browser's jitter buffer (NetEq)
grows when packets arrive in bursts, so the server's send timing adds
straight to every reply's latency. Each arm runs ``streamlit run`` on
127.0.0.1 and one headless Chromium page with a speech WAV as the fake
microphone, presses START, and after a warm-up reads the page's inbound
audio ``getStats()`` over a window:

* ``streamlit_rtc``: the main demo ``apps/echo.py`` (ReplyOnPause echo);
* ``streamlit_rtc_with_post_script_gc``: the same app with Streamlit's
  ``runner.postScriptGC`` forced on (Streamlit's default, which streamlit-rtc
  turns off: a full GC after every script run stalls the media loop);
* ``bare``: a bare streamlit-webrtc echo (``audio_frame_callback`` returning
  the frame), the baseline.

Figures per arm: mean jitter-buffer delay of the audio played in the window
(``jitterBufferDelay / jitterBufferEmittedCount``), NetEq's target delay,
concealment events, packets received. ``added_vs_bare_ms`` compares the
first two arms with the baseline of the same run.

Run: ``python bench/browser_playout.py`` (about 90 s).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT))

import browser_harness as bh  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

from bench import _logs  # noqa: E402

logger = logging.getLogger("bench.browser_playout")

ARMS: dict[str, tuple[Path, tuple[str, ...]]] = {
    "streamlit_rtc": (ROOT / "apps" / "echo.py", ()),
    "streamlit_rtc_with_post_script_gc": (
        ROOT / "apps" / "echo.py",
        ("--runner.postScriptGC", "true"),
    ),
    "bare": (ROOT / "tests" / "browser" / "apps" / "bare_echo.py", ()),
}


def inbound(frame: Any) -> dict[str, float] | None:
    """The newest peer connection's inbound audio stats in the component frame."""
    peers = frame.evaluate("window.__rtcStats ? window.__rtcStats() : []")
    return (peers[-1].get("inbound") if peers else None) or None


def measure_arm(pw: Any, name: str, warmup_s: float, window_s: float, logs: Path) -> dict[str, Any]:
    app, extra = ARMS[name]
    env = {"PYTHONPATH": os.pathsep.join([str(ROOT), str(app.parent)])}
    with bh.StreamlitServer(app, logs / f"{name}.log", extra_args=extra, env=env) as server:
        browser = bh.launch_loopback_chromium(pw, bh.DEFAULT_FAKE_MIC_WAV)
        try:
            page = bh.new_context(browser).new_page()
            frame = bh.open_app(page, server.url)
            bh.click_start(frame)
            if bh.wait_for_inbound_audio(frame, timeout=20.0) is None:
                return {"error": "no audio came back within 20 s"}
            page.wait_for_timeout(warmup_s * 1000)
            first = inbound(frame)
            page.wait_for_timeout(window_s * 1000)
            last = inbound(frame)
        finally:
            browser.close()
    if not first or not last:
        return {"error": "no inbound audio stats"}
    emitted = last["jitterBufferEmittedCount"] - first["jitterBufferEmittedCount"]
    if emitted <= 0:
        return {"error": "no audio played in the window"}

    def mean_ms(key: str) -> float:
        return round(1000 * (last[key] - first[key]) / emitted, 1)

    return {
        "jitter_buffer_delay_ms": mean_ms("jitterBufferDelay"),
        "jitter_buffer_target_ms": mean_ms("jitterBufferTargetDelay"),
        "concealment_events": last["concealmentEvents"] - first["concealmentEvents"],
        "packets_received": last["packetsReceived"] - first["packetsReceived"],
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--warmup", type=float, default=6.0, help="seconds before the window")
    parser.add_argument("--window", type=float, default=15.0, help="measured seconds per arm")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    _logs.configure(args.verbose)
    started = time.monotonic()
    load_start = os.getloadavg()
    arms: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="bench-playout-") as tmp, sync_playwright() as pw:
        for name in ARMS:
            arms[name] = measure_arm(pw, name, args.warmup, args.window, Path(tmp))
            logger.info("%s: %s", name, arms[name])
    bare = arms["bare"].get("jitter_buffer_delay_ms")
    added = {
        name: round(arm["jitter_buffer_delay_ms"] - bare, 1)
        for name, arm in arms.items()
        if name != "bare" and bare is not None and "jitter_buffer_delay_ms" in arm
    }
    return {
        "benchmark": "browser_playout",
        "browser": "Debian chromium, headless, fake microphone, 127.0.0.1",
        "window_s": args.window,
        "arms": arms,
        "added_vs_bare_ms": added,
        "loadavg": {
            "start": [round(x, 2) for x in load_start],
            "end": [round(x, 2) for x in os.getloadavg()],
        },
        "cpus": os.cpu_count(),
        "runtime_s": round(time.monotonic() - started, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
