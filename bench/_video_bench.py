"""Helpers for ``bench/video.py``: a video WebRTC server in a child process, an aiortc client.

The child hosts each connection the way ``webrtc_streamer`` does on a
Streamlit server (a streamlit-webrtc ``WebRtcWorker`` with a ``MediaRelay``,
one event loop thread), given one of:

* ``streamlit_rtc``: ``VideoStreamSession(VideoFunctionHandler(identity))``
  as ``sink_video_track`` / ``source_video_track`` (what ``webrtc(...,
  modality="video")`` passes);
* ``bare``: ``video_frame_callback`` doing what a user function needs, an
  RGB ndarray round trip (``to_ndarray("rgb24")`` and
  ``VideoFrame.from_ndarray``), with the default ``async_processing=True``;
* ``passthrough``: ``video_frame_callback=lambda frame: frame`` (no pixel
  access at all: the floor of any numpy-based transform);
* ``receive``: ``VideoStreamSession(VideoGeneratorHandler(...))`` in RECVONLY.

The child measures its own CPU (``time.process_time``, all threads); the
client (parent) encodes the fake camera and decodes what comes back, so its
CPU is not counted. Both share CLOCK_MONOTONIC for latency.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Iterator
from typing import Any

import av
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from bench._child_server import ChildServer, LoopServer
from streamlit_rtc.rtc import PacedVideoSourceTrack, VideoSink

logger = logging.getLogger("bench.video")

KINDS = ("streamlit_rtc", "bare", "passthrough", "receive")
W, H = 640, 480
BITS = 12
BLOCK = W // BITS
CODE_ROWS = 48


def numbered_frame(number: int) -> np.ndarray:
    """A grey frame whose top rows encode ``number`` in black/white blocks."""
    frame = np.full((H, W, 3), 128, np.uint8)
    frame[:CODE_ROWS] = 0
    for bit in range(BITS):
        if number >> bit & 1:
            frame[:CODE_ROWS, bit * BLOCK : (bit + 1) * BLOCK] = 255
    return frame


def read_number(rgb: np.ndarray) -> int:
    value = 0
    for bit in range(BITS):
        if rgb[8 : CODE_ROWS - 8, bit * BLOCK + 8 : (bit + 1) * BLOCK - 8].mean() > 128:
            value |= 1 << bit
    return value


def identity(frame: np.ndarray) -> np.ndarray:
    """The user function of the streamlit_rtc session."""
    return frame


def bare_identity(frame: av.VideoFrame) -> av.VideoFrame:
    """The bare streamlit-webrtc equivalent: the user's code gets and returns an ndarray."""
    return av.VideoFrame.from_ndarray(frame.to_ndarray(format="rgb24"), format="rgb24")


def passthrough(frame: av.VideoFrame) -> av.VideoFrame:
    return frame


def generated(count: int) -> Iterator[np.ndarray]:
    for i in range(count):
        yield numbered_frame(i)


# -- the server child --------------------------------------------------------------


class VideoServer(LoopServer[tuple[Any, Any]]):
    """Runs in the child (see ``bench._child_server``): connections made by WebRtcWorker."""

    kinds = KINDS
    log_format = "[{kind}] %(message)s"

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self._cpu0: tuple[float, float] | None = None

    def cmd_offer(self, sid: str, sdp: str, type: str, fps: float = 30) -> dict[str, str]:
        from streamlit_webrtc.webrtc import WebRtcMode

        from streamlit_rtc.core.video_handlers import VideoFunctionHandler, VideoGeneratorHandler
        from streamlit_rtc.session.modes import Mode
        from streamlit_rtc.session.video_session import VideoStreamSession

        session: VideoStreamSession | None = None
        mode = WebRtcMode.SENDRECV
        callback: Any = None
        if self.kind == "streamlit_rtc":
            session = VideoStreamSession(VideoFunctionHandler(identity), name=sid)
        elif self.kind == "receive":
            handler = VideoGeneratorHandler(generated, fps=fps)
            session = VideoStreamSession(handler, mode=Mode.RECEIVE, name=sid)
            session.set_inputs([int(fps * 6)])
            mode = WebRtcMode.RECVONLY
        else:
            callback = bare_identity if self.kind == "bare" else passthrough
        worker = self.make_worker(
            mode,
            source_video_track=session.video_track if session else None,
            sink_video_track=session.video_sink if session else None,
            video_frame_callback=callback,
        )
        self.conns[sid] = (worker, session)
        answer = worker.process_offer(sdp, type, timeout=10.0)
        return {"sdp": answer.sdp, "type": answer.type}

    def cmd_cpu_start(self) -> None:
        self._cpu0 = (time.process_time(), time.monotonic())

    def cmd_cpu_stop(self) -> dict[str, float]:
        if self._cpu0 is None:
            raise RuntimeError("cpu_start first")
        cpu0, wall0 = self._cpu0
        self._cpu0 = None
        return {"cpu_s": time.process_time() - cpu0, "wall_s": time.monotonic() - wall0}

    def cmd_stats(self, sid: str) -> dict[str, Any]:
        session = self.conns[sid][1]
        if session is None or self.kind != "streamlit_rtc":
            return {}
        lane, track = session.lane, session.video_track
        return {
            "processed": lane.stats.processed,
            "dropped_input_frames": lane.inbox.dropped,
            "fn_and_conversion_ms": 1000 * lane.stats.busy_s / max(1, lane.stats.processed),
            "sent": track.stats.sent,
            "repeats": track.stats.repeats,
            "replaced_before_send": track.stats.replaced,
        }

    def cmd_close(self, sid: str) -> None:
        worker, session = self.conns.pop(sid)
        worker.stop(timeout=2.0)
        if session is not None:
            session.stop()


def start_server(kind: str, log_level: int = logging.WARNING) -> ChildServer:
    """Start a child hosting a :class:`VideoServer` of ``kind``; return once it is up."""
    server = ChildServer(VideoServer, kind, log_level)
    try:
        server.wait_ready()
    except BaseException:
        server.shutdown()
        raise
    return server


# -- the client (parent) -------------------------------------------------------------


class Client:
    """A browser-like peer: numbered 640x480 camera at ``fps``, records what comes back."""

    def __init__(self, fps: float, send_camera: bool = True) -> None:
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.sent_at: dict[int, float] = {}
        self.first_arrival: dict[int, float] = {}
        self.arrivals: list[float] = []
        self._count = 0
        self.camera = (
            PacedVideoSourceTrack(self._next, fps=fps, width=W, height=H) if send_camera else None
        )
        self.sink = VideoSink(self._on_frame)

    def _next(self) -> np.ndarray:
        number = self._count % (1 << BITS)
        self._count += 1
        self.sent_at[number] = time.monotonic()
        return numbered_frame(number)

    def _on_frame(self, rgb: np.ndarray, pts_s: float) -> None:
        now = time.monotonic()
        self.arrivals.append(now)
        self.first_arrival.setdefault(read_number(rgb), now)

    async def connect(self, server: ChildServer, sid: str, **offer_kwargs: Any) -> None:
        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "video":
                self.sink.addTrack(track)
                self.sink.start()

        if self.camera is not None:
            self.pc.addTransceiver(self.camera, direction="sendrecv")
        else:
            self.pc.addTransceiver("video", direction="recvonly")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        local = self.pc.localDescription
        answer = await server.acall(
            "offer", sid=sid, sdp=local.sdp, type=local.type, **offer_kwargs
        )
        await self.pc.setRemoteDescription(RTCSessionDescription(**answer))
        for _ in range(1000):
            if self.pc.connectionState == "connected":
                return
            await asyncio.sleep(0.01)
        raise ConnectionError("client did not connect")

    def latencies(self, since: float) -> list[float]:
        """Camera-to-screen latency of each frame first shown after ``since``."""
        return [
            arrival - self.sent_at[n]
            for n, arrival in self.first_arrival.items()
            if arrival >= since and n in self.sent_at and arrival > self.sent_at[n]
        ]

    async def close(self) -> None:
        if self.camera is not None:
            self.camera.stop()
        await self.pc.close()
        with contextlib.suppress(TimeoutError):
            self.sink.stop()
            await self.sink.wait_ended(timeout=5.0)
