"""Logging for the compatibility layer: one warning per topic when internals moved."""

from __future__ import annotations

import logging
import threading

LOGGER = logging.getLogger("streamlit_rtc.streamlit._compat")

_warned: set[str] = set()
_warned_lock = threading.Lock()


def warn_once(topic: str, message: str, *args: object) -> None:
    """Log ``message`` at WARNING the first time ``topic`` is seen in this process."""
    with _warned_lock:
        if topic in _warned:
            return
        _warned.add(topic)
    LOGGER.warning(message, *args)
