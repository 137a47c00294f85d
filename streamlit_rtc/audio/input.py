"""Browser audio in, handler format out: channel layout and sample rate, in one place."""

from __future__ import annotations

import numpy as np

from ..core.handler import Layout
from .resample import StreamResampler

__all__ = ["InputAdapter", "remix", "to_channels_first"]


def to_channels_first(samples: np.ndarray, channels: int) -> np.ndarray:
    """Interleaved ``(1, N*channels)`` or ``(N*channels,)`` int16 as planar ``(channels, N)``."""
    flat = samples.reshape(-1)
    if channels == 1:
        return flat[np.newaxis, :]
    if flat.size % channels:
        raise ValueError(f"{flat.size} interleaved samples do not split into {channels} channels")
    return flat.reshape(-1, channels).T


def remix(samples: np.ndarray, layout: Layout) -> np.ndarray:
    """``(channels, N)`` int16 or float32 as mono (average) or stereo (duplicate) ``(1|2, N)``.

    The one channel remix of the package: input frames and handler output both use it.
    """
    channels = samples.shape[0]
    if layout == "mono" and channels == 2:
        if samples.dtype != np.int16:
            return samples.mean(axis=0, keepdims=True, dtype=np.float32)
        mixed = (samples[0].astype(np.int32) + samples[1].astype(np.int32)) // 2
        return mixed.astype(np.int16)[np.newaxis, :]
    if layout == "stereo" and channels == 1:
        return np.repeat(samples, 2, axis=0)
    return samples


class InputAdapter:
    """Turns incoming frames (any rate, interleaved mono/stereo s16) into ``(rate, (C, N))``.

    One adapter per stream: the resampler is stateful so consecutive 20 ms
    frames join without clicks. A change of input rate or layout mid-stream
    (rare, but browsers renegotiate) starts a new resampler.
    """

    def __init__(self, out_rate: int, layout: Layout) -> None:
        self.out_rate = out_rate
        self.layout: Layout = layout
        self._resampler: StreamResampler | None = None

    def convert(self, samples: np.ndarray, rate: int, channels: int) -> tuple[int, np.ndarray]:
        """One incoming frame of interleaved int16 samples → ``(out_rate, int16 (C, N))``."""
        if samples.dtype != np.int16:
            raise TypeError(f"input frames must be int16, got {samples.dtype}")
        planar = remix(to_channels_first(samples, channels), self.layout)
        out_channels = planar.shape[0]
        resampler = self._resampler
        if resampler is None or resampler.in_rate != rate or resampler.channels != out_channels:
            resampler = self._resampler = StreamResampler(rate, self.out_rate, out_channels)
        return self.out_rate, resampler.process(planar)
