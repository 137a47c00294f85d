"""An aiortc output audio track fed by a non-blocking ``next_frame`` pull.

At each 20 ms (or ``frame_size``) tick it sends a ready frame, or silence
when there is none: the RTP stream keeps one pace and one format whatever
the producer does (see :mod:`.paced_pull`).
"""

from __future__ import annotations

import fractions
from collections.abc import Callable
from typing import Any

import av
import numpy as np

from ..core.emit import describe, positive_int
from .convert import LAYOUT_BY_CHANNELS, planar_int16_to_audio_frame
from .paced_pull import SLOW_PULL_S, PacedPullTrack, SourceStats

__all__ = ["SLOW_PULL_S", "AudioFramePull", "PacedAudioSourceTrack", "SourceStats", "positive_int"]

#: Pull function of an output audio track: int16 ``(channels, frame_size)``
#: planar, or ``None`` when nothing is ready (silence is sent).
AudioFramePull = Callable[[], "np.ndarray | None"]


class PacedAudioSourceTrack(PacedPullTrack[np.ndarray]):
    """Output audio track: s16 at a fixed rate/layout, paced by the wall clock.

    ``next_frame`` is called on the event loop once per frame and must
    return at once. Its result must be an int16 array shaped
    ``(channels, frame_size)``; anything else is logged (once in full, then
    rate-limited) and replaced by silence. ``stop()`` may be called from
    any thread; the track also ends when its RTP sender stops.
    """

    kind = "audio"
    fallback_text = "sending silence"

    def __init__(
        self,
        next_frame: AudioFramePull,
        *,
        sample_rate: int = 48000,
        channels: int = 2,
        frame_size: int | None = None,
        max_lag_s: float = 0.2,
        grid: bool = True,
    ) -> None:
        """Create the track.

        Args:
            next_frame: non-blocking pull, see the class docstring.
            sample_rate: output rate in Hz (opus resamples to 48 kHz itself).
            channels: 1 (mono) or 2 (stereo).
            frame_size: samples per channel per frame; default 20 ms.
            max_lag_s: lag behind the wall clock above which the pacer
                re-anchors instead of catching up with a burst.
            grid: send on the frame grid every output track of this
                process shares (one event-loop wake-up per period for all
                sessions); False anchors at the first frame, as a browser's
                microphone does.
        """
        if not callable(next_frame):
            raise TypeError("next_frame must be callable")
        sample_rate = positive_int("sample_rate", sample_rate)
        if isinstance(channels, bool) or channels not in LAYOUT_BY_CHANNELS:
            raise ValueError(f"channels must be 1 or 2, got {channels!r}")
        if frame_size is None:
            frame_size = max(1, sample_rate // 50)  # 20 ms
        frame_size = positive_int("frame_size", frame_size)
        super().__init__(next_frame, frame_size / sample_rate, max_lag_s, grid=grid)
        self._sample_rate = sample_rate
        self._channels = channels
        self._frame_size = frame_size
        self._time_base = fractions.Fraction(1, sample_rate)
        self._silence = np.zeros((channels, frame_size), dtype=np.int16)

    @property
    def sample_rate(self) -> int:
        return self._sample_rate

    @property
    def channels(self) -> int:
        return self._channels

    @property
    def frame_size(self) -> int:
        return self._frame_size

    @property
    def layout(self) -> str:
        return LAYOUT_BY_CHANNELS[self._channels]

    def _problem(self, data: Any) -> str | None:
        expected = (self._channels, self._frame_size)
        if isinstance(data, np.ndarray) and data.dtype == np.int16 and data.shape == expected:
            return None
        return f"{describe(data)}; expected int16 ndarray of shape {expected}"

    def _fallback(self) -> np.ndarray:
        return self._silence

    def _to_frame(self, data: np.ndarray, index: int) -> av.AudioFrame:
        return planar_int16_to_audio_frame(
            data,
            sample_rate=self._sample_rate,
            pts=index * self._frame_size,
            time_base=self._time_base,
        )
