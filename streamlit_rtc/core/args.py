"""The latest values of a stream's extra inputs, shared safely between the page and the handler."""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["WEBRTC_VALUE", "StreamArgs"]

logger = logging.getLogger(__name__)

WEBRTC_VALUE = "__webrtc_value__"
"""``latest_args[0]``: stands for the stream itself, as in the seed guide."""

ArgsProvider = Callable[[], Sequence[Any]]


class StreamArgs:
    """Holds ``latest_args`` and lets a handler wait, with a timeout, for fresh values.

    The Streamlit adapter calls :meth:`set` on every script run with the current
    input values and may register a provider that re-supplies them on request,
    so a wait for fresh values normally ends at once.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._values: tuple[Any, ...] = (WEBRTC_VALUE,)
        self.args_set = threading.Event()
        self._provider: ArgsProvider | None = None

    @property
    def latest(self) -> list[Any]:
        with self._lock:
            return list(self._values)

    def set(self, inputs: Sequence[Any]) -> None:
        """Store new input values (without the leading stream placeholder)."""
        with self._lock:
            self._values = (WEBRTC_VALUE, *inputs)
        self.args_set.set()

    def set_provider(self, provider: ArgsProvider | None) -> None:
        self._provider = provider

    @property
    def has_provider(self) -> bool:
        return self._provider is not None

    def _request(self) -> None:
        self.args_set.clear()
        provider = self._provider
        if provider is not None:
            self.set(provider())

    def wait_sync(self, timeout: float) -> bool:
        """Ask for fresh values and wait for them; False when none came within ``timeout`` s."""
        self._request()
        if self.args_set.wait(timeout):
            return True
        logger.warning("no fresh input values within %.1f s; using the last known ones", timeout)
        return False

    async def wait_async(self, timeout: float) -> bool:
        """The same as :meth:`wait_sync` without blocking the event loop."""
        self._request()
        deadline = time.monotonic() + timeout
        while not self.args_set.is_set():
            if time.monotonic() >= deadline:
                logger.warning(
                    "no fresh input values within %.1f s; using the last known ones", timeout
                )
                return False
            await asyncio.sleep(0.01)
        return True
