"""Normalise the audio that STT models receive: any rate, int16 or float, (N,) or (1, N).

fastrtc hands STT models ``(rate, array)`` straight from the microphone or a
file, so every model here accepts the same loose shapes and converts them in
one place: mono float32 in [-1, 1], resampled with soxr (no librosa).
"""

from __future__ import annotations

import numpy as np
import soxr

from ...core.convert import audio_to_float32

__all__ = ["mono_float32", "resample"]


def mono_float32(audio: tuple[int, np.ndarray]) -> tuple[int, np.ndarray]:
    """``(rate, array)`` as ``(rate, 1-D float32)``; two channels are averaged.

    Accepts int16 or float samples shaped ``(N,)``, ``(1, N)``, ``(2, N)``,
    ``(N, 1)`` or ``(N, 2)``.  Anything else raises ``ValueError`` or
    ``TypeError`` naming what was received.
    """
    if not isinstance(audio, tuple) or len(audio) != 2:
        raise TypeError(
            f"STT input must be a (sample_rate, numpy array) tuple, got {type(audio).__name__}"
        )
    rate, array = audio
    if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or rate <= 0:
        raise ValueError(f"sample rate must be a positive int, got {rate!r}")
    samples = audio_to_float32(array)
    if samples.ndim == 2:
        if samples.shape[0] in (1, 2):
            samples = samples.mean(axis=0)
        elif samples.shape[1] in (1, 2):
            samples = samples.mean(axis=1)
        else:
            raise ValueError(
                f"expected mono or stereo audio shaped (N,), (1, N) or (2, N), got {samples.shape}"
            )
    elif samples.ndim != 1:
        raise ValueError(f"expected a 1-D or 2-D audio array, got shape {samples.shape}")
    return int(rate), np.ascontiguousarray(samples, dtype=np.float32)


def resample(samples: np.ndarray, rate: int, target: int) -> np.ndarray:
    """1-D float32 ``samples`` at ``rate`` converted to ``target`` Hz (high-quality soxr)."""
    if rate == target or samples.size == 0:
        return samples
    return soxr.resample(samples, rate, target, quality="HQ").astype(np.float32, copy=False)
