"""Benchmark: handler yield of AdditionalOutputs → value in the browser's DOM, and idle refresh CPU.

Prints one JSON object (logs go to stderr). A real ``streamlit run`` of
``bench/_outputs_app.py`` on 127.0.0.1 and Debian's Chromium (Playwright,
fake microphone, loopback-only WebRTC, see ``tests/browser/browser_harness/``).

* Latency: the app's handler returns ``AdditionalOutputs((seq, time.time()))``
  from ``emit``; the page shows it as ``TICK seq time`` inside
  ``stream.live(...)``. A ``MutationObserver`` in the page records
  ``performance.timeOrigin + performance.now()`` when each new ``seq``
  reaches the DOM. Server and browser share the machine's wall clock.
  Two sessions run at once: *steady* (an output every ~1 s) and *sparse*
  (every ~5 s: every output is the first after a quiet spell). The first
  output of each session is a warm-up and not counted.
* CPU: server process CPU (``/proc/PID/stat``, all threads) over the same
  window in arms run one after the other in the same server: ``none`` (no
  page open), ``no_refresh`` (N idle live sessions, the component's poll and
  the live view's refresh turned off: media and signalling only, the
  baseline), ``live`` (the same N sessions with the library's defaults and a
  ``stream.live`` view: the view every 0.25 s, the component's poll every
  1 s) and ``no_live_view`` (defaults, no live view: the component's own
  poll only). The refresh cost per idle live session is
  ``(live - no_refresh) / N``, in fractions of one core; as that difference
  is small against the media and noisy, it is also computed as the cost of
  one fragment run (from an arm that polls every 0.1 s) times the runs per
  second of the ``live`` arm.

Run: ``python bench/outputs_latency.py`` (about 5 minutes).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT))

import browser_harness as bh  # noqa: E402
from playwright.sync_api import Browser, BrowserContext, Page, sync_playwright  # noqa: E402

from bench import _logs  # noqa: E402
from bench._proc_cpu import process_cpu_s  # noqa: E402

logger = logging.getLogger("bench.outputs")

APP = ROOT / "bench" / "_outputs_app.py"
MIC_WAV = bh.FIXTURES_DIR / "speech_pause.wav"
GOAL_P50_S = 0.3
GOAL_CORE_PER_SESSION = 0.02
FAST_POLL_S = 0.1
ARM_ATTEMPTS = 3
RUNS_FILE = Path(tempfile.gettempdir()) / f"outputs-bench-runs-{os.getpid()}.txt"

# Records when each new "TICK seq time" text reaches the DOM (wall clock, seconds).
OBSERVER_JS = r"""
() => {
  if (window.__ticks) return;
  window.__ticks = [];
  const seen = new Set();
  const scan = () => {
    const now = (performance.timeOrigin + performance.now()) / 1000;
    for (const el of document.querySelectorAll('[data-testid="stText"]')) {
      const m = /TICK (\d+) ([0-9.]+)/.exec(el.textContent || '');
      if (m && !seen.has(m[1])) {
        seen.add(m[1]);
        window.__ticks.push([Number(m[1]), Number(m[2]), now]);
      }
    }
  };
  new MutationObserver(scan).observe(document.body,
    { subtree: true, childList: true, characterData: true });
  scan();
}
"""


@dataclass
class LivePage:
    """One browser session of the bench app with its stream started."""

    context: BrowserContext
    page: Page

    def ticks(self) -> list[tuple[int, float, float]]:
        """``(seq, yielded_at, seen_at)`` for every value seen so far."""
        raw = self.page.evaluate("window.__ticks || []")
        return [(int(s), float(y), float(t)) for s, y, t in raw]

    def connection_state(self) -> str | None:
        with contextlib.suppress(Exception):
            frame = bh.find_component_frame(self.page, timeout=2.0)
            sample = bh.read_stats(frame)
            return sample.connection_state if sample else None
        return None


def open_live(browser: Browser, url: str, query: str) -> LivePage:
    """Open the app with ``query``, watch the DOM, press START, wait for the connection."""
    context = bh.new_context(browser)
    page = context.new_page()
    frame = bh.open_app(page, f"{url}?{query}")
    page.evaluate(OBSERVER_JS)
    bh.click_start(frame)
    bh.wait_for_connected(frame, timeout=20.0)
    return LivePage(context, page)


def close_all(pages: list[LivePage]) -> None:
    for p in pages:
        with contextlib.suppress(Exception):
            p.context.close()


def pct(values: list[float], q: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summarize(ticks: list[tuple[int, float, float]]) -> dict[str, Any]:
    """Latency figures of one session, without its first (warm-up) output."""
    counted = [t for t in ticks if t[0] > 1]
    delays = [seen - yielded for _, yielded, seen in counted]
    last_seq = max((t[0] for t in ticks), default=0)
    return {
        "outputs_seen": len(counted),
        "outputs_never_shown": max(0, last_seq - 1 - len(counted)),
        "p50_s": _round(statistics.median(delays)) if delays else None,
        "p95_s": _round(pct(delays, 0.95)),
        "max_s": _round(max(delays, default=None)),
        "min_s": _round(min(delays, default=None)),
    }


def _round(x: float | None) -> float | None:
    return None if x is None else round(x, 3)


def measure_latency(browser: Browser, url: str, count: int, periods: dict[str, float]) -> dict:
    """Run the steady and sparse sessions at once until each saw ``count`` outputs."""
    pages = {name: open_live(browser, url, f"period={p}") for name, p in periods.items()}
    try:
        deadline = time.monotonic() + 30.0 + (count + 2) * max(periods.values()) * 1.4
        driver = next(iter(pages.values())).page
        while time.monotonic() < deadline:
            if all(len(p.ticks()) > count for p in pages.values()):
                break
            driver.wait_for_timeout(500)
        out: dict[str, Any] = {}
        for name, p in pages.items():
            ticks = p.ticks()
            logger.info("%s: %d values seen: %s", name, len(ticks), ticks)
            out[name] = {"period_s": periods[name], **summarize(ticks[: count + 1])}
        all_delays = [
            seen - yielded
            for p in pages.values()
            for seq, yielded, seen in p.ticks()[: count + 1]
            if seq > 1
        ]
        out["all"] = {
            "p50_s": _round(statistics.median(all_delays)) if all_delays else None,
            "p95_s": _round(pct(all_delays, 0.95)),
        }
        return out
    finally:
        close_all(list(pages.values()))


def poll_runs() -> int:
    """How many times the component's poll fragment ran in the server so far."""
    try:
        return int(RUNS_FILE.read_text() or 0)
    except (OSError, ValueError):
        return 0


def cpu_arm(
    browser: Browser, url: str, pid: int, query: str | None, sessions: int, window: float
) -> dict[str, Any]:
    """Server CPU over ``window`` s with ``sessions`` pages of ``query`` live (none if None).

    A stream that drops during the window (a known, rare loss of the
    connection) would understate the cost, so such a window is measured again
    (at most ``ARM_ATTEMPTS`` times); ``attempts`` says how many it took.
    """
    for attempt in range(1, ARM_ATTEMPTS + 1):
        pages: list[LivePage] = []
        try:
            if query is not None:
                pages = [open_live(browser, url, query) for _ in range(sessions)]
            settle_page = pages[0].page if pages else None
            _wait(settle_page, 5.0)  # signalling reruns and pace decisions settle
            runs0 = poll_runs()
            load0 = os.getloadavg()[0]
            cpu0, t0 = process_cpu_s(pid), time.monotonic()
            _wait(settle_page, window)
            cpu1, t1 = process_cpu_s(pid), time.monotonic()
            runs1 = poll_runs()
            connected = sum(p.connection_state() == "connected" for p in pages)
        finally:
            close_all(pages)
            time.sleep(3.0)  # let the server stop the sessions before the next arm
        if connected == len(pages) or attempt == ARM_ATTEMPTS:
            break
        logger.warning(
            "%s: %d of %d streams dropped; again", query, len(pages) - connected, len(pages)
        )
    return {
        "query": query,
        "sessions": len(pages),
        "still_connected": connected,
        "attempts": attempt,
        "window_s": round(t1 - t0, 1),
        "server_core": round((cpu1 - cpu0) / (t1 - t0), 4),
        "poll_runs_per_s": round((runs1 - runs0) / (t1 - t0), 2),
        "load1_start": round(load0, 2),
        "load1_end": round(os.getloadavg()[0], 2),
    }


CPU_ARMS = {
    "none": None,
    "no_refresh": "period=0&live=1&refresh=off",
    "live": "period=0&live=1",
    "no_live_view": "period=0&live=0",
    "fast_poll": f"period=0&live=1&refresh={FAST_POLL_S}",
}


def measure_cpu(browser: Browser, url: str, pid: int, args: argparse.Namespace) -> dict:
    """All CPU arms, then the refresh cost per idle live session two ways.

    ``refresh_core_per_idle_session`` subtracts the no-refresh arm from the
    default arm (small against the media cost, so noisy);
    ``cpu_ms_per_poll`` comes from the arm that polls every ``FAST_POLL_S``
    (many more runs over the same baseline, so precise) and
    ``refresh_core_per_idle_session_from_poll`` is that times the default
    arm's measured poll rate per session.
    """
    cpu: dict[str, Any] = {
        name: cpu_arm(browser, url, pid, q, args.sessions, args.window)
        for name, q in CPU_ARMS.items()
    }
    n = args.sessions
    base = cpu["no_refresh"]
    cpu["media_core_per_idle_session"] = round(
        (base["server_core"] - cpu["none"]["server_core"]) / n, 4
    )
    cpu["refresh_core_per_idle_session"] = round(
        (cpu["live"]["server_core"] - base["server_core"]) / n, 4
    )
    cpu["component_poll_core_per_idle_session"] = round(
        (cpu["no_live_view"]["server_core"] - base["server_core"]) / n, 4
    )
    extra_runs = cpu["fast_poll"]["poll_runs_per_s"] - base["poll_runs_per_s"]
    if extra_runs > 0:
        per_poll = (cpu["fast_poll"]["server_core"] - base["server_core"]) / extra_runs
        cpu["cpu_ms_per_poll"] = round(per_poll * 1000, 2)
        cpu["refresh_core_per_idle_session_from_poll"] = round(
            per_poll * cpu["live"]["poll_runs_per_s"] / n, 4
        )
    return cpu


def _wait(page: Page | None, seconds: float) -> None:
    if page is None:
        time.sleep(seconds)
    else:
        page.wait_for_timeout(seconds * 1000)  # keeps Playwright's event pump running


def run(args: argparse.Namespace) -> dict[str, Any]:
    log = Path(tempfile.mkdtemp(prefix="outputs-bench-")) / "streamlit.log"
    env = {**bh.LOOPBACK_ENV, "STREAMLIT_RTC_BENCH_RUNS_FILE": str(RUNS_FILE)}
    result: dict[str, Any] = {"benchmark": "outputs_latency", "load_avg_start": _load()}
    with (
        bh.StreamlitServer(app_path=APP, log_path=log, env=env) as server,
        sync_playwright() as p,
    ):
        browser = bh.launch_loopback_chromium(p, MIC_WAV)
        try:
            assert server.pid is not None
            if not args.skip_latency:
                periods = {"steady": args.steady_period, "sparse": args.sparse_period}
                result["latency"] = _guarded(
                    measure_latency, browser, server.url, args.count, periods
                )
            if not args.skip_cpu:
                result["cpu"] = _guarded(measure_cpu, browser, server.url, server.pid, args)
        finally:
            browser.close()
            RUNS_FILE.unlink(missing_ok=True)
    result["load_avg_end"] = _load()
    result["goals"] = _goals(result)
    return result


def _guarded(phase: Any, *args: Any) -> dict[str, Any]:
    """Run one phase; a failure is reported in the JSON instead of losing the other phase."""
    try:
        return phase(*args)
    except Exception as exc:
        logger.exception("%s failed", phase.__name__)
        return {"error": repr(exc)[:500]}


def _goals(result: dict[str, Any]) -> dict[str, Any]:
    goals: dict[str, Any] = {}
    lat = result.get("latency")
    if lat and "error" not in lat:
        for name in ("steady", "sparse", "all"):
            p50 = lat[name]["p50_s"]
            goals[f"p50_{name}_le_{GOAL_P50_S}s"] = p50 is not None and p50 <= GOAL_P50_S
    cpu = result.get("cpu")
    if cpu and "error" not in cpu:
        goals[f"refresh_le_{GOAL_CORE_PER_SESSION}_core"] = (
            cpu["refresh_core_per_idle_session"] <= GOAL_CORE_PER_SESSION
        )
    return goals


def _load() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--count", type=int, default=20, help="outputs timed per session")
    parser.add_argument("--steady-period", type=float, default=1.0)
    parser.add_argument("--sparse-period", type=float, default=5.0)
    parser.add_argument("--sessions", type=int, default=4, help="idle live sessions per CPU arm")
    parser.add_argument("--window", type=float, default=40.0, help="CPU window per arm, s")
    parser.add_argument("--skip-latency", action="store_true")
    parser.add_argument("--skip-cpu", action="store_true")
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    _logs.configure(args.verbose)
    return run(args)


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
