"""Phase 2 of ``bench/component.py`` (ours only): status event on the server → DOM change.

``apps/echo.py`` answers ``three_turns.wav``; each data-channel ``state`` message
is paired with the ``data-state`` mutation it caused.
"""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Playwright
from playwright.sync_api import Error as PlaywrightError

from bench._component_browser import (
    ROOT,
    bench_state,
    bh,
    chromium,
    new_context,
    stop_stream,
    wait_until,
)
from bench._component_side import Side, open_and_settle
from bench._stats import summary

logger = logging.getLogger("bench.component")

STATUS_APP = ROOT / "apps" / "echo.py"
STATUS_MIC = bh.FIXTURES_DIR / "three_turns.wav"
STATUS_TURNS = 3
STATUS_TIMEOUT_S = 45.0


def status_latencies(state: dict[str, Any]) -> list[dict[str, Any]]:
    """Pair each data-channel state message with the data-state mutation it caused."""
    msgs = [
        d for d in state["dc"] if isinstance(d.get("m"), dict) and d["m"].get("type") == "state"
    ]
    doms = state["dom"]
    opened = state.get("dcOpen")
    out = []
    for i, msg in enumerate(msgs):
        arrival = msg["t"]
        limit = msgs[i + 1]["t"] if i + 1 < len(msgs) else arrival + 1000.0
        limit = min(limit, arrival + 1000.0)
        dom = next(
            (d for d in doms if d["state"] == msg["m"]["state"] and arrival <= d["t"] < limit), None
        )
        server_t = float(msg["m"].get("t") or 0.0)
        out.append(
            {
                "state": msg["m"]["state"],
                "buffered": opened is not None and server_t < opened,
                "changed_dom": dom is not None,
                "arrival_ms": round(arrival - server_t, 1),
                "dom_ms": round(dom["t"] - server_t, 1) if dom else None,
                "render_ms": round(dom["t"] - arrival, 1) if dom else None,
            }
        )
    return out


def status_connect(browser: Browser, side: Side, index: int) -> dict[str, Any]:
    """One conversation of ``STATUS_TURNS`` replies; the page's records of it."""
    context = new_context(browser)
    out: dict[str, Any] = {"pairs": [], "error": None}
    try:
        page = context.new_page()
        frame, session, _, settle_t = open_and_settle(page, side)
        bh.click_start(frame)

        def turns_done() -> bool:
            dom = bench_state(frame)["dom"]
            done = sum(d["old"] == "responding" and d["state"] == "listening" for d in dom)
            return done >= STATUS_TURNS

        if not wait_until(page, turns_done, STATUS_TIMEOUT_S, interval_ms=200):
            out["error"] = f"#{index}: fewer than {STATUS_TURNS} replies within {STATUS_TIMEOUT_S}s"
        state = bench_state(frame)
        out["skew"] = float(state.get("clockSkewMs") or 0.0)
        out["pairs"] = status_latencies(state)
        out["flashes"] = sum(
            d["old"] == "listening" and d["state"] == "connecting" for d in state["dom"]
        )
        side.poll_log()
        out["runs"] = sum(
            e.kind == "begin" and e.t >= settle_t for e in side.session_events(session)
        )
        logger.info("status #%d: %s", index, [(p["state"], p["dom_ms"]) for p in out["pairs"]])
        stop_stream(frame)
    except Exception as exc:
        logger.exception("status connect %d raised", index)
        out["error"] = f"#{index}: {type(exc).__name__}: {exc}".splitlines()[0]
    finally:
        with contextlib.suppress(PlaywrightError):
            context.close()
    return out


def status_phase(pw: Playwright, logs: Path, connects: int) -> dict[str, Any]:
    side = Side.start("ours_status", STATUS_APP, logs)
    rows: list[dict[str, Any]] = []
    try:
        with chromium(pw, STATUS_MIC) as browser:
            rows = [status_connect(browser, side, i) for i in range(connects)]
    finally:
        side.server.stop()
    pairs = [p for r in rows for p in r["pairs"]]
    errors = [r["error"] for r in rows if r["error"]]
    reruns = [r["runs"] for r in rows if "runs" in r]
    skews = [r["skew"] for r in rows if "skew" in r]
    flashes = sum(r.get("flashes", 0) for r in rows)
    live = [p for p in pairs if p["changed_dom"] and not p["buffered"]]
    return {
        "app": "apps/echo.py (ReplyOnPause echo), microphone three_turns.wav",
        "connects": connects,
        "status_to_dom_ms": summary([p["dom_ms"] for p in live]),
        "channel_arrival_ms": summary([p["arrival_ms"] for p in live]),
        "arrival_to_dom_ms": summary([p["render_ms"] for p in live]),
        "state_messages": len(pairs),
        "changed_dom": sum(p["changed_dom"] for p in pairs),
        "buffered_before_open": {
            "n": sum(p["buffered"] for p in pairs),
            "dom_ms": [p["dom_ms"] for p in pairs if p["buffered"]],
        },
        "no_dom_change": sorted({p["state"] for p in pairs if not p["changed_dom"]}),
        "connecting_flashes": flashes,
        "full_runs_per_connect_during_conversation": reruns,
        "page_clock_skew_ms": summary(skews, 2),
        "errors": errors,
    }
