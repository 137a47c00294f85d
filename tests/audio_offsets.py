"""Where a piece of audio a handler was given stands inside the clip it came from."""

from __future__ import annotations

import numpy as np
import soxr


def offset_in(clip: np.ndarray, clip_rate: int, piece: np.ndarray, rate: int) -> float:
    """Where ``piece`` (at ``rate``) starts inside ``clip``, in seconds (FFT cross-correlation)."""
    piece_at_clip_rate = soxr.resample(piece.astype(np.float32), rate, clip_rate)
    a = clip.astype(np.float64)
    b = piece_at_clip_rate.astype(np.float64)
    n = 1 << int(np.ceil(np.log2(a.size + b.size)))
    corr = np.fft.irfft(np.fft.rfft(a, n) * np.conj(np.fft.rfft(b, n)), n)
    return float(np.argmax(corr[: a.size])) / clip_rate
