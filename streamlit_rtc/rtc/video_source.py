"""An aiortc output video track fed by a non-blocking ``next_frame`` pull.

Same idea as :mod:`.audio_source`: frames are pulled at a fixed ``fps``
against the wall clock. On underrun the last frame is repeated (black
before the first one), so the encoder always gets a frame on time. pts are
in the 90 kHz RTP video clock.
"""

from __future__ import annotations

import fractions
import logging
import time
from collections.abc import Callable

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError

from ._ratelimit import RateLimitedLog
from .audio_source import SLOW_PULL_S, SourceStats, positive_int
from .convert import rgb_to_video_frame
from .pacing import Pacer
from .threadsafe import ThreadSafeStopTrack

logger = logging.getLogger(__name__)

VIDEO_CLOCK_RATE = 90000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK_RATE)

#: Pull function of an output video track: ``(H, W, 3)`` uint8 RGB or ``None``.
VideoFramePull = Callable[[], "np.ndarray | None"]


class PacedVideoSourceTrack(ThreadSafeStopTrack):
    """Output video track at a fixed frame rate, repeating on underrun.

    ``next_frame`` runs on the event loop and must return at once. A result
    that is not an ``(H, W, 3)`` uint8 array is logged (rate-limited) and
    the previous frame is repeated instead.
    """

    kind = "video"

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
        super().__init__()
        self._next_frame = next_frame
        self._fps = float(fps)
        self._pacer = Pacer(1.0 / self._fps, max_lag_s=max_lag_s)
        self._last: np.ndarray = np.zeros((height, width, 3), dtype=np.uint8)
        self._invalid_log = RateLimitedLog(logger)
        self._slow_log = RateLimitedLog(logger)
        self._stats = SourceStats()

    @property
    def fps(self) -> float:
        return self._fps

    @property
    def stats(self) -> SourceStats:
        self._stats.resyncs = self._pacer.resyncs
        return self._stats

    async def recv(self) -> av.VideoFrame:
        """Return the next frame at its due time (aiortc sender API)."""
        if not self._live:
            raise MediaStreamError
        self._bind_loop()
        index = await self._pacer.wait_next()
        if not self._live:
            raise MediaStreamError
        rgb = self._pull()
        self._stats.frames += 1
        pts = round(index * VIDEO_CLOCK_RATE / self._fps)
        return rgb_to_video_frame(rgb, pts=pts, time_base=VIDEO_TIME_BASE)

    def _pull(self) -> np.ndarray:
        """Call ``next_frame`` and return a valid frame (or the previous one)."""
        started = time.perf_counter()
        try:
            data = self._next_frame()
        except Exception:
            self._stats.invalid += 1
            self._invalid_log.log(
                logging.ERROR, "next_frame raised; repeating last frame", exc_info=True
            )
            return self._last
        finally:
            elapsed = time.perf_counter() - started
            if elapsed > SLOW_PULL_S:
                self._stats.slow_pulls += 1
                self._slow_log.log(
                    logging.WARNING,
                    "video next_frame took %.1f ms; it runs on the shared event loop",
                    elapsed * 1000,
                )
        if data is None:
            self._stats.underruns += 1
            return self._last
        if (
            not isinstance(data, np.ndarray)
            or data.dtype != np.uint8
            or data.ndim != 3
            or data.shape[2] != 3
            or data.shape[0] == 0
            or data.shape[1] == 0
        ):
            self._stats.invalid += 1
            desc = type(data).__name__
            if isinstance(data, np.ndarray):
                desc = f"shape={data.shape} dtype={data.dtype}"
            self._invalid_log.log(
                logging.ERROR,
                "video next_frame returned %s; expected (H, W, 3) uint8; repeating last frame",
                desc,
            )
            return self._last
        self._last = data
        return data
