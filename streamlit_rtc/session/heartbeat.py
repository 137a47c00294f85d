"""The shared registry's heartbeat: a replica's places stay in Redis only while it renews them.

An active place expires ``lease_s`` after its replica last renewed it, so the
places of a replica that died are free again a lease later. Each replica
renews its active places every ``heartbeat_s`` from a thread of its own
(:class:`Heartbeat`), and while Redis is down that thread retries it every
``retry_s`` instead. :func:`renew_places` is the write itself.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from .local_places import OwnPlace
from .redis_link import RedisLink
from .redis_scripts import PlaceKeys, milliseconds

__all__ = ["Heartbeat", "renew_places"]

# The shared registry's log name, which operators filter on (deploy/README.md).
logger = logging.getLogger("streamlit_rtc.session.shared_registry")


def renew_places(
    renew_script: Any,
    keys: PlaceKeys,
    places: list[OwnPlace],
    lease_s: float,
    *,
    initial: bool = False,
) -> None:
    """Renew the active ``places`` for ``lease_s`` (with ``initial``, the reservations too).

    ``initial`` is the write-back when Redis answers (again): a reservation
    still waiting for media is re-added for the seconds it has left.
    """
    active = [(k, h) for k, h, left in places if left is None]
    waiting = [(k, h, left) for k, h, left in places if left is not None and left > 0]
    if active:
        script_keys = [keys.all, *(keys.places(k) for k, _ in active)]
        args: list[Any] = [milliseconds(lease_s)]
        for key, holder in active:
            args += [holder, keys.member(key, holder)]
        renew_script(keys=script_keys, args=args)
    if initial:
        for key, holder, left in waiting:
            renew_script(
                keys=[keys.all, keys.places(key)],
                args=[milliseconds(left), holder, keys.member(key, holder)],
            )


class Heartbeat:
    """A daemon thread: ``renew`` every ``interval_s`` while Redis is up, ``retry`` when due.

    It never dies of an error: a Redis failure marks the link down (the
    retry brings it back), anything else is logged.
    """

    def __init__(
        self,
        link: RedisLink,
        *,
        renew: Callable[[], None],
        retry: Callable[[], None],
        interval_s: float,
        name: str,
    ) -> None:
        self._link = link
        self._renew = renew
        self._retry = retry
        self.interval_s = interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        """Stop the thread and wait for it (unless called from it)."""
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.interval_s + 2)

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            up, retry_at = self._link.status()
            if up:
                try:
                    self._renew()
                except self._link.errors as exc:
                    self._link.set_down(exc)
                except Exception:  # never let the heartbeat die
                    logger.exception("streamlit-rtc: renewing places in Redis failed")
            elif time.monotonic() >= retry_at:
                try:
                    self._retry()
                except Exception:
                    logger.exception("streamlit-rtc: checking Redis failed")
