"""Run a handler headless on a simulated clock: browser-format frames in, played frames out.

This is what the transport does, minus the network: every 20 ms input frame
is converted and passed to ``receive``, ``emit`` is pumped while less than
``lookahead_s`` of audio is queued, and output frames are "played" at
real-time pace on the simulated clock. User code runs through the same
:class:`~streamlit_rtc.core.bridge.CodeBridge` as live (``start_up`` next to
the stream, async code on a private loop, errors named and recorded), so
what passes here passes live. Tests, benchmarks and users checking their own
handlers get exact, repeatable timings for everything but the real time an
async handler's own tasks take.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .audio.input import InputAdapter
from .audio.output import AudioOutput
from .audio.resample import StreamResampler
from .core.bridge import CodeBridge, NotReturnedError, UserCodeError, user_message
from .core.context import Connection, Context, MessageKind
from .core.emit import parse_audio_emit
from .core.handler import (
    EMIT_MUST_NOT_BLOCK,
    AsyncStreamHandler,
    StreamHandler,
    StreamHandlerBase,
)
from .core.messages import AdditionalOutputs, CloseStream
from .core.status import Status, StatusEvent
from .reply.generator import GeneratorHandler

__all__ = ["HandlerSimulator", "TimedStatus"]

logger = logging.getLogger(__name__)

STARTUP_WAIT_S = 1.0
"""How long (real time) the first frame waits for a quick ``start_up`` to finish."""
EMIT_WAIT_S = 2.0
"""An async ``emit()`` still waiting after this long (real time) blocks, as a live stream says."""


@dataclass(frozen=True)
class TimedStatus:
    """A status event with the simulated time at which the transport saw it."""

    status: Status
    sim_time_s: float

    @property
    def event(self) -> StatusEvent:
        return self.status.event


@dataclass
class _Record:
    statuses: list[TimedStatus] = field(default_factory=list)
    outputs: list[tuple[float, AdditionalOutputs]] = field(default_factory=list)
    closed: CloseStream | None = None
    frames: list[np.ndarray] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    """Errors that ended the stream, as the page would show them."""
    messages: list[tuple[str, Any]] = field(default_factory=list)
    """``(kind, payload)`` from ``send_message`` / ``Warning``."""


class HandlerSimulator:
    """Drives one connection of ``handler`` (a prototype: it is copied, as the transport does).

    ``handler`` may also be a generator function: it is streamed as
    ``mode="receive"`` streams are. An exception in user code ends the run
    and is recorded in ``record.errors`` with the message the page shows.
    Call :meth:`close` at the end (it runs ``shutdown`` and stops the bridge).
    """

    def __init__(
        self,
        handler: StreamHandlerBase | Callable[..., Any],
        input_rate: int = 48000,
        input_channels: int = 2,
        frame_ms: int = 20,
        output_channels: int = 2,
        lookahead_s: float = 0.2,
    ) -> None:
        if not isinstance(handler, StreamHandlerBase):
            if not callable(handler):
                raise TypeError(f"expected a handler or a generator function, got {handler!r}")
            handler = GeneratorHandler(handler)
        if not isinstance(handler, (StreamHandler, AsyncStreamHandler)):
            raise TypeError(
                f"{type(handler).__name__} is not an audio handler: the simulator drives "
                "StreamHandler / AsyncStreamHandler subclasses and generator functions"
            )
        self.handler: StreamHandler | AsyncStreamHandler = handler.copy()  # type: ignore[assignment]
        self.input_rate, self.input_channels = input_rate, input_channels
        self.frame_size = input_rate * frame_ms // 1000
        self.frame_s = frame_ms / 1000
        self.lookahead_s = lookahead_s
        self.time_s = 0.0
        self.record = _Record()
        h = self.handler
        self.output = AudioOutput(
            h.output_sample_rate,
            output_channels,
            h.output_frame_size,
            capacity_s=600.0,
            on_outputs=lambda outs: self.record.outputs.append((self.time_s, outs)),
            on_close=self._on_close,
        )
        h.attach_playback(self.output)
        h.status.add_listener(lambda s: self.record.statuses.append(TimedStatus(s, self.time_s)))
        self.connection = Connection(Context("simulator"), post=self._post)
        self.bridge = CodeBridge(f"sim-{type(h).__name__}", self.connection)
        h.attach_bridge(self.bridge)
        use_simulated_clock = getattr(h, "use_simulated_clock", None)
        if use_simulated_clock is not None:
            use_simulated_clock()
        self._input = InputAdapter(h.input_sample_rate, h.expected_layout)
        self._played = 0
        self._fatal = False
        self._started = threading.Event()
        self._lock = threading.Lock()
        self.bridge.start_concurrently(
            h.method_name("start_up"), h.start_up, self._on_error, on_done=self._started.set
        )
        self._started.wait(STARTUP_WAIT_S)

    def _post(self, kind: MessageKind, payload: Any) -> None:
        with self._lock:
            self.record.messages.append((kind, payload))
        if kind == "error":
            self.record.errors.append(str(payload))

    def _on_error(self, exc: UserCodeError) -> None:
        logger.error("%s", exc.user_message, exc_info=exc.cause)
        with self._lock:
            self.record.errors.append(exc.user_message)
            self._fatal = True

    def _on_close(self, close: CloseStream) -> None:
        self.record.closed = close

    @property
    def closed(self) -> bool:
        """The stream ended: ``CloseStream``, or an error in user code."""
        return self.record.closed is not None or self._fatal

    def step(self, frame: np.ndarray) -> None:
        """Feed one interleaved int16 input frame and advance the clock by one frame."""
        if self.closed:
            return
        rate, samples = self._input.convert(frame, self.input_rate, self.input_channels)
        try:
            if samples.shape[1]:
                receive = self.handler.method_name("receive")
                self.bridge.call(receive, self.handler.receive, (rate, samples))
            self._pump()
        except UserCodeError as exc:
            self._on_error(exc)
        except Exception as exc:  # an invalid emit: the page shows it and the stream ends
            self._on_error(UserCodeError(self.handler.method_name("emit"), exc))
        self.time_s += self.frame_s
        self._play_until(self.time_s)

    def _pump(self) -> None:
        while not self.closed and self.output.pending_s() < self.lookahead_s:
            h = self.handler
            if isinstance(h, StreamHandler):
                parts = h.next_output()
            else:
                item = self._async_emit(h)
                parts = None if item is None else parse_audio_emit(item)
            if parts is None:
                return
            self.output.route(parts)

    def _async_emit(self, handler: AsyncStreamHandler) -> Any:
        """``await emit()`` on the bridge, named like live when it does not return."""
        method = handler.method_name("emit")
        with self.bridge.running(method):
            try:
                return self.bridge.wait(handler.emit(), timeout=EMIT_WAIT_S)
            except TimeoutError:
                raise NotReturnedError(method, EMIT_WAIT_S, EMIT_MUST_NOT_BLOCK) from None

    def _play_until(self, t: float) -> None:
        out = self.output.buffer
        while self._played + out.frame_size <= round(t * out.rate):
            frame = self.output.read_frame()
            if frame is None:
                frame = np.zeros((out.channels, out.frame_size), dtype=np.int16)
            self.record.frames.append(frame)
            self._played += out.frame_size

    def run(self, audio: np.ndarray, rate: int, tail_s: float = 0.0) -> HandlerSimulator:
        """Feed a whole mono int16 recording as browser frames (48 kHz stereo), then silence."""
        mono = audio.reshape(1, -1)
        if rate != self.input_rate:
            resampler = StreamResampler(rate, self.input_rate, 1, quality="HQ")
            mono = np.concatenate([resampler.process(mono), resampler.flush()], axis=1)
        silence = np.zeros((1, round(tail_s * self.input_rate)), dtype=np.int16)
        mono = np.concatenate([mono, silence], axis=1)
        usable = mono.shape[1] - mono.shape[1] % self.frame_size
        planar = np.repeat(mono[:, :usable], self.input_channels, axis=0)
        interleaved = planar.T.reshape(-1, self.frame_size * self.input_channels)
        for frame in interleaved:
            self.step(frame.reshape(1, -1))
            if self.closed:
                break
        return self

    def run_silence(self, seconds: float) -> HandlerSimulator:
        """Feed ``seconds`` of silence (a receive-mode stream, or waiting for a reply)."""
        return self.run(np.zeros(round(seconds * self.input_rate), dtype=np.int16), self.input_rate)

    # -- results -----------------------------------------------------------------
    def events(self, event: StatusEvent) -> list[TimedStatus]:
        return [s for s in self.record.statuses if s.event is event]

    def played(self) -> np.ndarray:
        """Everything played so far, ``(channels, N)`` int16 at the output rate."""
        if not self.record.frames:
            return np.zeros((self.output.buffer.channels, 0), dtype=np.int16)
        return np.concatenate(self.record.frames, axis=1)

    def audible_spans(self, threshold: int = 64) -> list[tuple[float, float]]:
        """(start, end) seconds of played output that is not silence, per output frame."""
        out = self.output.buffer
        spans: list[tuple[float, float]] = []
        for i, frame in enumerate(self.record.frames):
            if np.abs(frame).max() <= threshold:
                continue
            start, end = i * out.frame_size / out.rate, (i + 1) * out.frame_size / out.rate
            if spans and abs(spans[-1][1] - start) < 1e-9:
                spans[-1] = (spans[-1][0], end)
            else:
                spans.append((start, end))
        return spans

    def close(self) -> list[str]:
        """Run ``shutdown``, stop the bridge; names of user code still running (none is good)."""
        try:
            self.bridge.call(self.handler.method_name("shutdown"), self.handler.shutdown)
        except UserCodeError as exc:
            logger.error("%s", exc.user_message, exc_info=exc.cause)
            self.record.errors.append(user_message(exc))
        self.output.close()
        return self.bridge.close()

    def __enter__(self) -> HandlerSimulator:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()
