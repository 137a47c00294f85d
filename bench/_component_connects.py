"""Phase 1 of ``bench/component.py``: fresh-page connects, click to connected and to audio.

Each connect loads the app, waits for its script runs to settle, clicks Start and
times the peer connection and the first inbound audio; the reruns it caused are
counted from the server's run log.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Playwright
from playwright.sync_api import Error as PlaywrightError

from bench._component_browser import (
    bench_state,
    bh,
    chromium,
    dom_view,
    new_context,
    now_ms,
    stop_stream,
    wait_until,
)
from bench._component_side import Side, open_and_settle
from bench._stats import summary

logger = logging.getLogger("bench.component")

AUDIO_TIMEOUT_MS = 10_000.0
"""A connect fails without inbound audio energy this long after the click."""
AFTER_CONNECTED_MS = 1000.0
"""Reruns are counted up to connected + this."""
LOG_FLUSH_MS = 200.0
"""Margin for the server's ``BENCHRUN`` lines to reach the log file."""


def connect_once(browser: Browser, side: Side, index: int) -> dict[str, Any]:
    """One fresh-page connect; never raises for a failed connect."""
    out: dict[str, Any] = {"side": side.name, "index": index, "ok": False}
    context = new_context(browser)
    try:
        page = context.new_page()
        frame, session, load_runs, settle_t = open_and_settle(page, side)
        out["reruns_on_load"] = load_runs
        fallback_click = now_ms()
        bh.click_start(frame)
        click_t = (bench_state(frame)["clicks"] or [{"t": fallback_click}])[0]["t"]

        def audio_or_failed() -> dict[str, Any] | None:
            state = bench_state(frame)
            pc = state["pcs"][-1] if state["pcs"] else None
            if pc and pc["firstAudio"] is not None and pc["connected"] is not None:
                return state
            if pc and pc["states"] and pc["states"][-1][0] in ("failed", "closed"):
                return state
            return None

        state = wait_until(page, audio_or_failed, AUDIO_TIMEOUT_MS / 1000 + 0.5)
        state = state or bench_state(frame)
        pc = state["pcs"][-1] if state["pcs"] else None
        connected = pc["connected"] if pc else None
        first_audio = pc["firstAudio"] if pc else None
        if connected is not None:
            out["click_to_connected_ms"] = round(connected - click_t, 1)
        if first_audio is not None and first_audio - click_t <= AUDIO_TIMEOUT_MS:
            out["click_to_first_audio_ms"] = round(first_audio - click_t, 1)
            out["ok"] = True
        # Runs caused by the click: from the settle point to connected + 1 s.
        window_end = (connected if connected is not None else click_t + AUDIO_TIMEOUT_MS) + (
            AFTER_CONNECTED_MS
        )
        wait_ms = window_end + LOG_FLUSH_MS - now_ms()
        if wait_ms > 0:
            page.wait_for_timeout(wait_ms)
        side.poll_log()
        begins = [
            e.t
            for e in side.session_events(session)
            if e.kind == "begin" and settle_t <= e.t <= window_end
        ]
        out["reruns"] = len(begins)
        # Ours only (the baseline has no data-state): a live page falling back to "connecting".
        dom = bench_state(frame)["dom"]
        out["connecting_flashes"] = sum(
            d["old"] == "listening" and d["state"] == "connecting" for d in dom
        )
        out["reruns_before_click"] = sum(t < click_t for t in begins)
        if not out["ok"]:
            out["error"] = "no inbound audio energy within 10 s of the click"
            out["pc_states"] = [s for s, _ in pc["states"]] if pc else []
            out["peer_connections"] = len(state["pcs"])
            out["page"] = dom_view(frame)
            sample = bh.read_stats(frame)
            if sample is not None:
                out["stats"] = {
                    "connection": sample.connection_state,
                    "ice": sample.ice_state,
                    "packets_received": sample.packets_received,
                    "energy": sample.total_audio_energy,
                    "packets_sent": sample.packets_sent,
                }
        stop_stream(frame)
    except Exception as exc:  # a failed connect is a result, not a crash
        logger.exception("%s connect %d raised", side.name, index)
        out["error"] = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
    finally:
        with contextlib.suppress(PlaywrightError):
            context.close()
    logger.info(
        "%s #%d ok=%s connected=%s audio=%s reruns=%s load_runs=%s %s",
        side.name,
        index,
        out["ok"],
        out.get("click_to_connected_ms"),
        out.get("click_to_first_audio_ms"),
        out.get("reruns"),
        out.get("reruns_on_load"),
        out.get("error", ""),
    )
    return out


def connects_phase(
    pw: Playwright, sides: list[Side], runs: int, mic: Path
) -> dict[str, list[dict[str, Any]]]:
    results: dict[str, list[dict[str, Any]]] = {s.name: [] for s in sides}
    with chromium(pw, mic) as browser:
        for i in range(runs):
            order = sides if i % 2 == 0 else list(reversed(sides))
            for side in order:
                results[side.name].append(connect_once(browser, side, i))
    return results


def connect_figures(results: list[dict[str, Any]]) -> dict[str, Any]:
    failed = [r for r in results if not r["ok"]]
    ok = [r for r in results if r["ok"]]
    reruns = [r["reruns"] for r in ok if "reruns" in r]
    return {
        "click_to_connected_ms": summary(
            [r["click_to_connected_ms"] for r in results if "click_to_connected_ms" in r]
        ),
        "click_to_first_audio_ms": summary([r["click_to_first_audio_ms"] for r in ok]),
        "reruns_per_connect": {
            **summary([float(x) for x in reruns], 2),
            "counts": {str(k): reruns.count(k) for k in sorted(set(reruns))},
        },
        "reruns_on_load": summary(
            [float(r["reruns_on_load"]) for r in results if "reruns_on_load" in r], 2
        ),
        "reruns_before_click": sum(r.get("reruns_before_click", 0) for r in results),
        "connecting_flashes": sum(r.get("connecting_flashes", 0) for r in results),
        "connected": len(ok),
        "failed_connects": len(failed),
        "failures": [{k: v for k, v in r.items() if k not in ("side", "ok")} for r in failed],
    }
