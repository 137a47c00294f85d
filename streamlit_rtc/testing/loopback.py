"""Headless WebRTC loopback: two aiortc peers in one process, no browser.

Used by the tests and the benchmarks (ours and users') to run the real
media path (ICE, DTLS, SRTP, opus, jitter buffer) without a signalling
server: the offer and answer are handed over directly in Python. The
"client" plays the browser (a microphone paced like a real one, a recorder
for what comes back); the "server" is wired with the library's sink and
source tracks. To play a WAV file into :func:`fake_microphone`, read it with
:func:`streamlit_rtc.testing.read_wav` (``sample_rate=48000``).

``iceServers=[]`` avoids any network lookup. aioice never gathers
127.0.0.1 by itself, so the peers meet on the host's interface address
unless :func:`streamlit_rtc.testing.ice.restrict_ice_to_loopback` was called
(``tests/conftest.py`` does, for the whole test process).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import TracebackType

import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack

from ..rtc.audio_sink import AudioFrameCallback, MicrophoneSink
from ..rtc.audio_source import AudioFramePull, PacedAudioSourceTrack

__all__ = [
    "BROWSER_FRAME_SIZE",
    "BROWSER_SAMPLE_RATE",
    "ArrayAudioSource",
    "AudioLoopback",
    "AudioRecorder",
    "LoopbackPeers",
    "ReceivedFrame",
    "dominant_frequency",
    "fake_microphone",
    "sine",
]

logger = logging.getLogger(__name__)

BROWSER_SAMPLE_RATE = 48000
BROWSER_FRAME_SIZE = 960  # 20 ms


# -- test signals --------------------------------------------------------------


def sine(
    freq_hz: float,
    seconds: float,
    *,
    sample_rate: int = BROWSER_SAMPLE_RATE,
    channels: int = 2,
    amplitude: float = 0.3,
) -> np.ndarray:
    """A sine tone as int16 ``(samples, channels)``."""
    n = round(seconds * sample_rate)
    t = np.arange(n) / sample_rate
    mono = np.rint(amplitude * 32767 * np.sin(2 * np.pi * freq_hz * t)).astype(np.int16)
    return np.repeat(mono[:, None], channels, axis=1)


def dominant_frequency(samples: np.ndarray, sample_rate: int) -> float:
    """Frequency (Hz) of the strongest FFT bin of a mono signal."""
    x = samples.astype(np.float64)
    x = x - x.mean()
    spectrum = np.abs(np.fft.rfft(x * np.hanning(len(x))))
    return float(np.fft.rfftfreq(len(x), 1 / sample_rate)[int(np.argmax(spectrum))])


class ArrayAudioSource:
    """``next_frame`` over a numpy array: planar int16 frames, then ``None``.

    ``samples`` is int16 ``(n, channels)`` (or 1-D mono, duplicated when
    ``channels`` is 2). With ``loop=True`` it wraps around forever.
    """

    def __init__(
        self,
        samples: np.ndarray,
        *,
        channels: int = 2,
        frame_size: int = BROWSER_FRAME_SIZE,
        loop: bool = False,
    ) -> None:
        data = np.asarray(samples, dtype=np.int16)
        if data.ndim == 1:
            data = data[:, None]
        if data.shape[1] != channels:
            if data.shape[1] != 1:
                raise ValueError(f"cannot map {data.shape[1]} channels to {channels}")
            data = np.repeat(data, channels, axis=1)
        self._planar = np.ascontiguousarray(data.T)
        self._frame_size = frame_size
        self._loop = loop
        self._pos = 0

    @property
    def exhausted(self) -> bool:
        """True once every sample was handed out (never with ``loop=True``)."""
        return not self._loop and self._pos >= self._planar.shape[1]

    def next_frame(self) -> np.ndarray | None:
        """The next planar int16 ``(channels, frame_size)`` frame, or ``None`` at the end."""
        total = self._planar.shape[1]
        if total == 0 or self.exhausted:
            return None
        size = self._frame_size
        if self._loop:
            indexes = (self._pos + np.arange(size)) % total
            self._pos = (self._pos + size) % total
            return self._planar[:, indexes]
        frame = self._planar[:, self._pos : self._pos + size]
        self._pos += size
        if frame.shape[1] < size:  # last partial frame: pad with silence
            frame = np.pad(frame, ((0, 0), (0, size - frame.shape[1])))
        return frame


def fake_microphone(
    samples: np.ndarray | None = None, *, loop: bool = False
) -> PacedAudioSourceTrack:
    """A track that behaves like a browser microphone.

    s16 stereo 48 kHz, 20 ms frames, paced by the wall clock. Plays
    ``samples`` (int16 ``(n, 2)`` or 1-D at 48 kHz) then silence; silence
    only when ``samples`` is None.
    """
    source = ArrayAudioSource(np.zeros((0, 2), np.int16) if samples is None else samples, loop=loop)
    return PacedAudioSourceTrack(
        source.next_frame,
        sample_rate=BROWSER_SAMPLE_RATE,
        channels=2,
        frame_size=BROWSER_FRAME_SIZE,
    )


# -- recording -----------------------------------------------------------------


@dataclass(frozen=True)
class ReceivedFrame:
    """One received audio frame and when (``time.monotonic()``) it arrived."""

    arrival_s: float
    samples: np.ndarray  # int16 (1, n * channels) interleaved
    sample_rate: int
    layout: str
    pts_s: float

    @property
    def channels(self) -> int:
        return 1 if self.layout == "mono" else 2


@dataclass
class AudioRecorder:
    """Records every frame of a remote audio track (via MicrophoneSink)."""

    frames: list[ReceivedFrame] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.sink = MicrophoneSink(self._on_frame)

    def _on_frame(self, samples: np.ndarray, rate: int, layout: str, pts_s: float) -> None:
        self.frames.append(ReceivedFrame(time.monotonic(), samples, rate, layout, pts_s))

    def arrivals(self) -> np.ndarray:
        """Arrival time (``time.monotonic()``) of every frame, in order."""
        return np.array([f.arrival_s for f in self.frames])

    def count_between(self, start_s: float, end_s: float) -> int:
        """Frames that arrived in ``[start_s, end_s)`` (monotonic seconds)."""
        return sum(1 for f in self.frames if start_s <= f.arrival_s < end_s)

    def pcm(self, since_s: float = 0.0) -> np.ndarray:
        """Received audio (arrived at or after ``since_s``) as int16 ``(n, ch)``."""
        parts = [f.samples.reshape(-1, f.channels) for f in self.frames if f.arrival_s >= since_s]
        if not parts:
            return np.zeros((0, 2), np.int16)
        return np.concatenate(parts)


# -- peers -----------------------------------------------------------------------


class LoopbackPeers:
    """Two RTCPeerConnections in this process, negotiated directly."""

    def __init__(self) -> None:
        config = RTCConfiguration(iceServers=[])
        self.client = RTCPeerConnection(config)
        self.server = RTCPeerConnection(config)

    async def connect(
        self,
        *,
        client_tracks: Sequence[MediaStreamTrack] = (),
        server_tracks: Sequence[MediaStreamTrack] = (),
        on_server_track: Callable[[MediaStreamTrack], None] | None = None,
        on_client_track: Callable[[MediaStreamTrack], None] | None = None,
        timeout: float = 10.0,
    ) -> None:
        """Offer from the client, answer from the server, wait until connected.

        ``on_server_track`` / ``on_client_track`` are called with each remote
        track as it appears (during the description exchange).
        """
        if on_server_track is not None:
            self.server.on("track", on_server_track)
        if on_client_track is not None:
            self.client.on("track", on_client_track)
        for track in client_tracks:
            self.client.addTrack(track)
        await self.client.setLocalDescription(await self.client.createOffer())
        await self.server.setRemoteDescription(self.client.localDescription)
        for track in server_tracks:
            self.server.addTrack(track)
        await self.server.setLocalDescription(await self.server.createAnswer())
        await self.client.setRemoteDescription(self.server.localDescription)
        await asyncio.wait_for(self._wait_connected(), timeout)

    async def _wait_connected(self) -> None:
        while True:
            states = (self.client.connectionState, self.server.connectionState)
            if all(s == "connected" for s in states):
                return
            if any(s in ("failed", "closed") for s in states):
                raise ConnectionError(f"loopback connection {states}")
            await asyncio.sleep(0.01)

    async def close(self) -> None:
        """Close both peers (stops their senders' tracks and remote tracks)."""
        await self.client.close()
        await self.server.close()


class AudioLoopback:
    """Browser-like client <-> server wired with MicrophoneSink and an output track.

    The server reads the client's microphone with ``MicrophoneSink(on_frame)``
    and sends ``PacedAudioSourceTrack(next_frame, ...)`` back; the client
    records what it receives in ``received``. Use as an async context
    manager: everything started is stopped on exit.
    """

    def __init__(
        self,
        *,
        on_frame: AudioFrameCallback,
        next_frame: AudioFramePull,
        mic_samples: np.ndarray | None = None,
        mic_loop: bool = False,
        out_sample_rate: int = BROWSER_SAMPLE_RATE,
        out_channels: int = 2,
        out_frame_size: int | None = None,
        on_mic_ended: Callable[[], None] | None = None,
        via_relay: bool = False,
    ) -> None:
        """Set up (nothing runs before ``start()``).

        ``via_relay=True`` wires the server like streamlit-webrtc does: both
        the microphone and the output track go through an aiortc MediaRelay.
        """
        self.peers = LoopbackPeers()
        self._relay = MediaRelay() if via_relay else None
        self.mic = fake_microphone(mic_samples, loop=mic_loop)
        self.sink = MicrophoneSink(on_frame, on_ended=on_mic_ended)
        self.output = PacedAudioSourceTrack(
            next_frame,
            sample_rate=out_sample_rate,
            channels=out_channels,
            frame_size=out_frame_size,
        )
        self.received = AudioRecorder()
        self.connected_at: float | None = None

    async def start(self, timeout: float = 10.0) -> None:
        """Connect the peers and start both sinks; ``connected_at`` is set when done."""

        def on_server_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                self.sink.addTrack(self._relay.subscribe(track) if self._relay else track)
                self.sink.start()

        def on_client_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                self.received.sink.addTrack(track)
                self.received.sink.start()

        await self.peers.connect(
            client_tracks=[self.mic],
            server_tracks=[self._relay.subscribe(self.output) if self._relay else self.output],
            on_server_track=on_server_track,
            on_client_track=on_client_track,
            timeout=timeout,
        )
        self.connected_at = time.monotonic()

    async def close(self) -> None:
        """Stop tracks, close peers, wait for both sinks to finish.

        The output track is stopped explicitly: behind a MediaRelay nothing
        else would (the relay keeps pulling a source until it ends).
        """
        self.mic.stop()
        self.output.stop()
        await self.peers.close()
        for sink in (self.sink, self.received.sink):
            with contextlib.suppress(TimeoutError):
                sink.stop()
                await sink.wait_ended(timeout=5.0)

    async def __aenter__(self) -> AudioLoopback:
        try:
            await self.start()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()
