"""Soak: many connect/disconnect cycles, then threads, fds, tasks and memory back where they were.

Prints ONE JSON object on stdout (progress and logs go to stderr).

**aiortc mode** (default, ``--cycles 200``; :mod:`bench._soak_aiortc`): in
this process, one long-lived media loop thread stands in for Streamlit's
server loop. Each cycle takes the next handler kind (round-robin over
:data:`KINDS`: ReplyOnPause echo, a sync StreamHandler echo, an
AsyncStreamHandler echo, ReplyOnStopWords, a receive-mode generator, a video
function, an AudioVideoStreamHandler) and the next disconnect style
(:data:`STYLES`), creates the session and its
:class:`~streamlit_rtc.streamlit.peer.ServerPeer`, connects an aiortc client
that behaves like our component (:mod:`bench._soak_client`), waits until
media flows both ways (a condition, with a timeout), then disconnects:

* ``client_close``: the browser hangs up (the client closes its peer connection);
* ``server_close``: the server ends it (``ServerPeer.close()``, what STOP does);
* ``client_vanish``: the browser disappears without a goodbye: its UDP sockets
  go silent both ways (no DTLS close_notify, no SCTP ABORT), so the server only learns
  it from silence: a session's own watchdog (no microphone audio for a few
  seconds) or ICE consent freshness (aioice: 6 failed checks ~5 s apart,
  about 30 s). Those connections are left to be noticed while the next
  cycles run (at most ``MAX_LINGERING`` at a time, each capped at
  ``VANISH_CAP_S``); how long the server took is reported per kind
  (``vanish_notice_s_by_kind``);
* ``time_limit``: the session stops itself (``time_limit``), the server hangs up.

After each cycle it waits (bounded) until the session is stopped, its peer
closed and the session's threads gone. Figures (:mod:`bench._soak_census`)
are taken after a warm-up (lazy one-time loads: models, executor threads)
and after the last cycle: threads (count and names), OS threads, open fds,
asyncio tasks on the media loop, RSS, and live objects of the classes in
``WATCHED`` (``gc``). RSS is read after ``gc.collect()`` and glibc's
``malloc_trim(0)`` (memory freed but cached by the allocator is not a
leak); the untrimmed figure is reported next to it.

**browser mode** (``--browser N``; :mod:`bench._soak_browser`,
:mod:`bench._soak_browser_report`): one ``streamlit run
tests/browser/apps/component_echo.py`` server (loopback ICE) and headless
Chromium; each cycle opens a page, clicks Start, waits for ``listening`` and
inbound audio, then clicks Stop (even cycles) or closes the page (odd
cycles). The server is measured from ``/proc`` (threads by name, fds by
kind, RSS) and by a probe inside it (:mod:`bench._soak_probe`): Streamlit's
session counts, RSS after ``gc.collect()`` and ``malloc_trim(0)`` with the
allocators' bytes in use and free, and what the sessions Streamlit keeps of
closed tabs hold of ours. Streamlit 1.67 keeps a closed tab's session
(``st.session_state`` included) for ``server.disconnectedSessionTTL`` (120 s
by default, at most 128 sessions) and frees it at the next disconnect after
that; the soak waits (polling, bounded by ``--drop-timeout``) until it has
dropped them, before the baseline (the warm-up's) and after the last cycle,
and reports RSS both at the end of the cycles (``rss_growth_mb``, as
``/proc`` shows it; ``rss_growth_mb_trimmed``) and after the drop
(``rss_growth_mb_after_sessions_dropped``), with how long the drop took
(``sessions_drop_s``) and how many sessions were kept at the end
(``retained_sessions_at_end``), and which connection objects are alive
(``server_inside``: none once the last connection ended, however many
closed tabs Streamlit keeps). ``--drop-timeout 0`` skips the waits;
``--retained-walk`` sizes what the kept sessions hold of ours.

Run: ``flock /tmp/rtc-heavy.lock python -m bench.soak`` (200 aiortc cycles),
``--cycles 0 --browser 30`` for the browser soak only, ``--cycles 28 --browser 5``
for a quick run. ``tests/test_soak.py`` and ``tests/browser/test_soak_browser.py``
run the same functions at a smaller count.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench._soak_aiortc import STYLES, AiortcSoak, Cycle, aiortc_soak  # noqa: E402
from bench._soak_browser import DROP_TIMEOUT_S  # noqa: E402
from bench._soak_browser_report import browser_soak  # noqa: E402
from bench._soak_client import FakeBrowser, MediaLoop  # noqa: E402
from bench._soak_kinds import KINDS, SPECS, Prototypes  # noqa: E402
from bench._soak_proc import set_malloc_arena_max, wait_for  # noqa: E402
from streamlit_rtc.testing import restrict_ice_to_loopback  # noqa: E402

__all__ = [
    "KINDS",
    "SPECS",
    "STYLES",
    "AiortcSoak",
    "Cycle",
    "FakeBrowser",
    "MediaLoop",
    "Prototypes",
    "aiortc_soak",
    "browser_soak",
    "main",
    "restrict_ice_to_loopback",
    "wait_for",
]

logger = logging.getLogger("bench.soak")


def _show(cycle: Any) -> None:
    """One progress line per cycle (stderr)."""
    ended = getattr(cycle, "stop_s", None) or getattr(cycle, "settle_s", None)
    logger.info(
        "cycle %d: %s %s %.1fs end=%s%s",
        cycle.index,
        getattr(cycle, "kind", "browser"),
        cycle.style,
        cycle.seconds,
        None if ended is None else round(ended, 2),
        f" ERROR {cycle.error}" if cycle.error else "",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=200, help="aiortc cycles (0: skip)")
    parser.add_argument("--warmup", type=int, default=None, help="aiortc warm-up cycles")
    parser.add_argument("--browser", type=int, default=0, help="real-browser cycles (0: skip)")
    parser.add_argument("--browser-warmup", type=int, default=2)
    parser.add_argument(
        "--drop-timeout",
        type=float,
        default=DROP_TIMEOUT_S,
        help="browser mode: how long to wait for Streamlit to drop closed tabs' sessions, "
        "before the baseline and after the last cycle (0: measure at the end of the cycles only)",
    )
    parser.add_argument(
        "--retained-walk",
        action="store_true",
        help="browser mode: at the end of the cycles, walk the server's heap for what the "
        "closed tabs' sessions hold of ours (sizes; perturbs the RSS after the drop by MBs)",
    )
    parser.add_argument(
        "--malloc-arena-max",
        type=int,
        default=None,
        help="glibc malloc arenas (mallopt here, MALLOC_ARENA_MAX for the browser server); "
        "default: streamlit_rtc's cap (2; STREAMLIT_RTC_MALLOC_ARENA_MAX=0 for glibc's 8 per core)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    from bench import _logs

    _logs.configure(args.verbose)
    logger.setLevel(logging.INFO)
    result: dict[str, Any] = {}
    started = time.monotonic()
    server_env: dict[str, str] = {}
    if args.malloc_arena_max is not None:
        set_malloc_arena_max(args.malloc_arena_max)
        server_env["MALLOC_ARENA_MAX"] = str(args.malloc_arena_max)
    if args.cycles > 0:
        result["aiortc"] = aiortc_soak(args.cycles, args.warmup, progress=_show)
    if args.browser > 0:
        result["browser"] = browser_soak(
            args.browser,
            args.browser_warmup,
            server_env=server_env,
            progress=_show,
            drop_timeout=args.drop_timeout,
            retained_report=args.retained_walk,
        )
    result["malloc_arena_max"] = args.malloc_arena_max
    result["wall_s"] = round(time.monotonic() - started, 1)
    result["goals_met"] = all(
        part["goals"]["met"] for part in result.values() if isinstance(part, dict)
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
