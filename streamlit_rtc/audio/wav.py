"""16-bit PCM WAV files as int16 numpy arrays: the one reader and writer of tests and benchmarks.

Every fixture of this project (espeak-ng and sox output, the browser's fake
microphone files) is 16-bit PCM, the format the library's handlers receive
as int16. Reading anything else (8-bit, 24-bit, float) would need a
conversion the caller did not ask for, so it is refused with an error that
names the file and its sample format instead of returning wrongly scaled
samples.

Shapes follow the rest of :mod:`streamlit_rtc.testing` (and soxr, numpy's
interleaved view of a WAV): ``(N, channels)`` samples, or 1-D ``(N,)`` for
``mono=True``, the shape :class:`~streamlit_rtc.simulate.HandlerSimulator`
and the handlers take.
"""

from __future__ import annotations

import logging
import wave
from pathlib import Path

import numpy as np

__all__ = ["MAX_CHANNELS", "read_wav", "write_wav"]

logger = logging.getLogger(__name__)

#: Most channels :func:`write_wav` accepts: a wider array is almost surely
#: the library's ``(channels, N)`` output layout, which needs ``.T`` first.
MAX_CHANNELS = 8

_SAMPLE_WIDTH = 2  # bytes: 16-bit PCM


def read_wav(
    path: str | Path, *, mono: bool = False, sample_rate: int | None = None
) -> tuple[int, np.ndarray]:
    """Read a 16-bit PCM WAV file as ``(rate, samples)``.

    ``samples`` is int16 ``(N, channels)``. With ``mono=True`` it is 1-D
    ``(N,)``: a mono file as stored, a multi-channel file averaged over its
    channels (rounded toward zero). With ``sample_rate`` the audio is
    resampled (soxr) to that rate and ``rate`` is ``sample_rate``, e.g.
    48000 for :func:`~streamlit_rtc.testing.fake_microphone` from a
    22050 Hz espeak-ng file.

    Raises ``ValueError`` (naming the file) for a file that is not a WAV
    file or whose samples are not 16-bit PCM (8-bit, 24-bit, 32-bit,
    float, compressed).
    """
    try:
        with wave.open(str(path), "rb") as wav:
            width = wav.getsampwidth()
            channels = wav.getnchannels()
            rate = wav.getframerate()
            raw = wav.readframes(wav.getnframes()) if width == _SAMPLE_WIDTH else b""
    except wave.Error as exc:  # float, extensible or compressed formats, not a RIFF file
        raise ValueError(f"{path}: only 16-bit PCM WAV files are supported ({exc})") from exc
    except EOFError as exc:  # shorter than a WAV header
        raise ValueError(f"{path}: not a WAV file (truncated header)") from exc
    if width != _SAMPLE_WIDTH:
        raise ValueError(
            f"{path}: only 16-bit PCM WAV files are supported "
            f"(this one has {8 * width}-bit samples)"
        )
    samples = np.frombuffer(raw, dtype="<i2").astype(np.int16).reshape(-1, channels)
    if sample_rate is not None and sample_rate != rate:
        import soxr  # a project dependency; only needed when resampling

        samples = soxr.resample(samples, rate, sample_rate).astype(np.int16).reshape(-1, channels)
        rate = sample_rate
    if mono:
        if channels == 1:
            return rate, samples[:, 0]
        return rate, samples.mean(axis=1).astype(np.int16)
    return rate, samples


def write_wav(path: str | Path, rate: int, samples: np.ndarray) -> None:
    """Write int16 ``samples`` as a 16-bit PCM WAV file at ``rate`` Hz.

    ``samples`` is 1-D ``(N,)`` (mono) or ``(N, channels)``, what
    :func:`read_wav` returns. Other dtypes are refused rather than
    converted (a float signal has no single right scaling); so is a 2-D
    array with more than :data:`MAX_CHANNELS` columns, which is almost
    surely a transposed ``(channels, N)`` array.
    """
    data = np.asarray(samples)
    if data.dtype != np.int16:
        raise TypeError(f"write_wav needs int16 samples, got {data.dtype}")
    if data.ndim == 1:
        data = data[:, None]
    if data.ndim != 2 or not 1 <= data.shape[1] <= MAX_CHANNELS:
        raise ValueError(
            f"write_wav needs (N,) or (N, channels) samples with 1 to {MAX_CHANNELS} channels, "
            f"got shape {np.shape(samples)} (transpose a (channels, N) array)"
        )
    if rate <= 0:
        raise ValueError(f"write_wav needs a positive sample rate, got {rate}")
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(data.shape[1])
        wav.setsampwidth(_SAMPLE_WIDTH)
        wav.setframerate(rate)
        wav.writeframes(np.ascontiguousarray(data, dtype="<i2").tobytes())
    logger.debug("wrote %s (%d Hz, %s)", path, rate, data.shape)
