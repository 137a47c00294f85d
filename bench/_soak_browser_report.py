"""The browser soak's run and report: warm-up, baseline, cycles, end, and after the drop.

See :mod:`bench._soak_browser` for what a cycle does and what is measured;
:func:`browser_soak` puts it together (the order of the steps is the
method) and returns the report.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench._soak_browser import (
    BROWSER_SETTLE_S,
    DROP_TIMEOUT_S,
    SESSION_LOOP_FDS,
    SETTLE_TIMEOUT_S,
    BrowserCycle,
    Server,
    browser_cycle,
    fds_back,
    non_pool_threads,
    quiet_server_figures,
    server_back,
    server_figures,
    soak_server,
    streamlit_session_loops,
)
from bench._soak_proc import failure, name_diff, summary, types_grown, wait_for

logger = logging.getLogger("bench.soak")

HEAVY_GONE_S = 30.0
"""After the last cycle, how long the server may take to free the last connection's objects
(a closed tab's session stops after the watcher's grace, its peer after the end's grace)."""


def _back(baseline: dict[str, Any], now: dict[str, Any]) -> bool:
    """Threads (less every pool) and fds back: the last connection has wound down."""
    return server_back(baseline, now) and non_pool_threads(now) <= non_pool_threads(baseline)


def _heap(memory: dict[str, Any]) -> dict[str, float]:
    """The allocators' figures of a probe ``memory`` answer, flat."""
    glibc, pymalloc = memory.get("glibc", {}), memory.get("pymalloc", {})
    return {
        "glibc_in_use_mb": glibc.get("in_use_mb", 0.0),
        "glibc_free_mb": glibc.get("free_mb", 0.0),
        "pymalloc_in_use_mb": pymalloc.get("in_use_mb", 0.0),
        "pymalloc_free_mb": pymalloc.get("free_mb", 0.0),
        "pymalloc_arenas": pymalloc.get("arenas", 0.0),
    }


def _heap_growth(baseline: dict[str, Any], now: dict[str, Any]) -> dict[str, float]:
    before, after = _heap(baseline["memory"]), _heap(now["memory"])
    return {k: round(after[k] - before[k], 2) for k in before}


def browser_soak(
    cycles: int = 30,
    warmup: int = 2,
    rss_goal_mb: float = 5.0,
    log_dir: Path | None = None,
    server_env: dict[str, str] | None = None,
    progress: Callable[[BrowserCycle], None] | None = None,
    drop_timeout: float = DROP_TIMEOUT_S,
    retained_report: bool = False,
) -> dict[str, Any]:
    """Real-browser cycles against one Streamlit server; the report (a JSON-able dict).

    ``drop_timeout`` bounds each wait for Streamlit to drop the closed tabs'
    sessions (before the baseline and after the last cycle); 0 skips both,
    and the figures after the drop. ``retained_report`` walks the server's
    heap at the end of the cycles for what the retained sessions hold of
    ours (:func:`bench._soak_server_figures.retained`); the walk's own
    bookkeeping (a set of every object's id) leaves the allocators a few MB
    more to keep, so the RSS after the drop is only meaningful without it.
    """
    from playwright.sync_api import sync_playwright

    done: list[BrowserCycle] = []
    rss_by_cycle: list[float] = []
    after: dict[str, Any] | None = None
    times: dict[str, float | None] = {"warmup_sessions_drop_s": None, "sessions_drop_s": None}
    with contextlib.ExitStack() as stack:
        if log_dir is None:
            log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="soak-")))
        server: Server = stack.enter_context(soak_server(log_dir, server_env))
        playwright = stack.enter_context(sync_playwright())
        bh = server.harness
        chromium = bh.launch_loopback_chromium(playwright, bh.DEFAULT_FAKE_MIC_WAV)
        stack.callback(chromium.close)

        def run(indices: range) -> None:
            for i in indices:
                done.append(browser_cycle(bh, chromium, server.server.url, i, server.pid))
                rss_by_cycle.append(server_figures(server.pid)["rss_mb"])
                if progress is not None:
                    progress(done[-1])

        run(range(warmup))
        if drop_timeout > 0:  # no closed tab in the baseline either
            since = time.monotonic()
            times["warmup_sessions_drop_s"] = server.wait_sessions_dropped(0, drop_timeout, since)
        baseline = quiet_server_figures(server.pid)
        t0 = time.monotonic()
        baseline_inside = server.inside()
        baseline_types = server.ask("types")["types"]
        logger.info("baseline inside the server: %.1f s", time.monotonic() - t0)
        rss_by_cycle.clear()
        run(range(warmup, warmup + cycles))
        last_cycle_end = time.monotonic()
        t0 = time.monotonic()
        heavy_gone = wait_for(lambda: not server.heavy_objects(), HEAVY_GONE_S, 1.0)
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        end = server_figures(server.pid)
        while not _back(baseline, end) and time.monotonic() < deadline:
            time.sleep(0.5)
            end = server_figures(server.pid)
        end_inside = server.inside()
        t1 = time.monotonic()
        retained = server.ask("retained", timeout=600) if retained_report else None
        logger.info(
            "end inside the server: %.1f s, retained sessions' walk %.1f s",
            t1 - t0,
            time.monotonic() - t1,
        )
        if drop_timeout > 0:
            stored = baseline_inside["sessions"]["stored"]
            times["sessions_drop_s"] = server.wait_sessions_dropped(
                stored, drop_timeout, last_cycle_end
            )
            after = server.inside()  # its gc frees the dropped AppSessions (and their loops)
            after["proc"] = server_figures(server.pid)
            after["types_grown"] = types_grown(baseline_types, server.ask("types")["types"])
        if any(c.error for c in done):
            logger.warning("streamlit log tail:\n%s", server.server.log_tail(40))
    report = _report(done, warmup, baseline, baseline_inside, end, end_inside, after, rss_goal_mb)
    goals = report.pop("goals")
    goals["heavy_objects_gone"] = heavy_gone
    if retained is not None:
        goals["retained_sessions_hold_no_connection"] = not retained["heavy_objects"]
    goals["met"] = all(v for k, v in goals.items() if k not in NOT_IN_MET)
    goals["all_cycles_ok"] = not report["failures"]
    return {
        **report,
        "retained_at_end": retained,
        **times,
        "rss_mb_by_cycle_raw": rss_by_cycle,
        "goals": goals,
    }


NOT_IN_MET = ("threads_back", "rss_growth_le_5mb_at_end_of_cycles", "met", "all_cycles_ok")
"""Reported, not required: pools may keep a thread; retained tabs are Streamlit's to drop."""


def _report(
    done: list[BrowserCycle],
    warmup: int,
    baseline: dict[str, Any],
    baseline_inside: dict[str, Any],
    end: dict[str, Any],
    end_inside: dict[str, Any],
    after: dict[str, Any] | None,
    rss_goal_mb: float,
) -> dict[str, Any]:
    counted = done[warmup:]
    growth = {k: round(end[k] - baseline[k], 2) for k in ("threads", "fds", "rss_mb")}
    loops = streamlit_session_loops(baseline, end)
    fds_less_loops = end["fds"] - SESSION_LOOP_FDS * loops
    failures = [failure(c) for c in counted if c.error]
    trimmed = round(end_inside["memory"]["rss_mb"] - baseline_inside["memory"]["rss_mb"], 2)
    dropped = None
    if after is not None:
        dropped = round(after["memory"]["rss_mb"] - baseline_inside["memory"]["rss_mb"], 2)
    goals = {
        "threads_back": end["threads"] <= baseline["threads"],
        "threads_back_except_pools": non_pool_threads(end) <= non_pool_threads(baseline),
        "fds_back": fds_back(baseline, end),
        "rss_growth_le_5mb": (growth["rss_mb"] if dropped is None else dropped) <= rss_goal_mb,
        "rss_growth_le_5mb_at_end_of_cycles": growth["rss_mb"] <= rss_goal_mb,
    }
    if after is not None:
        stored = after["sessions"]["stored"]
        goals["sessions_dropped"] = stored <= baseline_inside["sessions"]["stored"]
        goals["threads_and_fds_back_after_sessions_dropped"] = (
            non_pool_threads(after["proc"]) <= non_pool_threads(baseline)
            and after["proc"]["fds"] <= baseline["fds"]
        )
    report: dict[str, Any] = {
        "cycles": len(counted),
        "warmup": warmup,
        "warmup_failures": [failure(c) for c in done[:warmup] if c.error],
        "styles": dict(collections.Counter(c.style for c in counted)),
        "server_baseline": baseline,
        "server_end": end,
        "growth": growth,
        "rss_growth_mb": growth["rss_mb"],
        "rss_growth_mb_trimmed": trimmed,
        "rss_growth_mb_after_sessions_dropped": dropped,
        "retained_sessions_baseline": baseline_inside["sessions"],
        "retained_sessions_at_end": end_inside["sessions"],
        "server_inside": {
            "baseline": baseline_inside,
            "end": end_inside,
            "after_sessions_dropped": after,
        },
        "heap_growth_at_end": _heap_growth(baseline_inside, end_inside),
        "heap_growth_after_sessions_dropped": None
        if after is None
        else _heap_growth(baseline_inside, after),
        "thread_names_diff": name_diff(baseline["thread_names"], end["thread_names"]),
        "streamlit_session_loops": loops,
        "fds_less_streamlit_session_loops": fds_less_loops,
        "cycle_s": summary([c.seconds for c in counted]),
        "settle_s": summary([c.settle_s for c in counted if c.settle_s is not None]),
        "settled_within_s": BROWSER_SETTLE_S,
        "failures": failures,
        "goals": goals,
    }
    return report
