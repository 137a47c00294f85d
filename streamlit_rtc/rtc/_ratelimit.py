"""Rate-limited logging for per-frame error paths.

Media callbacks run 50 times a second; a bug that raises on every frame
would otherwise flood the log (and spend event-loop time formatting
tracebacks). The first occurrence is logged in full, later ones at most
once per ``interval_s`` with a count of what was suppressed.
"""

from __future__ import annotations

import logging
import time


class RateLimitedLog:
    """Log the first event in full, then at most one summary per interval."""

    def __init__(self, logger: logging.Logger, interval_s: float = 5.0) -> None:
        self._logger = logger
        self._interval_s = interval_s
        self._last_logged: float | None = None
        self._suppressed = 0
        self.count = 0

    def log(self, level: int, msg: str, *args: object, exc_info: bool = False) -> None:
        """Record one event; emit a log record if the interval allows it."""
        self.count += 1
        now = time.monotonic()
        if self._last_logged is not None and now - self._last_logged < self._interval_s:
            self._suppressed += 1
            return
        suffix = ""
        if self._suppressed:
            suffix = f" ({self._suppressed} similar messages suppressed)"
        self._suppressed = 0
        self._last_logged = now
        self._logger.log(level, msg + suffix, *args, exc_info=exc_info)
