"""The shared registry's link to Redis: whether it answers, and what happens when it stops.

Every Redis operation of :class:`~.shared_registry.SharedConcurrencyRegistry`
goes through :meth:`RedisLink.call`: while Redis is down it raises
:class:`RedisDown` at once (the caller falls back to this process's own
counts), and the first failure of an outage logs one warning. :meth:`RedisLink.check`
is the retry that writes this process's places back and logs that shared
limits are in force again. The URL's password never reaches the log.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from .redis_scripts import redact_url, redis_errors

__all__ = ["RedisDown", "RedisLink"]

# The shared registry's log name, which operators filter on (deploy/README.md).
logger = logging.getLogger("streamlit_rtc.session.shared_registry")


class RedisDown(Exception):
    """Redis did not answer (the caller falls back to this process's own counts)."""


class RedisLink:
    """A Redis client, whether Redis answers, and when to try it again."""

    def __init__(self, client: Any, url: str, retry_s: float) -> None:
        self.client = client
        self.url = url
        self.where = redact_url(url)
        """The URL without its password, for log lines and errors."""
        self.retry_s = retry_s
        self.errors = redis_errors()
        """What the client raises when Redis is unreachable or fails."""
        self._lock = threading.Lock()
        self._up = True
        self._retry_at = 0.0

    @property
    def up(self) -> bool:
        """True while Redis answers (False: down since the last failure)."""
        with self._lock:
            return self._up

    def status(self) -> tuple[bool, float]:
        """Whether Redis answers, and when (``time.monotonic``) a retry is due if not."""
        with self._lock:
            return self._up, self._retry_at

    def set_down(self, exc: BaseException) -> None:
        """Redis failed with ``exc``: count locally until a retry succeeds (warns once)."""
        with self._lock:
            was_up = self._up
            self._up = False
            self._retry_at = time.monotonic() + self.retry_s
        if was_up:
            logger.warning(
                "Redis at %s is unavailable (%s: %s): concurrency_limit and the session cap "
                "now count this server process only, until Redis answers again (retried every "
                "%g s)",
                self.where,
                type(exc).__name__,
                self.scrub(str(exc)),
                self.retry_s,
            )

    def scrub(self, text: str) -> str:
        """``text`` with the URL's password replaced by ``***``."""
        try:
            password = urlsplit(self.url).password
        except ValueError:
            password = None
        return text.replace(password, "***") if password else text

    def call(self, fn: Callable[[], Any]) -> Any:
        """Run one Redis operation; raises :class:`RedisDown` (and logs once) when Redis is away."""
        with self._lock:
            up = self._up
        if not up:
            raise RedisDown
        try:
            return fn()
        except self.errors as exc:
            self.set_down(exc)
            raise RedisDown from exc

    def check(self, write_back: Callable[[], None]) -> None:
        """Ping Redis (at start and when a retry is due); if it answers, ``write_back``."""
        try:
            self.client.ping()
            write_back()
        except self.errors as exc:
            self.set_down(exc)
            return
        with self._lock:
            was_up, self._up = self._up, True
        if not was_up:
            logger.warning(
                "Redis at %s answers again: concurrency_limit and the session cap are shared "
                "across replicas again",
                self.where,
            )
