"""The handler model: the seed's StreamHandler family with receive/emit/copy/start_up/shutdown.

A handler instance is a prototype: the transport calls :meth:`copy` once per
connection so every user gets a private instance, then ``start_up`` once,
``receive`` per input frame, ``emit`` whenever it wants output, and
``shutdown`` at the end. Nothing here knows about WebRTC or Streamlit.
"""

from __future__ import annotations

import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Sequence
from typing import Any, Literal, Protocol, TypeAlias

import numpy as np

from .args import StreamArgs
from .messages import AdditionalOutputs, CloseStream
from .status import Status, StatusEvent, StatusHub

__all__ = [
    "AsyncAudioVideoStreamHandler",
    "AsyncStreamHandler",
    "AudioEmitType",
    "AudioFrame",
    "AudioVideoStreamHandler",
    "Layout",
    "PlaybackControl",
    "StreamHandler",
    "StreamHandlerBase",
    "VideoEmitType",
]

Layout: TypeAlias = Literal["mono", "stereo"]
AudioFrame: TypeAlias = tuple[int, np.ndarray]
"""``(sample_rate, int16 array)``: ``(1, N)`` mono or ``(2, N)`` stereo."""

AudioEmitType: TypeAlias = (
    tuple[int, np.ndarray]
    | tuple[int, np.ndarray, str]
    | tuple[tuple[int, np.ndarray], AdditionalOutputs]
    | AdditionalOutputs
    | CloseStream
    | None
)
VideoEmitType: TypeAlias = (
    np.ndarray | tuple[np.ndarray, AdditionalOutputs] | AdditionalOutputs | CloseStream | None
)

_LAYOUTS = ("mono", "stereo")


class PlaybackControl(Protocol):
    """What a handler may ask of the output side that plays its audio."""

    def clear(self) -> None:
        """Drop all queued output at once (barge-in)."""

    def flush(self) -> None:
        """A reply ended: play out audio still held in resamplers, padded to a whole frame."""

    def pending_s(self) -> float:
        """Seconds of audio queued and not yet played."""
        ...


def _check_rate(name: str, value: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive int (samples per second), got {value!r}")
    return int(value)


class StreamHandlerBase(ABC):
    """What every handler shares: format knobs, extra inputs, status events, playback control."""

    def __init__(
        self,
        expected_layout: Layout = "mono",
        output_sample_rate: int = 24000,
        output_frame_size: int | None = None,
        input_sample_rate: int = 48000,
        fps: float = 30,
    ) -> None:
        if expected_layout not in _LAYOUTS:
            raise ValueError(
                f"expected_layout must be 'mono' or 'stereo', got {expected_layout!r}"
            )
        self.expected_layout: Layout = expected_layout
        self.output_sample_rate = _check_rate("output_sample_rate", output_sample_rate)
        self.input_sample_rate = _check_rate("input_sample_rate", input_sample_rate)
        if output_frame_size is None:
            output_frame_size = self.output_sample_rate // 50
        self.output_frame_size = _check_rate("output_frame_size", output_frame_size)
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not 0 < fps <= 240:
            raise ValueError(f"fps must be a number in (0, 240], got {fps!r}")
        self.fps = fps
        self._args = StreamArgs()
        self.status = StatusHub()
        self._playback: PlaybackControl | None = None
        self._created = time.monotonic()

    # -- copying ---------------------------------------------------------------
    @abstractmethod
    def copy(self) -> StreamHandlerBase:
        """A fresh instance for one connection (called once per connection)."""

    # -- lifecycle -------------------------------------------------------------
    def start_up(self) -> Awaitable[None] | None:
        """Runs once when a connection starts (may be ``async def`` in async handlers)."""
        return None

    def shutdown(self) -> Awaitable[None] | None:
        """Runs once when the connection ends: release what the handler holds."""
        return None

    # -- extra inputs ----------------------------------------------------------
    @property
    def latest_args(self) -> list[Any]:
        """Current values of the stream's extra inputs; index 0 stands for the stream itself."""
        return self._args.latest

    @property
    def args_set(self) -> Any:
        """An event set once input values have arrived (``threading.Event``)."""
        return self._args.args_set

    def set_args(self, inputs: Sequence[Any]) -> None:
        """Give the handler new input values (the adapter does this on every script run)."""
        self._args.set(inputs)

    def wait_for_args_sync(self, timeout: float = 10.0) -> bool:
        """Wait for fresh input values; False (old values kept) after ``timeout`` s."""
        return self._args.wait_sync(timeout)

    async def wait_for_args(self, timeout: float = 10.0) -> bool:
        """Async form of :meth:`wait_for_args_sync`; never blocks the event loop."""
        return await self._args.wait_async(timeout)

    @property
    def stream_args(self) -> StreamArgs:
        """The args holder itself, for the transport layer (providers, direct access)."""
        return self._args

    # -- status and playback ---------------------------------------------------
    def stream_time_s(self) -> float:
        """Seconds since this instance was created; turn-taking handlers count input audio."""
        return time.monotonic() - self._created

    def report_status(self, event: StatusEvent, detail: str | None = None) -> None:
        self.status.report(Status(event, self.stream_time_s(), detail))

    def attach_playback(self, control: PlaybackControl | None) -> None:
        """Connect the output side, so the handler can clear or flush queued audio."""
        self._playback = control

    def clear_output(self) -> None:
        """Drop every queued output frame now (no-op when nothing is attached)."""
        if self._playback is not None:
            self._playback.clear()

    def _flush_output(self) -> None:
        if self._playback is not None:
            self._playback.flush()

    def _pending_output_s(self) -> float:
        return 0.0 if self._playback is None else self._playback.pending_s()


class StreamHandler(StreamHandlerBase):
    """Audio in, audio out, synchronously. ``emit`` must not block: return None when idle."""

    @abstractmethod
    def receive(self, frame: AudioFrame) -> None:
        """One input frame ``(input_sample_rate, int16 (channels, N))``."""

    @abstractmethod
    def emit(self) -> AudioEmitType:
        """The next output, or None when nothing is ready."""


class AsyncStreamHandler(StreamHandlerBase):
    """Audio in, audio out, with ``async def receive`` and ``async def emit``."""

    @abstractmethod
    async def receive(self, frame: AudioFrame) -> None:
        """One input frame ``(input_sample_rate, int16 (channels, N))``."""

    @abstractmethod
    async def emit(self) -> AudioEmitType:
        """The next output; may await until one is ready."""


class AudioVideoStreamHandler(StreamHandler):
    """Audio plus video: ``video_receive`` gets RGB frames, ``video_emit`` returns them."""

    @abstractmethod
    def video_receive(self, frame: np.ndarray) -> None:
        """One webcam frame, ``(H, W, 3) uint8`` RGB."""

    @abstractmethod
    def video_emit(self) -> VideoEmitType:
        """The next video frame to show, or None."""


class AsyncAudioVideoStreamHandler(AsyncStreamHandler):
    """Async audio plus video handler."""

    @abstractmethod
    async def video_receive(self, frame: np.ndarray) -> None:
        """One webcam frame, ``(H, W, 3) uint8`` RGB."""

    @abstractmethod
    async def video_emit(self) -> VideoEmitType:
        """The next video frame to show."""
