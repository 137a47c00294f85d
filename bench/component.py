"""Benchmark: our browser component against streamlit-webrtc's, in real Chromium, same run.

Prints one JSON object on stdout (logs go to stderr). Each side is its own
``streamlit run`` server on 127.0.0.1 (usage stats off), wrapped by
``bench/apps/run_probe.py``, which logs every full script run of the app:

* ``ours``: ``tests/browser/apps/component_echo.py`` (``streamlit_rtc.webrtc``
  with a StreamHandler echoing every microphone frame);
* ``streamlit_webrtc``: ``tests/browser/apps/bare_echo.py``
  (``webrtc_streamer(key="echo", mode=SENDRECV, rtc_configuration={"iceServers": []},
  audio_frame_callback=identity)``).

Debian's /usr/bin/chromium runs headless through Playwright (flags of
``tests/browser/browser_harness/``). Every page gets the harness's
``RTC_INIT_SCRIPT`` and this bench's init script, which records in each frame,
in epoch ms (``performance.timeOrigin + performance.now()``): clicks (capture
phase), every ``RTCPeerConnection``'s ``connectionstatechange``, the first
``getStats()`` (polled every 20 ms, Chromium caches stats for up to 50 ms)
whose inbound audio has ``totalAudioEnergy > 0``, data-channel ``open`` and
``message`` events, and a MutationObserver on ``data-state`` attributes.

Phases (the connect phase alternates the sides, swapping which goes first):

1. connects (``--runs`` N per side, fresh context and page each, microphone: a
   continuous tone so any echo has energy at once): load, wait until the
   script runs settle (every run ended, none for 0.75 s), click Start/START,
   then

   * ``click_to_connected_ms``: click → ``connectionState == "connected"``;
   * ``click_to_first_audio_ms``: click → first inbound audio energy;
   * ``reruns_per_connect``: full script runs of that session that began
     between the settle point and connected + 1 s (``reruns_on_load``: the
     runs before the settle point);
   * ``failed_connects``: no inbound audio energy within 10 s of the click;

   then Stop, and the context is closed.
2. ``status_to_dom_ms`` (ours only): ``apps/echo.py`` (ReplyOnPause echo) with
   ``three_turns.wav`` as the microphone. For each data-channel ``state``
   message that changed the root's ``data-state``: DOM mutation time − the
   message's server ``t``. Messages sent before the channel opened (buffered
   by the server, their ``t`` predates the channel) are counted apart.
3. ``idle_live_cpu``: microphone of digital silence, connect, wait for the
   runs to settle, then a 10 s window: CDP ``Performance.getMetrics``
   ``TaskDuration`` delta / wall seconds of the page (the renderer main
   thread, the same-origin component iframe included), plus CPU of all
   Chromium processes and of the Streamlit server process group from /proc
   (fraction of one core).

Run: ``python bench/component.py`` (about 10 min), ``--quick`` for a smoke run.

This file holds the run and the report; the browser side is in
``bench/_component_browser.py``, the servers and their run logs in
``_component_side.py``, and the three phases in ``_component_connects.py``,
``_component_status.py`` and ``_component_cpu.py``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from playwright.sync_api import sync_playwright  # noqa: E402

from bench import _logs  # noqa: E402
from bench._component_browser import bh  # noqa: E402
from bench._component_connects import connect_figures, connects_phase  # noqa: E402
from bench._component_cpu import CPU_WINDOW_S, cpu_phase  # noqa: E402
from bench._component_side import Side  # noqa: E402
from bench._component_status import STATUS_TURNS, status_phase  # noqa: E402
from streamlit_rtc.testing import write_wav  # noqa: E402

logger = logging.getLogger("bench.component")

OURS_APP = bh.APPS_DIR / "component_echo.py"
THEIRS_APP = bh.APPS_DIR / "bare_echo.py"


def tone_wav(path: Path, seconds: float = 5.0, rate: int = 48000) -> Path:
    """A continuous 440 Hz + 1 kHz tone at about -20 dBFS: any echo has energy at once."""
    t = np.arange(int(seconds * rate)) / rate
    x = 0.07 * np.sin(2 * np.pi * 440 * t) + 0.03 * np.sin(2 * np.pi * 1000 * t)
    write_wav(path, rate, np.round(x * 32767).astype(np.int16))
    return path


def silence_wav(path: Path, seconds: float = 5.0, rate: int = 48000) -> Path:
    write_wav(path, rate, np.zeros(int(seconds * rate), np.int16))
    return path


@contextlib.contextmanager
def terminate_as_exit() -> Iterator[None]:
    """SIGTERM/SIGHUP unwind like Ctrl-C, so every finally (servers, browsers) runs."""

    def handler(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    old = {s: signal.signal(s, handler) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for s, h in old.items():
            signal.signal(s, h)


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="connects per side (default 30)")
    parser.add_argument(
        "--status-connects",
        type=int,
        default=3,
        help=f"connects of the status→DOM phase, {STATUS_TURNS} replies each",
    )
    parser.add_argument("--cpu-repeats", type=int, default=2, help="idle-live CPU windows per side")
    parser.add_argument(
        "--cpu-window", type=float, default=CPU_WINDOW_S, help="seconds per idle-live CPU window"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help="smoke run: 3 connects, 1 status connect, 1 CPU window of 3 s per side",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.status_connects, args.cpu_repeats, args.cpu_window = 3, 1, 1, 3.0
    _logs.configure(args.verbose)
    started = time.monotonic()
    load_start = os.getloadavg()

    sides: list[Side] = []
    with terminate_as_exit(), tempfile.TemporaryDirectory(prefix="bench-component-") as tmp:
        logs = Path(tmp)
        tone = tone_wav(logs / "tone.wav")
        silence = silence_wav(logs / "silence.wav")
        with sync_playwright() as pw:
            try:
                sides = [
                    Side.start("ours", OURS_APP, logs),
                    Side.start("streamlit_webrtc", THEIRS_APP, logs),
                ]
                results = connects_phase(pw, sides, args.runs, tone)
                load_connects = os.getloadavg()
                status = status_phase(pw, logs, args.status_connects)
                cpu = cpu_phase(pw, sides, args.cpu_repeats, silence, args.cpu_window)
            finally:
                for side in sides:
                    if any(line in side.server.log_tail(200) for line in ("Traceback",)):
                        logger.warning(
                            "%s server log tail:\n%s", side.name, side.server.log_tail(40)
                        )
                    side.server.stop()

    ours = {
        "app": "tests/browser/apps/component_echo.py (streamlit_rtc.webrtc, StreamHandler echo)",
        **connect_figures(results["ours"]),
        "status_to_dom": status,
        "idle_live_cpu": cpu["ours"],
    }
    theirs = {
        "app": "tests/browser/apps/bare_echo.py "
        "(webrtc_streamer SENDRECV, identity audio_frame_callback)",
        **connect_figures(results["streamlit_webrtc"]),
        "idle_live_cpu": cpu["streamlit_webrtc"],
    }
    ours_reruns = [r["reruns"] for r in results["ours"] if r["ok"] and "reruns" in r]
    dom_p50 = status["status_to_dom_ms"]["p50"]
    goals = {
        "ours_reruns_per_connect_le_2": {
            "max": max(ours_reruns) if ours_reruns else None,
            "met": bool(ours_reruns) and max(ours_reruns) <= 2,
        },
        "ours_status_to_dom_p50_le_50ms": {
            "p50_ms": dom_p50,
            "met": dom_p50 is not None and dom_p50 <= 50.0,
        },
        "ours_no_failed_connects": {
            "failed": ours["failed_connects"],
            "met": ours["failed_connects"] == 0,
        },
    }
    return {
        "benchmark": "component",
        "browser": "Debian chromium headless via Playwright, fake microphone, servers on 127.0.0.1",
        "connects": args.runs,
        "connect_mic": "continuous tone (440 Hz + 1 kHz, about -20 dBFS)",
        "ours": ours,
        "streamlit_webrtc": theirs,
        "goals": goals,
        "loadavg": {
            "start": [round(x, 2) for x in load_start],
            "after_connects": [round(x, 2) for x in load_connects],
            "end": [round(x, 2) for x in os.getloadavg()],
        },
        "cpus": os.cpu_count(),
        "runtime_s": round(time.monotonic() - started, 1),
    }


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
