"""Consume a remote video track and hand RGB frames to a callback.

Every frame is converted (about 0.2 ms for 640x480 on the event loop) and
delivered; keeping only the newest frame is the caller's job.
"""

from __future__ import annotations

from collections.abc import Callable

import av
import numpy as np
from aiortc.mediastreams import MediaStreamTrack

from .consumer import TrackConsumer
from .convert import video_frame_to_rgb

#: ``on_frame(rgb, pts_s)``; ``rgb`` is ``(H, W, 3)`` uint8; runs on the loop.
VideoFrameCallback = Callable[[np.ndarray, float], None]


#: ``on_frame(frame)`` with the decoded ``av.VideoFrame``; runs on the loop.
RawVideoFrameCallback = Callable[[av.VideoFrame], None]


class RawVideoSink(TrackConsumer):
    """Drains a remote video track, handing each decoded ``av.VideoFrame`` on unconverted.

    For consumers that convert off the event loop (a worker thread keeps
    only the newest frame and converts that one): the loop does no pixel work.
    """

    kind = "video"

    def __init__(
        self,
        on_frame: RawVideoFrameCallback,
        *,
        on_ended: Callable[[], None] | None = None,
        track: MediaStreamTrack | None = None,
    ) -> None:
        """Create the sink; see :class:`MicrophoneSink` for the arguments."""
        super().__init__(on_ended=on_ended, track=track)
        self._on_frame = on_frame

    def _deliver(self, frame: av.VideoFrame) -> None:
        self._on_frame(frame)


class VideoSink(RawVideoSink):
    """Drains a remote video track, calling ``on_frame(rgb, pts_s)`` for every frame."""

    def __init__(
        self,
        on_frame: VideoFrameCallback,
        *,
        on_ended: Callable[[], None] | None = None,
        track: MediaStreamTrack | None = None,
    ) -> None:
        """Create the sink; see :class:`MicrophoneSink` for the arguments."""

        def deliver(frame: av.VideoFrame) -> None:
            pts_s = 0.0
            if frame.pts is not None and frame.time_base is not None:
                pts_s = float(frame.pts * frame.time_base)
            on_frame(video_frame_to_rgb(frame), pts_s)

        super().__init__(deliver, on_ended=on_ended, track=track)
