"""Optional synthetic load on Streamlit's server event loop (test apps only).

``RTC_TEST_LOOP_BUSY=<busy_ms>/<period_ms>`` (e.g. ``10/20``) schedules a
callback that blocks the server event loop for ``busy_ms`` every
``period_ms`` - a stand-in for a loop that is busy with RTP work of several
sessions, or a slow, loaded machine. Installed once per server process.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time

LOGGER = logging.getLogger(__name__)
_installed = False


def maybe_install() -> None:
    """Install the load if ``RTC_TEST_LOOP_BUSY`` is set (idempotent)."""
    global _installed
    spec = os.environ.get("RTC_TEST_LOOP_BUSY")
    if not spec or _installed:
        return
    busy_ms, period_ms = (float(x) for x in spec.split("/"))
    from streamlit.runtime import Runtime

    loop: asyncio.AbstractEventLoop = Runtime.instance()._get_async_objs().eventloop

    def tick() -> None:
        end = time.perf_counter() + busy_ms / 1000.0
        while time.perf_counter() < end:
            pass
        loop.call_later(max(period_ms - busy_ms, 0.0) / 1000.0, tick)

    loop.call_soon_threadsafe(tick)
    _installed = True
    LOGGER.warning("server event loop load installed: busy %s ms every %s ms", busy_ms, period_ms)
