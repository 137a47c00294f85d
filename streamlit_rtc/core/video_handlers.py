"""Handlers for the video modality: a per-frame function, and a frame generator.

The seed guide's video streams take plain functions, not handler classes:
``fn(frame, *inputs)`` for webcam transforms and analysis, and a generator
function ``fn(*inputs)`` for server-to-client video. Wrapping them in
:class:`StreamHandlerBase` gives them what every handler has (a private copy
per connection, live ``latest_args``, status events) without a new model.
Frames are ``(H, W, 3)`` uint8 RGB. Nothing here knows about threads or WebRTC.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .handler import StreamHandlerBase

__all__ = ["VideoFunctionHandler", "VideoGeneratorHandler", "VideoStreamHandler"]


def _check_callable(fn: Any, what: str) -> None:
    if not callable(fn):
        raise TypeError(f"{what} must be a function, got {type(fn).__name__}")


class VideoFunctionHandler(StreamHandlerBase):
    """Calls ``fn(frame, *inputs)`` on the newest webcam frame (``mode`` send-receive or send).

    ``fn`` may return (or yield) a frame, ``(frame, AdditionalOutputs)``,
    ``AdditionalOutputs``, ``CloseStream`` or ``None``. ``inputs`` are the
    current values of the stream's extra inputs, read at every call, so a
    slider changes the effect on the next frame.
    """

    def __init__(self, fn: Callable[..., Any]) -> None:
        super().__init__()
        _check_callable(fn, "the video function")
        self.fn = fn

    def copy(self) -> VideoFunctionHandler:
        return VideoFunctionHandler(self.fn)

    def process(self, frame: np.ndarray) -> Any:
        """Run the user's function on one RGB frame with the latest inputs."""
        return self.fn(frame, *self.latest_args[1:])


class VideoGeneratorHandler(StreamHandlerBase):
    """Streams what ``fn(*inputs)`` yields to the browser at ``fps`` (``mode="receive"``).

    ``fn`` is a (sync or async) generator function yielding frames (or the
    other video outputs); the stream ends when it is exhausted.
    """

    def __init__(self, fn: Callable[..., Any], fps: float = 30) -> None:
        super().__init__(fps=fps)
        _check_callable(fn, "mode='receive' needs a generator function; it")
        self.fn = fn

    def copy(self) -> VideoGeneratorHandler:
        return VideoGeneratorHandler(self.fn, self.fps)

    def start(self) -> Any:
        """Call the generator function with the latest inputs (once per connection)."""
        return self.fn(*self.latest_args[1:])


@dataclass
class VideoStreamHandler:
    """fastrtc's wrapper that gives a video function its options: ``fps`` and ``skip_frames``.

    ``webrtc(key, VideoStreamHandler(fn, fps=15), modality="video")`` runs
    ``fn`` as a bare function would run. ``fps`` is the frame rate of the
    stream; for server-to-client video (``mode="receive"``) frames are sent at
    that rate, while webcam input arrives at the rate the browser's camera
    sends. ``skip_frames`` is accepted for fastrtc apps and has no further
    effect: fastrtc's ``skip_frames=True`` makes a slow function skip to the
    newest frame instead of working through a queue, and streamlit-rtc always
    does that (it hands the function the newest frame, so a slow function
    never builds a queue).
    """

    callable: Callable[..., Any]
    fps: int = 30
    skip_frames: bool = False

    def __post_init__(self) -> None:
        _check_callable(self.callable, "VideoStreamHandler.callable")
        fps = self.fps
        if isinstance(fps, bool) or not isinstance(fps, (int, float)):
            raise TypeError(f"VideoStreamHandler.fps must be a number, got {fps!r}")
        if not math.isfinite(fps) or fps <= 0:
            raise ValueError(f"VideoStreamHandler.fps must be positive, got {fps!r}")
        if not isinstance(self.skip_frames, bool):
            raise TypeError(
                f"VideoStreamHandler.skip_frames must be a bool, got {self.skip_frames!r}"
            )
