"""Fixtures for the RTC layer tests: run a coroutine and check it left nothing behind.

pytest-asyncio is not a dependency; each test runs its own ``asyncio.run``.
``arun`` fails the test if tasks are still pending when the coroutine
returns or if the thread count is not back to where it was (aiortc's
decoder threads and the default executor's encoder threads must be gone).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

Runner = Callable[[Callable[[], Awaitable[Any]]], Any]


async def _checked(factory: Callable[[], Awaitable[T]], timeout: float) -> T:
    result = await asyncio.wait_for(factory(), timeout)
    # Give cancelled tasks one or two loop turns to finish their cleanup.
    for _ in range(50):
        pending = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        if not pending:
            break
        await asyncio.sleep(0.02)
    assert not pending, f"tasks left running: {pending}"
    return result


@pytest.fixture
def arun() -> Iterator[Runner]:
    """``arun(lambda: coro())`` runs it in a fresh loop with leak checks."""
    baseline = threading.active_count()

    def run(factory: Callable[[], Awaitable[Any]], timeout: float = 30.0) -> Any:
        return asyncio.run(_checked(factory, timeout))

    yield run
    deadline = time.monotonic() + 2.0
    while threading.active_count() > baseline and time.monotonic() < deadline:
        time.sleep(0.01)
    assert threading.active_count() <= baseline, [t.name for t in threading.enumerate()]
