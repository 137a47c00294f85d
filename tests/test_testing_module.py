"""streamlit_rtc.testing: the WAV reader/writer, the public names, no Streamlit import."""

from __future__ import annotations

import struct
import subprocess
import sys
import wave
from pathlib import Path

import numpy as np
import pytest

import streamlit_rtc.testing as testing
from streamlit_rtc.testing import read_wav, write_wav


def _ramp(n: int, channels: int) -> np.ndarray:
    """Distinct int16 values covering the full range, ``(n, channels)``."""
    values = np.linspace(-32768, 32767, n * channels).round().astype(np.int16)
    return values.reshape(n, channels)


@pytest.mark.parametrize("channels", [1, 2])
def test_round_trip(tmp_path: Path, channels: int) -> None:
    path = tmp_path / "x.wav"
    samples = _ramp(1000, channels)
    write_wav(path, 16000, samples)
    rate, back = read_wav(path)
    assert rate == 16000
    assert back.dtype == np.int16 and back.shape == (1000, channels)
    np.testing.assert_array_equal(back, samples)


def test_mono_1d_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "mono.wav"
    samples = _ramp(500, 1)[:, 0]
    write_wav(path, 22050, samples)
    with wave.open(str(path)) as w:
        assert (w.getnchannels(), w.getsampwidth(), w.getframerate()) == (1, 2, 22050)
    rate, back = read_wav(path, mono=True)
    assert rate == 22050 and back.shape == (500,)
    np.testing.assert_array_equal(back, samples)
    assert read_wav(path)[1].shape == (500, 1)


def test_mono_averages_channels(tmp_path: Path) -> None:
    path = tmp_path / "stereo.wav"
    write_wav(path, 8000, np.array([[100, 201], [-100, -201], [7, 8]], np.int16))
    _, mono = read_wav(path, mono=True)
    assert mono.dtype == np.int16
    np.testing.assert_array_equal(mono, [150, -150, 7])  # rounded toward zero


def test_empty_file_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "empty.wav"
    write_wav(path, 48000, np.zeros((0, 2), np.int16))
    rate, back = read_wav(path)
    assert rate == 48000 and back.shape == (0, 2)


def test_resample_on_read(tmp_path: Path) -> None:
    path = tmp_path / "tone.wav"
    write_wav(path, 22050, testing.sine(300, 1, sample_rate=22050, channels=1))
    rate, samples = read_wav(path, sample_rate=48000)
    assert rate == 48000 and samples.dtype == np.int16 and samples.shape[1] == 1
    assert abs(len(samples) - 48000) < 10
    assert abs(testing.dominant_frequency(samples[:, 0], 48000) - 300) < 5


@pytest.mark.parametrize("width", [1, 3, 4])
def test_rejects_other_integer_widths(tmp_path: Path, width: int) -> None:
    path = tmp_path / f"{8 * width}bit.wav"
    with wave.open(str(path), "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(width)
        w.setframerate(16000)
        w.writeframes(b"\x00" * width * 100)
    with pytest.raises(ValueError, match=rf"only 16-bit PCM.*{8 * width}-bit samples") as info:
        read_wav(path)
    assert str(path) in str(info.value)


def _float_wav(path: Path, samples: np.ndarray, rate: int = 16000) -> None:
    """A mono 32-bit IEEE float WAV (format tag 3), which the wave module cannot write."""
    data = samples.astype("<f4").tobytes()
    fmt = struct.pack("<HHIIHH", 3, 1, rate, rate * 4, 4, 32)
    chunks = b"fmt " + struct.pack("<I", len(fmt)) + fmt
    chunks += b"data" + struct.pack("<I", len(data)) + data
    path.write_bytes(b"RIFF" + struct.pack("<I", 4 + len(chunks)) + b"WAVE" + chunks)


def test_rejects_float_wav(tmp_path: Path) -> None:
    path = tmp_path / "float.wav"
    _float_wav(path, np.zeros(100, np.float32))
    with pytest.raises(ValueError, match="only 16-bit PCM WAV") as info:
        read_wav(path)
    assert str(path) in str(info.value)


@pytest.mark.parametrize("content", [b"", b"RIFF", b"not a wav file at all, just text"])
def test_rejects_non_wav(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "junk.wav"
    path.write_bytes(content)
    with pytest.raises(ValueError, match=r"junk\.wav"):
        read_wav(path)


def test_write_rejects_non_int16(tmp_path: Path) -> None:
    with pytest.raises(TypeError, match="int16"):
        write_wav(tmp_path / "f.wav", 16000, np.zeros(10, np.float32))
    assert not (tmp_path / "f.wav").exists()


def test_write_rejects_transposed_or_bad_shapes(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"\(N, channels\)"):
        write_wav(tmp_path / "t.wav", 16000, np.zeros((1, 960), np.int16))  # (channels, N)
    with pytest.raises(ValueError, match=r"\(N, channels\)"):
        write_wav(tmp_path / "t.wav", 16000, np.zeros((2, 3, 4), np.int16))
    with pytest.raises(ValueError, match="sample rate"):
        write_wav(tmp_path / "t.wav", 0, np.zeros(10, np.int16))


PUBLIC = {
    "ArrayAudioSource",
    "AudioLoopback",
    "AudioRecorder",
    "BROWSER_FRAME_SIZE",
    "BROWSER_SAMPLE_RATE",
    "ComponentClient",
    "HandlerSimulator",
    "LoopLag",
    "LoopbackPeers",
    "MediaLoop",
    "ReceivedFrame",
    "TimedStatus",
    "dominant_frequency",
    "fake_microphone",
    "pitch_shifted",
    "read_wav",
    "restrict_ice_to_loopback",
    "sine",
    "write_wav",
}


def test_pitch_shifted_moves_the_pitch_and_keeps_the_length() -> None:
    rate = 22050
    t = np.arange(rate) / rate
    tone = (8000 * np.sin(2 * np.pi * 200 * t)).astype(np.int16)
    higher = testing.pitch_shifted(tone, rate, 1.2)
    assert higher.dtype == np.int16
    assert abs(higher.size - 16000) <= 160  # at 16 kHz, the same second
    assert abs(testing.dominant_frequency(higher, 16000) - 240) < 10


def test_pitch_shifted_gives_the_same_audio_on_every_run() -> None:
    rate = 22050
    rng = np.random.default_rng(7)
    t = np.arange(rate) / rate
    voice = 3000 * np.sin(2 * np.pi * 150 * t) + rng.normal(0, 300, rate)  # not a pure tone
    clip = voice.astype(np.int16)
    first = testing.pitch_shifted(clip, rate, 0.88)
    assert np.array_equal(first, testing.pitch_shifted(clip, rate, 0.88))


def test_public_names() -> None:
    assert set(testing.__all__) == PUBLIC
    for name in PUBLIC:
        assert getattr(testing, name) is not None, name
    from streamlit_rtc.simulate import HandlerSimulator, TimedStatus

    assert testing.HandlerSimulator is HandlerSimulator
    assert testing.TimedStatus is TimedStatus


def test_runtime_rtc_package_holds_no_test_tooling() -> None:
    import streamlit_rtc.rtc as rtc

    for name in ("LoopLag", "AudioLoopback", "LoopbackPeers", "fake_microphone", "load_wav"):
        assert not hasattr(rtc, name), name


def test_import_does_not_load_streamlit() -> None:
    code = (
        "import sys, streamlit_rtc.testing\n"
        "bad = sorted(m for m in sys.modules\n"
        "             if m.split('.')[0] in ('streamlit', 'streamlit_webrtc'))\n"
        "print(','.join(bad))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=120
    )
    assert result.stdout.strip() == "", result.stdout
