"""The soak's handler kinds: one echo-like handler per kind and how each is served.

:data:`KINDS` lists them (ReplyOnPause echo, a sync StreamHandler echo, an
AsyncStreamHandler echo, ReplyOnStopWords, a receive-mode generator, a video
function, an AudioVideoStreamHandler); :data:`SPECS` says what the client
sends for each and what proves media flows both ways; :class:`Prototypes`
builds each prototype once and a session of it per cycle.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import queue
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from streamlit_rtc import (
    AsyncStreamHandler,
    AudioVideoStreamHandler,
    ReplyOnPause,
    ReplyOnStopWords,
    StreamHandler,
)
from streamlit_rtc.core.handler import StreamHandlerBase
from streamlit_rtc.core.video_handlers import VideoFunctionHandler
from streamlit_rtc.reply.generator import GeneratorHandler
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.session.modes import Modality, Mode
from streamlit_rtc.session.video_session import VideoStreamSession
from streamlit_rtc.testing import read_wav

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "browser"
SPEECH_WAV = FIXTURES / "speech_pause.wav"
STOPWORD_WAV = FIXTURES / "stopword_lead2s.wav"

KINDS = (
    "reply_on_pause",
    "stream_handler",
    "async_stream_handler",
    "reply_on_stopwords",
    "receive_generator",
    "video_function",
    "audio_video",
)

LOUD = 1000
"""A received audio frame with a sample above this (int16) carries the echo / reply / tone."""
VIDEO_W, VIDEO_H, VIDEO_FPS = 320, 240, 15
CAMERA_RGB = (200, 40, 40)
"""The client's camera colour; the server's functions invert it to (55, 215, 215)."""


def echo_reply(audio: tuple[int, np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
    """ReplyOnPause / ReplyOnStopWords: answer with what was said."""
    yield audio


class EchoHandler(StreamHandler):
    """Sync echo, frame by frame."""

    def __init__(self) -> None:
        super().__init__(output_sample_rate=48000, input_sample_rate=48000)
        self.frames: queue.Queue[tuple[int, np.ndarray]] = queue.Queue(maxsize=50)

    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        with contextlib.suppress(queue.Full):
            self.frames.put_nowait(frame)

    def emit(self) -> tuple[int, np.ndarray] | None:
        try:
            return self.frames.get_nowait()
        except queue.Empty:
            return None

    def copy(self) -> EchoHandler:
        return EchoHandler()


class AsyncEchoHandler(AsyncStreamHandler):
    """Async echo: receive() queues, emit() hands the oldest frame back."""

    def __init__(self) -> None:
        super().__init__(output_sample_rate=48000, input_sample_rate=48000)
        self.frames: collections.deque[tuple[int, np.ndarray]] = collections.deque(maxlen=50)

    async def receive(self, frame: tuple[int, np.ndarray]) -> None:
        self.frames.append(frame)

    async def emit(self) -> tuple[int, np.ndarray] | None:
        if self.frames:
            return self.frames.popleft()
        await asyncio.sleep(0.01)
        return None

    def copy(self) -> AsyncEchoHandler:
        return AsyncEchoHandler()


class AVEchoHandler(AudioVideoStreamHandler):
    """Audio echo and the newest webcam frame inverted."""

    def __init__(self) -> None:
        super().__init__(output_sample_rate=48000, input_sample_rate=48000, fps=VIDEO_FPS)
        self.frames: queue.Queue[tuple[int, np.ndarray]] = queue.Queue(maxsize=50)
        self.latest: np.ndarray | None = None

    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        with contextlib.suppress(queue.Full):
            self.frames.put_nowait(frame)

    def emit(self) -> tuple[int, np.ndarray] | None:
        try:
            return self.frames.get_nowait()
        except queue.Empty:
            return None

    def video_receive(self, frame: np.ndarray) -> None:
        self.latest = frame

    def video_emit(self) -> np.ndarray | None:
        return None if self.latest is None else 255 - self.latest

    def copy(self) -> AVEchoHandler:
        return AVEchoHandler()


def tone(seconds: float = 120.0) -> Iterator[tuple[int, np.ndarray]]:
    """The receive-mode generator: a 440 Hz tone in 0.2 s chunks (outlives any cycle)."""
    rate, chunk = 24000, 4800
    t = np.arange(chunk) / rate
    block = (0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)[None, :]
    for _ in range(int(seconds * rate / chunk)):
        yield rate, block


def invert(frame: np.ndarray) -> np.ndarray:
    """The video function."""
    return 255 - frame


@dataclass(frozen=True)
class KindSpec:
    """How one handler kind is served and what the client sends and expects."""

    name: str
    mic: Path | None
    camera: bool
    expect: str
    """``echo`` | ``reply`` | ``tone`` | ``video`` | ``av``: what proves media flows both ways."""
    receive_only: bool = False


SPECS = {
    "reply_on_pause": KindSpec("reply_on_pause", SPEECH_WAV, False, "reply"),
    "stream_handler": KindSpec("stream_handler", SPEECH_WAV, False, "echo"),
    "async_stream_handler": KindSpec("async_stream_handler", SPEECH_WAV, False, "echo"),
    "reply_on_stopwords": KindSpec("reply_on_stopwords", STOPWORD_WAV, False, "reply"),
    "receive_generator": KindSpec("receive_generator", None, False, "tone", receive_only=True),
    "video_function": KindSpec("video_function", None, True, "video"),
    "audio_video": KindSpec("audio_video", SPEECH_WAV, True, "av"),
}


class Prototypes:
    """One prototype per kind, built once (models load here, shared by every copy)."""

    def __init__(self, kinds: tuple[str, ...] = KINDS) -> None:
        self.by_kind: dict[str, StreamHandlerBase] = {}
        for kind in kinds:
            self.by_kind[kind] = self._build(kind)
        self.mics: dict[Path, np.ndarray] = {}
        for spec in (SPECS[k] for k in kinds):
            if spec.mic is not None and spec.mic not in self.mics:
                self.mics[spec.mic] = read_wav(spec.mic, sample_rate=48000)[1]
        self.camera_frame = np.empty((VIDEO_H, VIDEO_W, 3), np.uint8)
        self.camera_frame[:] = CAMERA_RGB

    @staticmethod
    def _build(kind: str) -> StreamHandlerBase:
        if kind == "reply_on_pause":
            return ReplyOnPause(echo_reply)
        if kind == "stream_handler":
            return EchoHandler()
        if kind == "async_stream_handler":
            return AsyncEchoHandler()
        if kind == "reply_on_stopwords":
            return ReplyOnStopWords(echo_reply, ["computer"], input_sample_rate=16000)
        if kind == "receive_generator":
            return GeneratorHandler(tone)
        if kind == "video_function":
            return VideoFunctionHandler(invert)
        if kind == "audio_video":
            return AVEchoHandler()
        raise ValueError(f"unknown kind {kind!r}")

    def session(
        self,
        kind: str,
        name: str,
        time_limit: float | None,
        on_stopped: Callable[[Any], None] | None = None,
    ) -> Any:
        proto = self.by_kind[kind]
        options: dict[str, Any] = {"name": name, "on_stopped": on_stopped}
        if kind == "video_function":
            assert isinstance(proto, VideoFunctionHandler)
            return VideoStreamSession(
                proto, Mode.SEND_RECEIVE, time_limit, width=VIDEO_W, height=VIDEO_H, **options
            )
        if kind == "receive_generator":
            return AudioStreamSession(proto, Mode.RECEIVE, time_limit, **options)
        modality = Modality.AUDIO_VIDEO if kind == "audio_video" else Modality.AUDIO
        return AudioStreamSession(
            proto, Mode.SEND_RECEIVE, time_limit, modality=modality, **options
        )
