"""The latest values of a stream's extra inputs, shared safely between the page and the handler."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

__all__ = ["WEBRTC_VALUE", "ArgsEvent", "StreamArgs"]

logger = logging.getLogger(__name__)

WEBRTC_VALUE = "__webrtc_value__"
"""``latest_args[0]``: stands for the stream itself, as in the seed guide."""


class ArgsEvent:
    """Set once input values have arrived: waitable from sync code, awaitable from async code.

    fastrtc's handlers hold an ``asyncio.Event`` (``await self.args_set.wait()``);
    sync handlers here run on worker threads. ``wait()`` blocks on a thread
    without an event loop and returns an awaitable on one that runs a loop,
    so both styles work unchanged.
    """

    def __init__(self) -> None:
        self._event = threading.Event()

    def is_set(self) -> bool:
        return self._event.is_set()

    def set(self) -> None:
        self._event.set()

    def clear(self) -> None:
        self._event.clear()

    def wait(self, timeout: float | None = None) -> Any:
        """Block until set (True) or ``timeout`` (False); inside a coroutine, ``await`` it."""
        try:
            asyncio.get_running_loop()
        except RuntimeError:
            return self._event.wait(timeout)
        return self._wait_async(timeout)

    async def _wait_async(self, timeout: float | None) -> bool:
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._event.is_set():
            if deadline is not None and time.monotonic() >= deadline:
                return False
            await asyncio.sleep(0.01)
        return True


class StreamArgs:
    """Holds ``latest_args`` and lets a handler wait, with a timeout, for fresh values.

    Values reach a stream one way: something *pushes* them with :meth:`set`
    (the Streamlit adapter on every script run and whenever it applies
    outputs to the keys an input follows; a test or the user by hand). When
    the pusher keeps them current (``kept_current``), a request for fresh
    values is answered at once with the newest ones; otherwise it waits for
    the next :meth:`set`.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: tuple[Any, ...] = (WEBRTC_VALUE,)
        self.args_set = ArgsEvent()
        self._pushed = False
        self.kept_current = False
        """True when the transport pushes every change (the Streamlit adapter sets it)."""

    @property
    def latest(self) -> list[Any]:
        with self._lock:
            return list(self._values)

    def set(self, inputs: Sequence[Any]) -> None:
        """Store new input values (without the leading stream placeholder)."""
        with self._lock:
            self._values = (WEBRTC_VALUE, *inputs)
            self._pushed = True
        self.args_set.set()

    def set_full(self, values: Sequence[Any]) -> None:
        """Store values that include ``latest_args[0]`` (fastrtc's ``set_args`` form)."""
        with self._lock:
            self._values = tuple(values) if values else (WEBRTC_VALUE,)
            self._pushed = True
        self.args_set.set()

    def request(self) -> None:
        """Ask for fresh values: answered at once when the pusher keeps them current.

        Otherwise the values stand until :meth:`set` (or ``reset()``, which
        clears :attr:`args_set` so that a wait lasts until the next push).
        """
        if self.kept_current and self._pushed:
            self.args_set.set()

    def wait_sync(self, timeout: float) -> bool:
        """Ask for fresh values and wait for them; False when none came within ``timeout`` s."""
        self.request()
        if self.args_set.wait(timeout):
            return True
        logger.warning("no fresh input values within %.1f s; using the last known ones", timeout)
        return False

    async def wait_async(self, timeout: float) -> bool:
        """The same as :meth:`wait_sync` without blocking the event loop."""
        self.request()
        if await self.args_set._wait_async(timeout):
            return True
        logger.warning("no fresh input values within %.1f s; using the last known ones", timeout)
        return False
