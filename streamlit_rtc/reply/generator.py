"""Server-to-client streams: a generator function played as a handler (``mode="receive"``)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from ..core.bridge import Steps
from ..core.emit import EmitParts, parse_audio_emit
from ..core.handler import AudioEmitType, AudioFrame, StreamHandler
from ..core.messages import CloseStream

__all__ = ["GeneratorHandler"]

logger = logging.getLogger(__name__)


class GeneratorHandler(StreamHandler):
    """Calls ``fn(*inputs)`` once at start and emits what it yields; ends the stream after.

    When the generator is exhausted and its audio has played, ``emit``
    returns ``CloseStream("")`` so the transport ends the stream, as the
    seed's server-to-client streams do. Errors end the stream with the
    error's message. ``fn`` may be a sync or async generator function; it
    runs through the connection's bridge like all user code.
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
        self._steps: Steps | None = None
        self._done = False

    def copy(self) -> GeneratorHandler:
        return GeneratorHandler(self.fn, self.output_sample_rate, self.output_frame_size)

    def receive(self, frame: AudioFrame) -> None:
        """Receive-only streams get no input."""

    def method_name(self, method: str) -> str:
        if method == "emit":
            return f"{getattr(self.fn, '__name__', 'the generator')}()"
        return super().method_name(method)

    def emit(self) -> AudioEmitType:
        item, _ = self._next_item()
        result: AudioEmitType = item
        return result

    def next_output(self) -> EmitParts | None:
        """The next yielded value, parsed once (what the transport plays)."""
        return self._next_item()[1]

    def _next_item(self) -> tuple[Any, EmitParts | None]:
        if self._done:
            if self._pending_output_s() == 0:
                close = CloseStream("")
                return close, EmitParts(close=close)
            return None, None
        name = self.method_name("emit")
        if self._steps is None:
            produced = self.bridge.call(name, self.fn, *self.latest_args[1:])
            self._steps = self.bridge.steps(name, produced)
        try:
            item = self._steps.step()
        except StopIteration:
            self._done = True
            self._flush_output()
            return None, None
        return item, parse_audio_emit(item)

    def shutdown(self) -> None:
        steps, self._steps = self._steps, None
        if steps is not None:
            steps.close()
        self._close_own_bridge()
