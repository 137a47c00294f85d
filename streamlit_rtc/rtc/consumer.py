"""Base for sinks that drain a remote aiortc track in an asyncio task.

A remote track must always be read: aiortc queues every decoded frame
until someone calls ``recv()`` (about 190 KB/s of audio otherwise). The
consumer reads in a task on the loop that owns the track, hands each frame
to a subclass hook, survives exceptions from that hook, and reports once,
via ``on_ended``, that consumption stopped (track ended, ``stop()``, or an
unexpected error from the track).

A browser that vanishes without a goodbye (sleep, a dead network) ends
nothing on the server until ICE consent expires (about 30 s in aioice), and
its track simply stops delivering. :meth:`TrackConsumer.watch_stall` notices
that sooner: once frames have flowed, no frame for ``after_s`` calls
``on_stalled``. A starved event loop (frames waiting behind a blocking call)
restarts the measurement instead of counting as a stall.

It follows streamlit-webrtc's ``MediaSink`` protocol (``addTrack``,
``hasTrack``, ``start``, ``stop``), so a sink can be passed as
``sink_audio_track=`` / ``sink_video_track=``.
"""

from __future__ import annotations

import asyncio
import contextlib
import enum
import logging
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aiortc.mediastreams import MediaStreamError, MediaStreamTrack

from ._ratelimit import RateLimitedLog

logger = logging.getLogger(__name__)

StallCallback = Callable[[float], None]
"""``on_stalled(seconds)``: no frame for that long; runs on the event loop, must not block."""

STALL_CHECKS = 10
"""Stall checks per ``after_s``: a stall is reported at most ``after_s / STALL_CHECKS`` late
(two timer callbacks a second per session with the audio session's 5 s)."""

STARVED_AFTER_S = 0.25
"""A check this much later than due (and later than one check interval) means the loop
was blocked: frames may be waiting behind the block, so the silence is measured anew."""


class SinkEnd(str, enum.Enum):
    """Why a consumer stopped."""

    TRACK_ENDED = "track-ended"
    """The remote track ended (``MediaStreamError``)."""
    STOPPED = "stopped"
    """``stop()`` was called."""
    ERROR = "error"
    """``recv()`` raised something other than ``MediaStreamError``."""


END_TRACK_ENDED = SinkEnd.TRACK_ENDED
END_STOPPED = SinkEnd.STOPPED
END_ERROR = SinkEnd.ERROR


@dataclass
class SinkStats:
    """Counters of a sink, for tests and benchmarks."""

    frames: int = 0
    """Frames read from the track."""
    callback_errors: int = 0
    """Frames whose delivery raised (logged, rate-limited)."""


class TrackConsumer(ABC):
    """Reads a track in a task and hands frames to :meth:`_deliver`."""

    kind: str = "unknown"

    def __init__(
        self,
        *,
        on_ended: Callable[[], None] | None = None,
        track: MediaStreamTrack | None = None,
    ) -> None:
        self._on_ended = on_ended
        self._track = track
        self._task: asyncio.Task[None] | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._end_reason: SinkEnd | None = None
        self._error_log = RateLimitedLog(logger)
        self._stats = SinkStats()
        self._stall_after_s: float | None = None
        self._on_stalled: StallCallback | None = None
        self._stall_timer: asyncio.TimerHandle | None = None
        self._stall_due = 0.0
        self._last_frame_at = 0.0

    # -- streamlit-webrtc MediaSink protocol ---------------------------------

    def addTrack(self, track: MediaStreamTrack) -> None:
        """Attach the track to consume; not allowed while consuming another."""
        if self.running:
            raise RuntimeError("sink is already consuming a track")
        self._track = track
        self._task = None
        self._end_reason = None

    def hasTrack(self) -> bool:
        return self._track is not None

    def start(self) -> None:
        """Start consuming; call from a coroutine on the track's event loop."""
        if self._track is None:
            raise RuntimeError("no track attached; call addTrack() first")
        if self._task is not None:
            raise RuntimeError("sink already started")
        self._loop = asyncio.get_running_loop()
        self._task = self._loop.create_task(self._run(self._track), name=type(self).__name__)
        self._task.add_done_callback(self._task_done)

    def stop(self) -> None:
        """Stop consuming. Thread-safe; idempotent; does not stop the track.

        ``on_ended`` still fires (from the loop) once the task has finished.
        """
        task, loop = self._task, self._loop
        if task is None or loop is None or task.done():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            task.cancel()
        else:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(task.cancel)

    # -- the stall watchdog ------------------------------------------------------

    def watch_stall(self, after_s: float, on_stalled: StallCallback) -> None:
        """Call ``on_stalled(seconds)`` once frames stop arriving for ``after_s``.

        Armed by the first frame (a track that never delivers is another
        problem) and re-armed by the next frame after a stall; call before
        :meth:`start`. The check runs on the loop ``STALL_CHECKS`` times per
        ``after_s`` and costs nothing per frame beyond reading the clock.
        """
        if after_s <= 0:
            raise ValueError(f"after_s must be positive seconds, got {after_s!r}")
        self._stall_after_s = after_s
        self._on_stalled = on_stalled

    def _frame_arrived(self, loop: asyncio.AbstractEventLoop) -> None:
        self._last_frame_at = loop.time()
        if self._stall_timer is None and self._stall_after_s is not None:
            self._schedule_stall_check(loop)

    def _schedule_stall_check(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self._stall_after_s is not None
        interval = self._stall_after_s / STALL_CHECKS
        self._stall_due = loop.time() + interval
        self._stall_timer = loop.call_at(self._stall_due, self._check_stall, loop)

    def _check_stall(self, loop: asyncio.AbstractEventLoop) -> None:
        assert self._stall_after_s is not None
        now = loop.time()
        if now - self._stall_due > max(STARVED_AFTER_S, self._stall_after_s / STALL_CHECKS):
            # The loop itself was starved: frames may be queued behind us. Start over.
            self._last_frame_at = now
        silent_s = now - self._last_frame_at
        if silent_s < self._stall_after_s:
            self._schedule_stall_check(loop)
            return
        self._stall_timer = None  # the next frame re-arms the watchdog
        logger.warning("%s: no frame for %.1f s", type(self).__name__, silent_s)
        if self._on_stalled is not None:
            try:
                self._on_stalled(silent_s)
            except Exception:
                logger.exception("%s: on_stalled raised", type(self).__name__)

    def _cancel_stall_check(self) -> None:
        timer, self._stall_timer = self._stall_timer, None
        if timer is not None:
            timer.cancel()

    # -- asyncio helpers -------------------------------------------------------

    async def aclose(self) -> None:
        """Stop consuming and wait until the task (and ``on_ended``) finished."""
        self.stop()
        await self.wait_ended()

    async def wait_ended(self, timeout: float | None = None) -> None:
        """Wait until consumption has stopped (raises TimeoutError on timeout)."""
        task = self._task
        if task is None:
            return
        # asyncio.wait neither raises the task's CancelledError nor cancels it.
        done, _ = await asyncio.wait({task}, timeout=timeout)
        if not done:
            raise TimeoutError(f"{type(self).__name__} still running after {timeout} s")

    @property
    def track(self) -> MediaStreamTrack | None:
        """The track being (or last) consumed."""
        return self._track

    @property
    def running(self) -> bool:
        return self._task is not None and not self._task.done()

    @property
    def end_reason(self) -> SinkEnd | None:
        """``None`` while running or never started, else one of ``END_*``."""
        return self._end_reason

    @property
    def stats(self) -> SinkStats:
        return self._stats

    # -- internals -------------------------------------------------------------

    async def _run(self, track: MediaStreamTrack) -> None:
        loop = asyncio.get_running_loop()
        while True:
            try:
                frame = await track.recv()
            except MediaStreamError:
                return  # the track ended
            self._stats.frames += 1
            self._frame_arrived(loop)
            try:
                self._deliver(frame)
            except Exception:
                self._stats.callback_errors += 1
                self._error_log.log(
                    logging.ERROR,
                    "%s: on_frame raised; frame dropped, consumption continues",
                    type(self).__name__,
                    exc_info=True,
                )

    def _task_done(self, task: asyncio.Task[None]) -> None:
        # A done callback rather than try/finally in _run: it also runs when
        # the task is cancelled before its first step (stop() right after start()).
        self._cancel_stall_check()
        if task.cancelled():
            self._end_reason = END_STOPPED
        elif (error := task.exception()) is not None:
            self._end_reason = END_ERROR
            logger.error(
                "%s: track.recv() failed; consumption stopped",
                type(self).__name__,
                exc_info=error,
            )
        else:
            self._end_reason = END_TRACK_ENDED
        self._fire_on_ended()

    def _fire_on_ended(self) -> None:
        if self._on_ended is None:
            return
        try:
            self._on_ended()
        except Exception:
            logger.exception("%s: on_ended raised", type(self).__name__)

    @abstractmethod
    def _deliver(self, frame: Any) -> None:
        """Convert one frame and pass it on; may raise (counted and logged)."""
