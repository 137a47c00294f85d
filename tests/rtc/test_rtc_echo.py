"""Echo over a real loopback: microphone -> MicrophoneSink -> deque -> output track."""

from __future__ import annotations

import pytest
from rtc_helpers import EchoBuffer, rms, wait_until

from streamlit_rtc.testing import AudioLoopback, dominant_frequency, read_wav, sine, write_wav

pytestmark = pytest.mark.rtc


def test_echo_returns_the_tone(arun) -> None:
    echo = EchoBuffer()

    async def scenario() -> None:
        async with AudioLoopback(
            on_frame=echo.on_frame, next_frame=echo.next_frame, mic_samples=sine(440, 5)
        ) as lb:
            assert lb.connected_at is not None
            since = lb.connected_at + 0.5
            await wait_until(lambda: len(lb.received.pcm(since_s=since)) >= 48000)
            assert lb.sink.stats.frames >= 50
            pcm = lb.received.pcm(since_s=since)
            assert rms(pcm) > 0.3 * 32767 / 2**0.5 * 0.5  # most of the tone's energy
            assert abs(dominant_frequency(pcm[:, 0], 48000) - 440) < 5
            assert abs(dominant_frequency(pcm[:, 1], 48000) - 440) < 5
            first = lb.received.frames[0]
            assert (first.sample_rate, first.layout, first.samples.shape) == (
                48000,
                "stereo",
                (1, 1920),
            )

    arun(scenario)


def test_echo_from_a_wav_file(arun, tmp_path) -> None:
    path = tmp_path / "tone.wav"
    # 22050 Hz mono, like espeak-ng output
    write_wav(path, 22050, sine(300, 3, sample_rate=22050, channels=1))
    rate, samples = read_wav(path, sample_rate=48000)
    assert rate == 48000 and samples.shape[1] == 1 and abs(len(samples) - 3 * 48000) < 10
    echo = EchoBuffer()

    async def scenario() -> None:
        async with AudioLoopback(
            on_frame=echo.on_frame, next_frame=echo.next_frame, mic_samples=samples
        ) as lb:
            since = (lb.connected_at or 0) + 0.5
            await wait_until(lambda: len(lb.received.pcm(since_s=since)) >= 48000)
            pcm = lb.received.pcm(since_s=since)
            assert abs(dominant_frequency(pcm[:, 1], 48000) - 300) < 5

    arun(scenario)
