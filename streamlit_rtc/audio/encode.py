"""Audio arrays as MP3: fastrtc's ``audio_to_bytes`` and ``audio_to_file``, without pydub or ffmpeg.

fastrtc encodes with pydub, which shells out to an ``ffmpeg`` binary. PyAV
(already a dependency for WebRTC) bundles FFmpeg's libraries, and its wheels
include the LAME MP3 encoder (``libmp3lame``), so the same MP3 bytes come from
an in-process encoder instead. Typical use: send a user's turn to a
speech-to-text API that takes MP3, or keep a recording.
"""

from __future__ import annotations

import io
import logging
import tempfile
from typing import Any

import av
import numpy as np

from ..core.convert import audio_to_float32

__all__ = ["audio_to_bytes", "audio_to_file"]

logger = logging.getLogger(__name__)

_CODEC = "libmp3lame"
_MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)
"""Sample rates MP3 can carry (MPEG-1, -2 and -2.5); others are resampled to one of them."""
_BIT_RATE_PER_CHANNEL = 64_000
"""Clear speech and music at any MP3 rate; LAME lowers it where a low rate caps the bit rate."""


def _check_audio(audio: Any) -> tuple[int, np.ndarray]:
    """Validate ``(rate, array)`` and return the rate and float32 ``(channels, N)`` samples."""
    if not isinstance(audio, tuple) or len(audio) != 2:
        raise TypeError(f"audio must be a (sample_rate, array) tuple, got {type(audio).__name__}")
    rate, array = audio
    if isinstance(rate, bool) or not isinstance(rate, (int, np.integer)) or rate <= 0:
        raise ValueError(f"the sample rate must be a positive int, got {rate!r}")
    if not isinstance(array, np.ndarray):
        raise TypeError(f"the audio must be a numpy array, got {type(array).__name__}")
    if array.dtype != np.int16 and array.dtype.kind != "f":
        raise TypeError(f"the audio must be int16 or float32 in [-1, 1], got {array.dtype}")
    if array.ndim == 1:
        array = array.reshape(1, -1)
    if array.ndim != 2 or array.shape[0] not in (1, 2):
        raise ValueError(
            f"the audio must be shaped (N,), (1, N) or (2, N) for stereo, got {array.shape}"
        )
    if array.shape[1] == 0:
        raise ValueError("the audio has no samples")
    samples = audio_to_float32(array)
    if not np.isfinite(samples).all():
        raise ValueError("the audio contains NaN or infinite samples")
    return int(rate), np.ascontiguousarray(np.clip(samples, -1.0, 1.0))


def _mp3_rate(rate: int) -> int:
    """The MP3 rate to encode ``rate`` at: itself if MP3 has it, else the next higher one."""
    if rate in _MP3_RATES:
        return rate
    higher = [candidate for candidate in _MP3_RATES if candidate > rate]
    return higher[0] if higher else _MP3_RATES[-1]


def audio_to_bytes(audio: tuple[int, np.ndarray]) -> bytes:
    """Encode ``(rate, array)`` as MP3 bytes, as fastrtc's ``audio_to_bytes`` does.

    ``array`` is int16, or float in [-1, 1] (clipped), shaped ``(N,)`` or
    ``(1, N)`` for mono or ``(2, N)`` for stereo (fastrtc always encodes one
    channel; here stereo stays stereo). A rate MP3 cannot carry (e.g. 96 kHz)
    is resampled to the next higher MP3 rate, or to 48 kHz. Invalid input
    raises ``TypeError``/``ValueError`` saying what is wrong.
    """
    rate, samples = _check_audio(audio)
    channels = samples.shape[0]
    layout = "mono" if channels == 1 else "stereo"
    target_rate = _mp3_rate(rate)
    if target_rate != rate:
        logger.debug("MP3 has no %d Hz rate; encoding at %d Hz", rate, target_rate)
    frame = av.AudioFrame.from_ndarray(samples, format="fltp", layout=layout)
    frame.sample_rate = rate
    buffer = io.BytesIO()
    with av.open(buffer, "w", format="mp3") as container:
        stream = container.add_stream(_CODEC, rate=target_rate, layout=layout)
        stream.codec_context.bit_rate = _BIT_RATE_PER_CHANNEL * channels
        # PyAV converts the frame to the encoder's sample format, rate and frame size.
        for packet in stream.encode(frame):
            container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return buffer.getvalue()


def audio_to_file(audio: tuple[int, np.ndarray]) -> str:
    """Write ``(rate, array)`` to a new temporary ``.mp3`` file and return its path.

    Like fastrtc's ``audio_to_file``: the file is not deleted automatically;
    the caller owns it (delete it when done). Input rules as :func:`audio_to_bytes`.
    """
    data = audio_to_bytes(audio)
    with tempfile.NamedTemporaryFile(suffix=".mp3", delete=False) as file:
        file.write(data)
    return file.name
