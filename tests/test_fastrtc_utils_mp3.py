"""fastrtc's ``audio_to_bytes`` and ``audio_to_file``: MP3, checked by decoding the bytes again."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import av
import numpy as np
import pytest

from streamlit_rtc.audio.encode import audio_to_bytes, audio_to_file


def _tone(rate: int, seconds: float, freq: float, amplitude: float = 0.5) -> np.ndarray:
    t = np.arange(int(rate * seconds)) / rate
    return (amplitude * np.sin(2 * np.pi * freq * t)).astype(np.float32)


def _decode(data: bytes) -> tuple[int, np.ndarray]:
    """MP3 bytes decoded with PyAV as ``(rate, float32 (channels, N))``."""
    chunks = []
    with av.open(io.BytesIO(data)) as container:
        stream = container.streams.audio[0]
        rate = stream.rate
        for frame in container.decode(stream):
            array = frame.to_ndarray()
            channels = len(frame.layout.channels)
            if not frame.format.is_planar:
                array = array.reshape(-1, channels).T
            chunks.append(array.astype(np.float32))
    return rate, np.concatenate(chunks, axis=1)


def _peak_hz(samples: np.ndarray, rate: int) -> float:
    """Frequency of the strongest component, away from the encoder's start and end."""
    middle = samples[int(0.1 * rate) : len(samples) - int(0.1 * rate)]
    spectrum = np.abs(np.fft.rfft(middle * np.hanning(len(middle))))
    return float(np.argmax(spectrum) * rate / len(middle))


def test_audio_to_bytes_round_trips_an_int16_tone() -> None:
    rate = 16000
    samples = (_tone(rate, 1.0, 440) * 32767).astype(np.int16)
    data = audio_to_bytes((rate, samples))
    assert isinstance(data, bytes)
    assert data[:3] == b"ID3" or data[0] == 0xFF  # an MP3 file (tag or frame sync)
    decoded_rate, decoded = _decode(data)
    assert decoded_rate == rate
    assert decoded.shape[0] == 1
    assert decoded.shape[1] / rate == pytest.approx(1.0, abs=0.06)
    assert _peak_hz(decoded[0], rate) == pytest.approx(440, abs=5)
    assert 0.3 < float(np.abs(decoded).max()) < 0.7  # the level survives too


def test_audio_to_bytes_takes_float32_row_vectors() -> None:
    rate = 48000
    data = audio_to_bytes((rate, _tone(rate, 0.5, 1000).reshape(1, -1)))
    decoded_rate, decoded = _decode(data)
    assert decoded_rate == rate
    assert decoded.shape[1] / rate == pytest.approx(0.5, abs=0.05)
    assert _peak_hz(decoded[0], rate) == pytest.approx(1000, abs=5)


def test_audio_to_bytes_keeps_stereo_channels_apart() -> None:
    rate = 44100
    stereo = np.stack([_tone(rate, 1.0, 440), _tone(rate, 1.0, 1200)])
    decoded_rate, decoded = _decode(audio_to_bytes((rate, stereo)))
    assert decoded_rate == rate
    assert decoded.shape[0] == 2
    assert _peak_hz(decoded[0], rate) == pytest.approx(440, abs=5)
    assert _peak_hz(decoded[1], rate) == pytest.approx(1200, abs=5)


@pytest.mark.parametrize(("rate", "mp3_rate"), [(96000, 48000), (44000, 44100), (5000, 8000)])
def test_audio_to_bytes_resamples_rates_mp3_cannot_carry(rate: int, mp3_rate: int) -> None:
    decoded_rate, decoded = _decode(audio_to_bytes((rate, _tone(rate, 1.0, 600))))
    assert decoded_rate == mp3_rate
    assert decoded.shape[1] / mp3_rate == pytest.approx(1.0, abs=0.06)
    assert _peak_hz(decoded[0], mp3_rate) == pytest.approx(600, abs=5)


def test_audio_to_bytes_clips_loud_float_audio() -> None:
    rate = 16000
    _, decoded = _decode(audio_to_bytes((rate, _tone(rate, 0.5, 300, amplitude=3.0))))
    assert float(np.abs(decoded).max()) < 1.2


@pytest.mark.parametrize(
    ("audio", "error", "match"),
    [
        ([16000, np.zeros(10, np.int16)], TypeError, "tuple"),
        ((16000, np.zeros(10, np.int16), "mono"), TypeError, "tuple"),
        ((0, np.zeros(10, np.int16)), ValueError, "sample rate"),
        ((16000.0, np.zeros(10, np.int16)), ValueError, "sample rate"),
        ((True, np.zeros(10, np.int16)), ValueError, "sample rate"),
        ((16000, [0, 1, 2]), TypeError, "numpy array"),
        ((16000, np.zeros(10, np.int32)), TypeError, "int16 or float32"),
        ((16000, np.zeros((3, 10), np.int16)), ValueError, r"\(2, N\)"),
        ((16000, np.zeros((1, 2, 10), np.int16)), ValueError, r"\(2, N\)"),
        ((16000, np.zeros((1, 0), np.int16)), ValueError, "no samples"),
        ((16000, np.array([0.0, np.nan], np.float32)), ValueError, "NaN"),
    ],
)
def test_audio_to_bytes_rejects_invalid_input(audio: Any, error: type, match: str) -> None:
    with pytest.raises(error, match=match):
        audio_to_bytes(audio)


def test_audio_to_file_writes_a_temporary_mp3() -> None:
    rate = 24000
    audio = (rate, (_tone(rate, 0.5, 500) * 32767).astype(np.int16))
    path = Path(audio_to_file(audio))
    try:
        assert path.suffix == ".mp3"
        assert path.is_file()
        decoded_rate, decoded = _decode(path.read_bytes())
        assert decoded_rate == rate
        assert _peak_hz(decoded[0], rate) == pytest.approx(500, abs=5)
    finally:
        path.unlink()
