"""Run a handler headless on a simulated clock: browser-format frames in, played frames out.

This is what the transport does, minus the network and the threads: every
20 ms input frame is converted and passed to ``receive``, ``emit`` is pumped
while less than ``lookahead_s`` of audio is queued, and output frames are
"played" at real-time pace on the simulated clock. Tests, benchmarks and
users checking their own handlers get exact, repeatable timings.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .audio.input import InputAdapter
from .audio.output import AudioOutput
from .audio.resample import StreamResampler
from .core.handler import StreamHandlerBase
from .core.messages import AdditionalOutputs, CloseStream, InvalidEmitError
from .core.status import Status, StatusEvent

__all__ = ["HandlerSimulator", "TimedStatus"]

logger = logging.getLogger(__name__)


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


class HandlerSimulator:
    """Drives one connection of ``handler`` (a prototype: it is copied, as the transport does)."""

    def __init__(
        self,
        handler: StreamHandlerBase,
        input_rate: int = 48000,
        input_channels: int = 2,
        frame_ms: int = 20,
        output_channels: int = 2,
        lookahead_s: float = 0.2,
    ) -> None:
        self.handler = handler.copy()
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
        self._input = InputAdapter(h.input_sample_rate, h.expected_layout)
        self._played = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._call(h.start_up)

    def _call(self, method: Any, *args: Any) -> Any:
        result = method(*args)
        if inspect.isawaitable(result):
            if self._loop is None:
                self._loop = asyncio.new_event_loop()
            result = self._loop.run_until_complete(result)
        return result

    def _on_close(self, close: CloseStream) -> None:
        self.record.closed = close

    @property
    def closed(self) -> bool:
        return self.record.closed is not None

    def step(self, frame: np.ndarray) -> None:
        """Feed one interleaved int16 input frame and advance the clock by one frame."""
        rate, samples = self._input.convert(frame, self.input_rate, self.input_channels)
        if samples.shape[1]:
            self._call(self.handler.receive, (rate, samples))
        self._pump()
        self.time_s += self.frame_s
        self._play_until(self.time_s)

    def _pump(self) -> None:
        while not self.closed and self.output.pending_s() < self.lookahead_s:
            item = self._call(self.handler.emit)
            if item is None:
                return
            try:
                self.output.handle(item)
            except InvalidEmitError as exc:
                self.handler.report_status(StatusEvent.ERROR, str(exc))

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

    def close(self) -> None:
        self._call(self.handler.shutdown)
        self.output.close()
        if self._loop is not None:
            self._loop.close()
