"""aiortc patches: the numpy audio level matches aiortc; prompt audio receive decodes sooner."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import av
import numpy as np
import pytest
from aiortc import rtcrtpreceiver, rtp
from aiortc.rtp import RtpPacket
from rtc_helpers import EchoBuffer, wait_until

from streamlit_rtc.rtc.aiortc_patches import (
    fast_compute_audio_level_dbov,
    install_fast_audio_level,
    install_prompt_audio_receive,
    original_compute_audio_level_dbov,
    tune_aiortc,
    uninstall_fast_audio_level,
    uninstall_prompt_audio_receive,
)
from streamlit_rtc.testing import AudioLoopback, sine


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




def _packets(count: int) -> list[RtpPacket]:
    packets = []
    for n in range(count):
        packet = RtpPacket(payload_type=111, sequence_number=n, timestamp=960 * n, payload=b"\0")
        packet._data = packet.payload  # the depayloaded bytes, set by RTCRtpReceiver
        packets.append(packet)
    return packets


def _first_frame_after(buffer_factory: Callable[..., Any], is_video: bool) -> int:
    """How many packets (one per frame, as Opus sends) go in before the first frame comes out.

    ``buffer_factory`` is called as ``RTCRtpReceiver`` calls it for audio or video.
    """
    if is_video:
        buffer = buffer_factory(capacity=128, is_video=True)
    else:
        buffer = buffer_factory(capacity=16, prefetch=4)
    for n, packet in enumerate(_packets(16), start=1):
        _, frame = buffer.add(packet)
        if frame is not None:
            return n
    return -1


@pytest.fixture
def prompt_receive() -> Iterator[None]:
    install_prompt_audio_receive()
    yield
    uninstall_prompt_audio_receive()


def test_prompt_receive_decodes_audio_after_one_packet(prompt_receive: None) -> None:
    factory = rtcrtpreceiver.JitterBuffer
    assert _first_frame_after(factory, is_video=False) == 2  # frame 0 is out when 1 arrives
    uninstall_prompt_audio_receive()
    assert _first_frame_after(rtcrtpreceiver.JitterBuffer, is_video=False) == 5  # aiortc: 4 + 1


def test_prompt_receive_leaves_video_alone(prompt_receive: None) -> None:
    patched = _first_frame_after(rtcrtpreceiver.JitterBuffer, is_video=True)
    uninstall_prompt_audio_receive()
    assert patched == _first_frame_after(rtcrtpreceiver.JitterBuffer, is_video=True)


def test_tune_aiortc_installs_both_idempotently() -> None:
    try:
        tune_aiortc()
        tune_aiortc()
        assert rtp.compute_audio_level_dbov is fast_compute_audio_level_dbov
        assert _first_frame_after(rtcrtpreceiver.JitterBuffer, is_video=False) == 2
    finally:
        uninstall_prompt_audio_receive()
        uninstall_fast_audio_level()


@pytest.mark.rtc
@pytest.mark.parametrize("patch", ["fast_level", "prompt_receive"])
def test_echo_with_a_patch_installed(arun, patch: str, request: pytest.FixtureRequest) -> None:
    """A live echo between two aiortc peers still sounds with the patch in both."""
    request.getfixturevalue(patch)
    echo = EchoBuffer()

    async def scenario() -> None:
        async with AudioLoopback(
            on_frame=echo.on_frame, next_frame=echo.next_frame, mic_samples=sine(440, 3)
        ) as lb:
            await wait_until(lambda: len(lb.received.pcm(since_s=lb.connected_at or 0)) >= 24000)
            assert np.abs(lb.received.pcm()).max() > 5000

    arun(scenario)
