"""Video and audio-video sessions over real aiortc peer connections on 127.0.0.1."""

from __future__ import annotations

import asyncio
import queue
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from streamlit_rtc import (
    AdditionalOutputs,
    AsyncAudioVideoStreamHandler,
    AudioVideoStreamHandler,
    CloseStream,
)
from streamlit_rtc.core.handler import AudioEmitType, AudioFrame, VideoEmitType
from streamlit_rtc.core.video_handlers import VideoFunctionHandler, VideoGeneratorHandler
from streamlit_rtc.rtc.video_source import PacedVideoSourceTrack
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.session.modes import Modality, Mode
from streamlit_rtc.session.video_session import VideoStreamSession

from .video_peers import NumberedCamera, numbered_frame, video_connected, wait_for

pytestmark = pytest.mark.rtc

RED = np.array([255, 0, 0])
COLOUR_TOL = 30


def close_to(colour: np.ndarray, expected: Any) -> bool:
    return bool(np.abs(colour - np.asarray(expected)).max() < COLOUR_TOL)


def assert_threads_gone(prefix: str) -> None:
    """Every worker thread of the session ended at stop."""
    left = [t.name for t in threading.enumerate() if t.name.startswith(prefix)]
    assert not left, left


def test_identity_keeps_pure_red_red() -> None:
    """Channel order end to end: RGB in, RGB to fn, RGB out (no BGR swap anywhere)."""
    seen: list[np.ndarray] = []

    def identity(frame: np.ndarray) -> np.ndarray:
        seen.append(frame[100, 100].copy())
        return frame

    async def scenario() -> list[Any]:
        session = VideoStreamSession(VideoFunctionHandler(identity))
        async with video_connected(session, NumberedCamera((255, 0, 0))) as conn:
            await wait_for(lambda: len(conn.video.frames) > 30)
            return [f.colour for f in conn.video.frames[-10:]]

    colours = asyncio.run(scenario())
    assert_threads_gone("video-")
    assert close_to(seen[-1], RED), seen[-1]  # what the function got
    assert all(close_to(c, RED) for c in colours), colours  # what the browser shows


def test_transform_applied_and_inputs_update_live() -> None:
    def paint(frame: np.ndarray, level: int) -> np.ndarray:
        out = 255 - frame  # invert: red becomes cyan
        out[160:, :] = level  # and the bottom rows show the slider value
        return out

    async def scenario() -> tuple[Any, ...]:
        session = VideoStreamSession(VideoFunctionHandler(paint))
        session.set_inputs([40])
        async with video_connected(session, NumberedCamera((255, 0, 0))) as conn:
            await wait_for(lambda: len(conn.video.frames) > 20)
            before = conn.video.frames[-1]
            session.set_inputs([220])
            changed_at = time.monotonic()
            await wait_for(lambda: conn.video.frames[-1].colour.mean() > 150, timeout=5)
            after = conn.video.frames[-1]
            return before, after, after.arrival_s - changed_at

    before, after, delay = asyncio.run(scenario())
    # body rows 48..231: 112 rows inverted red (cyan), 72 rows at the level
    cyan_and_level = (112 * 255 + 72 * 40) / 184
    assert close_to(before.colour, (72 * 40 / 184, cyan_and_level, cyan_and_level)), before
    assert before.colour.mean() < 150
    assert after.colour.mean() > 150, after.colour
    assert delay < 1.0, delay


def test_slow_function_keeps_latency_bounded() -> None:
    """fn takes 150 ms at 30 fps input: newest frame processed, stale ones dropped."""
    work_s = 0.15

    def slow(frame: np.ndarray) -> np.ndarray:
        time.sleep(work_s)
        return frame

    camera = NumberedCamera((0, 0, 255))

    async def scenario() -> tuple[list[float], list[float], int]:
        session = VideoStreamSession(VideoFunctionHandler(slow))
        async with video_connected(session, camera) as conn:
            await asyncio.sleep(5.0)
            frames = [f for f in conn.video.frames if f.arrival_s > conn.connected_at + 0.5]
            dropped = session.lane.inbox.dropped
        latencies: list[float] = []
        firsts: set[int] = set()
        for f in frames:  # repeats of a frame keep its number: count its first arrival
            if f.number in firsts or f.number not in camera.sent_at:
                continue
            firsts.add(f.number)
            latencies.append(f.arrival_s - camera.sent_at[f.number])
        half = len(latencies) // 2
        return latencies[:half], latencies[half:], dropped

    early, late, dropped = asyncio.run(scenario())
    assert len(early) + len(late) >= 15, (early, late)
    assert dropped > 50  # ~30 fps in, ~6 fps processed
    # A queue would add ~0.8 s of delay per second (24 of 30 frames/s left over);
    # the slot keeps it at the transport (~0.1-0.3 s on a loaded machine) + one call.
    assert max(early + late) < work_s + 0.6, (early, late)
    assert np.mean(late) < np.mean(early) + 0.05, (early, late)  # not growing


def test_receive_mode_paces_the_generator_and_ends_with_it() -> None:
    fps, count = 20, 70

    def generate(colour: tuple[int, int, int]) -> Iterator[np.ndarray]:
        for i in range(count):
            yield numbered_frame(i, colour)

    async def scenario() -> tuple[list[Any], VideoStreamSession, float]:
        session = VideoStreamSession(VideoGeneratorHandler(generate, fps=fps), mode=Mode.RECEIVE)
        session.set_inputs([(0, 200, 0)])
        track = session.video_track
        assert isinstance(track, PacedVideoSourceTrack)
        async with video_connected(session) as conn:
            await wait_for(lambda: session.stopped, timeout=count / fps + 5)
            return list(conn.video.frames), session, track.stats.skipped_s

    frames, session, stalls_s = asyncio.run(scenario())
    firsts: dict[int, float] = {}
    for f in frames:
        if close_to(f.colour, (0, 200, 0)):
            firsts.setdefault(f.number, f.arrival_s)
    numbers = sorted(firsts)
    assert len(numbers) >= 0.95 * count and numbers[-1] == count - 1, numbers
    # Paced at fps: the frames took (n - 1) / fps to arrive, plus only what the
    # track measured it lost to event-loop stalls on a busy machine.
    span = firsts[numbers[-1]] - firsts[numbers[0]]
    expected = (numbers[-1] - numbers[0]) / fps
    assert 0.95 * expected <= span <= 1.05 * expected + stalls_s, (span, expected, stalls_s)
    assert session.mailbox.snapshot().errors == ()


def test_send_mode_analysis_outputs() -> None:
    def count_red(frame: np.ndarray) -> Iterator[Any]:
        yield AdditionalOutputs(int((frame[..., 0] > 200).sum()))

    async def scenario() -> list[Any]:
        session = VideoStreamSession(VideoFunctionHandler(count_red), mode=Mode.SEND)
        assert session.video_track is None
        async with video_connected(session, NumberedCamera((255, 0, 0))):
            await wait_for(lambda: session.mailbox.snapshot().state.value == "listening")
            await asyncio.sleep(1.0)
            return session.mailbox.take_outputs()

    outputs = asyncio.run(scenario())
    assert len(outputs) > 10
    assert outputs[-1].args[0] > 0.6 * 320 * 240  # the red body


@pytest.mark.parametrize(
    ("returned", "expected"),
    [
        (lambda f: f.astype(np.float64) / 255, "astype(np.uint8)"),
        (lambda f: np.dstack([f, f[..., :1]]), "frame[..., :3]"),
        (lambda f: "not a frame", "str is not a video output"),
    ],
)
def test_wrong_return_is_a_clear_error_in_the_page(returned: Any, expected: str) -> None:
    async def scenario() -> Any:
        session = VideoStreamSession(VideoFunctionHandler(returned))
        async with video_connected(session, NumberedCamera()):
            await wait_for(lambda: session.stopped)
            return session.mailbox.snapshot()

    snapshot = asyncio.run(scenario())
    assert snapshot.errors and expected in snapshot.errors[0], snapshot.errors
    assert snapshot.errors[0].startswith("InvalidEmitError: invalid video output")


def test_close_stream_ends_the_session() -> None:
    calls = {"n": 0}

    def closes(frame: np.ndarray) -> Any:
        calls["n"] += 1
        return CloseStream("enough frames") if calls["n"] >= 10 else frame

    async def scenario() -> Any:
        session = VideoStreamSession(VideoFunctionHandler(closes))
        async with video_connected(session, NumberedCamera()):
            await wait_for(lambda: session.stopped)
            return session.mailbox.snapshot()

    snapshot = asyncio.run(scenario())
    assert snapshot.end_message == "enough frames" and not snapshot.errors


class SyncAV(AudioVideoStreamHandler):
    """Echo audio; show the newest webcam frame inverted, at 15 fps."""

    def __init__(self) -> None:
        super().__init__(output_sample_rate=48000, fps=15)
        self.audio_in = 0
        self.video_in = 0
        self.threads: set[str] = set()
        self._audio: queue.Queue[AudioFrame] = queue.Queue(maxsize=100)
        self._latest: np.ndarray | None = None

    def copy(self) -> SyncAV:
        return SyncAV()

    def receive(self, frame: AudioFrame) -> None:
        self.audio_in += 1
        self._audio.put_nowait(frame)

    def emit(self) -> AudioEmitType:
        try:
            return self._audio.get_nowait()
        except queue.Empty:
            return None

    def video_receive(self, frame: np.ndarray) -> None:
        self.video_in += 1
        self.threads.add(threading.current_thread().name)
        self._latest = frame

    def video_emit(self) -> VideoEmitType:
        return None if self._latest is None else 255 - self._latest


class AsyncAV(AsyncAudioVideoStreamHandler):
    """The seed's Gemini shape: an asyncio.Queue shared by video_receive and video_emit."""

    def __init__(self) -> None:
        super().__init__(output_sample_rate=48000, fps=15)
        self.audio_in = 0
        self.video_in = 0
        self.threads: set[str] = set()
        self.video_queue: asyncio.Queue[np.ndarray] | None = None

    def copy(self) -> AsyncAV:
        return AsyncAV()

    async def start_up(self) -> None:
        self.video_queue = asyncio.Queue(maxsize=2)

    async def receive(self, frame: AudioFrame) -> None:
        self.audio_in += 1

    async def emit(self) -> AudioEmitType:
        await asyncio.sleep(0.02)
        return None

    async def video_receive(self, frame: np.ndarray) -> None:
        self.video_in += 1
        self.threads.add(threading.current_thread().name)
        assert self.video_queue is not None
        if self.video_queue.full():
            self.video_queue.get_nowait()
        self.video_queue.put_nowait(255 - frame)

    async def video_emit(self) -> VideoEmitType:
        assert self.video_queue is not None
        return await self.video_queue.get()


PACED_MIN, PACED_MAX = 0.75 * 30, 1.15 * 30  # distinct frames in 2 s at 15 fps


@pytest.mark.parametrize("handler_cls", [SyncAV, AsyncAV])
def test_audio_video_handler_gets_both_tracks(handler_cls: type[Any]) -> None:
    async def scenario() -> tuple[Any, list[Any], list[int], int]:
        session = AudioStreamSession(handler_cls(), modality=Modality.AUDIO_VIDEO)
        async with video_connected(session, NumberedCamera((255, 0, 0)), audio=True) as conn:
            await wait_for(lambda: len(conn.video.frames) > 30 and session.handler.audio_in > 50)
            await asyncio.sleep(1.0)
            # Distinct frames per 2 s window. Up to 3 windows: on a machine busy
            # with other work VP8 decoding falls behind for a while, which says
            # nothing about the pacing; a window that keeps the pace is needed.
            counts: list[int] = []
            while len(counts) < 3 and (not counts or counts[-1] < PACED_MIN):
                start = time.monotonic()
                await asyncio.sleep(2.0)
                shown = [f for f in conn.video.frames if start <= f.arrival_s]
                counts.append(len({f.number for f in shown}))
            return session.handler, shown, counts, len(conn.audio.frames)

    handler, shown, counts, audio_frames = asyncio.run(scenario())
    assert_threads_gone("stream-")
    assert handler.audio_in > 50 and handler.video_in > 20
    assert audio_frames > 50
    assert close_to(shown[-1].colour, (0, 255, 255)), shown[-1].colour  # inverted red
    # video_emit paced at the handler's 15 fps: never faster, and at that pace
    # in at least one window
    assert max(counts) <= PACED_MAX and counts[-1] >= PACED_MIN, counts
    if handler_cls is AsyncAV:  # one private loop for audio and video
        assert len(handler.threads) == 1 and "async" in next(iter(handler.threads))


def test_audio_video_needs_an_audio_video_handler() -> None:
    with pytest.raises(TypeError, match="AudioVideoStreamHandler"):
        from streamlit_rtc.reply.generator import GeneratorHandler

        AudioStreamSession(GeneratorHandler(lambda: iter(())), modality=Modality.AUDIO_VIDEO)
