"""A session behind a real :class:`ServerPeer`, and a browser-like aiortc client that misbehaves.

Server and client run on *separate* event loops (threads), as they would
on two machines, so the client can vanish (its loop frozen: no packet in
or out, no goodbye), lose every packet it sends for a while, or watch the
server's loop being starved without being starved itself.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
from collections.abc import Callable, Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from streamlit_rtc.rtc.audio_source import PacedAudioSourceTrack
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.signalling.protocol import Offer
from streamlit_rtc.streamlit.peer import ServerPeer
from streamlit_rtc.testing.loopback import AudioRecorder, fake_microphone

T = TypeVar("T")


class LoopThread:
    """An event loop running on a daemon thread; ``freeze()`` blocks it until ``thaw()``."""

    def __init__(self, name: str) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()
        self._thaw = threading.Event()

    def call(self, coro: Coroutine[Any, Any, T], timeout: float = 20.0) -> T:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def block(self, seconds: float) -> threading.Event:
        """Run a blocking call of ``seconds`` on the loop (it starves); set when it returned."""
        returned = threading.Event()

        def blocking() -> None:
            time.sleep(seconds)  # deliberately blocks the loop: the fault under test
            returned.set()

        self.loop.call_soon_threadsafe(blocking)
        return returned

    def freeze(self) -> None:
        """Block the loop until :meth:`thaw` (a machine that went to sleep)."""
        self._thaw.clear()
        began = threading.Event()

        def frozen() -> None:
            began.set()
            self._thaw.wait(120)

        self.loop.call_soon_threadsafe(frozen)
        began.wait(5)

    def thaw(self) -> None:
        self._thaw.set()

    async def _cancel_leftovers(self) -> None:
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.wait(tasks, timeout=5) if tasks else None

    def close(self) -> None:
        self.thaw()
        if self._thread.is_alive():
            with contextlib.suppress(Exception):
                self.call(self._cancel_leftovers(), timeout=10)
                self.call(self.loop.shutdown_default_executor(), timeout=10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        if not self._thread.is_alive():
            self.loop.close()


class Client:
    """Behaves like our component: microphone track, ``streamlit-rtc`` data channel, speaker."""

    def __init__(self, loop: LoopThread, mic: np.ndarray | None) -> None:
        self.loop = loop
        self.mic: PacedAudioSourceTrack = fake_microphone(mic)
        self.messages: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.recorder = AudioRecorder()
        self.pc: RTCPeerConnection | None = None
        self.dropping = False
        """While True every packet the client sends is lost (DTLS, RTP, RTCP, SCTP)."""

    async def _offer(self) -> str:
        pc = self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTrack(self.mic)
        channel = pc.createDataChannel("streamlit-rtc")

        @channel.on("message")
        def on_message(text: str) -> None:
            with self.changed:
                self.messages.append(json.loads(text))
                self.changed.notify_all()

        @pc.on("track")
        def on_track(track: Any) -> None:
            self.recorder.sink.addTrack(track)
            self.recorder.sink.start()

        await pc.setLocalDescription(await pc.createOffer())
        return str(pc.localDescription.sdp)

    async def _accept(self, sdp: str) -> None:
        assert self.pc is not None
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))
        self._make_lossy()

    def _make_lossy(self) -> None:
        """Route everything the client sends through a switch (``dropping``)."""
        assert self.pc is not None
        ice = self.pc.getSenders()[0].transport.transport  # bundled: one ICE transport
        send = ice._send

        async def lossy_send(data: bytes) -> None:
            if not self.dropping:
                await send(data)

        ice._send = lossy_send

    def connect(self, peer: ServerPeer) -> None:
        """Offer, answer, and wait until the server says it is listening."""
        sdp = self.loop.call(self._offer())
        self.loop.call(self._accept(peer.answer(Offer(sdp))))
        self.wait_for(lambda ms: "listening" in states(ms), 20)

    def wait_for(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float
    ) -> list[dict[str, Any]]:
        with self.changed:
            assert self.changed.wait_for(lambda: predicate(self.messages), timeout), self.messages
            return list(self.messages)

    def events(self) -> list[str]:
        with self.changed:
            return [m["event"] for m in self.messages if m["type"] == "event"]

    def frames_received(self) -> int:
        return len(self.recorder.frames)

    async def _close(self) -> None:
        self.mic.stop()
        self.recorder.sink.stop()
        if self.pc is not None:
            await self.pc.close()

    def close(self) -> None:
        self.dropping = False
        self.loop.call(self._close())


def states(messages: list[dict[str, Any]]) -> list[str]:
    return [m["state"] for m in messages if m["type"] == "state"]


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> float:
    """Poll ``condition`` every 20 ms; returns when it held; fails after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout:g} s")
        time.sleep(0.02)
    return time.monotonic()


@contextmanager
def served(
    session: AudioStreamSession, mic: np.ndarray | None
) -> Iterator[tuple[LoopThread, Client, ServerPeer]]:
    """``(server loop, client, peer)``: a connected session; everything closed after."""
    before = set(threading.enumerate())
    server_loop = LoopThread("fault-server-loop")
    client_loop = LoopThread("fault-client-loop")
    peer = ServerPeer(session, {"iceServers": []}, loop=server_loop.loop)
    client = Client(client_loop, mic)
    try:
        client.connect(peer)
        yield server_loop, client, peer
    finally:
        client_loop.thaw()
        server_loop.thaw()
        try:
            peer.close()
            client.close()
        finally:
            client_loop.close()
            server_loop.close()
            _wait_for_threads_to_end(before)


def _wait_for_threads_to_end(before: set[threading.Thread], timeout: float = 10.0) -> None:
    """Let the threads this test started end (stops, timers), so none ends in the next test."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not left:
            return
        time.sleep(0.05)
    raise AssertionError(f"threads still running after the test: {[t.name for t in left]}")
