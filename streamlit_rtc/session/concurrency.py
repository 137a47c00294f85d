"""Counts live streams per stream key across the server process, for ``concurrency_limit``.

A browser session *reserves* a place when it asks to start, and the place
becomes *active* when media flows. A reservation that never becomes active
(the browser never connected, the tab vanished mid-signalling) stops
counting after ``connect_timeout_s``, so phantom connections cannot lock
users out. Thread-safe; one instance per server process (the adapter keeps
it in Streamlit's resource cache).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["ConcurrencyRegistry"]


@dataclass
class _Entry:
    reserved_at: float
    active: bool = False


class ConcurrencyRegistry:
    """Places per stream key; ``holder`` ids are per browser session and key."""

    def __init__(
        self, connect_timeout_s: float = 20.0, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.connect_timeout_s = connect_timeout_s
        self._clock = clock
        self._lock = threading.Lock()
        self._places: dict[str, dict[str, _Entry]] = {}

    def _expire(self, key: str) -> dict[str, _Entry]:
        places = self._places.setdefault(key, {})
        now = self._clock()
        for holder in [
            h
            for h, e in places.items()
            if not e.active and now - e.reserved_at > self.connect_timeout_s
        ]:
            del places[holder]
        return places

    def reserve(self, key: str, holder: str, limit: int | None) -> bool:
        """Take (or keep) a place for ``holder``; False when ``limit`` places are taken."""
        with self._lock:
            places = self._expire(key)
            if holder in places:
                return True
            if limit is not None and len(places) >= limit:
                return False
            places[holder] = _Entry(self._clock())
            return True

    def activate(self, key: str, holder: str, limit: int | None) -> bool:
        """Media started flowing for ``holder``: its place no longer expires."""
        with self._lock:
            places = self._expire(key)
            entry = places.get(holder)
            if entry is None:
                if limit is not None and len(places) >= limit:
                    return False
                entry = places[holder] = _Entry(self._clock())
            entry.active = True
            return True

    def release(self, key: str, holder: str) -> None:
        with self._lock:
            self._places.get(key, {}).pop(holder, None)

    def count(self, key: str) -> int:
        with self._lock:
            return len(self._expire(key))

    def holds(self, key: str, holder: str) -> bool:
        with self._lock:
            return holder in self._expire(key)
