"""Measure event-loop wake-up lag, for tests and benchmarks.

All media of all sessions runs on one loop; anything that blocks it (or a
process starved of CPU) shows up as late wake-ups. Tests use this to tell
"the code paced wrongly" from "the machine was too busy to measure".
"""

from __future__ import annotations

import asyncio
import time
from types import TracebackType

__all__ = ["LoopLag"]


class LoopLag:
    """Async context manager recording how late a ``tick_s`` sleep wakes up.

    ``max_s`` is the worst lag seen, ``samples`` every lag (seconds).
    """

    def __init__(self, tick_s: float = 0.005) -> None:
        self.tick_s = tick_s
        self.max_s = 0.0
        self.samples: list[float] = []
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        while True:
            before = time.monotonic()
            await asyncio.sleep(self.tick_s)
            lag = max(0.0, time.monotonic() - before - self.tick_s)
            self.samples.append(lag)
            self.max_s = max(self.max_s, lag)

    async def __aenter__(self) -> LoopLag:
        self._task = asyncio.create_task(self._run(), name="LoopLag")
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
            self._task = None
