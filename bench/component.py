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
``tests/browser/browser_harness.py``). Every page gets the harness's
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
import wave
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))
sys.path.insert(0, str(ROOT))

import browser_harness as bh  # noqa: E402
from playwright.sync_api import (  # noqa: E402
    Browser,
    BrowserContext,
    Frame,
    Page,
    Playwright,
    sync_playwright,
)
from playwright.sync_api import Error as PlaywrightError  # noqa: E402

from bench import _logs  # noqa: E402

logger = logging.getLogger("bench.component")

PROBE_APP = ROOT / "bench" / "apps" / "run_probe.py"
OURS_APP = bh.APPS_DIR / "component_echo.py"
THEIRS_APP = bh.APPS_DIR / "bare_echo.py"
STATUS_APP = ROOT / "apps" / "echo.py"
STATUS_MIC = bh.FIXTURES_DIR / "three_turns.wav"

AUDIO_TIMEOUT_MS = 10_000.0
"""A connect fails without inbound audio energy this long after the click."""
SETTLE_QUIET_S = 0.75
"""Script runs have settled when all ended and none began for this long."""
AFTER_CONNECTED_MS = 1000.0
"""Reruns are counted up to connected + this."""
LOG_FLUSH_MS = 200.0
"""Margin for the server's ``BENCHRUN`` lines to reach the log file."""
CPU_WINDOW_S = 10.0
STATUS_TURNS = 3
STATUS_TIMEOUT_S = 45.0

# Runs in every frame after RTC_INIT_SCRIPT (which wraps RTCPeerConnection first).
BENCH_INIT_SCRIPT = r"""
(() => {
  const now = () => performance.timeOrigin + performance.now();
  const observe = (B) => {
    // A same-origin iframe keeps its Window (and __bench) when it leaves its initial
    // about:blank document for the component's page: observe each new document once.
    if (B.doc === document) return;
    B.doc = document;
    new MutationObserver((muts) => {
      const t = now();
      for (const mu of muts) {
        const el = mu.target;
        if (el.getAttribute && el.getAttribute('data-testid') === 'streamlit-rtc') {
          B.dom.push({ t, state: el.getAttribute('data-state'), old: mu.oldValue });
        }
      }
    }).observe(document, { subtree: true, attributes: true, attributeOldValue: true,
                           attributeFilter: ['data-state'] });
  };
  if (window.__bench) return observe(window.__bench);
  const cfg = window.__benchCfg || {};
  const B = { clicks: [], pcs: [], dc: [], dcOpen: null, dom: [], clockSkewMs: Date.now() - now() };
  Object.defineProperty(window, '__bench', { value: B, enumerable: false });
  // Chromium does not rerun init scripts in that case: Python calls this once the
  // component shows, and every new RTCPeerConnection does too.
  B.observe = () => observe(B);
  observe(B);
  window.addEventListener('click', (ev) => {
    const b = ev.target && ev.target.closest ? ev.target.closest('button') : null;
    B.clicks.push({ t: now(), text: b ? b.textContent.trim() : '' });
  }, true);

  const startPoll = (pc, rec) => {
    const t0 = now();
    const tick = async () => {
      if (rec.firstAudio !== null || pc.connectionState === 'closed' || now() - t0 > 30000) return;
      try {
        const rep = await pc.getStats();
        rep.forEach((r) => {
          if (r.type === 'inbound-rtp' && (r.kind === 'audio' || r.mediaType === 'audio')
              && (r.totalAudioEnergy || 0) > 0 && rec.firstAudio === null) rec.firstAudio = now();
        });
      } catch (e) { /* closed */ }
      setTimeout(tick, 20);
    };
    setTimeout(tick, 20);
  };

  const Prev = window.RTCPeerConnection;
  if (Prev) {
    const Wrapped = function (...args) {
      const pc = new Prev(...args);
      observe(B);
      const rec = { created: now(), states: [], connected: null, firstAudio: null };
      B.pcs.push(rec);
      pc.addEventListener('connectionstatechange', () => {
        const s = pc.connectionState;
        rec.states.push([s, now()]);
        if (s === 'connected' && rec.connected === null) rec.connected = now();
      });
      if (cfg.pollAudio !== false) startPoll(pc, rec);
      return pc;
    };
    Wrapped.prototype = Prev.prototype;
    Object.setPrototypeOf(Wrapped, Prev);
    window.RTCPeerConnection = Wrapped;
    if (window.webkitRTCPeerConnection) window.webkitRTCPeerConnection = Wrapped;

    const create = Prev.prototype.createDataChannel;
    Prev.prototype.createDataChannel = function (...args) {
      const ch = create.apply(this, args);
      ch.addEventListener('open', () => { if (B.dcOpen === null) B.dcOpen = now(); });
      // Added before the component sets onmessage: fires first, i.e. at arrival.
      ch.addEventListener('message', (ev) => {
        const t = now();
        let m = null;
        try { m = JSON.parse(ev.data); } catch (e) { m = null; }
        B.dc.push({ t, m });
      });
      return ch;
    };
  }

})();
"""


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------


def now_ms() -> float:
    return time.time() * 1000.0


def summary(values: list[float], digits: int = 1) -> dict[str, Any]:
    """n, p50, p95, min, max (linear interpolation) of ``values``."""
    if not values:
        return {"n": 0, "p50": None, "p95": None, "min": None, "max": None}
    arr = np.asarray(values, dtype=float)
    return {
        "n": len(values),
        "p50": round(float(np.percentile(arr, 50)), digits),
        "p95": round(float(np.percentile(arr, 95)), digits),
        "min": round(float(arr.min()), digits),
        "max": round(float(arr.max()), digits),
    }


def write_wav(path: Path, samples: np.ndarray, rate: int = 48000) -> Path:
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(rate)
        w.writeframes(samples.astype("<i2").tobytes())
    return path


def tone_wav(path: Path, seconds: float = 5.0, rate: int = 48000) -> Path:
    """A continuous 440 Hz + 1 kHz tone at about -20 dBFS: any echo has energy at once."""
    t = np.arange(int(seconds * rate)) / rate
    x = 0.07 * np.sin(2 * np.pi * 440 * t) + 0.03 * np.sin(2 * np.pi * 1000 * t)
    return write_wav(path, np.round(x * 32767), rate)


def silence_wav(path: Path, seconds: float = 5.0, rate: int = 48000) -> Path:
    return write_wav(path, np.zeros(int(seconds * rate)), rate)


_CLK_TCK = os.sysconf("SC_CLK_TCK")


def _proc_table() -> dict[int, tuple[str, int, int, float]]:
    """pid -> (comm, ppid, pgrp, cpu seconds) for every readable process."""
    out: dict[int, tuple[str, int, int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm = raw[raw.index("(") + 1 : raw.rindex(")")]
        rest = raw[raw.rindex(")") + 2 :].split()
        # rest[0]=state, [1]=ppid, [2]=pgrp, [11]=utime, [12]=stime
        out[int(entry)] = (
            comm,
            int(rest[1]),
            int(rest[2]),
            (int(rest[11]) + int(rest[12])) / _CLK_TCK,
        )
    return out


def chromium_cpu_s() -> float:
    """CPU seconds of all Chromium processes descending from this process."""
    table = _proc_table()
    mine: set[int] = {os.getpid()}
    changed = True
    while changed:
        changed = False
        for pid, (_, ppid, _, _) in table.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                changed = True
    return sum(
        cpu for pid, (comm, _, _, cpu) in table.items() if pid in mine and comm.startswith("chrom")
    )


def group_cpu_s(pgid: int | None) -> float:
    """CPU seconds of a process group (a StreamlitServer's processes)."""
    if pgid is None:
        return 0.0
    return sum(cpu for (_, _, pgrp, cpu) in _proc_table().values() if pgrp == pgid)


# --------------------------------------------------------------------------
# Servers and their run log
# --------------------------------------------------------------------------


@dataclass
class RunEvent:
    kind: str  # "begin" | "end"
    session: str
    n: int
    t: float  # epoch ms (server clock)


@dataclass
class Side:
    """One app served by its own Streamlit server, with a parser of its run log."""

    name: str
    app: Path
    server: bh.StreamlitServer
    events: list[RunEvent] = field(default_factory=list)
    _offset: int = 0

    @classmethod
    def start(cls, name: str, app: Path, logs: Path) -> Side:
        server = bh.StreamlitServer(
            PROBE_APP, logs / f"{name}.log", env={"BENCH_APP": str(app)}
        ).start()
        logger.info("%s: %s on %s (pid %s)", name, app.name, server.url, server.pid)
        return cls(name, app, server)

    def poll_log(self) -> None:
        """Parse the new ``BENCHRUN`` lines of the server log."""
        try:
            with open(self.server.log_path, "rb") as fh:
                fh.seek(self._offset)
                data = fh.read()
        except OSError:
            return
        end = data.rfind(b"\n")
        if end < 0:
            return
        self._offset += end + 1
        for line in data[: end + 1].decode(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 5 and parts[0] == "BENCHRUN":
                self.events.append(RunEvent(parts[1], parts[2], int(parts[3]), float(parts[4])))

    def session_events(self, session: str) -> list[RunEvent]:
        return [e for e in self.events if e.session == session]


# --------------------------------------------------------------------------
# Page helpers
# --------------------------------------------------------------------------


def new_context(browser: Browser, poll_audio: bool = True) -> BrowserContext:
    context = browser.new_context(permissions=["microphone"])
    context.add_init_script(bh.RTC_INIT_SCRIPT)
    context.add_init_script(f"window.__benchCfg = {json.dumps({'pollAudio': poll_audio})};")
    context.add_init_script(BENCH_INIT_SCRIPT)
    return context


def bench_state(frame: Frame) -> dict[str, Any]:
    state: dict[str, Any] | None = frame.evaluate(
        """() => {
          const b = window.__bench;
          return b ? { clicks: b.clicks, pcs: b.pcs, dc: b.dc, dcOpen: b.dcOpen, dom: b.dom,
                       clockSkewMs: b.clockSkewMs } : null;
        }"""
    )
    return state or {"clicks": [], "pcs": [], "dc": [], "dom": [], "dcOpen": None}


def wait_until(
    page: Page, check: Callable[[], Any], timeout_s: float, interval_ms: float = 50
) -> Any:
    """Poll ``check()`` (truthy result wins) until ``timeout_s``; None on timeout."""
    deadline = time.monotonic() + timeout_s
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() >= deadline:
            return None
        page.wait_for_timeout(interval_ms)  # not time.sleep: Playwright keeps processing events


def open_and_settle(
    page: Page, side: Side, timeout_s: float = 30.0
) -> tuple[Frame, str, int, float]:
    """Load the app, find the component; return (frame, session id, runs on load, settle epoch ms).

    Settled: the session's runs all ended and none began for ``SETTLE_QUIET_S``.
    """
    side.poll_log()
    known = {e.session for e in side.events}
    page.goto(side.server.url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
    frame = bh.find_component_frame(page, timeout=timeout_s)
    frame.evaluate("window.__bench && window.__bench.observe()")
    last_change = time.monotonic()
    seen = -1
    session: str | None = None

    def settled() -> bool:
        nonlocal last_change, seen, session
        side.poll_log()
        if session is None:
            session = next((e.session for e in side.events if e.session not in known), None)
            if session is None:
                return False
        events = side.session_events(session)
        if len(events) != seen:
            seen, last_change = len(events), time.monotonic()
            return False
        begins = sum(e.kind == "begin" for e in events)
        ends = len(events) - begins
        return begins > 0 and begins == ends and time.monotonic() - last_change >= SETTLE_QUIET_S

    if not wait_until(page, settled, timeout_s):
        raise TimeoutError(f"{side.name}: script runs did not settle within {timeout_s}s")
    assert session is not None
    runs = sum(e.kind == "begin" for e in side.session_events(session))
    return frame, session, runs, now_ms()


def stop_stream(frame: Frame) -> None:
    """Click Stop and wait for Start (best effort: the context is closed anyway)."""
    try:
        bh.click_stop(frame, timeout=5.0)
        bh.wait_for_start_button(frame, timeout=10.0)
    except (PlaywrightError, TimeoutError) as exc:
        logger.info("stop: %s", str(exc).splitlines()[0])


def dom_view(frame: Frame) -> dict[str, Any]:
    """What the page shows (for failure reports)."""
    with contextlib.suppress(PlaywrightError):
        return frame.evaluate(
            """() => {
              const root = document.querySelector('[data-testid="streamlit-rtc"]');
              const status = document.querySelector('[data-testid="streamlit-rtc-status"]');
              const buttons = [...document.querySelectorAll('button')]
                .map((b) => b.textContent.trim());
              return { state: root ? root.dataset.state : null,
                       status: status ? status.textContent.trim() : null, buttons };
            }"""
        )
    return {}


# --------------------------------------------------------------------------
# Phase 1: connects
# --------------------------------------------------------------------------


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
    browser = bh.launch_chromium(pw, mic)
    try:
        for i in range(runs):
            order = sides if i % 2 == 0 else list(reversed(sides))
            for side in order:
                results[side.name].append(connect_once(browser, side, i))
    finally:
        with contextlib.suppress(PlaywrightError):
            browser.close()
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


# --------------------------------------------------------------------------
# Phase 2: status event → DOM (ours)
# --------------------------------------------------------------------------


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
        browser = bh.launch_chromium(pw, STATUS_MIC)
        try:
            rows = [status_connect(browser, side, i) for i in range(connects)]
        finally:
            with contextlib.suppress(PlaywrightError):
                browser.close()
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


# --------------------------------------------------------------------------
# Phase 3: idle-live CPU
# --------------------------------------------------------------------------


def _metrics(cdp: Any) -> dict[str, float]:
    return {m["name"]: float(m["value"]) for m in cdp.send("Performance.getMetrics")["metrics"]}


def cpu_once(browser: Browser, side: Side) -> dict[str, Any]:
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
            chromium_cpu_s(),
            group_cpu_s(side.server.pid),
            time.monotonic(),
        )
        page.wait_for_timeout(CPU_WINDOW_S * 1000)  # the deliberate idle window
        m1, c1, s1, w1 = (
            _metrics(cdp),
            chromium_cpu_s(),
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


def cpu_phase(pw: Playwright, sides: list[Side], repeats: int, mic: Path) -> dict[str, Any]:
    samples: dict[str, list[dict[str, Any]]] = {s.name: [] for s in sides}
    browser = bh.launch_chromium(pw, mic)
    try:
        for i in range(repeats):
            for side in sides if i % 2 == 0 else list(reversed(sides)):
                samples[side.name].append(cpu_once(browser, side))
    finally:
        with contextlib.suppress(PlaywrightError):
            browser.close()
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
            "window_s": CPU_WINDOW_S,
            **{k: round(float(np.mean([r[k] for r in good])), 4) if good else None for k in keys},
            "samples": rows,
        }
    return out


# --------------------------------------------------------------------------
# Main
# --------------------------------------------------------------------------


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
        "--quick",
        action="store_true",
        help="smoke run: 3 connects, 1 status connect, 1 CPU window per side",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    if args.quick:
        args.runs, args.status_connects, args.cpu_repeats = 3, 1, 1
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
                cpu = cpu_phase(pw, sides, args.cpu_repeats, silence)
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
