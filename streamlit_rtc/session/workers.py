"""Drive one handler's receive and emit loops through its connection's :class:`CodeBridge`.

Sync handlers get two threads (input, output), so a slow ``emit`` (a model
generating a reply) never delays ``receive`` (barge-in detection). Async
handlers run both loops as tasks on the bridge's private event loop.
``start_up`` runs next to them (fastrtc's behaviour: a realtime API's session
loop lives there), never before them. The transport only calls
:meth:`HandlerWorkers.push_frame`, which never blocks; when the handler falls
behind, the oldest input frames are dropped (and counted) instead of
queueing without bound, and a method that does not return is named.

Extra *lanes* (the video half of an audio-video handler) add their own
threads, or tasks on the same loop, so one handler instance sees both
tracks and an async handler's state lives on one loop.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import numpy as np

from ..audio.input import InputAdapter
from ..audio.output import AudioOutput
from ..core.bridge import JOIN_TIMEOUT_S, CodeBridge, NotReturnedError, UserCodeError, join_threads
from ..core.context import Connection
from ..core.emit import parse_audio_emit
from ..core.handler import (
    EMIT_MUST_NOT_BLOCK,
    AsyncStreamHandler,
    StreamHandler,
    StreamHandlerBase,
)

__all__ = ["HandlerWorkers", "join_threads"]

logger = logging.getLogger(__name__)

Frame = tuple[np.ndarray, int, int]
"""Interleaved int16 samples, sample rate, channel count."""

IDLE_WAIT_S = 0.01
LIBRARY_IDLE_WAIT_S = 0.1
"""Idle poll of a library handler's output (ReplyOnPause): its replies start on a status
event (``pause_detected``), which wakes the output thread at once; the poll only picks up
what starts without one (a ``startup_fn`` reply, partial transcripts)."""
LIBRARY_FRAMES_PER_WAKE = 2
"""A library handler's input thread is woken for every 2nd microphone frame (40 ms).

Its turn logic works on 32 ms VAD windows, so this adds 10 ms to a turn's end on
average; each wake-up of a thread costs ~0.3 ms of CPU on a virtual machine (cold
caches), ~0.008 of a core per live session at one frame per wake-up (bench/capacity.py)."""
STUCK_AFTER_S = 1.0
"""A receive() running this long while input piles up is reported by name."""
EMIT_STUCK_AFTER_S = 2.0
"""A handler's own emit() that has not returned for this long is reported by name."""
REPLY_STUCK_AFTER_S = 20.0
"""A reply (ReplyOnPause's ``fn``, a receive-mode generator) silent this long is named.

Replies may think (a model's first token, a slow API), so far longer than
``emit``'s bound; nothing is stopped, the page is told what holds the stream up."""
REPLY_STUCK_ADVICE = (
    "the stream cannot answer until it returns; look for a blocking call without a "
    "timeout (a network request, a lock, queue.get()) and give it one"
)


class WorkerLane(Protocol):
    """More work for the same handler; every target returns once ``stop`` is set."""

    def sync_targets(self) -> list[tuple[str, Callable[[threading.Event], None]]]:
        """(role, thread body) pairs, run as threads for sync handlers."""
        ...

    def async_targets(self) -> list[Callable[[threading.Event], Awaitable[None]]]:
        """Coroutine functions, run as tasks on an async handler's private loop."""
        ...


class HandlerWorkers:
    """The loops that drive one handler instance for one connection."""

    def __init__(
        self,
        handler: StreamHandlerBase,
        output: AudioOutput,
        on_fatal: Callable[[str], None],
        inbox_frames: int = 50,
        name: str = "stream",
        lanes: Sequence[WorkerLane] = (),
        connection: Connection | None = None,
        on_notice: Callable[[str], None] | None = None,
    ) -> None:
        self.handler = handler
        self._lanes = list(lanes)
        self.output = output
        self._on_fatal = on_fatal
        self._on_notice = on_notice
        self._name = name
        self.bridge = CodeBridge(name, connection)
        handler.attach_bridge(self.bridge)
        self._inbox: deque[Frame] = deque(maxlen=inbox_frames)
        self._inbox_ready = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._tasks: list[concurrent.futures.Future[Any]] = []
        self._adapter = InputAdapter(handler.input_sample_rate, handler.expected_layout)
        self._sync_handler = handler if isinstance(handler, StreamHandler) else None
        self._async_handler = handler if isinstance(handler, AsyncStreamHandler) else None
        if self._sync_handler is None and self._async_handler is None:
            raise TypeError(
                f"{type(handler).__name__} must subclass StreamHandler or AsyncStreamHandler"
            )
        self._async = self._async_handler is not None
        # A library handler's output follows its status events, not every input frame:
        # waking the output thread per frame (50/s) and polling it at 100/s costs ~0.005
        # of a core per session (bench/capacity.py).
        self._library = self._sync_handler is not None and _hands_over_parsed(self._sync_handler)
        if self._library:
            handler.status.add_listener(self._on_library_status)
        self._frames_per_wake = LIBRARY_FRAMES_PER_WAKE if self._library else 1
        self.dropped_frames = 0
        self._named_stuck: set[str] = set()
        self._started = False

    # -- called by the transport (event loop): never blocks ---------------------------
    def push_frame(self, samples: np.ndarray, rate: int, channels: int) -> None:
        with self._inbox_ready:
            if len(self._inbox) == self._inbox.maxlen:
                self.dropped_frames += 1
                self._report_backlog()
            self._inbox.append((samples, rate, channels))
            if len(self._inbox) >= self._frames_per_wake:
                self._inbox_ready.notify()

    def _report_backlog(self) -> None:
        receive = self.handler.method_name("receive")
        advice = (
            "input audio is being dropped. receive() must return quickly; move slow work "
            "to emit() or a background task"
        )
        if self._name_if_stuck(receive, STUCK_AFTER_S, advice):
            return
        if self.dropped_frames in (1, 100) or self.dropped_frames % 1000 == 0:
            logger.warning(
                "%s: %d input frames dropped: %s is slower than real time, or audio came "
                "in a burst after the media loop was blocked",
                self._name,
                self.dropped_frames,
                receive,
            )

    def check_emit(self) -> None:
        """Name a user ``emit()`` that blocks (called now and then from the output track).

        ``emit`` must return None when nothing is ready (fastrtc's rule); one
        that waits holds back every output. Library handlers that hand over
        parsed outputs (ReplyOnPause) are exempt: their replies may think.
        """
        sync = self._sync_handler
        if sync is not None and _hands_over_parsed(sync):
            self._name_stuck_reply()
            return
        emit = self.handler.method_name("emit")
        self._name_if_stuck(emit, EMIT_STUCK_AFTER_S, EMIT_MUST_NOT_BLOCK)

    def _name_stuck_reply(self) -> None:
        """Name the reply code a library handler runs that has not yielded for long."""
        handler = self.handler
        input_side = {handler.method_name(m) for m in ("receive", "start_up", "shutdown")}
        for method, running in self.bridge.in_flight():
            if method not in input_side and running > REPLY_STUCK_AFTER_S:
                self._name_if_stuck(method, REPLY_STUCK_AFTER_S, REPLY_STUCK_ADVICE)
                return

    def _name_if_stuck(self, method: str, after_s: float, advice: str) -> bool:
        """Say once, in the page, that ``method`` has run longer than ``after_s``; True if so."""
        if method in self._named_stuck:
            return True
        stuck = self.bridge.stuck(method, after_s)
        if stuck is None:
            return False
        self._named_stuck.add(method)
        message = NotReturnedError(method, stuck, advice).user_message
        logger.error("%s: %s", self._name, message)
        if self._on_notice is not None:
            self._on_notice(message)
        return True

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        if self._started:
            return
        self._started = True
        handler = self.handler
        self.bridge.start_concurrently(
            handler.method_name("start_up"), handler.start_up, self._fatal
        )
        if self._async:
            bodies = [self._async_receive(), self._async_emit()]
            bodies += [body(self._stop) for lane in self._lanes for body in lane.async_targets()]
            self._tasks = [self.bridge.submit(self._guard(body)) for body in bodies]
            return
        targets: list[tuple[str, Callable[[], None]]] = [
            ("input", self._run_input),
            ("output", self._run_output),
        ]
        for lane in self._lanes:
            for role, body in lane.sync_targets():
                targets.append((role, _bind(body, self._stop)))
        for role, target in targets:
            self._threads.append(self.bridge.thread(role, target))

    async def _guard(self, body: Awaitable[None]) -> None:
        try:
            await body
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            self._fatal(exc)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> list[str]:
        """Stop the loops, run ``shutdown``, close the bridge; names of code still running."""
        self._stop.set()
        self._wake.set()
        with self._inbox_ready:
            self._inbox_ready.notify_all()
        self.output.close()
        # Async user code in progress (a reply awaiting a model) is cancelled now: its
        # finally runs at once, not after the joins below time out.
        self.bridge.cancel_waits()
        for task in self._tasks:
            task.cancel()
        deadline = time.monotonic() + JOIN_TIMEOUT_S
        if self._tasks:
            concurrent.futures.wait(self._tasks, timeout=JOIN_TIMEOUT_S)
        join_threads(
            self._threads, f"{self._name}: handler code", max(0.0, deadline - time.monotonic())
        )
        still = self._shutdown()
        running = self.bridge.close()
        # Name user code by its method; a thread only when no call of user code is known.
        alive = [t.name for t in self._threads if t.is_alive()]
        return sorted({*still, *running}) or alive

    def _shutdown(self) -> list[str]:
        """The handler's ``shutdown`` (sync or async), bounded: names it if it hangs."""
        if not self._started:
            return []
        method = self.handler.method_name("shutdown")
        done = threading.Event()

        def run() -> None:
            try:
                self.bridge.call(method, self.handler.shutdown)
            except UserCodeError as exc:
                logger.error("%s: %s", self._name, exc.user_message, exc_info=exc.cause)
                if self._on_notice is not None:
                    self._on_notice(exc.user_message)
            finally:
                done.set()

        self.bridge.thread("shutdown", run)
        if done.wait(JOIN_TIMEOUT_S):
            return []
        logger.warning("%s: %s did not return within %.0f s", self._name, method, JOIN_TIMEOUT_S)
        return [method]

    def _fatal(self, exc: BaseException) -> None:
        if self._stop.is_set():
            return
        if not isinstance(exc, UserCodeError):
            exc = UserCodeError(f"{type(self.handler).__name__} (internal)", exc)
        logger.error("%s: %s", self._name, exc.user_message, exc_info=exc.cause)
        self._on_fatal(exc.user_message)

    # -- sync handlers ---------------------------------------------------------------
    def _next_frame(self, timeout: float) -> Frame | None:
        with self._inbox_ready:
            if not self._inbox and not self._stop.is_set():
                self._inbox_ready.wait(timeout)
            return self._inbox.popleft() if self._inbox else None

    def _run_input(self) -> None:
        assert self._sync_handler is not None
        receive = self._sync_handler.receive
        method = self.handler.method_name("receive")
        while not self._stop.is_set():
            frame = self._next_frame(0.1)
            if frame is None:
                continue
            try:
                rate, samples = self._adapter.convert(*frame)
                if samples.shape[1]:
                    self.bridge.call(method, receive, (rate, samples))
            except Exception as exc:
                self._fatal(exc)
                return
            if not self._library:
                self._wake.set()

    def _on_library_status(self, status: Any) -> None:
        self._wake.set()

    def _run_output(self) -> None:
        assert self._sync_handler is not None
        handler = self._sync_handler
        hands_parsed = _hands_over_parsed(handler)
        while not self._stop.is_set():
            before = self.output.epoch
            try:
                parts = handler.next_output()
                if parts is None:
                    self._wake.wait(LIBRARY_IDLE_WAIT_S if hands_parsed else IDLE_WAIT_S)
                    self._wake.clear()
                    continue
                self.output.route(parts, before if hands_parsed else self.output.epoch)
                time.sleep(0)  # lets the media loop in: an emit() that never waits holds the GIL
            except Exception as exc:
                self._fatal(exc)
                return

    # -- async handlers --------------------------------------------------------------
    async def _async_receive(self) -> None:
        assert self._async_handler is not None
        receive = self._async_handler.receive
        method = self.handler.method_name("receive")
        while not self._stop.is_set():
            with self._inbox_ready:
                frame = self._inbox.popleft() if self._inbox else None
            if frame is None:
                await asyncio.sleep(IDLE_WAIT_S)
                continue
            rate, samples = self._adapter.convert(*frame)
            if samples.shape[1]:
                await self.bridge.acall(method, receive, (rate, samples))

    async def _async_emit(self) -> None:
        assert self._async_handler is not None
        emit = self._async_handler.emit
        method = self.handler.method_name("emit")
        room_s = self.output.buffer.capacity / self.output.buffer.rate - 0.5
        loop = asyncio.get_running_loop()
        while not self._stop.is_set():
            if self.output.pending_s() > room_s:
                await asyncio.sleep(IDLE_WAIT_S)
                continue
            item = await self.bridge.acall(method, emit)
            if item is None:
                await asyncio.sleep(IDLE_WAIT_S)
                continue
            # Read after emit() returns: what the handler queued after its own
            # clear_queue() is new audio and plays (fastrtc's behaviour).
            epoch = self.output.epoch
            parts = parse_audio_emit(item)
            if parts.audio is not None and self.output.would_block(parts.audio):
                # Writing waits for room: never on the loop the handler's tasks share.
                await loop.run_in_executor(None, self.output.route, parts, epoch, None)
            else:
                self.output.route(parts, epoch, 1.0)


def _hands_over_parsed(handler: StreamHandler) -> bool:
    """A library handler (ReplyOnPause) that runs user code itself and parses what it yields.

    Its output carries the epoch read *before* it was produced, so a reply
    step that raced a barge-in is dropped; a user's own ``emit`` is judged
    by the epoch *after* it returned: audio queued after its own
    ``clear_queue()`` plays, as in fastrtc.
    """
    return type(handler).next_output is not StreamHandler.next_output


def _bind(body: Callable[[threading.Event], None], stop: threading.Event) -> Callable[[], None]:
    def run() -> None:
        body(stop)

    return run
