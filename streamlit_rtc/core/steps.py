"""Step through what user code returned, one emitted value per step, closable from any thread.

A handler's reply (a sync or async generator, a coroutine, a single value)
is stepped by the output thread while a barge-in or the stream's end may
close it from another. User code cannot be interrupted, so a close that
arrives during a step is carried out by the stepping thread as soon as the
step returns (the generator's ``finally`` runs there); a closed ``Steps``
yields nothing more.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import AsyncIterator, Awaitable, Iterator
from typing import TYPE_CHECKING, Any

from .stuck import JOIN_TIMEOUT_S

if TYPE_CHECKING:
    from .bridge import CodeBridge

__all__ = ["Steps"]

logger = logging.getLogger(__name__)


class Steps:
    """One emitted value per :meth:`step` from what a user function returned.

    Accepted: a sync or async generator / iterator, a coroutine (its result is
    one value), or a single value. Async parts run on the bridge's loop.
    ``step`` raises ``StopIteration`` at the end and :class:`UserCodeError`
    when the user code raised.
    """

    def __init__(self, bridge: CodeBridge, method: str, produced: Any) -> None:
        self._bridge = bridge
        self.method = method
        self._sync: Iterator[Any] | None = None
        self._async: AsyncIterator[Any] | None = None
        self._single: list[Any] = []
        self._pending_coroutine: Awaitable[Any] | None = None
        if isinstance(produced, Iterator):
            self._sync = produced
        elif isinstance(produced, AsyncIterator):
            self._async = produced
        elif inspect.isawaitable(produced):
            self._pending_coroutine = produced
        elif produced is not None:
            self._single = [produced]
        self.started = False
        self._lock = threading.Lock()
        self._stepping: threading.Thread | None = None
        self._close_pending = False

    def step(self) -> Any:
        """The next emitted value; ``StopIteration`` at the end (and once closed)."""
        self.started = True
        with self._lock:
            self._stepping = threading.current_thread()
        try:
            return self._step()
        finally:
            with self._lock:
                self._stepping, pending = None, self._close_pending
            if pending:
                self._close_now()  # close() came while user code ran: close it now

    def _step(self) -> Any:
        bridge = self._bridge
        with bridge.running(self.method):
            if self._sync is not None:
                return next(self._sync)
            if self._async is not None:
                try:
                    return bridge.wait(self._async.__anext__())
                except StopAsyncIteration:
                    raise StopIteration from None
            if self._pending_coroutine is not None:
                coroutine, self._pending_coroutine = self._pending_coroutine, None
                value = bridge.wait(coroutine)
                if value is None:
                    raise StopIteration
                return value
            if self._single:
                return self._single.pop()
            raise StopIteration

    def close(self) -> None:
        """Stop now: runs the generator's ``finally`` blocks (errors there are logged).

        While another thread is inside :meth:`step` (user code cannot be
        interrupted), the close happens on that thread as soon as the step returns.
        """
        with self._lock:
            if self._stepping not in (None, threading.current_thread()):
                self._close_pending = True
                return
        self._close_now()

    def _close_now(self) -> None:
        with self._lock:
            sync, self._sync = self._sync, None
            agen, self._async = self._async, None
            coroutine, self._pending_coroutine = self._pending_coroutine, None
            self._single = []
        try:
            if sync is not None and hasattr(sync, "close"):
                sync.close()
            if agen is not None and hasattr(agen, "aclose") and not self._bridge.closed:
                self._bridge.wait(agen.aclose(), timeout=JOIN_TIMEOUT_S)
            if coroutine is not None and inspect.iscoroutine(coroutine):
                coroutine.close()
        except Exception:
            logger.exception("%s: closing %s raised", self._bridge.name, self.method)
