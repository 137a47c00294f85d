"""Consume the browser microphone track and hand int16 frames to a callback.

Browser audio arrives as s16 packed stereo 48 kHz, 960 samples per frame,
which is passed through unchanged as ``(1, 1920)`` int16 interleaved. Other
formats (planar, float, mono) are converted to the same int16 interleaved
shape, so the callback sees one representation.
"""

from __future__ import annotations

from collections.abc import Callable

import av
import numpy as np
from aiortc.mediastreams import MediaStreamTrack

from .consumer import TrackConsumer
from .convert import audio_frame_to_int16_interleaved

#: ``on_frame(samples, sample_rate, layout, pts_s)``; ``samples`` is int16
#: ``(1, n * channels)`` interleaved; runs on the event loop, must be fast.
AudioFrameCallback = Callable[[np.ndarray, int, str, float], None]


class MicrophoneSink(TrackConsumer):
    """Drains a remote audio track, calling ``on_frame`` for every frame."""

    kind = "audio"

    def __init__(
        self,
        on_frame: AudioFrameCallback,
        *,
        on_ended: Callable[[], None] | None = None,
        track: MediaStreamTrack | None = None,
    ) -> None:
        """Create the sink; ``start()`` it once a track is attached.

        Args:
            on_frame: called on the event loop per frame; exceptions are
                logged (rate-limited) and the frame is dropped.
            on_ended: called once when consumption stops, whatever the cause.
            track: the remote track, or attach it later with ``addTrack``.
        """
        super().__init__(on_ended=on_ended, track=track)
        self._on_frame = on_frame
        self._samples_seen = 0

    def _deliver(self, frame: av.AudioFrame) -> None:
        samples = audio_frame_to_int16_interleaved(frame)
        rate = frame.sample_rate
        if frame.pts is not None and frame.time_base is not None:
            pts_s = float(frame.pts * frame.time_base)
        else:
            pts_s = self._samples_seen / rate if rate else 0.0
        self._samples_seen += frame.samples
        self._on_frame(samples, rate, frame.layout.name, pts_s)
