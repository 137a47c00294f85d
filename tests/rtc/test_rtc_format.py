"""Output track formats other than the browser's: opus resamples them."""

from __future__ import annotations

import asyncio
from typing import Any, cast

import numpy as np
import pytest
from rtc_helpers import ToneFrames, discard, measure_on_time, rms, wait_until

from streamlit_rtc.rtc import PacedAudioSourceTrack
from streamlit_rtc.testing import AudioLoopback, dominant_frequency


async def _pulled_in(tone: ToneFrames, seconds: float) -> int:
    before = tone.pulled
    await asyncio.sleep(seconds)
    return tone.pulled - before


@pytest.mark.rtc
@pytest.mark.parametrize(
    ("rate", "channels", "frame_size"),
    [(24000, 1, 480), (16000, 2, 320), (48000, 1, 480)],
)
def test_output_format_is_received(arun, rate: int, channels: int, frame_size: int) -> None:
    tone = ToneFrames(500, sample_rate=rate, channels=channels, frame_size=frame_size)

    async def scenario() -> None:
        async with AudioLoopback(
            on_frame=discard,
            next_frame=tone.next_frame,
            out_sample_rate=rate,
            out_channels=channels,
            out_frame_size=frame_size,
        ) as lb:
            assert lb.connected_at is not None
            since = lb.connected_at + 0.5
            await wait_until(lambda: len(lb.received.pcm(since_s=since)) >= 0.8 * 48000)
            frames = lb.received.frames
            assert frames[0].sample_rate == 48000  # decoded by opus
            pcm = lb.received.pcm(since_s=since)
            assert rms(pcm) > 3000
            assert abs(dominant_frequency(pcm[:, 0], 48000) - 500) < 5
            # The track pulls at its own pace: frame_size / rate seconds per frame.
            pulled = await measure_on_time(lambda: _pulled_in(tone, 1.0), paced=[lb.output])
            expected = rate / frame_size
            assert 0.9 * expected <= pulled <= 1.1 * expected, (pulled, expected, lb.output.stats)

    arun(scenario)


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"sample_rate": 0}, ValueError),
        ({"sample_rate": 44100.0}, ValueError),
        ({"channels": 3}, ValueError),
        ({"channels": 0}, ValueError),
        ({"frame_size": 0}, ValueError),
        ({"frame_size": -960}, ValueError),
    ],
)
def test_constructor_rejects_bad_format(kwargs: dict[str, Any], error: type) -> None:
    with pytest.raises(error):
        PacedAudioSourceTrack(lambda: None, **kwargs)


def test_constructor_rejects_non_callable() -> None:
    with pytest.raises(TypeError):
        PacedAudioSourceTrack(cast(Any, np.zeros((2, 960), np.int16)))


def test_defaults_are_20ms_stereo_48k() -> None:
    track = PacedAudioSourceTrack(lambda: None)
    assert (track.sample_rate, track.channels, track.frame_size, track.layout) == (
        48000,
        2,
        960,
        "stereo",
    )
    track.stop()
