"""Which handler runs a stream: the user's object or function, checked for its mode and modality.

The errors say the fix (wrap a function in ``ReplyOnPause``, pass an
``AudioVideoStreamHandler`` for ``modality="audio-video"`` ...).
"""

from __future__ import annotations

from typing import Any

from ..core.handler import (
    AsyncAudioVideoStreamHandler,
    AsyncStreamHandler,
    AudioVideoStreamHandler,
    StreamHandler,
    StreamHandlerBase,
)
from ..core.video_handlers import (
    VideoFunctionHandler,
    VideoGeneratorHandler,
    VideoStreamHandler,
)
from ..reply.generator import GeneratorHandler
from ..session.modes import Modality, Mode

__all__ = ["DEFAULT_CONSTRAINTS", "stream_prototype"]


def stream_prototype(handler: Any, mode: Mode, modality: Modality, fps: float) -> StreamHandlerBase:
    """The handler every connection of this stream copies."""
    if modality is Modality.AUDIO:
        return _prototype(handler, mode)
    return _video_prototype(handler, mode, modality, fps)


def _prototype(handler: Any, mode: Mode) -> StreamHandlerBase:
    if mode is Mode.RECEIVE:
        if isinstance(handler, StreamHandlerBase):
            return handler
        if callable(handler):
            return GeneratorHandler(handler)
        raise TypeError("mode='receive' needs a generator function, e.g. webrtc(key, generate)")
    if isinstance(handler, (StreamHandler, AsyncStreamHandler)):
        return handler
    if callable(handler):
        raise TypeError(
            f"mode={mode.value!r} needs a handler: wrap your function as ReplyOnPause(fn), "
            "or pass a StreamHandler / AsyncStreamHandler instance"
        )
    raise TypeError(f"expected a stream handler, got {type(handler).__name__}")


def _video_prototype(handler: Any, mode: Mode, modality: Modality, fps: float) -> StreamHandlerBase:
    """The prototype of a video or audio-video stream, with errors that say the fix."""
    if modality is Modality.AUDIO_VIDEO:
        if isinstance(handler, (AudioVideoStreamHandler, AsyncAudioVideoStreamHandler)):
            return handler
        raise TypeError(
            "modality='audio-video' needs an AudioVideoStreamHandler or "
            f"AsyncAudioVideoStreamHandler instance, got {type(handler).__name__}"
        )
    if isinstance(handler, (VideoFunctionHandler, VideoGeneratorHandler)):
        return handler
    if isinstance(handler, VideoStreamHandler):  # fastrtc's wrapper: a function and its fps
        if mode is Mode.RECEIVE:
            return VideoGeneratorHandler(handler.callable, fps=handler.fps)
        return VideoFunctionHandler(handler.callable)
    if not callable(handler):
        raise TypeError(f"modality='video' needs a function, got {type(handler).__name__}")
    if mode is Mode.RECEIVE:
        return VideoGeneratorHandler(handler, fps=fps)
    return VideoFunctionHandler(handler)


DEFAULT_CONSTRAINTS = {
    Modality.AUDIO: {"audio": True, "video": False},
    Modality.VIDEO: {"audio": False, "video": True},
    Modality.AUDIO_VIDEO: {"audio": True, "video": True},
}
