"""The browser soak: real Chromium cycles against one Streamlit server, measured twice.

One ``streamlit run tests/browser/apps/component_echo.py`` server (loopback
ICE) with the soak's probe inside (:mod:`bench._soak_probe`), and headless
Chromium; each cycle opens a new context and page, clicks Start, waits for
``data-state`` ``listening`` and inbound audio, then clicks Stop (even
cycles) or closes the page without Stop (odd cycles), and lets the server's
thread count come back (up to :data:`BROWSER_SETTLE_S`).

Figures: from ``/proc/<pid>`` (threads by name, fds by kind, RSS as it is)
and from the probe (Streamlit's session counts, RSS after ``gc.collect()``
and ``malloc_trim(0)`` with the allocators' in-use and free bytes, live
connection objects, what the retained sessions hold of ours). They are
taken at a quiet baseline after the warm-up, at the end of the cycles
(bounded wait until threads and fds are back), and, unless
``drop_timeout`` is 0, once Streamlit has dropped the closed tabs' sessions
(:func:`bench._soak_server_figures.sessions`): with the drop measured, the
warm-up's sessions are waited out before the baseline too, so both figures
hold no closed tab. Worker pools (executors keep their threads) are told
apart from a leak (``threads_back_except_pools``); Streamlit's per-session
event loops (3 fds each) are left out of the fds at the end of the cycles.
"""

from __future__ import annotations

import contextlib
import logging
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import _soak_probe as probe
from bench._soak_proc import (
    fd_kinds,
    proc_figures,
    thread_names,
    wait_for,
)

logger = logging.getLogger("bench.soak")

ROOT = Path(__file__).resolve().parents[1]
BROWSER_APP = ROOT / "tests" / "browser" / "apps" / "component_echo.py"
BROWSER_SETTLE_S = 15.0
"""After a browser cycle, how long to let the server's thread count come back (not an error)."""
SETTLE_TIMEOUT_S = 60.0
"""How long the final figures may take to come back to the baseline."""
DROP_TIMEOUT_S = 300.0
"""How long Streamlit may take to drop the closed tabs' sessions (its TTL: 120 s by default)."""
SESSION_LOOP_FDS = 3
"""An asyncio event loop's fds: its epoll and its self-pipe (a unix socket pair)."""
POOL_THREADS = ("TPE-N_N", "asyncio_N", "AnyIO worker th")
"""Server thread names (as the probe sets them) of worker pools: ``ThreadPoolExecutor``
workers (the server loop's default executor among them) start on demand up to the pool's
size and stay; AnyIO's idle workers exit after 10 s. A pool that grew is capacity, not a
leak: ``threads_back_except_pools`` leaves them out, ``threads_back`` does not."""
STAYING_POOL_THREADS = ("TPE-N_N", "asyncio_N")
"""The pools of :data:`POOL_THREADS` whose workers never exit."""


def browser_harness() -> Any:
    """``tests/browser/browser_harness/`` (the server and Chromium helpers)."""
    path = str(ROOT / "tests" / "browser")
    if path not in sys.path:
        sys.path.insert(0, path)
    import browser_harness

    return browser_harness


# -- the server's figures --------------------------------------------------------------------


def server_figures(pid: int) -> dict[str, Any]:
    """The server process's threads, fds (with kinds) and RSS, from ``/proc``."""
    figures = proc_figures(pid)
    return {
        "threads": figures["os_threads"],
        "fds": figures["fds"],
        "rss_mb": figures["rss_mb"],
        "fd_kinds": fd_kinds(pid),
        "thread_names": thread_names(pid),
    }


def streamlit_session_loops(baseline: dict[str, Any], now: dict[str, Any]) -> int:
    """Event loops opened since the baseline (epoll fds): Streamlit's retained sessions.

    Streamlit (1.67) gives every browser session an event loop of its own,
    closed when the session shuts down; a closed tab's session is kept for
    ``server.disconnectedSessionTTL`` (120 s) and then dropped without
    shutdown, so its 3 fds stay until the next disconnect reaps it and the
    garbage collector finds it (a page load without Start adds the same 3 fds).
    """
    before = baseline["fd_kinds"].get("eventpoll", 0)
    return max(0, now["fd_kinds"].get("eventpoll", 0) - before)


def non_pool_threads(figures: dict[str, Any], pools: tuple[str, ...] = POOL_THREADS) -> int:
    names = figures["thread_names"]
    return int(figures["threads"]) - sum(names.get(k, 0) for k in pools)


def fds_back(baseline: dict[str, Any], now: dict[str, Any]) -> bool:
    """Fds (less Streamlit's session loops) and UDP/TCP sockets at most the baseline's."""
    fds = now["fds"] - SESSION_LOOP_FDS * streamlit_session_loops(baseline, now)
    kinds, base_kinds = now["fd_kinds"], baseline["fd_kinds"]
    return fds <= baseline["fds"] and all(
        kinds.get(k, 0) <= base_kinds.get(k, 0) for k in ("udp", "tcp")
    )


def server_back(baseline: dict[str, Any], now: dict[str, Any]) -> bool:
    """Threads (less idle pool workers that stay) and fds back (see :func:`fds_back`)."""
    staying = STAYING_POOL_THREADS
    return non_pool_threads(now, staying) <= non_pool_threads(baseline, staying) and fds_back(
        baseline, now
    )


def quiet_server_figures(pid: int, stable_s: float = 5.0, timeout: float = 60.0) -> dict[str, Any]:
    """The server's figures once its thread count has not changed for ``stable_s``."""
    deadline = time.monotonic() + timeout
    figures = server_figures(pid)
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = server_figures(pid)
        if now["threads"] != figures["threads"]:
            figures, since = now, time.monotonic()
        elif time.monotonic() - since >= stable_s:
            return now
    return server_figures(pid)


@dataclass
class Server:
    """The measured Streamlit server: its pid, its probe and its log."""

    harness: Any
    server: Any
    socket: str

    @property
    def pid(self) -> int:
        pid = self.server.pid
        assert pid is not None
        return int(pid)

    def ask(self, command: str, timeout: float = 120.0) -> dict[str, Any]:
        return probe.ask(self.socket, command, timeout)

    def inside(self) -> dict[str, Any]:
        """The probe's figures: sessions, memory (gc + trim first), connection objects."""
        sessions = self.ask("sessions")
        sessions.pop("held_ids")
        return {
            "sessions": sessions,
            "memory": self.ask("memory"),
            "objects": self.ask("census")["counts"],
        }

    def heavy_objects(self) -> dict[str, int]:
        from bench._soak_server_figures import HEAVY_TYPES

        counts = self.ask("census")["counts"]
        return {k: counts[k] for k in HEAVY_TYPES if counts.get(k)}

    def wait_sessions_dropped(self, count: int, timeout: float, since: float) -> float | None:
        """Seconds from ``since`` (monotonic) until Streamlit keeps at most ``count``
        sessions (None: not within ``timeout`` of waiting); then the expired ones are
        reaped, as its next disconnect would."""
        dropped = wait_for(lambda: self.ask("sessions")["stored"] <= count, timeout, 1.0)
        took = time.monotonic() - since
        self.ask("reap")
        return round(took, 1) if dropped else None


@contextlib.contextmanager
def soak_server(log_dir: Path, env: dict[str, str] | None = None) -> Iterator[Server]:
    """Start the Streamlit server with the probe inside; stop it (and its children) after."""
    bh = browser_harness()
    with tempfile.TemporaryDirectory(prefix="soak-site-") as site:
        loopback_site = Path(bh.LOOPBACK_ENV["PYTHONPATH"]) / "sitecustomize.py"
        path, socket = probe.write_site(Path(site), loopback_site)
        server_env = {**bh.LOOPBACK_ENV, **(env or {}), "PYTHONPATH": path}
        server = bh.StreamlitServer(
            app_path=BROWSER_APP, log_path=log_dir / "component_echo.log", env=server_env
        )
        with server:
            if not probe.wait_for_probe(socket):
                raise RuntimeError(f"the soak probe did not answer:\n{server.log_tail(40)}")
            yield Server(bh, server, socket)


# -- one cycle --------------------------------------------------------------------------------


def _wait_state(bh: Any, frame: Any, states: tuple[str, ...], timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            state = bh.component_state(frame)
            if state in states:
                return str(state)
        frame.page.wait_for_timeout(100)
    return state


@dataclass
class BrowserCycle:
    index: int
    style: str
    seconds: float = 0.0
    settle_s: float | None = None
    error: str | None = None


LIVE_STATES = ("listening", "user-speaking", "responding")


def browser_cycle(bh: Any, chromium: Any, url: str, index: int, pid: int) -> BrowserCycle:
    """One real-browser connection; waits until the server's threads are back."""
    style = "stop_button" if index % 2 == 0 else "close_page"
    cycle = BrowserCycle(index, style)
    before = server_figures(pid)["threads"]
    started = time.monotonic()
    context = bh.new_context(chromium)
    try:
        page = context.new_page()
        frame = bh.open_app(page, url, timeout=60)
        bh.click_start(frame, timeout=30)
        state = _wait_state(bh, frame, LIVE_STATES, 30)
        if state not in LIVE_STATES:
            raise RuntimeError(f"data-state stayed {state!r}")
        if bh.wait_for_inbound_audio(frame, timeout=20) is None:
            raise RuntimeError("no inbound audio")
        if style == "stop_button":
            bh.click_stop(frame, timeout=15)
            bh.wait_for_start_button(frame, timeout=15)
        else:
            page.close()
    except Exception as exc:
        cycle.error = f"{type(exc).__name__}: {exc}"
        logger.warning("browser cycle %d (%s) failed: %s", index, style, cycle.error)
    finally:
        with contextlib.suppress(Exception):
            context.close()
    # Let the server wind the connection down before the next one (its thread
    # pools shrink on their own schedule: not an error when they are slower).
    t0 = time.monotonic()
    if wait_for(lambda: server_figures(pid)["threads"] <= before, BROWSER_SETTLE_S, 0.2):
        cycle.settle_s = time.monotonic() - t0
    cycle.seconds = time.monotonic() - started
    return cycle
