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
import multiprocessing as mp
import sys
import threading
import time
import traceback
from collections.abc import Iterator
from multiprocessing.connection import Connection
from typing import Any

import av
import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from streamlit_rtc.rtc import PacedVideoSourceTrack, VideoSink
from streamlit_rtc.rtc.ice import restrict_ice_to_loopback

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


class VideoServer:
    """Runs in the child: one shared event loop, connections made by WebRtcWorker."""

    def __init__(self, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(kind)
        self.kind = kind
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="server-loop")
        self.thread.start()

        async def make_relay() -> Any:
            from aiortc.contrib.media import MediaRelay

            return MediaRelay()

        self.relay = asyncio.run_coroutine_threadsafe(make_relay(), self.loop).result()
        self.conns: dict[str, tuple[Any, Any]] = {}
        self._cpu0: tuple[float, float] | None = None

    def cmd_offer(self, sid: str, sdp: str, type: str, fps: float = 30) -> dict[str, str]:
        from streamlit_webrtc.webrtc import WebRtcMode, WebRtcWorker

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
        worker = WebRtcWorker(
            mode=mode,
            rtc_configuration=RTCConfiguration(iceServers=[]),
            source_video_track=session.video_track if session else None,
            source_audio_track=None,
            sink_video_track=session.video_sink if session else None,
            sink_audio_track=None,
            player_factory=None,
            in_recorder_factory=None,
            out_recorder_factory=None,
            video_frame_callback=callback,
            audio_frame_callback=None,
            queued_video_frames_callback=None,
            queued_audio_frames_callback=None,
            on_video_ended=None,
            on_audio_ended=None,
            video_processor_factory=None,
            audio_processor_factory=None,
            async_processing=True,
            video_receiver_size=4,
            audio_receiver_size=4,
            sendback_video=True,
            sendback_audio=True,
            loop=self.loop,
            relay=self.relay,
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

    def cmd_exit(self) -> None:
        for sid in list(self.conns):
            with contextlib.suppress(Exception):
                self.cmd_close(sid)

        async def drain() -> None:
            await asyncio.sleep(0.2)
            me = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not me]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(drain(), self.loop).result(10.0)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5.0)


def serve(kind: str, pipe: Connection, log_level: int) -> None:
    """Child entry point: answer ``(name, kwargs)`` commands until ``exit``."""
    logging.basicConfig(stream=sys.stderr, level=log_level, format=f"[{kind}] %(message)s")
    restrict_ice_to_loopback()
    server = VideoServer(kind)
    pipe.send(("ok", None))
    while True:
        try:
            name, kwargs = pipe.recv()
        except EOFError:
            name, kwargs = "exit", {}
        try:
            pipe.send(("ok", getattr(server, f"cmd_{name}")(**kwargs)))
        except Exception:
            pipe.send(("error", traceback.format_exc()))
        if name == "exit":
            break


class ServerProcess:
    """Parent side of one child server."""

    def __init__(self, kind: str, log_level: int = logging.WARNING) -> None:
        ctx = mp.get_context("spawn")
        self.kind = kind
        self.pipe, child = ctx.Pipe()
        self.process = ctx.Process(target=serve, args=(kind, child, log_level), daemon=True)
        self.process.start()
        child.close()
        self._lock = threading.Lock()
        self._receive(60.0)

    def _receive(self, timeout: float) -> Any:
        if not self.pipe.poll(timeout):
            raise TimeoutError(f"server {self.kind} did not answer in {timeout} s")
        status, value = self.pipe.recv()
        if status != "ok":
            raise RuntimeError(f"server {self.kind}: {value}")
        return value

    def call(self, name: str, timeout: float = 30.0, **kwargs: Any) -> Any:
        with self._lock:
            self.pipe.send((name, kwargs))
            return self._receive(timeout)

    async def acall(self, name: str, **kwargs: Any) -> Any:
        return await asyncio.to_thread(self.call, name, **kwargs)

    def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            if self.process.is_alive():
                self.call("exit", timeout=15.0)
        self.process.join(10.0)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5.0)
        self.pipe.close()


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

    async def connect(self, server: ServerProcess, sid: str, **offer_kwargs: Any) -> None:
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
