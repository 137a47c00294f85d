"""Connect a video (or audio-video) session to a headless browser-like aiortc client.

The client's fake camera sends synthetic frames: a solid colour body and,
in the top rows, the frame number in black/white blocks that survive VP8,
so the client can tell which input frame each output frame came from and
when that input was sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from aiortc import RTCPeerConnection
from aiortc.mediastreams import MediaStreamTrack

from streamlit_rtc.rtc import PacedVideoSourceTrack, VideoSink
from streamlit_rtc.testing import AudioRecorder, fake_microphone

from .peers import negotiate, peer_pair

W, H = 320, 240
BITS = 12
BLOCK = W // BITS
CODE_ROWS = 32
BODY = (slice(CODE_ROWS + 16, H - 8), slice(8, W - 8))


def numbered_frame(number: int, colour: tuple[int, int, int]) -> np.ndarray:
    """A frame whose body is ``colour`` and whose top rows encode ``number``."""
    frame = np.empty((H, W, 3), np.uint8)
    frame[:] = colour
    frame[:CODE_ROWS] = 0
    for bit in range(BITS):
        if number >> bit & 1:
            frame[:CODE_ROWS, bit * BLOCK : (bit + 1) * BLOCK] = 255
    return frame


def read_number(rgb: np.ndarray) -> int:
    """Decode the number written by :func:`numbered_frame` (identity-transformed)."""
    value = 0
    for bit in range(BITS):
        block = rgb[4 : CODE_ROWS - 4, bit * BLOCK + 4 : (bit + 1) * BLOCK - 4]
        if block.mean() > 128:
            value |= 1 << bit
    return value


def body_colour(rgb: np.ndarray) -> np.ndarray:
    return rgb[BODY].reshape(-1, 3).mean(axis=0)


class NumberedCamera:
    """``next_frame`` of a fake camera; remembers when each number was sent."""

    def __init__(self, colour: tuple[int, int, int] = (255, 0, 0)) -> None:
        self.colour = colour
        self.sent_at: dict[int, float] = {}
        self._count = 0

    def next_frame(self) -> np.ndarray:
        number = self._count
        self._count += 1
        self.sent_at[number] = time.monotonic()
        return numbered_frame(number % (1 << BITS), self.colour)


@dataclass(frozen=True)
class Shown:
    """One frame the client received."""

    arrival_s: float
    number: int
    colour: np.ndarray


@dataclass
class VideoRecorder:
    frames: list[Shown] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sink = VideoSink(self._on_frame)

    def _on_frame(self, rgb: np.ndarray, pts_s: float) -> None:
        self.frames.append(Shown(time.monotonic(), read_number(rgb), body_colour(rgb)))


class VideoConnection:
    """Client peer (camera, optional microphone) <-> a session's server-side tracks."""

    def __init__(self, session: Any, camera: NumberedCamera | None, fps: float, audio: bool):
        self.session = session
        self.client, self.server = peer_pair()
        sends = session.mode.sends
        self.camera_track = (
            PacedVideoSourceTrack(camera.next_frame, fps=fps, width=W, height=H)
            if sends and camera is not None
            else None
        )
        self.mic = fake_microphone(loop=True) if audio and sends else None
        self.video = VideoRecorder()
        self.audio = AudioRecorder()
        self.connected_at = 0.0

    async def open(self) -> None:
        session = self.session

        @self.server.on("track")
        def on_server_track(track: MediaStreamTrack) -> None:
            sink = session.video_sink if track.kind == "video" else session.sink
            if sink is not None:
                sink.addTrack(track)
                sink.start()

        @self.client.on("track")
        def on_client_track(track: MediaStreamTrack) -> None:
            sink = self.video.sink if track.kind == "video" else self.audio.sink
            sink.addTrack(track)
            sink.start()

        receives = session.mode.receives
        for kind, track in (("video", self.camera_track), ("audio", self.mic)):
            if track is not None:
                self.client.addTransceiver(track, direction="sendrecv" if receives else "sendonly")
            elif kind == "video" or self.mic is not None or session.source_track is not None:
                self.client.addTransceiver(kind, direction="recvonly")

        def attach_outputs(server: RTCPeerConnection) -> None:
            for transceiver in server.getTransceivers():
                out = session.video_track if transceiver.kind == "video" else session.source_track
                if out is not None:
                    transceiver.sender.replaceTrack(out)
                    transceiver.direction = "sendrecv" if session.mode.sends else "sendonly"

        self.connected_at = await negotiate(self.client, self.server, attach_outputs)

    async def close(self) -> None:
        for track in (self.camera_track, self.mic):
            if track is not None:
                track.stop()
        await asyncio.get_running_loop().run_in_executor(None, self.session.stop)
        await self.client.close()
        await self.server.close()
        for sink in (self.video.sink, self.audio.sink):
            with contextlib.suppress(TimeoutError):
                sink.stop()
                await sink.wait_ended(timeout=5.0)


@contextlib.asynccontextmanager
async def video_connected(
    session: Any,
    camera: NumberedCamera | None = None,
    fps: float = 30.0,
    audio: bool = False,
) -> AsyncIterator[VideoConnection]:
    connection = VideoConnection(session, camera, fps, audio)
    try:
        await connection.open()
        yield connection
    finally:
        await connection.close()


async def wait_for(predicate: Any, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise TimeoutError("condition not reached")
        await asyncio.sleep(0.02)
