"""Drives one reply: a sync generator, an async generator or a plain return value, step by step."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import AsyncIterator, Iterator
from typing import Any

__all__ = ["ReplyRunner"]


class ReplyRunner:
    """Steps through whatever a reply function returned, one emitted value per :meth:`step`.

    Accepted: a (sync or async) generator or iterator, a coroutine, or a
    single emit value.

    Async generators and coroutines run on ``loop``, a private event loop owned
    by the handler and driven from the calling thread (never a server loop),
    so sync and async reply functions behave the same. :meth:`step` raises
    ``StopIteration`` when the reply is over.
    """

    def __init__(self, produced: Any, loop_factory: Any) -> None:
        self._sync: Iterator[Any] | None = None
        self._async: AsyncIterator[Any] | None = None
        self._single: list[Any] = []
        self._loop_factory = loop_factory
        if isinstance(produced, Iterator):
            self._sync = produced
        elif isinstance(produced, AsyncIterator):
            self._async = produced
        elif inspect.iscoroutine(produced):
            self._single = [self._loop().run_until_complete(produced)]
        elif produced is not None:
            self._single = [produced]
        self.started = False

    def _loop(self) -> asyncio.AbstractEventLoop:
        loop: asyncio.AbstractEventLoop = self._loop_factory()
        return loop

    def step(self) -> Any:
        """The next emitted value; ``StopIteration`` at the end."""
        self.started = True
        if self._sync is not None:
            return next(self._sync)
        if self._async is not None:
            try:
                return self._loop().run_until_complete(self._async.__anext__())
            except StopAsyncIteration:
                raise StopIteration from None
        if self._single:
            return self._single.pop()
        raise StopIteration

    def close(self) -> None:
        """Stop the reply now: runs the generator's ``finally`` blocks."""
        sync, self._sync = self._sync, None
        if sync is not None and hasattr(sync, "close"):
            sync.close()
        agen, self._async = self._async, None
        if agen is not None and hasattr(agen, "aclose"):
            self._loop().run_until_complete(agen.aclose())
        self._single = []
