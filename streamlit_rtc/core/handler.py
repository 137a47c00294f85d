"""The handler model: the seed's StreamHandler family with receive/emit/copy/start_up/shutdown.

A handler instance is a prototype: the transport calls :meth:`copy` once per
connection so every user gets a private instance, then ``start_up`` once,
``receive`` per input frame, ``emit`` whenever it wants output, and
``shutdown`` at the end. Nothing here knows about WebRTC or Streamlit.
"""

from __future__ import annotations

import logging
import time
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Sequence
from typing import Any, Literal, Protocol, TypeAlias

import numpy as np

from .args import ArgsEvent, StreamArgs
from .bridge import CodeBridge
from .context import post_message
from .emit import EmitParts, parse_audio_emit, positive_int
from .messages import AdditionalOutputs, CloseStream
from .status import Status, StatusEvent, StatusHub

__all__ = [
    "EMIT_MUST_NOT_BLOCK",
    "AsyncAudioVideoStreamHandler",
    "AsyncStreamHandler",
    "AudioEmitType",
    "AudioFrame",
    "AudioVideoStreamHandler",
    "EmitType",
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
    | tuple[tuple[int, np.ndarray], CloseStream]
    | AdditionalOutputs
    | CloseStream
    | None
)
EmitType: TypeAlias = AudioEmitType
"""fastrtc's older name for :data:`AudioEmitType`."""
VideoEmitType: TypeAlias = (
    np.ndarray
    | tuple[np.ndarray, AdditionalOutputs]
    | tuple[np.ndarray, CloseStream]
    | AdditionalOutputs
    | CloseStream
    | None
)

_LAYOUTS = ("mono", "stereo")

EMIT_MUST_NOT_BLOCK = (
    "emit() must not block; return None when nothing is ready (e.g. "
    "queue.get_nowait(), or wait_for_item(queue) in async handlers)"
)
"""The advice given wherever a handler's ``emit()`` is found waiting."""

logger = logging.getLogger(__name__)


class PlaybackControl(Protocol):
    """What a handler may ask of the output side that plays its audio."""

    def clear(self) -> None:
        """Drop all queued output at once (barge-in)."""

    def flush(self) -> None:
        """A reply ended: play out audio still held in resamplers, padded to a whole frame."""

    def pending_s(self) -> float:
        """Seconds of audio queued and not yet played."""
        ...


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
            raise ValueError(f"expected_layout must be 'mono' or 'stereo', got {expected_layout!r}")
        self.expected_layout: Layout = expected_layout
        self.output_sample_rate = positive_int("output_sample_rate", output_sample_rate)
        self.input_sample_rate = positive_int("input_sample_rate", input_sample_rate)
        if output_frame_size is None:
            output_frame_size = self.output_sample_rate // 50
        self.output_frame_size = positive_int("output_frame_size", output_frame_size)
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not 0 < fps <= 240:
            raise ValueError(f"fps must be a number in (0, 240], got {fps!r}")
        self.fps = fps
        self._args = StreamArgs()
        self.status = StatusHub()
        self._playback: PlaybackControl | None = None
        self._created = time.monotonic()
        self._bridge: CodeBridge | None = None
        self._owns_bridge = False
        self._phone_mode = False

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

    # -- the bridge that runs user code ---------------------------------------------
    def attach_bridge(self, bridge: CodeBridge) -> None:
        """The connection's bridge: user code of this handler runs through it."""
        self._bridge, self._owns_bridge = bridge, False

    @property
    def bridge(self) -> CodeBridge:
        """The attached bridge; a private one when the handler is driven by hand."""
        if self._bridge is None:
            self._bridge, self._owns_bridge = CodeBridge(type(self).__name__), True
        return self._bridge

    def _close_own_bridge(self) -> None:
        """Close the bridge this handler made for itself (hand-driven use)."""
        if self._owns_bridge and self._bridge is not None:
            bridge, self._bridge, self._owns_bridge = self._bridge, None, False
            bridge.close()

    def method_name(self, method: str) -> str:
        """``"MyHandler.emit()"``: how messages about user code name it."""
        return f"{type(self).__name__}.{method}()"

    @property
    def loop(self) -> Any:
        """The loop this connection's async user code runs on (fastrtc's ``loop``)."""
        return self.bridge.loop

    # -- extra inputs ----------------------------------------------------------
    @property
    def latest_args(self) -> list[Any]:
        """Current values of the stream's extra inputs; index 0 stands for the stream itself."""
        return self._args.latest

    @latest_args.setter
    def latest_args(self, values: Sequence[Any]) -> None:
        self._args.set_full(list(values))

    @property
    def args_set(self) -> ArgsEvent:
        """Set once input values arrived; ``wait()`` blocks in sync code, ``await`` it in async."""
        return self._args.args_set

    def set_args(self, inputs: Sequence[Any]) -> None:
        """Give the handler new input values (the adapter does this on every script run)."""
        self._args.set(inputs)

    def reset(self) -> None:
        """Mark the inputs as used: the next :meth:`wait_for_args` asks for fresh ones (fastrtc)."""
        self._args.args_set.clear()

    async def fetch_args(self) -> None:
        """Ask the page for fresh input values (they arrive through :meth:`set_args`)."""
        self._args.request()

    def wait_for_args_sync(self, timeout: float = 10.0) -> bool:
        """Wait for fresh input values; False (old values kept) after ``timeout`` s."""
        if self._phone_mode:
            self._args.args_set.set()
            return True
        return self._args.wait_sync(timeout)

    async def wait_for_args(self, timeout: float = 10.0) -> bool:
        """Async form of :meth:`wait_for_args_sync`; never blocks the event loop."""
        if self._phone_mode:
            self._args.args_set.set()
            return True
        return await self._args.wait_async(timeout)

    @property
    def phone_mode(self) -> bool:
        """fastrtc's telephone mode: no page to ask for inputs (always False in Streamlit)."""
        return self._phone_mode

    @phone_mode.setter
    def phone_mode(self, value: bool) -> None:
        self._phone_mode = bool(value)

    # -- messages to the page ------------------------------------------------------
    def send_message_sync(self, msg: Any) -> None:
        """Deliver ``msg`` to this connection's page now (shown with the stream's status)."""
        if not self._post("message", msg):
            logger.warning(
                "%s: send_message(%r) outside a running stream: no page to deliver it to",
                type(self).__name__,
                msg,
            )

    async def send_message(self, msg: Any) -> None:
        """Async form of :meth:`send_message_sync` (it never blocks)."""
        self.send_message_sync(msg)

    def _post(self, kind: Any, payload: Any) -> bool:
        bridge = self._bridge
        if bridge is not None and bridge.connection is not None:
            bridge.connection.post(kind, payload)
            return True
        return post_message(kind, payload)

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

    def clear_queue(self) -> None:
        """fastrtc's name for :meth:`clear_output`: drop queued audio at once (barge-in)."""
        self.clear_output()

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

    def next_output(self) -> EmitParts | None:
        """What the transport plays next: ``emit()`` through the bridge, parsed once.

        Library handlers that run user code themselves (ReplyOnPause) override
        it to hand over what they already parsed.
        """
        item = self.bridge.call(self.method_name("emit"), self.emit)
        return None if item is None else parse_audio_emit(item)


class AsyncStreamHandler(StreamHandlerBase):
    """Audio in, audio out, with ``async def receive`` and ``async def emit``."""

    @abstractmethod
    async def receive(self, frame: AudioFrame) -> None:
        """One input frame ``(input_sample_rate, int16 (channels, N))``."""

    @abstractmethod
    async def emit(self) -> AudioEmitType:
        """The next output, or None; await briefly at most (``wait_for_item(queue)``)."""


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
