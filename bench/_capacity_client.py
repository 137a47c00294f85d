"""The client processes of ``bench/capacity.py``: browser-like aiortc peers, a few per process.

Each session behaves like our component in a browser (a wall-clock-paced stereo
microphone looping the fixture, the ``streamlit-rtc`` data channel for ``ours``) and
records when every reply frame arrived and how loud it was. The parent drives a
:class:`ClientGroup` (``report`` / ``audio`` / ``stop``) over a pipe; running the
clients in their own processes keeps their CPU out of the server's.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import sys
import threading
import time
from multiprocessing.connection import Connection
from typing import Any

import numpy as np

from bench._audio_levels import FRAME, RATE
from bench._capacity_fixture import LoopedMic, load_fixture
from bench._capacity_host import post_json


class ClientSession:
    """One browser-like peer: the looped mic out, every reply frame's arrival and RMS in."""

    def __init__(
        self, sid: str, samples: np.ndarray, offset: int, keep_audio: bool, with_channel: bool
    ) -> None:
        from aiortc import RTCConfiguration, RTCPeerConnection

        from streamlit_rtc.rtc.audio_sink import MicrophoneSink
        from streamlit_rtc.rtc.audio_source import PacedAudioSourceTrack

        self.sid = sid
        self.source = LoopedMic(samples, offset)
        self.mic = PacedAudioSourceTrack(
            self.source.next_frame, sample_rate=RATE, channels=2, frame_size=FRAME, grid=False
        )
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.with_channel = with_channel
        self.arrivals: list[float] = []
        self.rms: list[float] = []
        self.keep_audio = keep_audio
        self.audio: list[np.ndarray] = []
        self.sink = MicrophoneSink(self._on_frame)

    def _on_frame(self, samples: np.ndarray, rate: int, layout: str, pts_s: float) -> None:
        self.arrivals.append(time.monotonic())
        x = samples.astype(np.float32) * np.float32(1 / 32768)
        self.rms.append(float(np.sqrt(np.dot(x.reshape(-1), x.reshape(-1)) / x.size)))
        if self.keep_audio:
            self.audio.append(samples.reshape(-1, 2 if layout == "stereo" else 1)[:, 0].copy())

    async def connect(self, port: int) -> float:
        from aiortc import RTCSessionDescription

        @self.pc.on("track")
        def on_track(track: Any) -> None:
            if track.kind == "audio":
                self.sink.addTrack(track)
                self.sink.start()

        started = time.monotonic()
        if self.with_channel:
            self.pc.createDataChannel("streamlit-rtc")
        self.pc.addTransceiver(self.mic, direction="sendrecv")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = self.pc.localDescription
        answer = await asyncio.to_thread(
            post_json, port, "/offer", {"sid": self.sid, "sdp": offer.sdp, "type": offer.type}
        )
        await self.pc.setRemoteDescription(RTCSessionDescription(**answer))
        while self.pc.connectionState != "connected":
            if self.pc.connectionState in ("failed", "closed"):
                raise ConnectionError(f"{self.sid}: {self.pc.connectionState}")
            if time.monotonic() - started > 20:
                raise ConnectionError(f"{self.sid}: not connected after 20 s")
            await asyncio.sleep(0.01)
        return time.monotonic() - started

    async def close(self) -> None:
        self.mic.stop()
        self.sink.stop()
        with contextlib.suppress(Exception):
            await self.pc.close()


def client_main(
    pipe: Connection, port: int, side: str, sids: list[str], offsets: list[int], keep: list[bool]
) -> None:
    """Client process: connect ``sids`` to the server, answer ``report`` / ``audio`` / ``stop``."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="[client] %(message)s")
    from streamlit_rtc.rtc.aiortc_patches import (
        install_fast_audio_level,
        install_prompt_audio_receive,
    )
    from streamlit_rtc.testing.ice import restrict_ice_to_loopback

    restrict_ice_to_loopback()
    # A browser-like client, and the same one whatever the server runs: these
    # two patches only (not tune_aiortc(), which may grow).
    install_fast_audio_level()
    install_prompt_audio_receive()
    samples, _ = load_fixture()
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="client-loop", daemon=True).start()

    def run(coro: Any, timeout: float = 60.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    sessions = [
        ClientSession(sid, samples, off, k, side == "ours")
        for sid, off, k in zip(sids, offsets, keep, strict=True)
    ]

    async def connect_all() -> list[float]:
        return list(await asyncio.gather(*(s.connect(port) for s in sessions)))

    try:
        pipe.send(("ok", run(connect_all())))
    except Exception as exc:
        pipe.send(("error", repr(exc)))
    while True:
        try:
            name, _ = pipe.recv()
        except EOFError:
            name = "stop"
        if name == "stop":
            with contextlib.suppress(Exception):
                run(asyncio.gather(*(s.close() for s in sessions)), 15.0)
            pipe.send(("ok", None))
            break
        if name == "report":

            async def snapshot() -> list[dict[str, Any]]:
                return [
                    {
                        "sid": s.sid,
                        "arrivals": list(s.arrivals),
                        "rms": list(s.rms),
                        "pulls": list(s.source.times),
                        "offset": s.source.offset,
                    }
                    for s in sessions
                ]

            pipe.send(("ok", run(snapshot())))
        elif name == "audio":

            async def audio() -> list[Any]:
                return [
                    (s.sid, list(s.arrivals), np.concatenate(s.audio) if s.audio else None)
                    for s in sessions
                    if s.keep_audio
                ]

            pipe.send(("ok", run(audio())))
    loop.call_soon_threadsafe(loop.stop)


class ClientGroup:
    """One client process holding a few sessions."""

    def __init__(
        self, port: int, side: str, sids: list[str], offsets: list[int], keep: list[bool]
    ) -> None:
        ctx = mp.get_context("spawn")
        self.pipe, child = ctx.Pipe()
        self.process = ctx.Process(
            target=client_main, args=(child, port, side, sids, offsets, keep), daemon=True
        )
        self.process.start()
        child.close()
        self.sids = sids

    def receive(self, timeout: float = 90.0) -> Any:
        if not self.pipe.poll(timeout):
            raise TimeoutError("client process did not answer")
        status, value = self.pipe.recv()
        if status != "ok":
            raise RuntimeError(value)
        return value

    def call(self, name: str, timeout: float = 90.0) -> Any:
        self.pipe.send((name, {}))
        return self.receive(timeout)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            if self.process.is_alive():
                self.call("stop", 30.0)
        self.process.join(10.0)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5.0)
