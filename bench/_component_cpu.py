"""Phase 3 of ``bench/component.py``: CPU of a live, idle page and of its server.

CDP ``Performance.getMetrics`` for the renderer main thread, ``/proc`` for every
Chromium process and the Streamlit server's process group, over one quiet window.
"""

from __future__ import annotations

import contextlib
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
from playwright.sync_api import Browser, Playwright
from playwright.sync_api import Error as PlaywrightError

from bench._component_browser import (
    bench_state,
    bh,
    chromium,
    new_context,
    now_ms,
    stop_stream,
    wait_until,
)
from bench._component_side import SETTLE_QUIET_S, Side, open_and_settle
from bench._proc_cpu import descendants_cpu_s, group_cpu_s

logger = logging.getLogger("bench.component")

CPU_WINDOW_S = 10.0


def _metrics(cdp: Any) -> dict[str, float]:
    return {m["name"]: float(m["value"]) for m in cdp.send("Performance.getMetrics")["metrics"]}


def cpu_once(browser: Browser, side: Side, window_s: float = CPU_WINDOW_S) -> dict[str, Any]:
    context = new_context(browser, poll_audio=False)
    try:
        page = context.new_page()
        frame, session, _, _ = open_and_settle(page, side)
        cdp = context.new_cdp_session(page)
        cdp.send("Performance.enable")
        bh.click_start(frame)

        def connected() -> bool:
            pcs = bench_state(frame)["pcs"]
            return bool(pcs and pcs[-1]["connected"] is not None)

        if not wait_until(page, connected, 15.0):
            return {"error": "not connected within 15 s"}
        connected_t = bench_state(frame)["pcs"][-1]["connected"]
        # Idle-live: >= 1 s after connected, the click's reruns over (none for SETTLE_QUIET_S).
        last = [len(side.session_events(session)), time.monotonic()]

        def quiet() -> bool:
            side.poll_log()
            n = len(side.session_events(session))
            if n != last[0]:
                last[:] = [n, time.monotonic()]
            return now_ms() - connected_t >= 1000 and time.monotonic() - last[1] >= SETTLE_QUIET_S

        wait_until(page, quiet, 10.0)
        m0, c0, s0, w0 = (
            _metrics(cdp),
            descendants_cpu_s("chrom"),
            group_cpu_s(side.server.pid),
            time.monotonic(),
        )
        page.wait_for_timeout(window_s * 1000)  # the deliberate idle window
        m1, c1, s1, w1 = (
            _metrics(cdp),
            descendants_cpu_s("chrom"),
            group_cpu_s(side.server.pid),
            time.monotonic(),
        )
        wall_page = m1["Timestamp"] - m0["Timestamp"]
        wall = w1 - w0

        def frac(key: str) -> float:
            return round((m1.get(key, 0.0) - m0.get(key, 0.0)) / wall_page, 4)

        out = {
            "page_task_fraction": frac("TaskDuration"),
            "page_script_fraction": frac("ScriptDuration"),
            "page_layout_style_fraction": round(
                frac("LayoutDuration") + frac("RecalcStyleDuration"), 4
            ),
            "chromium_processes_cpu": round((c1 - c0) / wall, 4),
            "server_cpu": round((s1 - s0) / wall, 4),
            "still_connected": bench_state(frame)["pcs"][-1]["states"][-1][0] == "connected",
        }
        logger.info("cpu %s: %s", side.name, out)
        stop_stream(frame)
        return out
    except Exception as exc:
        logger.exception("cpu %s raised", side.name)
        return {"error": f"{type(exc).__name__}: {exc}".splitlines()[0]}
    finally:
        with contextlib.suppress(PlaywrightError):
            context.close()


def cpu_phase(
    pw: Playwright, sides: list[Side], repeats: int, mic: Path, window_s: float = CPU_WINDOW_S
) -> dict[str, Any]:
    samples: dict[str, list[dict[str, Any]]] = {s.name: [] for s in sides}
    with chromium(pw, mic) as browser:
        for i in range(repeats):
            for side in sides if i % 2 == 0 else list(reversed(sides)):
                samples[side.name].append(cpu_once(browser, side, window_s))
    out: dict[str, Any] = {}
    for name, rows in samples.items():
        good = [r for r in rows if "error" not in r]
        keys = (
            "page_task_fraction",
            "page_script_fraction",
            "page_layout_style_fraction",
            "chromium_processes_cpu",
            "server_cpu",
        )
        out[name] = {
            "window_s": window_s,
            **{k: round(float(np.mean([r[k] for r in good])), 4) if good else None for k in keys},
            "samples": rows,
        }
    return out
