"""aiortc patches: the numpy audio level matches aiortc; prompt audio receive decodes sooner;
audio encoded and decoded on the loop, and steady silence reused, give aiortc's own bytes."""

from __future__ import annotations

import asyncio
import fractions
import threading
from collections.abc import Callable, Iterator
from typing import Any

import av
import numpy as np
import pytest
from aiortc import rtcrtpreceiver, rtcrtpsender, rtp
from aiortc.codecs import opus
from aiortc.jitterbuffer import JitterFrame
from aiortc.mediastreams import MediaStreamTrack
from aiortc.rtcrtpparameters import RTCRtpCodecParameters
from aiortc.rtp import RtpPacket
from rtc_helpers import EchoBuffer, wait_until

from streamlit_rtc.rtc import inline_codec
from streamlit_rtc.rtc.aiortc_patches import (
    fast_compute_audio_level_dbov,
    install_fast_audio_level,
    install_prompt_audio_receive,
    original_compute_audio_level_dbov,
    tune_aiortc,
    uninstall_fast_audio_level,
    uninstall_prompt_audio_receive,
)
from streamlit_rtc.rtc.convert import planar_int16_to_audio_frame
from streamlit_rtc.rtc.inline_codec import (
    SILENCE_SETTLE_FRAMES,
    InlineAudioDecoder,
    install_inline_audio_decode,
    install_inline_audio_encode,
    install_silent_opus_skip,
    uninstall_inline_audio_decode,
    uninstall_inline_audio_encode,
    uninstall_silent_opus_skip,
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


@pytest.fixture
def inline_encode() -> Iterator[None]:
    assert install_inline_audio_encode()
    yield
    uninstall_inline_audio_encode()


@pytest.fixture
def inline_decode() -> Iterator[None]:
    assert install_inline_audio_decode()
    yield
    uninstall_inline_audio_decode()


@pytest.fixture
def silent_skip() -> Iterator[None]:
    assert install_silent_opus_skip()
    yield
    uninstall_silent_opus_skip()


@pytest.fixture
def every_patch() -> Iterator[None]:
    tune_aiortc()
    yield
    _uninstall_all()


def test_prompt_receive_decodes_audio_after_one_packet(prompt_receive: None) -> None:
    factory = rtcrtpreceiver.JitterBuffer
    assert _first_frame_after(factory, is_video=False) == 2  # frame 0 is out when 1 arrives
    uninstall_prompt_audio_receive()
    assert _first_frame_after(rtcrtpreceiver.JitterBuffer, is_video=False) == 5  # aiortc: 4 + 1


def test_prompt_receive_leaves_video_alone(prompt_receive: None) -> None:
    patched = _first_frame_after(rtcrtpreceiver.JitterBuffer, is_video=True)
    uninstall_prompt_audio_receive()
    assert patched == _first_frame_after(rtcrtpreceiver.JitterBuffer, is_video=True)


def _uninstall_all() -> None:
    uninstall_prompt_audio_receive()
    uninstall_fast_audio_level()
    uninstall_inline_audio_encode()
    uninstall_inline_audio_decode()
    uninstall_silent_opus_skip()


def test_tune_aiortc_installs_every_patch_idempotently_and_reversibly() -> None:
    originals = (
        rtcrtpsender.RTCRtpSender._next_encoded_frame,
        rtcrtpreceiver.RTCRtpReceiver.__init__,
        opus.OpusEncoder.encode,
    )
    try:
        tune_aiortc()
        tune_aiortc()
        assert rtp.compute_audio_level_dbov is fast_compute_audio_level_dbov
        assert _first_frame_after(rtcrtpreceiver.JitterBuffer, is_video=False) == 2
        patched = (
            rtcrtpsender.RTCRtpSender._next_encoded_frame,
            rtcrtpreceiver.RTCRtpReceiver.__init__,
            opus.OpusEncoder.encode,
        )
        assert all(p is not o for p, o in zip(patched, originals, strict=True))
    finally:
        _uninstall_all()
    assert (
        rtcrtpsender.RTCRtpSender._next_encoded_frame,
        rtcrtpreceiver.RTCRtpReceiver.__init__,
        opus.OpusEncoder.encode,
    ) == originals


@pytest.mark.parametrize(
    ("names", "install"),
    [
        ("_SENDER_NEXT_ENCODED_FRAME_NAMES", install_inline_audio_encode),
        ("_DECODER_WORKER_NAMES", install_inline_audio_decode),
        ("_RECEIVER_HANDLE_RTP_NAMES_TAIL", install_inline_audio_decode),
        ("_OPUS_ENCODE_NAMES", install_silent_opus_skip),
    ],
)
def test_a_changed_aiortc_is_left_alone(
    names: str, install: Callable[[], bool], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A patch whose aiortc code changed (other names used) does not install."""
    monkeypatch.setattr(inline_codec, names, (*getattr(inline_codec, names), "new_name"))
    before = (
        rtcrtpsender.RTCRtpSender._next_encoded_frame,
        rtcrtpreceiver.RTCRtpReceiver.__init__,
        opus.OpusEncoder.encode,
    )
    try:
        assert install() is False
        assert (
            rtcrtpsender.RTCRtpSender._next_encoded_frame,
            rtcrtpreceiver.RTCRtpReceiver.__init__,
            opus.OpusEncoder.encode,
        ) == before
    finally:
        _uninstall_all()


def test_an_unsupported_aiortc_version_is_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("aiortc.__version__", "2.0.0")
    try:
        assert install_inline_audio_encode() is False
        assert install_inline_audio_decode() is False
        assert install_silent_opus_skip() is False
    finally:
        _uninstall_all()


# -- encoding and decoding on the loop: aiortc's own bytes and frames ----------------------

OPUS = RTCRtpCodecParameters(mimeType="audio/opus", clockRate=48000, channels=2, payloadType=111)


def _speech_like(seconds: float, rate: int, seed: int = 0) -> np.ndarray:
    """Bursts of noisy tones with digital silence between them, int16 mono."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * rate)) / rate
    tone = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.05 * rng.standard_normal(t.size)
    gate = (np.sin(2 * np.pi * 0.4 * t) > 0.3).astype(np.float64)
    return np.rint(tone * gate * 32767).astype(np.int16)


def _frames(mono: np.ndarray, rate: int, channels: int = 2) -> list[av.AudioFrame]:
    size = rate // 50
    planar = np.repeat(mono[None, : mono.size // size * size], channels, axis=0)
    time_base = fractions.Fraction(1, rate)
    return [
        planar_int16_to_audio_frame(
            np.ascontiguousarray(planar[:, i : i + size]),
            sample_rate=rate,
            pts=i,
            time_base=time_base,
        )
        for i in range(0, planar.shape[1], size)
    ]


class _Frames(MediaStreamTrack):
    kind = "audio"

    def __init__(self, frames: list[av.AudioFrame]) -> None:
        super().__init__()
        self._frames = list(frames)

    async def recv(self) -> av.AudioFrame:
        return self._frames.pop(0)


class _Transport:
    state = "new"


async def _sender_output(frames: list[av.AudioFrame]) -> list[tuple[list[bytes], int, int]]:
    sender = rtcrtpsender.RTCRtpSender(_Frames(frames), _Transport())  # type: ignore[arg-type]
    out = []
    for _ in frames:
        encoded = await sender._next_encoded_frame(OPUS)
        if encoded is not None:
            out.append((encoded.payloads, encoded.timestamp, encoded.audio_level))
    return out


def test_inline_encode_sends_aiortcs_bytes_without_the_thread_pool() -> None:
    frames = _frames(_speech_like(2.0, 24000), 24000)
    expected = asyncio.run(_sender_output(frames))
    install_inline_audio_encode()
    try:

        async def no_pool() -> list[tuple[list[bytes], int, int]]:
            loop = asyncio.get_running_loop()

            def refuse(*args: Any) -> Any:
                raise AssertionError("audio went to the thread pool")

            loop.run_in_executor = refuse  # type: ignore[method-assign]
            return await _sender_output(frames)

        assert asyncio.run(no_pool()) == expected
    finally:
        uninstall_inline_audio_encode()
    assert len(expected) >= len(frames) - 2


def _encoded(rate: int = 48000, seconds: float = 2.0) -> list[JitterFrame]:
    encoder = opus.OpusEncoder()
    out = []
    for frame in _frames(_speech_like(seconds, rate, seed=3), rate):
        payloads, timestamp = encoder.encode(frame)
        out += [JitterFrame(data=p, timestamp=timestamp) for p in payloads]
    return out


def test_inline_decode_gives_the_decoder_threads_frames() -> None:
    encoded = _encoded()

    async def decode(inline: bool) -> list[tuple[int | None, bytes]]:
        loop = asyncio.get_running_loop()
        track = rtcrtpreceiver.RemoteStreamTrack(kind="audio")
        receiver = type("R", (), {})()
        receiver._track = track
        receiver._RTCRtpReceiver__decoder_error = threading.Event()
        if inline:
            queue: Any = InlineAudioDecoder(receiver)
        else:
            import queue as std_queue

            queue = std_queue.Queue()
        worker = threading.Thread(
            target=rtcrtpreceiver.decoder_worker,
            args=(loop, queue, track._queue, receiver._RTCRtpReceiver__decoder_error),
        )
        worker.start()
        for frame in encoded:
            queue.put((OPUS, frame))
        queue.put(None)
        out = []
        while True:
            frame = await asyncio.wait_for(track._queue.get(), 10)
            if frame is None:  # the decoder thread ended the track, as aiortc's does
                break
            out.append((frame.pts, bytes(frame.planes[0])))
        await asyncio.to_thread(worker.join, 5)
        assert not worker.is_alive()
        return out

    threaded = asyncio.run(decode(inline=False))
    inline = asyncio.run(decode(inline=True))
    assert inline == threaded and len(inline) == len(encoded)


def test_inline_decode_reports_a_bad_packet_like_aiortc(caplog: pytest.LogCaptureFixture) -> None:
    receiver = type("R", (), {})()
    receiver._track = rtcrtpreceiver.RemoteStreamTrack(kind="audio")
    receiver._RTCRtpReceiver__decoder_error = threading.Event()
    decoder = InlineAudioDecoder(receiver)
    decoder.put((OPUS, JitterFrame(data=b"\xff" * 3, timestamp=0)))
    assert receiver._RTCRtpReceiver__decoder_error.is_set()
    assert "failed to decode" in caplog.text


def test_inline_decode_applies_to_audio_receivers_only() -> None:
    async def scenario() -> tuple[Any, Any]:
        install_inline_audio_decode()
        try:
            audio = rtcrtpreceiver.RTCRtpReceiver("audio", _Transport())  # type: ignore[arg-type]
            video = rtcrtpreceiver.RTCRtpReceiver("video", _Transport())  # type: ignore[arg-type]
        finally:
            uninstall_inline_audio_decode()
        return audio._RTCRtpReceiver__decoder_queue, video._RTCRtpReceiver__decoder_queue

    audio_queue, video_queue = asyncio.run(scenario())
    assert isinstance(audio_queue, InlineAudioDecoder)
    assert not isinstance(video_queue, InlineAudioDecoder)


# -- Opus: steady silence -------------------------------------------------------------


class _CountingResampler:
    def __init__(self, resampler: Any) -> None:
        self.resampler, self.calls = resampler, 0

    def resample(self, frame: Any) -> Any:
        self.calls += 1
        return self.resampler.resample(frame)


def _encode_all(frames: list[av.AudioFrame]) -> tuple[list[tuple[list[bytes], Any]], Any, int]:
    encoder = opus.OpusEncoder()
    counting = encoder.resampler = _CountingResampler(encoder.resampler)
    out = [encoder.encode(frame) for frame in frames]
    return out, getattr(encoder, "_streamlit_rtc_silence", None), counting.calls


@pytest.mark.parametrize(("rate", "channels"), [(24000, 2), (48000, 2), (16000, 1), (44100, 2)])
def test_silent_opus_skip_sends_aiortcs_exact_packets(rate: int, channels: int) -> None:
    """Speech, 3 s of digital silence, speech again, ...: the same bytes and timestamps."""
    speech = _speech_like(1.5, rate, seed=rate)
    gap = np.zeros(3 * rate, np.int16)
    frames = _frames(np.concatenate([speech, gap, speech, gap, speech]), rate, channels)
    expected, _, _ = _encode_all(frames)
    install_silent_opus_skip()
    try:
        got, state, resampled = _encode_all(frames)
    finally:
        uninstall_silent_opus_skip()
    assert got == expected
    settled = 3 * 50 - SILENCE_SETTLE_FRAMES - 2
    assert state.skipped >= 2 * settled  # each gap, once it has settled, costs no encode
    if 48000 % rate == 0:  # nor any resampling: one 20 ms frame is one packet
        assert resampled <= len(frames) - 2 * settled
    else:  # 44.1 kHz: the resampler's phase moves on with every frame, so it always runs
        assert resampled == len(frames)


def test_silent_opus_skip_decodes_to_the_same_audio() -> None:
    """What a receiver decodes is sample for sample what it decodes without the patch."""
    rate = 24000
    speech = _speech_like(1.0, rate, seed=9)
    frames = _frames(np.concatenate([speech, np.zeros(2 * rate, np.int16), speech]), rate)

    def decoded() -> np.ndarray:
        encoder, decoder = opus.OpusEncoder(), opus.OpusDecoder()
        pcm = []
        for frame in frames:
            payloads, timestamp = encoder.encode(frame)
            for payload in payloads:
                for out in decoder.decode(JitterFrame(data=payload, timestamp=timestamp)):
                    pcm.append(out.to_ndarray().reshape(-1))
        return np.concatenate(pcm)

    expected = decoded()
    install_silent_opus_skip()
    try:
        got = decoded()
    finally:
        uninstall_silent_opus_skip()
    np.testing.assert_array_equal(got, expected)


@pytest.mark.rtc
@pytest.mark.parametrize(
    "patch",
    [
        "fast_level",
        "prompt_receive",
        "inline_encode",
        "inline_decode",
        "silent_skip",
        "every_patch",
    ],
)
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
