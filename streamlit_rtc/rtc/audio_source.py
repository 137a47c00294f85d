"""An aiortc output audio track fed by a non-blocking ``next_frame`` pull.

The track runs on the server's single event loop, so it never waits for
data: at each 20 ms (or ``frame_size``) tick it asks ``next_frame()`` for a
ready frame and sends silence when there is none. The RTP stream therefore
keeps flowing at a constant pace and format whatever the producer does, and
nothing the producer returns can raise inside aiortc's encoder (an encoder
exception would end the RTP sender for good).
"""

from __future__ import annotations

import fractions
import logging
import numbers
import time
from collections.abc import Callable
from dataclasses import dataclass

import av
import numpy as np
from aiortc.mediastreams import MediaStreamError

from ._ratelimit import RateLimitedLog
from .convert import LAYOUT_BY_CHANNELS, planar_int16_to_audio_frame
from .pacing import Pacer
from .threadsafe import ThreadSafeStopTrack

logger = logging.getLogger(__name__)

#: Pull function of an output audio track: int16 ``(channels, frame_size)``
#: planar, or ``None`` when nothing is ready (silence is sent).
AudioFramePull = Callable[[], "np.ndarray | None"]

#: A ``next_frame`` call slower than this is logged (it stalls every session).
SLOW_PULL_S = 0.005


@dataclass
class SourceStats:
    """Counters of an output track, for tests and benchmarks."""

    frames: int = 0
    """Frames returned to the sender."""
    underruns: int = 0
    """Frames for which the producer had nothing (silence or repeat sent)."""
    invalid: int = 0
    """Frames the producer got wrong (bad shape/dtype, or it raised)."""
    slow_pulls: int = 0
    """``next_frame`` calls slower than ``SLOW_PULL_S``."""
    resyncs: int = 0
    """Times the pacer re-anchored after falling far behind."""


class PacedAudioSourceTrack(ThreadSafeStopTrack):
    """Output audio track: s16 at a fixed rate/layout, paced by the wall clock.

    ``next_frame`` is called on the event loop once per frame and must
    return at once. Its result must be an int16 array shaped
    ``(channels, frame_size)``; anything else is logged (once in full, then
    rate-limited) and replaced by silence. ``stop()`` may be called from
    any thread; the track also ends when its RTP sender stops.
    """

    kind = "audio"

    def __init__(
        self,
        next_frame: AudioFramePull,
        *,
        sample_rate: int = 48000,
        channels: int = 2,
        frame_size: int | None = None,
        max_lag_s: float = 0.2,
    ) -> None:
        """Create the track.

        Args:
            next_frame: non-blocking pull, see the class docstring.
            sample_rate: output rate in Hz (opus resamples to 48 kHz itself).
            channels: 1 (mono) or 2 (stereo).
            frame_size: samples per channel per frame; default 20 ms.
            max_lag_s: lag behind the wall clock above which the pacer
                re-anchors instead of catching up with a burst.
        """
        if not callable(next_frame):
            raise TypeError("next_frame must be callable")
        sample_rate = positive_int("sample_rate", sample_rate)
        if isinstance(channels, bool) or channels not in LAYOUT_BY_CHANNELS:
            raise ValueError(f"channels must be 1 or 2, got {channels!r}")
        if frame_size is None:
            frame_size = max(1, sample_rate // 50)  # 20 ms
        frame_size = positive_int("frame_size", frame_size)
        super().__init__()
        self._next_frame = next_frame
        self._sample_rate = sample_rate
        self._channels = channels
        self._frame_size = frame_size
        self._pacer = Pacer(frame_size / sample_rate, max_lag_s=max_lag_s)
        self._time_base = fractions.Fraction(1, sample_rate)
        self._silence = np.zeros((channels, frame_size), dtype=np.int16)
        self._invalid_log = RateLimitedLog(logger)
        self._slow_log = RateLimitedLog(logger)
        self._stats = SourceStats()

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

    @property
    def stats(self) -> SourceStats:
        self._stats.resyncs = self._pacer.resyncs
        return self._stats

    async def recv(self) -> av.AudioFrame:
        """Return the next frame at its due time (aiortc sender API)."""
        if not self._live:
            raise MediaStreamError
        self._bind_loop()
        index = await self._pacer.wait_next()
        if not self._live:
            raise MediaStreamError
        planar = self._pull()
        self._stats.frames += 1
        return planar_int16_to_audio_frame(
            planar,
            sample_rate=self._sample_rate,
            pts=index * self._frame_size,
            time_base=self._time_base,
        )

    def _pull(self) -> np.ndarray:
        """Call ``next_frame`` and return a valid planar frame (or silence)."""
        started = time.perf_counter()
        try:
            data = self._next_frame()
        except Exception:
            self._stats.invalid += 1
            self._invalid_log.log(
                logging.ERROR, "next_frame raised; sending silence", exc_info=True
            )
            return self._silence
        finally:
            elapsed = time.perf_counter() - started
            if elapsed > SLOW_PULL_S:
                self._stats.slow_pulls += 1
                self._slow_log.log(
                    logging.WARNING,
                    "next_frame took %.1f ms; it runs on the shared event loop and must not block",
                    elapsed * 1000,
                )
        if data is None:
            self._stats.underruns += 1
            return self._silence
        expected = (self._channels, self._frame_size)
        if not isinstance(data, np.ndarray) or data.dtype != np.int16 or data.shape != expected:
            self._stats.invalid += 1
            self._invalid_log.log(
                logging.ERROR,
                "next_frame returned %s; expected int16 ndarray of shape %s; sending silence",
                _describe(data),
                expected,
            )
            return self._silence
        return data


def positive_int(name: str, value: object) -> int:
    """``value`` as an int if it is a positive integer (numpy ints too), else ValueError."""
    if isinstance(value, (numbers.Integral)) and not isinstance(value, bool) and int(value) > 0:
        return int(value)
    raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _describe(data: object) -> str:
    if isinstance(data, np.ndarray):
        return f"ndarray dtype={data.dtype} shape={data.shape}"
    return type(data).__name__
