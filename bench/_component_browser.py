"""The Chromium side of ``bench/component.py``: headless browser, bench init script, page records.

Every page gets the harness's ``RTC_INIT_SCRIPT`` and ``BENCH_INIT_SCRIPT``, which
records clicks, peer connections, data-channel messages and ``data-state`` changes
in each frame; the helpers here launch Chromium, read those records and drive the page.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests" / "browser"))

import browser_harness as bh  # noqa: E402
from playwright.sync_api import (  # noqa: E402
    Browser,
    BrowserContext,
    Frame,
    Page,
    Playwright,
)
from playwright.sync_api import Error as PlaywrightError  # noqa: E402

logger = logging.getLogger("bench.component")

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


def now_ms() -> float:
    return time.time() * 1000.0


@contextlib.contextmanager
def chromium(pw: Playwright, mic: Path) -> Iterator[Browser]:
    """Debian's Chromium (``bh.launch_chromium``) with ``mic`` as its fake microphone."""
    browser = bh.launch_chromium(pw, mic)
    try:
        yield browser
    finally:
        with contextlib.suppress(PlaywrightError):
            browser.close()


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
