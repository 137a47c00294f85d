"""This process's own places, kept beside Redis: what it renews, writes back and falls back to.

:class:`LocalPlaces` is the per-process :class:`~.concurrency.ConcurrencyRegistry`
that the shared registry mirrors every place Redis grants into. Its state is
what the heartbeat renews, what is written back when Redis returns, and the
registry that counts this process only while Redis is unavailable; it also
keeps the replica's own cap (``process_limit``).
"""

from __future__ import annotations

import time
from collections.abc import Callable

from .concurrency import ConcurrencyRegistry, _Entry

__all__ = ["LocalPlaces", "OwnPlace"]

OwnPlace = tuple[str, str, float | None]
"""(stream key, holder, seconds left of its reservation, or None when active)."""


class LocalPlaces(ConcurrencyRegistry):
    """A per-process registry that also records places granted elsewhere (by Redis)."""

    def __init__(
        self,
        *,
        connect_timeout_s: float = 20.0,
        clock: Callable[[], float] = time.monotonic,
        server_limit: int | None = None,
        process_limit: int | None = None,
    ) -> None:
        super().__init__(
            connect_timeout_s=connect_timeout_s, clock=clock, server_limit=server_limit
        )
        self.process_limit = process_limit
        """Live sessions this process takes at most, whatever the others hold (None: no cap)."""

    def _process_full(self, key: str, holder: str) -> bool:
        """A new holder would take this process past ``process_limit``.

        Checked before Redis is asked, so two simultaneous first requests in one
        process may overshoot by one: the cap protects the CPU, not a contract.
        """
        if self.process_limit is None:
            return False
        with self._lock:
            return holder not in self._expire(key) and self._total() >= self.process_limit

    def local_count(self) -> int:
        """Places held by this process (what the fallback counts)."""
        return super().total()

    def _mirror(self, key: str, holder: str, active: bool) -> None:
        """Record a place Redis granted in the base class's (per-process) state."""
        with self._lock:
            places = self._places.setdefault(key, {})
            entry = places.get(holder)
            if entry is None:
                entry = places[holder] = _Entry(self._clock())
            if active:
                entry.active = True

    def _own_places(self) -> list[OwnPlace]:
        """(key, holder, seconds left or None when active) of every place this process holds."""
        with self._lock:
            now = self._clock()
            out: list[OwnPlace] = []
            for key in list(self._places):
                for holder, entry in self._expire(key).items():
                    left = (
                        None if entry.active else self.connect_timeout_s - (now - entry.reserved_at)
                    )
                    out.append((key, holder, left))
            return out
