"""An aiortc output video track fed by a non-blocking ``next_frame`` pull.

Same idea as :mod:`.audio_source` (see :mod:`.paced_pull`): frames are
pulled at a fixed ``fps`` against the wall clock. On underrun the last frame
is repeated (black before the first one), so the encoder always gets a
frame on time. pts are in the 90 kHz RTP video clock.
"""

from __future__ import annotations

import fractions
from collections.abc import Callable
from typing import Any

import av
import numpy as np

from ..core.emit import describe, positive_int
from .convert import rgb_to_video_frame
from .paced_pull import PacedPullTrack

VIDEO_CLOCK_RATE = 90000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK_RATE)

#: Pull function of an output video track: ``(H, W, 3)`` uint8 RGB or ``None``.
VideoFramePull = Callable[[], "np.ndarray | None"]


class PacedVideoSourceTrack(PacedPullTrack[np.ndarray]):
    """Output video track at a fixed frame rate, repeating on underrun.

    ``next_frame`` runs on the event loop and must return at once. A result
    that is not an ``(H, W, 3)`` uint8 array is logged (rate-limited) and
    the previous frame is repeated instead.
    """

    kind = "video"
    fallback_text = "repeating the last frame"

    def __init__(
        self,
        next_frame: VideoFramePull,
        *,
        fps: float = 30.0,
        width: int = 640,
        height: int = 480,
        max_lag_s: float = 0.2,
    ) -> None:
        """Create the track.

        Args:
            next_frame: non-blocking pull, see the class docstring.
            fps: frames per second sent.
            width, height: size of the black frame sent before the first
                real frame (later frames may have any size).
            max_lag_s: lag above which the pacer re-anchors (see Pacer).
        """
        if not callable(next_frame):
            raise TypeError("next_frame must be callable")
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not 0 < fps <= 240:
            raise ValueError(f"fps must be in (0, 240], got {fps!r}")
        width = positive_int("width", width)
        height = positive_int("height", height)
        super().__init__(next_frame, 1.0 / float(fps), max_lag_s)
        self._fps = float(fps)
        self._last: np.ndarray = np.zeros((height, width, 3), dtype=np.uint8)

    @property
    def fps(self) -> float:
        return self._fps

    def _problem(self, data: Any) -> str | None:
        if (
            isinstance(data, np.ndarray)
            and data.dtype == np.uint8
            and data.ndim == 3
            and data.shape[2] == 3
            and data.shape[0] > 0
            and data.shape[1] > 0
        ):
            return None
        return f"{describe(data)}; expected (H, W, 3) uint8"

    def _fallback(self) -> np.ndarray:
        return self._last

    def _accepted(self, data: np.ndarray) -> None:
        self._last = data

    def _to_frame(self, data: np.ndarray, index: int) -> av.VideoFrame:
        pts = round(index * VIDEO_CLOCK_RATE / self._fps)
        return rgb_to_video_frame(data, pts=pts, time_base=VIDEO_TIME_BASE)
