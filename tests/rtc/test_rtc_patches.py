"""The numpy audio-level replacement matches aiortc and works in a live sender."""

from __future__ import annotations

from collections.abc import Iterator

import av
import numpy as np
import pytest
from aiortc import rtp
from rtc_helpers import EchoBuffer, wait_until

from streamlit_rtc.rtc.aiortc_patches import (
    fast_compute_audio_level_dbov,
    install_fast_audio_level,
    original_compute_audio_level_dbov,
    uninstall_fast_audio_level,
)
from streamlit_rtc.rtc.loopback import AudioLoopback, sine


@pytest.fixture
def fast_level() -> Iterator[None]:
    install_fast_audio_level()
    yield
    uninstall_fast_audio_level()


@pytest.mark.parametrize(("layout", "width"), [("stereo", 1920), ("mono", 960), ("mono", 480)])
@pytest.mark.parametrize("amplitude", [0, 1, 37, 3000, 32767])
def test_same_level_as_aiortc(layout: str, width: int, amplitude: int) -> None:
    rng = np.random.default_rng(amplitude)
    data = rng.integers(-amplitude - 1, amplitude + 1, size=(1, width)).astype(np.int16)
    frame = av.AudioFrame.from_ndarray(data, format="s16", layout=layout)
    frame.sample_rate = 48000
    assert fast_compute_audio_level_dbov(frame) == original_compute_audio_level_dbov(frame)


def test_install_is_idempotent_and_reversible() -> None:
    original = rtp.compute_audio_level_dbov
    install_fast_audio_level()
    install_fast_audio_level()
    assert rtp.compute_audio_level_dbov is fast_compute_audio_level_dbov
    uninstall_fast_audio_level()
    assert rtp.compute_audio_level_dbov is original


@pytest.mark.rtc
def test_echo_with_fast_level_installed(arun, fast_level: None) -> None:
    echo = EchoBuffer()

    async def scenario() -> None:
        async with AudioLoopback(
            on_frame=echo.on_frame, next_frame=echo.next_frame, mic_samples=sine(440, 3)
        ) as lb:
            await wait_until(lambda: len(lb.received.pcm(since_s=lb.connected_at or 0)) >= 24000)
            assert np.abs(lb.received.pcm()).max() > 5000

    arun(scenario)
