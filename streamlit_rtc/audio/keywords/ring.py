"""The last few seconds of a stream's audio, addressable by stream time."""

from __future__ import annotations

import numpy as np

__all__ = ["AudioRing"]


class AudioRing:
    """A fixed-size int16 ring buffer that remembers the newest ``seconds`` of audio.

    ``push`` appends, ``skip`` lets time pass over silence; :meth:`window`
    cuts any span still held, by stream time (seconds since the first sample).
    """

    def __init__(self, rate: int, seconds: float) -> None:
        self.rate = rate
        self._size = max(1, round(seconds * rate))
        self._buf = np.zeros(self._size, dtype=np.int16)
        self._pos = 0  # samples pushed so far

    @property
    def now_s(self) -> float:
        """Stream time just after the newest sample."""
        return self._pos / self.rate

    @property
    def oldest_s(self) -> float:
        """Stream time of the oldest sample still held."""
        return max(0, self._pos - self._size) / self.rate

    def push(self, samples: np.ndarray) -> None:
        """Append int16 mono samples (any length; only the newest ``seconds`` are kept)."""
        n = samples.size
        if n >= self._size:
            # only the newest ``size`` samples survive; they go where stream time puts them
            samples = samples[-self._size :]
            self._pos += n - self._size
            n = self._size
        start = self._pos % self._size
        first = min(n, self._size - start)
        self._buf[start : start + first] = samples[:first]
        self._buf[: n - first] = samples[first:]
        self._pos += n

    def skip(self, samples: int) -> None:
        """Let ``samples`` of stream time pass unheard: the ring holds silence for them."""
        if samples <= 0:
            return
        held = min(samples, self._size)
        idx = (self._pos + samples - held + np.arange(held)) % self._size
        self._buf[idx] = 0
        self._pos += samples

    @property
    def samples(self) -> int:
        """Samples pushed or skipped so far (stream time in samples)."""
        return self._pos

    def window(self, start_s: float, end_s: float) -> np.ndarray:
        """A copy of the audio from ``start_s`` to ``end_s``, clipped to what is held."""
        lo = max(round(start_s * self.rate), self._pos - self._size, 0)
        hi = min(round(end_s * self.rate), self._pos)
        if hi <= lo:
            return np.zeros(0, dtype=np.int16)
        idx = np.arange(lo, hi) % self._size
        return self._buf[idx]
