"""Start and stop of one connection's session, shared by the audio and video sessions.

A session starts on its first media callback (the connection is up), asks
``admit`` whether a concurrency slot is free, starts its work off the media
loop, arms the time limit, and is stopped exactly once by :meth:`stop`,
whoever notices the end first (STOP, browser gone, time limit,
``CloseStream``, a fatal handler error, the Streamlit session ending).
A new session is refused while too many threads of ended streams are still
stuck in user code (:mod:`..core.stuck`): Python cannot stop them, so
without a bound a handler that hangs would pile up threads per connection.
Subclasses only say how their work starts and stops, and what
:meth:`SessionLifecycle.release` lets go of once it has stopped.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
import uuid
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any

from ..core.context import Connection, Context, MessageKind
from ..core.handler import StreamHandlerBase
from ..core.stuck import STUCK_THREADS
from .mailbox import SessionMailbox
from .memory import limit_malloc_arenas, release_freed_memory
from .modes import Mode

__all__ = ["SessionLifecycle"]

logger = logging.getLogger(__name__)

# Once per process, when the streaming machinery is imported: before sessions, models and
# the media loop start threads. glibc fixes its arena limit for good once a process holds
# more than 8 arenas, so a later call (at the first session) may no longer bound them.
limit_malloc_arenas()


class SessionLifecycle(ABC):
    """State, start, time limit and the idempotent stop of one connection."""

    handler: StreamHandlerBase
    """The connection's private handler copy (None once :meth:`release` let go of it)."""

    def __init__(
        self,
        mode: Mode,
        time_limit: float | None,
        mailbox: SessionMailbox | None,
        name: str,
        on_stopped: Callable[[Any], None] | None,
        admit: Callable[[], bool] | None,
        busy_message: str,
    ) -> None:
        if time_limit is not None and time_limit <= 0:
            raise ValueError(f"time_limit must be positive seconds, got {time_limit!r}")
        self.mode = mode
        self.time_limit = time_limit
        self.name = name
        self.mailbox = mailbox or SessionMailbox()
        self.webrtc_id = uuid.uuid4().hex
        self.connection = Connection(Context(self.webrtc_id), post=self._post)
        self._on_stopped = on_stopped
        self._admit = admit
        self._busy_message = busy_message
        self.refused = False
        self._lock = threading.RLock()
        self._started_at: float | None = None
        self._stopped = threading.Event()
        self._stop_done = False
        self._released = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._timer: threading.Timer | None = None

    # -- what subclasses provide ---------------------------------------------------
    @abstractmethod
    def _start_work(self) -> None:
        """Start worker threads (called once, off the media loop, under the lock)."""

    @abstractmethod
    def _stop_work(self) -> None:
        """Stop workers and tracks (called once; any thread)."""

    def _release_work(self) -> None:  # noqa: B027 - optional hook, nothing to drop by default
        """Drop the references to the handler copy, workers, buffers and tracks (once, after
        :meth:`_stop_work`). Media callbacks may still arrive: they must find them gone."""

    # -- state ---------------------------------------------------------------------
    @property
    def started(self) -> bool:
        return self._started_at is not None

    @property
    def stopping(self) -> bool:
        """:meth:`stop` has begun (its work may still be ending)."""
        return self._stopped.is_set()

    @property
    def stopped(self) -> bool:
        """:meth:`stop` is done: the work has ended and the mailbox holds the outcome.

        Readers that see it (the page, tests) find the end message and the
        ``stopped`` state already there, never a stream half ended.
        """
        return self._stop_done

    def remaining_s(self) -> float | None:
        """Seconds left before ``time_limit`` ends the stream (None without a limit)."""
        if self.time_limit is None:
            return None
        if self._started_at is None:
            return self.time_limit
        return max(0.0, self.time_limit - (time.monotonic() - self._started_at))

    @property
    def released(self) -> bool:
        """:meth:`release` let go of the connection's handler, workers and tracks."""
        return self._released

    def set_inputs(self, inputs: list[object]) -> None:
        handler: StreamHandlerBase | None = self.handler
        if handler is not None:  # a released session has no handler to give them to
            handler.set_args(inputs)

    # -- start: on the first media callback (the connection is up) ---------------------
    def ensure_started(self) -> None:
        if self._started_at is not None or self._stopped.is_set():
            return
        with self._lock:
            if self._started_at is not None:
                return
            self._started_at = time.monotonic()
            try:
                self._loop = asyncio.get_running_loop()
            except RuntimeError:
                self._loop = None
        if self._loop is not None:
            # Starting threads waits for them to be scheduled: never on the media loop.
            self._loop.run_in_executor(None, self._start)
        else:
            self._start()

    def _start(self) -> None:
        refusal = STUCK_THREADS.refusal()
        if refusal is not None:  # threads of ended streams pile up in user code
            logger.error("%s: refused: %s", self.name, refusal)
            self.refused = True
            self.mailbox.error(refusal)
            self.stop(refusal)
            return
        if self._admit is not None and not self._admit():
            self.refused = True
            self.stop(self._busy_message)
            return
        with self._lock:
            if self._stopped.is_set():
                return
            self.mailbox.connected()
            self._start_work()
            if self.time_limit is not None:
                self._timer = threading.Timer(self.time_limit, self._on_time_limit)
                self._timer.daemon = True
                self._timer.start()
        logger.info("%s: started (%s)", self.name, self.mode.value)

    def _post(self, kind: MessageKind, payload: Any) -> None:
        """A message from user code to the page (``send_message``, ``Warning``)."""
        self.mailbox.message(kind, payload)

    def _report_leftovers(self, still_running: list[str]) -> None:
        """User code that did not return when the stream ended: say so in the page."""
        if still_running:
            self.mailbox.error(
                f"{', '.join(still_running)} did not return when the stream ended; "
                "it keeps a thread busy until it does (check for blocking calls without a timeout)"
            )

    # -- ends ----------------------------------------------------------------------
    def _on_time_limit(self) -> None:
        self.stop(f"Time limit of {self.time_limit:g} s reached")

    def stop_soon(self, message: str | None) -> None:
        """Stop from a fresh thread: the caller may be a worker that stop() joins."""
        threading.Thread(target=self.stop, args=(message,), daemon=True).start()

    def _on_fatal(self, message: str) -> None:
        self.mailbox.error(message)
        self.stop_soon(message)

    def stop(self, message: str | None = None) -> None:
        """End the connection's work (idempotent, any thread)."""
        with self._lock:
            if self._stopped.is_set():
                return
            self._stopped.set()
        if self._timer is not None:
            self._timer.cancel()
        self._stop_work()
        self.mailbox.stopped(message)
        self._stop_done = True
        logger.info("%s: stopped%s", self.name, f" ({message})" if message else "")
        if self._on_stopped is not None:
            self._on_stopped(self)
        # Its threads are joined: hand what they freed back to the OS (rate-limited; this
        # thread never runs the media loop: stop() joins threads, so it is never called there).
        release_freed_memory()

    def release(self) -> None:
        """Let go of what only the live connection needed (idempotent, any thread).

        After :meth:`stop` has done its work, the handler copy (and whatever
        state it holds), the workers, audio buffers, video frames and media
        tracks become garbage; the session keeps its outcome: :attr:`stopped`,
        :attr:`started`, :attr:`refused`, :meth:`remaining_s`, :attr:`name`,
        :attr:`mode` and the :attr:`mailbox` (state, errors, the end message,
        outputs not yet applied), and :meth:`set_inputs` does nothing. A new
        connection gets a new session, so nothing a restart needs is lost.
        Does nothing while the session has not finished stopping.

        The Streamlit layer releases every session it stops: ``st.session_state``
        keeps the stopped session for as long as Streamlit keeps the browser
        session, a closed tab's too (``server.disconnectedSessionTTL``, 120 s
        by default), and the peer connection's objects, codec state and the
        last video frames would stay with it.
        """
        with self._lock:
            if not self._stop_done or self._released:
                return
            self._released = True
        self._release_work()
