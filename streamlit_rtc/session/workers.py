"""Run one handler's receive and emit loops off the server's event loop.

Sync handlers get two threads (input, output), so a slow ``emit`` (a model
generating a reply) never delays ``receive`` (barge-in detection). Async
handlers get one thread running a private event loop with both loops as
tasks. The transport only calls :meth:`HandlerWorkers.push_frame`, which
never blocks; when the handler falls behind, the oldest input frames are
dropped (and counted) instead of queueing without bound.

Extra *lanes* (the video half of an audio-video handler) add their own
threads, or tasks on the same private loop, so one handler instance sees
both tracks and an async handler's state lives on one loop.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Protocol

import numpy as np

from ..audio.input import InputAdapter
from ..audio.output import AudioOutput
from ..core.handler import AsyncStreamHandler, StreamHandler, StreamHandlerBase
from ..reply.reply_on_pause import user_message

__all__ = ["HandlerWorkers"]

logger = logging.getLogger(__name__)

Frame = tuple[np.ndarray, int, int]
"""Interleaved int16 samples, sample rate, channel count."""

IDLE_WAIT_S = 0.01
JOIN_TIMEOUT_S = 2.0


class WorkerLane(Protocol):
    """More work for the same handler; every target returns once ``stop`` is set."""

    def sync_targets(self) -> list[tuple[str, Callable[[threading.Event], None]]]:
        """(role, thread body) pairs, run as threads for sync handlers."""
        ...

    def async_targets(self) -> list[Callable[[threading.Event], Awaitable[None]]]:
        """Coroutine functions, run as tasks on an async handler's private loop."""
        ...


def join_threads(
    threads: list[threading.Thread], what: str, timeout: float = JOIN_TIMEOUT_S
) -> list[str]:
    """Join ``threads`` (not the calling one) within ``timeout`` in all; names left alive.

    A thread still running user code is logged, not killed: Python cannot stop it.
    """
    deadline = time.monotonic() + timeout
    current = threading.current_thread()
    for thread in threads:
        if thread is not current:
            thread.join(max(0.0, deadline - time.monotonic()))
    alive = [t.name for t in threads if t.is_alive() and t is not current]
    if alive:
        logger.warning(
            "%s did not return within %.0f s: %s left running",
            what,
            timeout,
            ", ".join(alive),
        )
    return alive


class HandlerWorkers:
    """Threads (or a private loop) that drive one handler instance for one connection."""

    def __init__(
        self,
        handler: StreamHandlerBase,
        output: AudioOutput,
        on_fatal: Callable[[str], None],
        inbox_frames: int = 50,
        name: str = "stream",
        lanes: Sequence[WorkerLane] = (),
    ) -> None:
        self.handler = handler
        self._lanes = list(lanes)
        self.output = output
        self._on_fatal = on_fatal
        self._name = name
        self._inbox: deque[Frame] = deque(maxlen=inbox_frames)
        self._inbox_ready = threading.Condition()
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._adapter = InputAdapter(handler.input_sample_rate, handler.expected_layout)
        self._sync_handler = handler if isinstance(handler, StreamHandler) else None
        self._async_handler = handler if isinstance(handler, AsyncStreamHandler) else None
        if self._sync_handler is None and self._async_handler is None:
            raise TypeError(
                f"{type(handler).__name__} must subclass StreamHandler or AsyncStreamHandler"
            )
        self._async = self._async_handler is not None
        self.dropped_frames = 0

    # -- called by the transport (event loop): never blocks ---------------------------
    def push_frame(self, samples: np.ndarray, rate: int, channels: int) -> None:
        with self._inbox_ready:
            if len(self._inbox) == self._inbox.maxlen:
                self.dropped_frames += 1
                if self.dropped_frames in (1, 100) or self.dropped_frames % 1000 == 0:
                    logger.warning(
                        "%s: the handler is slower than real time; %d input frames dropped",
                        self._name,
                        self.dropped_frames,
                    )
            self._inbox.append((samples, rate, channels))
            self._inbox_ready.notify()

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        if self._threads:
            return
        if self._async:
            targets = [(self._run_async, "loop")]
        else:
            targets = [(self._run_input, "input"), (self._run_output, "output")]
        for target, role in targets:
            thread = threading.Thread(target=target, name=f"{self._name}-{role}", daemon=True)
            self._threads.append(thread)
            thread.start()
        if not self._async:
            for lane in self._lanes:
                for role, body in lane.sync_targets():
                    thread = threading.Thread(
                        target=body, args=(self._stop,), name=f"{self._name}-{role}", daemon=True
                    )
                    self._threads.append(thread)
                    thread.start()

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def stop(self) -> bool:
        """Stop the loops and wait for them; True when every thread ended in time."""
        self._stop.set()
        self._wake.set()
        with self._inbox_ready:
            self._inbox_ready.notify_all()
        self.output.close()
        alive = join_threads(self._threads, f"{self._name}: handler code")
        if not self._async:
            self._safe(self.handler.shutdown, "shutdown")
        return not alive

    def _fatal(self, exc: BaseException, where: str) -> None:
        if self._stop.is_set():
            return
        logger.error("%s: handler %s raised", self._name, where, exc_info=exc)
        self._on_fatal(user_message(exc))

    def _safe(self, method: Callable[[], Any], where: str) -> None:
        try:
            result = method()
            if inspect.isawaitable(result):
                raise TypeError(f"{where}() returned an awaitable in a sync handler")
        except Exception as exc:
            logger.error("%s: handler %s raised", self._name, where, exc_info=exc)

    # -- sync handlers ---------------------------------------------------------------
    def _next_frame(self, timeout: float) -> Frame | None:
        with self._inbox_ready:
            if not self._inbox and not self._stop.is_set():
                self._inbox_ready.wait(timeout)
            return self._inbox.popleft() if self._inbox else None

    def _run_input(self) -> None:
        assert self._sync_handler is not None
        receive = self._sync_handler.receive
        while not self._stop.is_set():
            frame = self._next_frame(0.1)
            if frame is None:
                continue
            try:
                rate, samples = self._adapter.convert(*frame)
                if samples.shape[1]:
                    receive((rate, samples))
            except Exception as exc:
                self._fatal(exc, "receive()")
                return
            self._wake.set()

    def _run_output(self) -> None:
        assert self._sync_handler is not None
        emit = self._sync_handler.emit
        try:
            if inspect.isawaitable(self.handler.start_up()):
                raise TypeError("start_up() of a sync handler must not be async")
        except Exception as exc:
            self._fatal(exc, "start_up()")
            return
        while not self._stop.is_set():
            epoch = self.output.epoch
            try:
                item = emit()
                if item is None:
                    self._wake.wait(IDLE_WAIT_S)
                    self._wake.clear()
                    continue
                self.output.handle(item, epoch)
            except Exception as exc:
                self._fatal(exc, "emit()")
                return

    # -- async handlers --------------------------------------------------------------
    def _run_async(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        try:
            loop.run_until_complete(self._async_main())
        except Exception as exc:
            self._fatal(exc, "event loop")
        finally:
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()

    async def _async_main(self) -> None:
        handler = self.handler
        try:
            result = handler.start_up()
            if inspect.isawaitable(result):
                await result
        except Exception as exc:
            self._fatal(exc, "start_up()")
            return
        tasks = [
            asyncio.ensure_future(self._async_receive()),
            asyncio.ensure_future(self._async_emit()),
        ]
        tasks += [
            asyncio.ensure_future(body(self._stop))
            for lane in self._lanes
            for body in lane.async_targets()
        ]
        while not self._stop.is_set() and not all(t.done() for t in tasks):
            await asyncio.sleep(0.05)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        try:
            result = handler.shutdown()
            if inspect.isawaitable(result):
                await asyncio.wait_for(result, JOIN_TIMEOUT_S / 2)
        except Exception as exc:
            logger.error("%s: handler shutdown() raised", self._name, exc_info=exc)

    async def _async_receive(self) -> None:
        assert self._async_handler is not None
        receive = self._async_handler.receive
        while not self._stop.is_set():
            with self._inbox_ready:
                frame = self._inbox.popleft() if self._inbox else None
            if frame is None:
                await asyncio.sleep(IDLE_WAIT_S)
                continue
            try:
                rate, samples = self._adapter.convert(*frame)
                if samples.shape[1]:
                    await receive((rate, samples))
            except Exception as exc:
                self._fatal(exc, "receive()")
                return

    async def _async_emit(self) -> None:
        assert self._async_handler is not None
        emit = self._async_handler.emit
        room_s = self.output.buffer.capacity / self.output.buffer.rate - 0.5
        while not self._stop.is_set():
            if self.output.pending_s() > room_s:
                await asyncio.sleep(IDLE_WAIT_S)
                continue
            epoch = self.output.epoch
            try:
                item = await emit()
                if item is None:
                    await asyncio.sleep(IDLE_WAIT_S)
                    continue
                self.output.handle(item, epoch, timeout=1.0)
            except Exception as exc:
                self._fatal(exc, "emit()")
                return
