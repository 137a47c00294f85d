"""Measure the real-browser connection success rate of an app (not a pytest test).

Usage::

    /tmp/venv/bin/python tests/browser/measure_connect_rate.py bare_echo -n 30
    /tmp/venv/bin/python tests/browser/measure_connect_rate.py component_echo -n 30

One Streamlit server and one Chromium for all runs, a fresh browser context
and page per connection. A connection succeeds when inbound audio packets
with non-zero energy arrive within the timeout after START.
"""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import tempfile
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_harness import (
    APPS_DIR,
    DEFAULT_FAKE_MIC_WAV,
    StreamlitServer,
    connect_once,
    launch_chromium,
)

LOGGER = logging.getLogger("measure_connect_rate")


def main() -> int:
    """Run N connections and log the failure rate."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("app", help="app name under tests/browser/apps (without .py)")
    parser.add_argument("-n", type=int, default=30, help="number of connections")
    parser.add_argument("--timeout", type=float, default=8.0, help="seconds to wait for audio")
    parser.add_argument("--debug", action="store_true", help="debug-log streamlit_webrtc")
    parser.add_argument(
        "--tail", type=float, default=0.0, help="seconds of non-interruptible work after the widget"
    )
    parser.add_argument(
        "--loop-busy", default="", help="busy_ms/period_ms load on the server event loop"
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    # SIGTERM -> KeyboardInterrupt so the server and the browser are cleaned up.
    signal.signal(signal.SIGTERM, signal.default_int_handler)

    log_path = Path(tempfile.mkdtemp(prefix="rtc-measure-")) / f"{args.app}.log"
    env = {"RTC_TEST_TAIL_S": str(args.tail)}
    if args.debug:
        env["RTC_TEST_DEBUG"] = "1"
    if args.loop_busy:
        env["RTC_TEST_LOOP_BUSY"] = args.loop_busy
    failures: list[int] = []
    started = time.monotonic()
    with (
        StreamlitServer(app_path=APPS_DIR / f"{args.app}.py", log_path=log_path, env=env) as srv,
        sync_playwright() as pw,
    ):
        browser = launch_chromium(pw, DEFAULT_FAKE_MIC_WAV)
        try:
            for i in range(args.n):
                res = connect_once(browser, srv.url, index=i, audio_timeout=args.timeout)
                LOGGER.info("run %s", res.describe())
                if not res.ok:
                    failures.append(i)
        finally:
            browser.close()
    LOGGER.info(
        "%s (tail=%ss, loop busy=%s): %d/%d failed (%.0f%%) in %.0fs; failed: %s; log: %s",
        args.app,
        args.tail,
        args.loop_busy or "-",
        len(failures),
        args.n,
        100.0 * len(failures) / args.n,
        time.monotonic() - started,
        failures,
        log_path,
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
