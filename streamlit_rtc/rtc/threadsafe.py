"""A ``stop()`` for our own tracks that is safe to call from any thread.

aiortc's ``MediaStreamTrack.stop()`` emits the "ended" event through pyee's
asyncio emitter, which is only safe on the loop that runs the track. The
core stops output tracks from Streamlit's script thread at session end, so
our tracks mark themselves stopped at once (``recv()`` checks the flag) and
run the real ``stop()`` on their loop.
"""

from __future__ import annotations

import asyncio
import contextlib

from aiortc.mediastreams import MediaStreamTrack


class ThreadSafeStopTrack(MediaStreamTrack):
    """Base for output tracks: thread-safe ``stop()``, ``_live`` check for ``recv``."""

    def __init__(self) -> None:
        super().__init__()
        self._stop_requested = False
        self._track_loop: asyncio.AbstractEventLoop | None = None

    def _bind_loop(self) -> None:
        """Remember the loop that runs ``recv()`` (call from ``recv``)."""
        if self._track_loop is None:
            self._track_loop = asyncio.get_running_loop()

    @property
    def _live(self) -> bool:
        return not self._stop_requested and self.readyState == "live"

    def stop(self) -> None:
        """End the track; callable from any thread, idempotent."""
        self._stop_requested = True
        loop = self._track_loop
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is None or running is loop or loop.is_closed():
            super().stop()
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(super().stop)
