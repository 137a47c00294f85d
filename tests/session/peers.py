"""Connect an AudioStreamSession to a headless browser-like aiortc client on 127.0.0.1."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

import numpy as np
import soxr
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.mediastreams import MediaStreamTrack

from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.testing import AudioRecorder, fake_microphone


def peer_pair() -> tuple[RTCPeerConnection, RTCPeerConnection]:
    """A (client, server) pair of aiortc peers without ICE servers (127.0.0.1 only)."""
    config = RTCConfiguration(iceServers=[])
    return RTCPeerConnection(config), RTCPeerConnection(config)


async def negotiate(
    client: RTCPeerConnection,
    server: RTCPeerConnection,
    attach_outputs: Callable[[RTCPeerConnection], None],
) -> float:
    """Offer from ``client``, answer from ``server``; returns when both are connected.

    ``attach_outputs(server)`` runs between the two, once the server has a
    transceiver per offered track (as streamlit-webrtc's worker does): it puts
    the session's outgoing tracks on them. Returns the ``time.monotonic()``
    at which both peers were seen connected.
    """
    await client.setLocalDescription(await client.createOffer())
    await server.setRemoteDescription(client.localDescription)
    attach_outputs(server)
    await server.setLocalDescription(await server.createAnswer())
    await client.setRemoteDescription(server.localDescription)
    for _ in range(1000):
        if client.connectionState == "connected" == server.connectionState:
            return time.monotonic()
        await asyncio.sleep(0.01)
    raise ConnectionError("loopback peers did not connect")


def at_48k(audio: np.ndarray, rate: int, tail_s: float = 0.0) -> np.ndarray:
    padded = np.concatenate([audio, np.zeros(int(tail_s * rate), dtype=np.int16)])
    return soxr.resample(padded, rate, 48000)


class Connection:
    """A client peer (fake microphone + recorder) connected to one session."""

    def __init__(self, session: AudioStreamSession, mic: np.ndarray | None, loop_mic: bool) -> None:
        self.session = session
        self.client, self.server = peer_pair()
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

        def attach_outputs(server: RTCPeerConnection) -> None:
            if session.source_track is not None:
                for transceiver in server.getTransceivers():
                    transceiver.sender.replaceTrack(session.source_track)
                    transceiver.direction = "sendrecv" if session.mode.sends else "sendonly"

        self.connected_at = await negotiate(self.client, self.server, attach_outputs)

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
