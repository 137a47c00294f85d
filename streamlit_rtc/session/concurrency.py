"""Counts live streams per stream key, and in all, across the server process.

Two limits: ``concurrency_limit`` per stream key (fastrtc's), and a
server-wide cap on live sessions (admission control: a new connection is
refused with a message instead of degrading every session). The cap comes
from ``STREAMLIT_RTC_MAX_SESSIONS`` (a number, or ``none`` for no cap), else
from the measured cost of a live voice session and the machine's cores.

A browser session *reserves* a place when it asks to start, and the place
becomes *active* when media flows. A reservation that never becomes active
(the browser never connected, the tab vanished mid-signalling) stops
counting after ``connect_timeout_s``, so phantom connections cannot lock
users out. Thread-safe; one instance per server process (the adapter keeps
it in Streamlit's resource cache).
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

__all__ = [
    "CORE_PER_SESSION",
    "MAX_SESSIONS_ENV",
    "ConcurrencyRegistry",
    "Refusal",
    "server_session_cap",
]

Refusal = Literal["stream", "server"]
"""Why a place was refused: the stream key's ``concurrency_limit``, or the server-wide cap."""

MAX_SESSIONS_ENV = "STREAMLIT_RTC_MAX_SESSIONS"
CORE_PER_SESSION = 0.07
"""Measured CPU of one live voice session, in cores (``bench/capacity.py``: 0.068 at a fixed
4 sessions, 0.047 at 12; bare streamlit-webrtc 0.15)."""
CAP_HEADROOM = 0.8
"""Admit sessions up to this share of the machine's cores, leaving room for the rest."""


def server_session_cap(
    environ: Mapping[str, str] = os.environ, cores: int | None = None
) -> int | None:
    """The server-wide cap on live sessions: the environment's, else derived from the cores.

    Raises ``ValueError`` naming the variable when it is set to something else
    than a positive whole number or ``none``.
    """
    raw = environ.get(MAX_SESSIONS_ENV)
    if raw is not None and raw.strip():
        value = raw.strip().lower()
        if value in ("none", "unlimited", "off"):
            return None
        if not value.isdigit() or int(value) < 1:
            raise ValueError(
                f"{MAX_SESSIONS_ENV}={raw!r}: expected a positive whole number of live sessions "
                "per server process, or 'none' for no cap"
            )
        return int(value)
    cores = cores or os.cpu_count() or 1
    return max(1, int(cores * CAP_HEADROOM / CORE_PER_SESSION))


@dataclass
class _Entry:
    reserved_at: float
    active: bool = False


class ConcurrencyRegistry:
    """Places per stream key; ``holder`` ids are per browser session and key."""

    def __init__(
        self,
        connect_timeout_s: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
        server_limit: int | None = None,
    ) -> None:
        self.connect_timeout_s = connect_timeout_s
        self.server_limit = server_limit
        """Live sessions allowed in all (None: no cap)."""
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
        """Take (or keep) a place for ``holder``; False when no place is free."""
        return self.admit(key, holder, limit) is None

    def admit(self, key: str, holder: str, limit: int | None) -> Refusal | None:
        """Take (or keep) a place for ``holder``; None when taken, else why it was refused."""
        with self._lock:
            places = self._expire(key)
            if holder in places:
                return None
            if limit is not None and len(places) >= limit:
                return "stream"
            if self.server_limit is not None and self._total() >= self.server_limit:
                return "server"
            places[holder] = _Entry(self._clock())
            return None

    def _total(self) -> int:
        return sum(len(self._expire(key)) for key in list(self._places))

    def activate(self, key: str, holder: str, limit: int | None) -> bool:
        """Media started flowing for ``holder``: its place no longer expires."""
        with self._lock:
            places = self._expire(key)
            entry = places.get(holder)
            if entry is None:
                if limit is not None and len(places) >= limit:
                    return False
                if self.server_limit is not None and self._total() >= self.server_limit:
                    return False
                entry = places[holder] = _Entry(self._clock())
            entry.active = True
            return True

    def release(self, key: str, holder: str) -> None:
        with self._lock:
            self._places.get(key, {}).pop(holder, None)

    def total(self) -> int:
        """Places taken across all stream keys."""
        with self._lock:
            return self._total()

    def count(self, key: str) -> int:
        with self._lock:
            return len(self._expire(key))

    def holds(self, key: str, holder: str) -> bool:
        with self._lock:
            return holder in self._expire(key)
