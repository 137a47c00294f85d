"""One bridge for all user code, sync or async, with one set of rules.

Every piece of code a user hands a stream — a handler's ``start_up``,
``receive``, ``emit``, ``video_receive``, ``video_emit`` and ``shutdown``,
reply generators, receive-mode generators, video functions — runs through
the :class:`CodeBridge` of its connection:

* Sync code runs on the worker thread that calls it. Coroutines and async
  generators run on the bridge's private event loop (one thread per
  connection, started on first use, never the server's loop); a worker
  thread waits for them, async tasks on that loop await them.
* ``start_up`` runs *concurrently* with ``receive``/``emit``, as fastrtc
  does: async as a task on the private loop, sync on a thread of its own.
  Closing the bridge cancels it (a realtime API's session loop lives there).
* An exception becomes :class:`UserCodeError`, which names the method and
  the exception, for the page.
* Calls in progress are tracked (:meth:`CodeBridge.in_flight`), so a method
  that never returns can be reported by name; a thread still running one
  when the bridge closes joins the process's count of stuck threads
  (:mod:`.stuck`), which bounds how many can pile up.
* User code sees its connection through :data:`.context.current_connection`
  (``get_current_context()``, ``Warning(...)``).

Nothing here knows about WebRTC or Streamlit.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import inspect
import logging
import threading
import time
from collections.abc import Awaitable, Callable, Coroutine, Iterator
from typing import Any, TypeVar

from .context import Connection, current_connection
from .steps import Steps
from .stuck import JOIN_TIMEOUT_S, STUCK_THREADS, join_threads
from .user_errors import NotReturnedError, UserCodeError, user_message

__all__ = [
    "JOIN_TIMEOUT_S",
    "CodeBridge",
    "NotReturnedError",
    "Steps",
    "UserCodeError",
    "join_threads",
    "user_message",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")


class CodeBridge:
    """Runs one connection's user code; see the module docstring for the rules."""

    def __init__(self, name: str = "stream", connection: Connection | None = None) -> None:
        self.name = name
        self.connection = connection
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._loop_thread: threading.Thread | None = None
        self._threads: list[threading.Thread] = []
        self._tasks: set[concurrent.futures.Future[Any]] = set()
        self._waits: set[concurrent.futures.Future[Any]] = set()
        self._calls: dict[int, tuple[str, float, threading.Thread]] = {}
        self._call_ids = 0
        self._closed = False

    # -- the private loop ------------------------------------------------------------
    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        """The private event loop, running on its own thread (started on first use)."""
        with self._lock:
            if self._closed:
                raise RuntimeError(f"{self.name}: the stream has ended")
            if self._loop is None:
                loop = asyncio.new_event_loop()
                ready = threading.Event()
                thread = threading.Thread(
                    target=self._run_loop,
                    args=(loop, ready),
                    name=f"{self.name}-async",
                    daemon=True,
                )
                thread.start()
                ready.wait()
                self._loop, self._loop_thread = loop, thread
            return self._loop

    def _run_loop(self, loop: asyncio.AbstractEventLoop, ready: threading.Event) -> None:
        asyncio.set_event_loop(loop)
        self.enter()
        loop.call_soon(ready.set)
        try:
            loop.run_forever()
        finally:
            try:
                self._cancel_leftover_tasks(loop)
                loop.run_until_complete(loop.shutdown_asyncgens())
            except Exception:
                logger.exception("%s: closing the private loop failed", self.name)
            loop.close()

    def _cancel_leftover_tasks(self, loop: asyncio.AbstractEventLoop) -> None:
        """Cancel tasks user code started itself, and let them finish (bounded)."""
        tasks = [t for t in asyncio.all_tasks(loop) if not t.done()]
        if not tasks:
            return
        for task in tasks:
            task.cancel()
        gathered = asyncio.gather(*tasks, return_exceptions=True)
        try:
            loop.run_until_complete(asyncio.wait_for(gathered, JOIN_TIMEOUT_S))
        except (asyncio.TimeoutError, asyncio.CancelledError):
            names = ", ".join(sorted({t.get_coro().__qualname__ for t in tasks if not t.done()}))
            logger.warning("%s: tasks ignored cancellation at the end: %s", self.name, names)

    @property
    def closed(self) -> bool:
        return self._closed

    def on_loop_thread(self) -> bool:
        return self._loop_thread is threading.current_thread()

    def enter(self) -> None:
        """Make this connection current on the calling thread (worker threads call it first)."""
        if self.connection is not None:
            current_connection.set(self.connection)

    async def _scoped(self, awaitable: Awaitable[T]) -> T:
        self.enter()
        return await awaitable

    # -- tracking ----------------------------------------------------------------------
    def _begin(self, method: str) -> int:
        with self._lock:
            self._call_ids += 1
            call = (method, time.monotonic(), threading.current_thread())
            self._calls[self._call_ids] = call
            return self._call_ids

    def _end(self, call_id: int) -> None:
        with self._lock:
            self._calls.pop(call_id, None)

    def in_flight(self) -> list[tuple[str, float]]:
        """``(method, seconds running)`` of every call in progress, longest first."""
        now = time.monotonic()
        with self._lock:
            calls = [(method, now - started) for method, started, _ in self._calls.values()]
        return sorted(calls, key=lambda c: -c[1])

    def stuck(self, method: str, after_s: float) -> float | None:
        """How long ``method`` has been running, if longer than ``after_s``; else None."""
        for name, running in self.in_flight():
            if name == method and running > after_s:
                return running
        return None

    # -- calls from worker threads -------------------------------------------------
    @contextlib.contextmanager
    def running(self, method: str, *, as_context: bool = True) -> Iterator[None]:
        """Track ``method`` while the block runs user code; exceptions become UserCodeError.

        With ``as_context`` the connection is current for the block only (the
        calling thread's context is restored); tasks on the private loop have
        it already.
        """
        call_id = self._begin(method)
        token = current_connection.set(self.connection) if as_context else None
        try:
            yield
        except (UserCodeError, StopIteration):
            raise
        except Exception as exc:
            raise UserCodeError(method, exc) from exc
        finally:
            if token is not None:
                current_connection.reset(token)
            self._end(call_id)

    def call(self, method: str, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(*args)`` on this thread; an awaitable result is awaited on the private loop.

        Raises :class:`UserCodeError` naming ``method``. Must not be called on
        the private loop's thread (use :meth:`acall` there).
        """
        with self.running(method):
            result = fn(*args)
            if inspect.isawaitable(result):
                result = self.wait(result)
            return result

    async def acall(self, method: str, fn: Callable[..., Any], *args: Any) -> Any:
        """:meth:`call` for code already on the private loop (async handlers' tasks)."""
        with self.running(method, as_context=False):
            result = fn(*args)
            if inspect.isawaitable(result):
                result = await result
            return result

    def wait(self, awaitable: Awaitable[T], timeout: float | None = None) -> T:
        """Run ``awaitable`` on the private loop and wait for its result on this thread."""
        if self.on_loop_thread():
            raise RuntimeError("CodeBridge.wait() on the bridge's own loop would deadlock")
        future = asyncio.run_coroutine_threadsafe(self._scoped(awaitable), self.loop)
        with self._lock:
            self._tasks.add(future)  # closing the bridge cancels the wait
            self._waits.add(future)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise TimeoutError(f"did not finish within {timeout:g} s") from None
        except concurrent.futures.CancelledError:
            raise asyncio.CancelledError() from None
        finally:
            self._forget(future)

    def cancel_waits(self) -> None:
        """Cancel the async user code worker threads are waiting for (the stream is ending).

        The waiting thread gets ``asyncio.CancelledError`` at once, and the
        awaited code (an async reply generator) its ``CancelledError``, so
        its ``finally`` runs now rather than when the bridge closes.
        """
        with self._lock:
            waits = list(self._waits)
        for future in waits:
            future.cancel()

    def submit(self, coroutine: Coroutine[Any, Any, T]) -> concurrent.futures.Future[T]:
        """Schedule ``coroutine`` as a task on the private loop; :meth:`close` cancels it."""
        future = asyncio.run_coroutine_threadsafe(self._scoped(coroutine), self.loop)
        with self._lock:
            self._tasks.add(future)
        future.add_done_callback(self._forget)
        return future

    def _forget(self, future: concurrent.futures.Future[Any]) -> None:
        with self._lock:
            self._tasks.discard(future)
            self._waits.discard(future)

    def thread(self, role: str, target: Callable[[], None]) -> threading.Thread:
        """Start ``target`` on a daemon thread of this connection (joined by :meth:`close`)."""

        def body() -> None:
            self.enter()
            with contextlib.suppress(asyncio.CancelledError):
                target()  # cancelled: the bridge closed while it waited for async code

        thread = threading.Thread(target=body, name=f"{self.name}-{role}", daemon=True)
        with self._lock:
            self._threads.append(thread)
        thread.start()
        return thread

    # -- start_up: concurrent with the stream ---------------------------------------
    def start_concurrently(
        self,
        method: str,
        fn: Callable[[], Any],
        on_error: Callable[[UserCodeError], None],
        on_done: Callable[[], None] | None = None,
    ) -> None:
        """Run ``fn`` (sync or async) next to the stream; an exception goes to ``on_error``.

        Async: a task on the private loop. Sync: its own thread (a sync
        ``start_up`` that returns an awaitable has it awaited on the loop).
        Either way nothing waits for it, and :meth:`close` cancels it.
        """
        if inspect.iscoroutinefunction(fn):

            async def run_async() -> None:
                try:
                    await self.acall(method, fn)
                except UserCodeError as exc:
                    on_error(exc)
                finally:
                    if on_done is not None:
                        on_done()

            self.submit(run_async())
            return

        def run_sync() -> None:
            try:
                self.call(method, fn)
            except UserCodeError as exc:
                if not self._closed:
                    on_error(exc)
            finally:
                if on_done is not None:
                    on_done()

        self.thread(method.rsplit(".", 1)[-1].rstrip("()") or "start_up", run_sync)

    # -- generators ----------------------------------------------------------------
    def steps(self, method: str, produced: Any) -> Steps:
        """Step through what user code returned: a (sync or async) generator, coroutine, value."""
        return Steps(self, method, produced)

    # -- the end -------------------------------------------------------------------
    def close(self, timeout: float = JOIN_TIMEOUT_S) -> list[str]:
        """Cancel tasks, stop the loop, join threads; returns what is still running (by name)."""
        with self._lock:
            if self._closed:
                return []
            self._closed = True
            tasks = list(self._tasks)
            loop, loop_thread = self._loop, self._loop_thread
            threads = list(self._threads)
        deadline = time.monotonic() + timeout
        for task in tasks:
            task.cancel()
        if tasks:
            concurrent.futures.wait(tasks, timeout=max(0.0, deadline - time.monotonic()))
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(loop.stop)
        waiting = [t for t in [*threads, loop_thread] if t is not None]
        alive = join_threads(waiting, f"{self.name}: handler code", deadline - time.monotonic())
        running = [method for method, _ in self.in_flight()]
        if alive and running:
            logger.warning("%s: still running after the stream ended: %s", self.name, running)
        self._count_stuck([t for t in waiting if t.name in alive])
        return running if alive else []

    def _count_stuck(self, threads: list[threading.Thread]) -> None:
        """Hand threads that outlived the stream to the process's count, with their code."""
        with self._lock:
            calls = list(self._calls.values())
        for thread in threads:
            methods = [method for method, _, owner in calls if owner is thread]
            STUCK_THREADS.add(thread, ", ".join(methods) or thread.name, self.name)
