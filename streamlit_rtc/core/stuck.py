"""Threads left running user code after their stream ended: joined, named, counted, bounded.

Python cannot stop a thread. A handler method that never returns (a blocking
call without a timeout) keeps its thread busy after the stream ended, and
every new connection to the same buggy handler leaves one more. Per
connection the number is bounded by construction: a connection's user code
runs on at most its input and output threads, a sync ``start_up``, its
``shutdown``, its private event loop and its lanes' threads (video: two, a
partial-transcript worker: one), so at most :data:`MAX_PER_CONNECTION`.
Per process, :data:`STUCK_THREADS` counts them (finished ones drop out by
themselves); once :data:`MAX_STUCK_THREADS` are stuck, new streams are
refused with a message naming the code that hangs, until it returns.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from dataclasses import dataclass

__all__ = [
    "JOIN_TIMEOUT_S",
    "MAX_PER_CONNECTION",
    "MAX_STUCK_THREADS",
    "STUCK_THREADS",
    "StuckThreads",
    "join_threads",
]

logger = logging.getLogger(__name__)

JOIN_TIMEOUT_S = 2.0
"""How long closing waits for user code to return before it reports it by name."""

MAX_PER_CONNECTION = 8
"""Threads one connection's user code can hold: input, output, start_up, shutdown,
private loop, two lane threads (audio-video), one partial-transcript worker."""

MAX_STUCK_THREADS = 64
"""Stuck threads a process tolerates before it refuses new streams (8 connections' worth
in the worst case; each holds its stack and whatever its code holds: models, sockets)."""


def join_threads(
    threads: list[threading.Thread], what: str, timeout: float = JOIN_TIMEOUT_S
) -> list[str]:
    """Join ``threads`` (not the calling one) within ``timeout`` in all; names left alive.

    A thread still running user code is logged, not killed: Python cannot stop it.
    """
    deadline = time.monotonic() + timeout
    current = threading.current_thread()
    for thread in threads:
        if thread is not current:
            thread.join(max(0.0, deadline - time.monotonic()))
    alive = [t.name for t in threads if t.is_alive() and t is not current]
    if alive:
        logger.warning(
            "%s did not return within %.0f s: %s left running", what, timeout, ", ".join(alive)
        )
    return alive


@dataclass(frozen=True)
class StuckThread:
    """One thread that outlived its stream, and the user code it was running."""

    thread: threading.Thread
    method: str
    stream: str
    since: float


class StuckThreads:
    """The process's stuck threads; thread-safe."""

    def __init__(self, limit: int = MAX_STUCK_THREADS) -> None:
        self.limit = limit
        self._lock = threading.Lock()
        self._threads: list[StuckThread] = []

    def add(self, thread: threading.Thread, method: str, stream: str) -> None:
        """``thread`` still runs ``method`` after ``stream`` ended."""
        with self._lock:
            if any(s.thread is thread for s in self._threads):
                return
            self._threads.append(StuckThread(thread, method, stream, time.monotonic()))
            count = len(self._threads)
        logger.error(
            "%s: %s is stuck after the stream ended (thread %s; %d stuck in this process, "
            "new streams are refused at %d)",
            stream,
            method,
            thread.name,
            count,
            self.limit,
        )

    def alive(self) -> list[StuckThread]:
        """The threads still stuck; those that returned are logged and forgotten."""
        with self._lock:
            done = [s for s in self._threads if not s.thread.is_alive()]
            self._threads = [s for s in self._threads if s.thread.is_alive()]
            alive = list(self._threads)
        for stuck in done:
            logger.info(
                "%s: %s returned %.0f s after its stream ended",
                stuck.stream,
                stuck.method,
                time.monotonic() - stuck.since,
            )
        return alive

    def count(self) -> int:
        return len(self.alive())

    def refusal(self) -> str | None:
        """Why a new stream must be refused now (the limit is reached), or None."""
        alive = self.alive()
        if len(alive) < self.limit:
            return None
        methods = Counter(s.method for s in alive)
        worst = ", ".join(f"{method} ({n}x)" for method, n in methods.most_common(3))
        return (
            f"{len(alive)} threads of ended streams are still stuck in handler code: {worst}. "
            "New streams are refused until they return; fix the blocking call "
            "(give it a timeout) and restart the app."
        )


STUCK_THREADS = StuckThreads()
"""The process-wide registry (the bridge adds to it, sessions ask it before starting)."""
