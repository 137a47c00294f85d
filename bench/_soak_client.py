"""The aiortc soak's two sides of the wire: the media loop and a browser-like client.

:class:`MediaLoop` is one event loop thread for every peer (Streamlit's
server loop in a real app) with one shared ``MediaRelay``;
:class:`FakeBrowser` is an aiortc peer that behaves like our component
(fixture WAV as the microphone, a synthetic camera, the ``streamlit-rtc``
data channel) and can hang up, or vanish without a goodbye.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import json
import os
import threading
from typing import Any

import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack

from bench._soak_kinds import LOUD, VIDEO_FPS, VIDEO_H, VIDEO_W, KindSpec, Prototypes
from streamlit_rtc.rtc.audio_sink import MicrophoneSink
from streamlit_rtc.rtc.video_sink import RawVideoSink
from streamlit_rtc.rtc.video_source import PacedVideoSourceTrack
from streamlit_rtc.testing import fake_microphone

CLIENT_CLOSE_S = 10.0
"""Each step of the client's hang-up (a bound: a stuck aiortc close must not stall the soak)."""


class MediaLoop:
    """One event loop thread for every peer (Streamlit's server loop in a real app).

    Its default executor is created at full size up front (every thread
    started), so executor threads started lazily by later cycles cannot look
    like a leak: they are part of the baseline. ``relay`` is one
    ``MediaRelay`` shared by every peer, like streamlit-webrtc's global relay
    on a Streamlit server (a relay per peer would hide what it keeps).
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        workers = min(32, (os.cpu_count() or 1) + 4)  # asyncio's default size
        self.executor = concurrent.futures.ThreadPoolExecutor(workers, "soak-media-executor")
        self.loop.set_default_executor(self.executor)
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="soak-media-loop", daemon=True
        )
        self.thread.start()
        try:
            barrier = threading.Barrier(workers + 1)
            futures = [self.executor.submit(barrier.wait, 30) for _ in range(workers)]
            barrier.wait(30)
            concurrent.futures.wait(futures, 30)

            async def make_relay() -> MediaRelay:
                return MediaRelay()

            self.relay: MediaRelay = self.call(make_relay())
        except BaseException:
            self.close()
            raise

    def relay_entries(self) -> int:
        """Tracks the shared relay still reads or keeps proxies for (0 when all ended)."""

        async def count() -> int:
            tasks = getattr(self.relay, "_MediaRelay__tasks", {})
            proxies = getattr(self.relay, "_MediaRelay__proxies", {})
            return len(tasks) + len(proxies)

        result: int = self.call(count(), 10)
        return result

    def call(self, coro: Any, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def tasks(self) -> list[str]:
        """Names (coroutine qualnames) of the tasks pending on the loop."""

        async def collect() -> list[str]:
            me = asyncio.current_task()
            return sorted(
                _task_name(t) for t in asyncio.all_tasks() if t is not me and not t.done()
            )

        result: list[str] = self.call(collect(), 10)
        return result

    def close(self) -> None:
        """Cancel what is left, stop the loop, join its thread and the executor (idempotent)."""
        if self.loop.is_closed():
            return
        if self.loop.is_running():

            async def cancel_all() -> None:
                me = asyncio.current_task()
                tasks = [t for t in asyncio.all_tasks() if t is not me]
                for task in tasks:
                    task.cancel()
                if tasks:
                    await asyncio.wait(tasks, timeout=5)

            with contextlib.suppress(Exception):
                self.call(cancel_all(), 10)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        # Idle workers exit at shutdown; one stuck in a job must not hang us (bounded joins).
        self.executor.shutdown(wait=False, cancel_futures=True)
        for worker in list(getattr(self.executor, "_threads", ())):
            worker.join(10)
        if not self.thread.is_alive():
            self.loop.close()

    def __enter__(self) -> MediaLoop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _drop(data: Any, addr: Any = None) -> None:
    """A vanished client's ``sendto``: the packet is lost."""


def _task_name(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    return getattr(coro, "__qualname__", None) or task.get_name()


class FakeBrowser:
    """An aiortc peer that behaves like our component (on the media loop)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, spec: KindSpec, protos: Prototypes):
        self.loop = loop
        self.spec = spec
        self.protos = protos
        self.pc: RTCPeerConnection | None = None
        self.events: set[str] = set()
        self.end: dict[str, Any] | None = None
        self.audio_frames = 0
        self.loud_frames = 0
        self.video_frames = 0
        self.video_ok = False
        self._tracks: list[MediaStreamTrack] = []
        self._audio_sink = MicrophoneSink(self._on_audio)
        self._video_sink = RawVideoSink(self._on_video)

    # loop thread ----------------------------------------------------------------------
    def _on_audio(self, samples: np.ndarray, rate: int, layout: str, pts_s: float) -> None:
        self.audio_frames += 1
        if samples.size and int(np.abs(samples).max()) > LOUD:
            self.loud_frames += 1

    def _on_video(self, frame: Any) -> None:
        self.video_frames += 1
        if not self.video_ok and self.video_frames % 3 == 0:
            mean = frame.to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0)
            self.video_ok = bool(mean[0] < 110 and mean[1] > 150 and mean[2] > 150)

    def _on_message(self, text: str) -> None:
        message = json.loads(text)
        if message.get("type") == "event":
            self.events.add(str(message.get("event")))
        elif message.get("type") == "end":
            self.end = message

    def _on_track(self, track: MediaStreamTrack) -> None:
        sink = self._audio_sink if track.kind == "audio" else self._video_sink
        if not sink.hasTrack():
            sink.addTrack(track)
            sink.start()

    async def offer(self) -> str:
        pc = self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        spec = self.spec
        if spec.mic is not None:
            mic = fake_microphone(self.protos.mics[spec.mic], loop=True)
            self._tracks.append(mic)
            pc.addTrack(mic)
        elif spec.receive_only:
            pc.addTransceiver("audio", direction="recvonly")
        if spec.camera:
            frame = self.protos.camera_frame
            camera = PacedVideoSourceTrack(
                lambda: frame, fps=VIDEO_FPS, width=VIDEO_W, height=VIDEO_H
            )
            self._tracks.append(camera)
            pc.addTrack(camera)
        channel = pc.createDataChannel("streamlit-rtc")
        channel.on("message", self._on_message)
        pc.on("track", self._on_track)
        await pc.setLocalDescription(await pc.createOffer())
        return str(pc.localDescription.sdp)

    async def accept(self, sdp: str) -> None:
        assert self.pc is not None
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    async def close(self) -> None:
        """Hang up: stop our tracks and sinks, close the peer connection (idempotent)."""
        for track in self._tracks:
            track.stop()
        if self.pc is not None:
            await asyncio.wait_for(self.pc.close(), CLIENT_CLOSE_S)
        await asyncio.wait_for(self._audio_sink.aclose(), CLIENT_CLOSE_S)
        await asyncio.wait_for(self._video_sink.aclose(), CLIENT_CLOSE_S)

    async def vanish(self) -> int:
        """Disappear like a killed browser: from now on no packet leaves or is read.

        Every UDP socket of the client stops reading and drops what is sent
        (no DTLS close_notify, no SCTP ABORT, no ICE consent answer reaches
        the server). Returns how many sockets went quiet; :meth:`close` then
        cleans up this side without the server hearing of it.
        """
        quiet = 0
        for ice in self._ice_transports():
            connection = getattr(ice, "_connection", None)
            for protocol in list(getattr(connection, "_protocols", [])):
                transport = getattr(protocol, "transport", None)
                if transport is None or transport.is_closing():
                    continue
                transport.pause_reading()
                transport.sendto = _drop  # the instance's sendto: every packet is lost
                quiet += 1
        return quiet

    def _ice_transports(self) -> list[Any]:
        assert self.pc is not None
        found: list[Any] = []
        for transceiver in self.pc.getTransceivers():
            ice = transceiver.receiver.transport.transport
            if ice not in found:
                found.append(ice)
        if self.pc.sctp is not None and self.pc.sctp.transport.transport not in found:
            found.append(self.pc.sctp.transport.transport)
        return found

    # any thread -------------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self.pc.connectionState if self.pc is not None else "new"

    def flowing(self) -> bool:
        """Media flows both ways (one way for a receive-only stream)."""
        expect = self.spec.expect
        if expect == "echo":
            return self.loud_frames >= 5  # our speech came back
        if expect == "reply":  # the server heard speech, and its output track plays
            return self.audio_frames >= 25 and "started_talking" in self.events
        if expect == "tone":
            return self.loud_frames >= 5
        if expect == "video":
            return self.video_ok
        if expect == "av":
            return self.loud_frames >= 5 and self.video_ok
        raise ValueError(expect)

    def describe(self) -> str:
        return (
            f"pc={self.state} audio={self.audio_frames} loud={self.loud_frames} "
            f"video={self.video_frames} video_ok={self.video_ok} events={sorted(self.events)}"
        )
