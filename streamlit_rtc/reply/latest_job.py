"""A worker for model calls beside the audio path: one job runs, one waits, the newest wins.

Transcribing a turn while it is spoken and judging whether a pause ends it
both ask a model about the newest audio; an older question is worth nothing
once a newer one is asked. So the worker keeps at most one job waiting (a
newer one replaces it) and one running: a slow model never builds a backlog,
and its cost is bounded by one call at a time per stream.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

__all__ = ["LatestJobWorker"]

J = TypeVar("J")


class LatestJobWorker(Generic[J]):
    """One job at a time, one waiting; a newer job replaces the waiting one.

    ``threaded``: a thread of the connection (started by ``start_thread`` on
    first use) runs the jobs; otherwise :meth:`run_waiting` runs them on the
    caller's thread (a simulated clock). ``on_dropped`` hears of every job
    that will never run.
    """

    def __init__(
        self,
        run: Callable[[J], None],
        on_dropped: Callable[[J], None],
        start_thread: Callable[[Callable[[], None]], object],
        threaded: bool,
    ) -> None:
        self._run_job = run
        self._on_dropped = on_dropped
        self._start_thread = start_thread
        self.threaded = threaded
        self._cond = threading.Condition()
        self._waiting: J | None = None
        self._closed = False
        self._started = False

    def submit(self, job: J) -> None:
        with self._cond:
            if self._closed:
                replaced: J | None = job
            else:
                replaced, self._waiting = self._waiting, job
                self._cond.notify()
            start = self.threaded and not self._started and not self._closed
            self._started = self._started or start
        if replaced is not None:
            self._on_dropped(replaced)
        if start:
            self._start_thread(self._loop)

    def cancel_if(self, stale: Callable[[J], bool]) -> None:
        """Forget the waiting job if ``stale(job)`` (its question no longer matters)."""
        with self._cond:
            job = self._waiting
            if job is None or not stale(job):
                return
            self._waiting = None
        self._on_dropped(job)

    def run_waiting(self) -> None:
        """Run the waiting job here (unthreaded mode)."""
        with self._cond:
            job, self._waiting = self._waiting, None
        if job is not None:
            self._run_job(job)

    def _loop(self) -> None:
        while True:
            with self._cond:
                while self._waiting is None and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                job, self._waiting = self._waiting, None
            self._run_job(job)

    def close(self) -> None:
        """Stop after the job in progress (the connection's bridge joins the thread)."""
        with self._cond:
            self._closed = True
            job, self._waiting = self._waiting, None
            self._cond.notify_all()
        if job is not None:
            self._on_dropped(job)
