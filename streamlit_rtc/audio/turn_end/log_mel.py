"""Whisper-style log-mel features in numpy: what Whisper-family models (Smart Turn) take as input.

The recipe is Whisper's: a centred STFT (400-sample periodic Hann window,
hop 160 at 16 kHz, reflect padding), the power spectrum projected onto 80
Slaney-scale, area-normalised mel bands from 0 to 8 kHz, ``log10`` with a
floor of 1e-10, a dynamic range of 8 (80 dB) below the loudest band, then
``(x + 4) / 4``.  The last STFT frame is dropped, as Whisper does, so
``N`` samples give ``N // 160`` frames.  No torch or librosa: the filterbank
is computed once per (rate, size) and the STFT is one batched real FFT.
"""

from __future__ import annotations

import functools

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

__all__ = ["HOP_LENGTH", "N_FFT", "SAMPLE_RATE", "log_mel_spectrogram", "mel_filterbank"]

SAMPLE_RATE = 16000
N_FFT = 400
HOP_LENGTH = 160
_LOG_FLOOR = 1e-10
_DYNAMIC_RANGE = 8.0  # log10 units (80 dB)

# Slaney's mel scale: linear below 1 kHz (200/3 Hz per mel), logarithmic above.
_LINEAR_HZ_PER_MEL = 200.0 / 3.0
_BREAK_HZ = 1000.0
_BREAK_MEL = _BREAK_HZ / _LINEAR_HZ_PER_MEL
_LOG_STEP = np.log(6.4) / 27.0


def _hz_to_mel(hz: np.ndarray) -> np.ndarray:
    hz = np.asarray(hz, dtype=np.float64)
    linear = hz / _LINEAR_HZ_PER_MEL
    logarithmic = _BREAK_MEL + np.log(np.maximum(hz, _BREAK_HZ) / _BREAK_HZ) / _LOG_STEP
    return np.where(hz >= _BREAK_HZ, logarithmic, linear)


def _mel_to_hz(mel: np.ndarray) -> np.ndarray:
    mel = np.asarray(mel, dtype=np.float64)
    linear = mel * _LINEAR_HZ_PER_MEL
    logarithmic = _BREAK_HZ * np.exp(_LOG_STEP * (np.maximum(mel, _BREAK_MEL) - _BREAK_MEL))
    return np.where(mel >= _BREAK_MEL, logarithmic, linear)


@functools.lru_cache(maxsize=4)
def mel_filterbank(n_mels: int = 80, rate: int = SAMPLE_RATE, n_fft: int = N_FFT) -> np.ndarray:
    """Triangular mel filters, ``(n_mels, n_fft // 2 + 1)``, each scaled to unit area (Slaney).

    Read-only (it is cached and shared): copy it before changing it.
    """
    edges_hz = _mel_to_hz(np.linspace(0.0, float(_hz_to_mel(np.array(rate / 2.0))), n_mels + 2))
    bins_hz = np.linspace(0.0, rate / 2.0, n_fft // 2 + 1)
    lower, centre, upper = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    rising = (bins_hz[None, :] - lower) / (centre - lower)
    falling = (upper - bins_hz[None, :]) / (upper - centre)
    filters = np.maximum(0.0, np.minimum(rising, falling))
    filters *= 2.0 / (upper - lower)  # equal area per band
    filters.setflags(write=False)
    return filters


@functools.lru_cache(maxsize=4)
def _bands(n_mels: int) -> tuple[tuple[int, int, np.ndarray], ...]:
    """Each filter as (first bin, end bin, weights): the filterbank is banded, ~6 bins a band."""
    bands = []
    for row in mel_filterbank(n_mels):
        nonzero = np.flatnonzero(row)
        lo, hi = (int(nonzero[0]), int(nonzero[-1]) + 1) if nonzero.size else (0, 0)
        bands.append((lo, hi, np.ascontiguousarray(row[lo:hi])))
    return tuple(bands)


def _project(power: np.ndarray, n_mels: int) -> np.ndarray:
    """``(frames, bins)`` power onto the mel bands: ``(n_mels, frames)``.

    Band by band, small matrix-vector products: the same numbers as one
    ``filterbank @ power.T`` but never large enough to wake OpenBLAS's thread
    pool, whose threads would spin on other cores after every call (about as
    much CPU again as the model itself costs).
    """
    mel = np.zeros((n_mels, power.shape[0]))
    for band, (lo, hi, weights) in enumerate(_bands(n_mels)):
        if hi > lo:
            mel[band] = power[:, lo:hi] @ weights
    return mel


@functools.lru_cache(maxsize=2)
def _hann(n_fft: int) -> np.ndarray:
    window = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(n_fft) / n_fft)  # periodic
    window.setflags(write=False)
    return window


def log_mel_spectrogram(audio: np.ndarray, n_mels: int = 80) -> np.ndarray:
    """``(n_mels, len(audio) // 160)`` float32 log-mel features of 16 kHz mono float audio."""
    samples = np.asarray(audio, dtype=np.float64).reshape(-1)
    if samples.size < N_FFT // 2 + 1:
        raise ValueError(f"need at least {N_FFT // 2 + 1} samples, got {samples.size}")
    padded = np.pad(samples, N_FFT // 2, mode="reflect")
    frames = sliding_window_view(padded, N_FFT)[::HOP_LENGTH]
    power = np.abs(np.fft.rfft(frames * _hann(N_FFT), axis=-1)) ** 2
    mel = _project(power[:-1], n_mels)
    log_mel = np.log10(np.maximum(mel, _LOG_FLOOR))
    log_mel = np.maximum(log_mel, log_mel.max() - _DYNAMIC_RANGE)
    return ((log_mel + 4.0) / 4.0).astype(np.float32)
