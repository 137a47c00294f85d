"""Stateful streaming resampling (soxr), channels-first, with a pass-through when rates match."""

from __future__ import annotations

from typing import Literal

import numpy as np
import soxr

__all__ = ["Quality", "StreamResampler"]

Quality = Literal["QQ", "LQ", "MQ", "HQ", "VHQ"]


class StreamResampler:
    """Resamples one continuous stream chunk by chunk, without clicks at chunk boundaries.

    Arrays are ``(channels, N)`` of ``dtype`` (int16 or float32). soxr keeps the
    filter state between chunks; ``flush`` returns the tail at the end of a
    stream and starts over.
    """

    def __init__(
        self,
        in_rate: int,
        out_rate: int,
        channels: int,
        dtype: type[np.int16] | type[np.float32] = np.int16,
        quality: Quality = "MQ",
    ) -> None:
        if in_rate <= 0 or out_rate <= 0:
            raise ValueError(f"sample rates must be positive, got {in_rate} -> {out_rate}")
        if channels not in (1, 2):
            raise ValueError(f"channels must be 1 or 2, got {channels}")
        self.in_rate, self.out_rate, self.channels = in_rate, out_rate, channels
        self.dtype = np.dtype(dtype)
        self._quality = quality
        self._stream = self._new_stream() if in_rate != out_rate else None

    def _new_stream(self) -> soxr.ResampleStream:
        return soxr.ResampleStream(
            self.in_rate, self.out_rate, self.channels, dtype=self.dtype.name, quality=self._quality
        )

    @property
    def passthrough(self) -> bool:
        return self._stream is None

    def process(self, samples: np.ndarray) -> np.ndarray:
        """Resample one chunk ``(channels, N)``; the result may be shorter or longer."""
        if samples.dtype != self.dtype:
            raise TypeError(f"expected {self.dtype} samples, got {samples.dtype}")
        if self._stream is None:
            return samples
        out = self._stream.resample_chunk(np.ascontiguousarray(samples.T))
        return out.reshape(-1, self.channels).T

    def flush(self) -> np.ndarray:
        """The samples still inside the filter; the next chunk starts a new stream."""
        if self._stream is None:
            return np.zeros((self.channels, 0), dtype=self.dtype)
        tail = self._stream.resample_chunk(
            np.zeros((0, self.channels), dtype=self.dtype), last=True
        )
        self._stream = self._new_stream()
        return tail.reshape(-1, self.channels).T

    def reset(self) -> None:
        """Drop filter state (after an interruption)."""
        if self._stream is not None:
            self._stream = self._new_stream()
