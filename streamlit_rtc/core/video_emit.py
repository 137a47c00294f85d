"""Parse and validate what a video function returns or a video handler emits.

The video counterpart of :mod:`.emit`: every accepted form becomes
:class:`VideoEmitParts` (a frame, additional outputs, a close request); any
other value raises :class:`InvalidEmitError` naming what was returned, what
is wrong with it and how to fix it, so a float or BGRA frame is a clear
message in the page instead of a frozen picture.

Frames are ``(H, W, 3)`` uint8 **RGB**. (The reference, gradio_webrtc /
fastrtc, documents RGB but hands BGR to user code; streamlit-rtc keeps the
documented promise in both directions.)
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .emit import describe
from .messages import AdditionalOutputs, CloseStream, InvalidEmitError

__all__ = ["VIDEO_ACCEPTED_FORMS", "VideoEmitParts", "check_video_frame", "parse_video_emit"]

VIDEO_ACCEPTED_FORMS = (
    "accepted: frame, (frame, AdditionalOutputs(...)), (frame, CloseStream(...)), "
    "AdditionalOutputs(...), "
    "CloseStream(...) or None; frame a numpy array shaped (height, width, 3), dtype uint8, RGB"
)

#: Largest frame side accepted (VP8/H.264 in browsers stop well below this).
MAX_SIDE = 8192


@dataclass(frozen=True)
class VideoEmitParts:
    """A returned value split into its parts; any of them may be absent."""

    frame: np.ndarray | None = None
    outputs: AdditionalOutputs | None = None
    close: CloseStream | None = None


def _fail(value: Any, problem: str) -> InvalidEmitError:
    return InvalidEmitError(
        f"invalid video output {describe(value)}: {problem}. {VIDEO_ACCEPTED_FORMS}"
    )


def _dtype_hint(frame: np.ndarray) -> str:
    if frame.dtype.kind == "f":
        return (
            "for floats in [0, 1] use (frame * 255).clip(0, 255).astype(np.uint8); "
            "for floats in [0, 255] use frame.clip(0, 255).astype(np.uint8)"
        )
    if frame.dtype == np.bool_:
        return "use frame.astype(np.uint8) * 255"
    return "scale to 0..255 and convert with .astype(np.uint8)"


def _shape_hint(frame: np.ndarray) -> str:
    if frame.ndim == 2:
        return "a grayscale image needs 3 channels: np.stack([gray] * 3, axis=-1)"
    if frame.ndim == 3 and frame.shape[2] == 4:
        return "drop the alpha channel: frame[..., :3]"
    if frame.ndim == 3 and frame.shape[0] in (1, 3, 4) and frame.shape[2] not in (1, 3, 4):
        return "channels must be the last axis: frame.transpose(1, 2, 0)"
    if frame.ndim == 3 and frame.shape[2] == 1:
        return "repeat the single channel: np.repeat(frame, 3, axis=2)"
    if frame.ndim == 4 and frame.shape[0] == 1:
        return "drop the batch axis: frame[0]"
    return "return one RGB image shaped (height, width, 3)"


def check_video_frame(frame: Any, item: Any = None) -> np.ndarray:
    """Return ``frame`` if it is a valid ``(H, W, 3)`` uint8 frame, else raise with a fix.

    ``item`` is the whole returned value, for the message (defaults to ``frame``).
    """
    item = frame if item is None else item
    if not isinstance(frame, np.ndarray):
        raise _fail(item, f"a frame must be a numpy array, got {type(frame).__name__}")
    if frame.dtype != np.uint8:
        raise _fail(item, f"dtype {frame.dtype} is not supported ({_dtype_hint(frame)})")
    if frame.ndim != 3 or frame.shape[2] != 3:
        raise _fail(item, f"shape {frame.shape} is not (height, width, 3) ({_shape_hint(frame)})")
    height, width = frame.shape[:2]
    if height == 0 or width == 0:
        raise _fail(item, "the frame is empty")
    if height > MAX_SIDE or width > MAX_SIDE:
        raise _fail(item, f"{width}x{height} is larger than {MAX_SIDE} pixels on a side")
    return frame


def parse_video_emit(item: Any) -> VideoEmitParts:
    """Split one returned value into a frame, additional outputs and a close request."""
    if item is None:
        return VideoEmitParts()
    if isinstance(item, AdditionalOutputs):
        return VideoEmitParts(outputs=item)
    if isinstance(item, CloseStream):
        return VideoEmitParts(close=item)
    if isinstance(item, np.ndarray):
        return VideoEmitParts(frame=check_video_frame(item))
    if isinstance(item, tuple):
        if len(item) == 2 and isinstance(item[1], AdditionalOutputs):
            return VideoEmitParts(frame=check_video_frame(item[0], item), outputs=item[1])
        if len(item) == 2 and isinstance(item[1], CloseStream):
            return VideoEmitParts(frame=check_video_frame(item[0], item), close=item[1])
        if len(item) in (2, 3) and isinstance(item[0], (int, np.integer)):
            raise _fail(item, "this looks like audio (rate, array); a video stream needs frames")
        raise _fail(item, f"a {len(item)}-tuple is not a video output")
    raise _fail(item, f"{type(item).__name__} is not a video output")
