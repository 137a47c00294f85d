"""An aiortc output video track that sends each frame as soon as it is pushed.

:class:`PacedVideoSourceTrack` pulls on a fixed clock, which adds up to one
frame interval of waiting to every processed webcam frame. For a transform
(``fn(frame) -> frame``) the output should leave when the function is done,
so here worker threads :meth:`PushedVideoTrack.push` finished frames and
``recv()`` returns the newest one at once. Only the newest pending frame is
kept (a slot, not a queue), so a slow encoder never builds latency up.

If nothing new arrives for ``repeat_after_s`` the last frame is sent again
(black before the first), so the receiver's decoder keeps running while a
slow function works. pts follow the wall clock in the 90 kHz RTP video clock.
"""

from __future__ import annotations

import asyncio
import contextlib
import fractions
import threading
import time
from dataclasses import dataclass

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError

from ..core.emit import positive_int
from .convert import rgb_to_video_frame
from .threadsafe import ThreadSafeStopTrack

__all__ = ["PushStats", "PushedVideoTrack"]

VIDEO_CLOCK_RATE = 90000
VIDEO_TIME_BASE = fractions.Fraction(1, VIDEO_CLOCK_RATE)


@dataclass
class PushStats:
    """Counters of a :class:`PushedVideoTrack`, for tests and benchmarks."""

    pushed: int = 0
    """Frames pushed by producers."""
    replaced: int = 0
    """Pushed frames overwritten by a newer one before they were sent."""
    sent: int = 0
    """Frames returned to the RTP sender (new ones and repeats)."""
    repeats: int = 0
    """Repeats of the last frame because nothing new arrived in time."""


class PushedVideoTrack(ThreadSafeStopTrack):
    """Output video track fed by :meth:`push` from any thread; newest frame wins."""

    kind = "video"

    def __init__(
        self,
        *,
        width: int = 640,
        height: int = 480,
        repeat_after_s: float = 0.25,
        max_fps: float = 60.0,
    ) -> None:
        """Create the track.

        Args:
            width, height: size of the black frame sent before the first push.
            repeat_after_s: resend the last frame after this long without a push.
            max_fps: never send faster than this (pushes in between replace
                each other; the newest is sent).
        """
        if not 0 < repeat_after_s <= 10:
            raise ValueError(f"repeat_after_s must be in (0, 10], got {repeat_after_s!r}")
        if not 0 < max_fps <= 240:
            raise ValueError(f"max_fps must be in (0, 240], got {max_fps!r}")
        super().__init__()
        self._black = (positive_int("width", width), positive_int("height", height))
        self._repeat_after_s = repeat_after_s
        self._min_interval_s = 1.0 / max_fps
        self._lock = threading.Lock()
        self._pending: av.VideoFrame | None = None
        self._last: av.VideoFrame | None = None
        self._wake: asyncio.Event | None = None
        self._wake_scheduled = False
        self._t0: float | None = None
        self._last_pts = -1
        self._last_sent_at = 0.0
        self.stats = PushStats()

    # -- producers (any thread) ------------------------------------------------------
    def push(self, frame: av.VideoFrame) -> None:
        """Offer the next frame; replaces a pending one that was not sent yet."""
        with self._lock:
            self.stats.pushed += 1
            if self._pending is not None:
                self.stats.replaced += 1
            self._pending = frame
            loop, wake = self._track_loop, self._wake
            schedule = loop is not None and wake is not None and not self._wake_scheduled
            if schedule:
                self._wake_scheduled = True
        if schedule and loop is not None and wake is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
                loop.call_soon_threadsafe(wake.set)

    def push_rgb(self, rgb: np.ndarray) -> None:
        """Convert an ``(H, W, 3)`` uint8 RGB array here (caller's thread) and push it."""
        self.push(rgb_to_video_frame(rgb, pts=0, time_base=VIDEO_TIME_BASE))

    # -- aiortc sender (event loop) ----------------------------------------------------
    def _take(self) -> av.VideoFrame | None:
        with self._lock:
            frame, self._pending = self._pending, None
            self._wake_scheduled = False
            if self._wake is not None:
                self._wake.clear()
            return frame

    async def recv(self) -> av.VideoFrame:
        """Return the newest pushed frame as soon as there is one (aiortc sender API)."""
        if not self._live:
            raise MediaStreamError
        self._bind_loop()
        if self._wake is None:
            with self._lock:
                self._wake = asyncio.Event()
                if self._pending is not None:
                    self._wake.set()
        now = time.monotonic()
        if self._t0 is None:
            self._t0 = now
        else:
            gap = self._last_sent_at + self._min_interval_s - now
            if gap > 0:
                await asyncio.sleep(gap)
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._repeat_after_s)
        if not self._live:
            raise MediaStreamError
        frame = self._take()
        if frame is None:
            self.stats.repeats += 1
            frame = self._last if self._last is not None else self._black_frame()
        self._last = frame
        self._last_sent_at = time.monotonic()
        pts = max(self._last_pts + 1, round((self._last_sent_at - self._t0) * VIDEO_CLOCK_RATE))
        self._last_pts = pts
        frame.pts = pts
        frame.time_base = VIDEO_TIME_BASE
        self.stats.sent += 1
        return frame

    def _black_frame(self) -> av.VideoFrame:
        width, height = self._black
        return rgb_to_video_frame(
            np.zeros((height, width, 3), np.uint8), pts=0, time_base=VIDEO_TIME_BASE
        )
