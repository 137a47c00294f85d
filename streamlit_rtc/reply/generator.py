"""Server-to-client streams: a generator function played as a handler (``mode="receive"``)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from typing import Any

from ..core.emit import parse_audio_emit
from ..core.handler import AudioEmitType, AudioFrame, StreamHandler
from ..core.messages import CloseStream
from .runner import ReplyRunner

__all__ = ["GeneratorHandler"]

logger = logging.getLogger(__name__)


class GeneratorHandler(StreamHandler):
    """Calls ``fn(*inputs)`` once at start and emits what it yields; ends the stream after.

    When the generator is exhausted and its audio has played, ``emit``
    returns ``CloseStream("")`` so the transport ends the stream, as the
    seed's server-to-client streams do. Errors end the stream with the
    error's message.
    """

    def __init__(
        self,
        fn: Callable[..., Any],
        output_sample_rate: int = 24000,
        output_frame_size: int | None = None,
    ) -> None:
        super().__init__(output_sample_rate=output_sample_rate, output_frame_size=output_frame_size)
        if not callable(fn):
            raise TypeError(f"mode='receive' needs a generator function, got {type(fn).__name__}")
        self.fn = fn
        self._runner: ReplyRunner | None = None
        self._done = False
        self._loop: asyncio.AbstractEventLoop | None = None

    def copy(self) -> GeneratorHandler:
        return GeneratorHandler(self.fn, self.output_sample_rate, self.output_frame_size)

    def receive(self, frame: AudioFrame) -> None:
        """Receive-only streams get no input."""

    def _get_loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            self._loop = asyncio.new_event_loop()
        return self._loop

    def emit(self) -> AudioEmitType:
        if self._done:
            return CloseStream("") if self._pending_output_s() == 0 else None
        if self._runner is None:
            self._runner = ReplyRunner(self.fn(*self.latest_args[1:]), self._get_loop)
        try:
            item = self._runner.step()
        except StopIteration:
            self._done = True
            self._flush_output()
            return None
        parse_audio_emit(item)
        result: AudioEmitType = item
        return result

    def shutdown(self) -> None:
        runner, self._runner = self._runner, None
        if runner is not None:
            try:
                runner.close()
            except Exception:
                logger.exception("closing the stream generator raised")
        if self._loop is not None:
            self._loop.close()
            self._loop = None
