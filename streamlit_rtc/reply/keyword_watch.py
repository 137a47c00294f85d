"""Runs a keyword detector next to the audio path, never on it.

``push`` is called from ``receive`` with every 16 kHz sample; it only
appends to a bounded backlog (the oldest audio is dropped, and counted, if
the detector falls more than ``max_backlog_s`` behind), and a daemon thread
feeds the detector. ``mark_reset`` queues a ``reset()`` of the detector
stream at the current point of the audio, so that each stretch of speech
is decoded from a fresh start (the handler marks silent gaps).
``threaded=False`` runs the detector inline instead, for exact, repeatable
results when a handler is driven on a simulated clock.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["KeywordWatcher"]

logger = logging.getLogger(__name__)

HitCallback = Callable[[Any], None]
ErrorCallback = Callable[[BaseException], None]


class KeywordWatcher:
    """Feeds one keyword stream and reports its hits (on the watcher thread, or inline)."""

    def __init__(
        self,
        stream: Any,
        rate: int,
        on_hit: HitCallback,
        on_error: ErrorCallback,
        threaded: bool = True,
        max_backlog_s: float = 2.0,
    ) -> None:
        self._stream = stream
        self._on_hit = on_hit
        self._on_error = on_error
        self._threaded = threaded
        self._backlog: deque[np.ndarray | None] = deque()  # None: reset the stream here
        self._backlog_len = 0
        self._rate = rate
        self._max_backlog = int(max_backlog_s * rate)
        self._cond = threading.Condition()
        self._closed = False
        self._failed = False
        self._thread: threading.Thread | None = None
        self.dropped_samples = 0

    def push(self, samples: np.ndarray) -> None:
        if self._closed or self._failed or not samples.size:
            return
        flat = samples.reshape(-1)
        if not self._threaded:
            self._feed(flat)
            return
        with self._cond:
            self._backlog.append(flat)
            self._backlog_len += flat.size
            while self._backlog_len > self._max_backlog:
                dropped = self._backlog.popleft()
                if dropped is not None:
                    self._backlog_len -= dropped.size
                    self.dropped_samples += dropped.size
                    if self.dropped_samples == dropped.size:
                        logger.warning(
                            "the keyword detector is more than %.1f s behind the audio; "
                            "dropping the oldest audio",
                            self._max_backlog / self._rate,
                        )
            self._cond.notify()
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="keyword-watch", daemon=True)
            self._thread.start()

    def mark_reset(self) -> None:
        """Reset the detector stream once all audio pushed so far has been fed."""
        if self._closed or self._failed:
            return
        if not self._threaded:
            self._reset()
            return
        with self._cond:
            if self._backlog and self._backlog[-1] is None:
                return
            self._backlog.append(None)
            self._cond.notify()

    def _reset(self) -> None:
        try:
            self._stream.reset()
        except Exception as exc:
            self._failed = True
            self._on_error(exc)

    def _feed(self, samples: np.ndarray) -> None:
        try:
            hits = self._stream.feed(samples)
        except Exception as exc:
            self._failed = True  # report once, then stop feeding a broken detector
            self._on_error(exc)
            return
        for hit in hits:
            self._on_hit(hit)

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._backlog and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                items = list(self._backlog)
                self._backlog.clear()
                self._backlog_len = 0
            pending: list[np.ndarray] = []
            for item in items:
                if item is not None:
                    pending.append(item)
                    continue
                if pending:
                    self._feed(np.concatenate(pending))
                    pending = []
                if not self._failed:
                    self._reset()
            if pending and not self._failed:
                self._feed(np.concatenate(pending))
            if self._failed:
                return

    def close(self) -> None:
        with self._cond:
            self._closed = True
            self._cond.notify_all()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout=2.0)
