"""Drive user video code off the server's event loop: transforms, generators, AV handlers.

A *lane* is the video half of a session. Its input is a :class:`LatestSlot`
filled by the sink on the event loop (one decoded ``av.VideoFrame``, the
newest: a slow function never builds a queue, it skips to the present). Its
work runs in worker threads (or as tasks on an async handler's private
loop): pixel conversion, the user's code, validation of what it returns.
Frames go out through a callback (a :class:`PushedVideoTrack` or a bounded
queue read by a paced track); additional outputs, close requests and errors
go to the session.

* :class:`FunctionLane` - ``fn(frame, *inputs)`` on each newest frame.
* :class:`HandlerLane` - ``video_receive`` / ``video_emit`` of an
  (Async)AudioVideoStreamHandler, ``video_emit`` paced at the handler's fps.
* :class:`GeneratorLane` - frames of a generator into a bounded queue.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import av
import numpy as np

from ..core.bridge import CodeBridge, Steps, user_message
from ..core.handler import AsyncAudioVideoStreamHandler, AudioVideoStreamHandler
from ..core.messages import AdditionalOutputs, CloseStream
from ..core.video_emit import parse_video_emit
from ..core.video_handlers import VideoFunctionHandler, VideoGeneratorHandler
from ..rtc.convert import video_frame_to_rgb

__all__ = [
    "FunctionLane",
    "GeneratorLane",
    "HandlerLane",
    "LaneCallbacks",
    "LaneStats",
    "LatestSlot",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")
POLL_S = 0.1
ASYNC_POLL_S = 0.005
END_GRACE_S = 0.2

SyncTarget = Callable[[threading.Event], None]
AsyncTarget = Callable[[threading.Event], Awaitable[None]]


class LatestSlot(Generic[T]):
    """A one-item mailbox: ``put`` replaces what was not taken yet, ``take`` waits."""

    def __init__(self) -> None:
        self._cond = threading.Condition()
        self._item: T | None = None
        self.put_count = 0
        self.dropped = 0

    def put(self, item: T) -> None:
        """Store ``item`` (never blocks); a previous untaken item is dropped and counted."""
        with self._cond:
            self.put_count += 1
            if self._item is not None:
                self.dropped += 1
            self._item = item
            self._cond.notify()

    def take(self, timeout: float) -> T | None:
        """The newest item, waiting up to ``timeout`` s; None if none came."""
        with self._cond:
            if self._item is None and timeout > 0:
                self._cond.wait(timeout)
            item, self._item = self._item, None
            return item


@dataclass
class LaneStats:
    """Counters of a lane, for tests and benchmarks."""

    processed: int = 0
    """Input frames given to user code."""
    emitted: int = 0
    """Frames user code produced."""
    busy_s: float = 0.0
    """Time spent in conversion and user code."""
    last_latency_s: float = 0.0
    """Arrival of the last processed input frame to its output, in seconds."""


@dataclass(frozen=True)
class LaneCallbacks:
    """Where a lane sends what is not a frame; all may be called from worker threads."""

    on_outputs: Callable[[AdditionalOutputs], None]
    on_close: Callable[[CloseStream], None]
    on_fatal: Callable[[str], None]


Arrival = tuple[float, av.VideoFrame]
"""``time.monotonic()`` when the frame arrived, and the frame."""


class _Lane:
    """Routing of returned values shared by the lanes."""

    def __init__(
        self,
        callbacks: LaneCallbacks,
        emit_frame: Callable[[np.ndarray], None] | None,
        name: str,
    ) -> None:
        self._callbacks = callbacks
        self._emit_frame = emit_frame
        self._name = name
        self.inbox: LatestSlot[Arrival] = LatestSlot()
        self.stats = LaneStats()
        self._ignored_frames = 0

    def on_frame(self, frame: av.VideoFrame) -> None:
        """Sink callback (event loop): keep the newest frame, never block."""
        self.inbox.put((time.monotonic(), frame))

    def _deliver(self, item: Any) -> bool:
        """Validate and route one returned value; False once the stream must close."""
        parts = parse_video_emit(item)
        if parts.frame is not None:
            self.stats.emitted += 1
            if self._emit_frame is not None:
                self._emit_frame(parts.frame)
            else:
                self._ignored_frames += 1
                if self._ignored_frames == 1:
                    logger.info(
                        "%s: mode='send' shows no video; returned frames are ignored", self._name
                    )
        if parts.outputs is not None:
            self._callbacks.on_outputs(parts.outputs)
        if parts.close is not None:
            self._callbacks.on_close(parts.close)
            return False
        return True

    def _fatal(self, exc: BaseException, stop: threading.Event) -> None:
        if stop.is_set():
            return
        logger.error("%s: %s", self._name, user_message(exc), exc_info=exc)
        self._callbacks.on_fatal(user_message(exc))


class FunctionLane(_Lane):
    """Runs ``fn(frame, *inputs)`` on the newest input frame, in one worker thread."""

    def __init__(
        self,
        handler: VideoFunctionHandler,
        callbacks: LaneCallbacks,
        emit_frame: Callable[[np.ndarray], None] | None,
        name: str = "video",
    ) -> None:
        super().__init__(callbacks, emit_frame, name)
        self.handler = handler

    def sync_targets(self) -> list[tuple[str, SyncTarget]]:
        return [("video", self.run)]

    def async_targets(self) -> list[AsyncTarget]:
        return []

    def run(self, stop: threading.Event) -> None:
        """Worker loop: newest frame -> RGB -> fn -> validated outputs."""
        bridge = self.handler.bridge
        name = _function_name(self.handler.fn)
        while not stop.is_set():
            taken = self.inbox.take(POLL_S)
            if taken is None:
                continue
            arrived, frame = taken
            started = time.monotonic()
            try:
                result = bridge.call(name, self.handler.process, video_frame_to_rgb(frame))
                steps = bridge.steps(name, result)
                while True:
                    try:
                        item = steps.step()
                    except StopIteration:
                        break
                    if not self._deliver(item):
                        steps.close()
                        return
            except Exception as exc:
                self._fatal(exc, stop)
                return
            done = time.monotonic()
            self.stats.processed += 1
            self.stats.busy_s += done - started
            self.stats.last_latency_s = done - arrived


class HandlerLane(_Lane):
    """``video_receive`` / ``video_emit`` of an audio-video handler, sync or async."""

    def __init__(
        self,
        handler: AudioVideoStreamHandler | AsyncAudioVideoStreamHandler,
        callbacks: LaneCallbacks,
        emit_frame: Callable[[np.ndarray], None] | None,
        name: str = "video",
    ) -> None:
        super().__init__(callbacks, emit_frame, name)
        self.handler = handler
        self.period_s = 1.0 / float(handler.fps)

    def sync_targets(self) -> list[tuple[str, SyncTarget]]:
        return [("video-in", self._receive_sync), ("video-out", self._emit_sync)]

    def async_targets(self) -> list[AsyncTarget]:
        return [self._receive_async, self._emit_async]

    def _receive_sync(self, stop: threading.Event) -> None:
        handler = self.handler
        assert isinstance(handler, AudioVideoStreamHandler)
        while not stop.is_set():
            taken = self.inbox.take(POLL_S)
            if taken is None:
                continue
            try:
                name = handler.method_name("video_receive")
                handler.bridge.call(name, handler.video_receive, video_frame_to_rgb(taken[1]))
            except Exception as exc:
                self._fatal(exc, stop)
                return
            self.stats.processed += 1

    def _emit_sync(self, stop: threading.Event) -> None:
        handler = self.handler
        assert isinstance(handler, AudioVideoStreamHandler)
        name = handler.method_name("video_emit")
        due = time.monotonic()
        while not stop.is_set():
            try:
                result = handler.bridge.call(name, handler.video_emit)
                if not self._deliver(result):
                    return
            except Exception as exc:
                self._fatal(exc, stop)
                return
            due = _next_due(due, self.period_s)
            stop.wait(max(0.0, due - time.monotonic()))

    async def _receive_async(self, stop: threading.Event) -> None:
        handler = self.handler
        assert isinstance(handler, AsyncAudioVideoStreamHandler)
        while not stop.is_set():
            taken = self.inbox.take(0)
            if taken is None:
                await asyncio.sleep(ASYNC_POLL_S)
                continue
            try:
                name = handler.method_name("video_receive")
                rgb = video_frame_to_rgb(taken[1])
                await handler.bridge.acall(name, handler.video_receive, rgb)
            except Exception as exc:
                self._fatal(exc, stop)
                return
            self.stats.processed += 1

    async def _emit_async(self, stop: threading.Event) -> None:
        handler = self.handler
        assert isinstance(handler, AsyncAudioVideoStreamHandler)
        name = handler.method_name("video_emit")
        due = time.monotonic()
        while not stop.is_set():
            try:
                if not self._deliver(await handler.bridge.acall(name, handler.video_emit)):
                    return
            except Exception as exc:
                self._fatal(exc, stop)
                return
            due = _next_due(due, self.period_s)
            await asyncio.sleep(max(0.0, due - time.monotonic()))


def _function_name(fn: Any) -> str:
    """``"detect()"``: how messages name a user's video function."""
    return f"{getattr(fn, '__name__', type(fn).__name__)}()"


def _next_due(due: float, period_s: float) -> float:
    """The next tick of a fixed-rate loop; re-anchored when more than a period late."""
    due += period_s
    now = time.monotonic()
    return now if now - due > period_s else due


class GeneratorLane(_Lane):
    """Runs a frame generator in a worker thread into a small bounded queue.

    The paced output track reads the queue with :meth:`next_frame`; when the
    queue is full the generator waits, so it never runs more than
    ``queue_frames`` frames ahead. After the last frame has been taken the
    lane closes the stream (the seed's "ends with the generator").
    """

    def __init__(
        self,
        handler: VideoGeneratorHandler,
        callbacks: LaneCallbacks,
        queue_frames: int = 2,
        name: str = "video",
    ) -> None:
        self._queue: queue.Queue[np.ndarray] = queue.Queue(maxsize=queue_frames)
        super().__init__(callbacks, self._enqueue, name)
        self.handler = handler
        self.period_s = 1.0 / float(handler.fps)
        self._stop: threading.Event | None = None

    def sync_targets(self) -> list[tuple[str, SyncTarget]]:
        return [("video-gen", self.run)]

    def async_targets(self) -> list[AsyncTarget]:
        return []

    def next_frame(self) -> np.ndarray | None:
        """Pull for the paced track (event loop): the next frame, or None (repeat)."""
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return None

    def _enqueue(self, frame: np.ndarray) -> None:
        while self._stop is not None and not self._stop.is_set():
            try:
                self._queue.put(frame, timeout=POLL_S)
                return
            except queue.Full:
                continue

    def run(self, stop: threading.Event) -> None:
        """Worker loop: step the generator until it ends, then close once it has played."""
        self._stop = stop
        steps: Steps | None = None
        bridge: CodeBridge = self.handler.bridge
        name = _function_name(self.handler.fn)
        try:
            steps = bridge.steps(name, bridge.call(name, self.handler.start))
            while not stop.is_set():
                try:
                    item = steps.step()
                except StopIteration:
                    break
                if not self._deliver(item):
                    return
            while not stop.is_set() and not self._queue.empty():
                stop.wait(self.period_s / 2)
            # Let the last frame leave and be followed by a few repeats: a
            # receiver's jitter buffer may hold a frame until the next arrives.
            if not stop.wait(max(3 * self.period_s, END_GRACE_S)):
                self._callbacks.on_close(CloseStream(""))
        except Exception as exc:
            self._fatal(exc, stop)
        finally:
            if steps is not None:
                steps.close()
