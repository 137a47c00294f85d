"""Connect an AudioStreamSession to a headless browser-like aiortc client on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

import numpy as np
import soxr
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.mediastreams import MediaStreamTrack

from streamlit_rtc.rtc.loopback import AudioRecorder, fake_microphone
from streamlit_rtc.session.audio_session import AudioStreamSession


def at_48k(audio: np.ndarray, rate: int, tail_s: float = 0.0) -> np.ndarray:
    padded = np.concatenate([audio, np.zeros(int(tail_s * rate), dtype=np.int16)])
    return soxr.resample(padded, rate, 48000)


class Connection:
    """A client peer (fake microphone + recorder) connected to one session."""

    def __init__(self, session: AudioStreamSession, mic: np.ndarray | None, loop_mic: bool) -> None:
        self.session = session
        config = RTCConfiguration(iceServers=[])
        self.client = RTCPeerConnection(config)
        self.server = RTCPeerConnection(config)
        self.mic: MediaStreamTrack | None = (
            fake_microphone(mic, loop=loop_mic) if session.mode.sends else None
        )
        self.received = AudioRecorder()
        self.connected_at = 0.0

    async def open(self) -> None:
        session = self.session

        @self.server.on("track")
        def on_server_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio" and session.sink is not None:
                session.sink.addTrack(track)
                session.sink.start()

        @self.client.on("track")
        def on_client_track(track: MediaStreamTrack) -> None:
            self.received.sink.addTrack(track)
            self.received.sink.start()

        if self.mic is not None:
            self.client.addTransceiver(
                self.mic, direction="sendrecv" if session.mode.receives else "sendonly"
            )
        else:
            self.client.addTransceiver("audio", direction="recvonly")
        await self.client.setLocalDescription(await self.client.createOffer())
        await self.server.setRemoteDescription(self.client.localDescription)
        if session.source_track is not None:
            for transceiver in self.server.getTransceivers():
                transceiver.sender.replaceTrack(session.source_track)
                transceiver.direction = "sendrecv" if session.mode.sends else "sendonly"
        await self.server.setLocalDescription(await self.server.createAnswer())
        await self.client.setRemoteDescription(self.server.localDescription)
        for _ in range(1000):
            if self.client.connectionState == "connected" == self.server.connectionState:
                break
            await asyncio.sleep(0.01)
        else:
            raise ConnectionError("loopback peers did not connect")
        self.connected_at = time.monotonic()

    def audio_after(self, since_s: float = 0.0) -> np.ndarray:
        """Received audio as mono float in [-1, 1] (first channel)."""
        pcm = self.received.pcm(since_s)
        return pcm[:, 0].astype(np.float64) / 32768.0

    def energy_timeline(self, hop_s: float = 0.02) -> list[tuple[float, float]]:
        """(seconds since connect, RMS) per received frame."""
        return [
            (f.arrival_s - self.connected_at, float(np.sqrt(np.mean((f.samples / 32768.0) ** 2))))
            for f in self.received.frames
        ]

    async def close(self) -> None:
        if self.mic is not None:
            self.mic.stop()
        self.session.stop()
        await self.client.close()
        await self.server.close()
        with contextlib.suppress(TimeoutError):
            self.received.sink.stop()
            await self.received.sink.wait_ended(timeout=5.0)


@contextlib.asynccontextmanager
async def connected(
    session: AudioStreamSession, mic: np.ndarray | None = None, loop_mic: bool = False
) -> AsyncIterator[Connection]:
    connection = Connection(session, mic, loop_mic)
    try:
        await connection.open()
        yield connection
    finally:
        await connection.close()
