"""Signal measures shared by the fastrtc-style tests."""

from __future__ import annotations

import numpy as np

__all__ = ["dominant_hz", "loud_spans", "window_rms"]


def window_rms(audio: np.ndarray, rate: int, hop_s: float = 0.02) -> np.ndarray:
    """RMS (fraction of full scale) per ``hop_s`` window of 1-D int16 audio."""
    hop = round(hop_s * rate)
    n = audio.size // hop
    frames = audio[: n * hop].reshape(n, hop).astype(np.float64) / 32768.0
    return np.sqrt(np.mean(frames**2, axis=1))


def loud_spans(
    audio: np.ndarray, rate: int, threshold: float = 0.05, hop_s: float = 0.02
) -> list[tuple[float, float]]:
    """(start, end) seconds of 1-D int16 audio whose window RMS exceeds ``threshold``."""
    spans: list[tuple[float, float]] = []
    for i, rms in enumerate(window_rms(audio, rate, hop_s)):
        if rms <= threshold:
            continue
        start, end = i * hop_s, (i + 1) * hop_s
        if spans and abs(spans[-1][1] - start) < 1e-9:
            spans[-1] = (spans[-1][0], end)
        else:
            spans.append((start, end))
    return spans


def dominant_hz(audio: np.ndarray, rate: int) -> float:
    """The strongest frequency of 1-D audio."""
    x = audio.astype(np.float64)
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.argmax(spectrum) * rate / x.size)
