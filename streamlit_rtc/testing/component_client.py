"""An aiortc peer that behaves like streamlit-rtc's browser component, for tests and benchmarks.

:class:`ComponentClient` sends a microphone (an int16 array, paced like a
browser's), creates the ``streamlit-rtc`` data channel before its offer,
records the reply audio and every status message, and hands its offer to
whatever answers it (``ServerPeer.answer`` in our tests, an HTTP endpoint in
a benchmark). :class:`MediaLoop` is a private event loop on its own thread,
standing in for Streamlit's server loop that aiortc runs on. Never imports
Streamlit.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Callable, Coroutine
from types import TracebackType
from typing import Any, TypeVar

import numpy as np
from aiortc import RTCConfiguration, RTCIceServer, RTCPeerConnection, RTCSessionDescription

from .loopback import AudioRecorder, fake_microphone

__all__ = ["DATA_CHANNEL_LABEL", "ComponentClient", "MediaLoop"]

DATA_CHANNEL_LABEL = "streamlit-rtc"
T = TypeVar("T")


class MediaLoop:
    """An asyncio loop running on a daemon thread until :meth:`close` (or the ``with`` ends)."""

    def __init__(self, name: str = "test-media-loop") -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, name=name, daemon=True)
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run ``coro`` on the loop and wait for its result (from another thread)."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def close(self, grace_s: float = 2.0) -> None:
        """Let tasks still running finish (up to ``grace_s``), cancel the rest, stop the loop."""
        if self.loop.is_closed():
            return
        try:
            self.run(self._drain(grace_s), timeout=grace_s + 5)
        finally:
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._thread.join(5)
            self.loop.close()

    @staticmethod
    async def _drain(grace_s: float) -> None:
        current = asyncio.current_task()
        tasks = [t for t in asyncio.all_tasks() if t is not current]
        if tasks:
            _, pending = await asyncio.wait(tasks, timeout=grace_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        # aiortc encodes in the default executor: wait for its threads to end too.
        await asyncio.get_running_loop().shutdown_default_executor()

    def __enter__(self) -> MediaLoop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ComponentClient:
    """The browser side of one connection: microphone out, replies and status messages in."""

    def __init__(
        self,
        media: MediaLoop,
        microphone: np.ndarray | None = None,
        *,
        loop_microphone: bool = False,
        ice_servers: list[dict[str, Any]] | None = None,
    ) -> None:
        self.media = media
        self.microphone = microphone
        self.loop_microphone = loop_microphone
        self.ice_servers = ice_servers or []
        self.messages: list[dict[str, Any]] = []
        self.recorder = AudioRecorder()
        self.pc: RTCPeerConnection | None = None
        self._changed = threading.Condition()

    # -- signalling ---------------------------------------------------------------------
    def offer(self) -> str:
        """Create the peer, the data channel and the offer (with gathered candidates)."""
        return self.media.run(self._offer())

    async def _offer(self) -> str:
        servers = [RTCIceServer(**server) for server in self.ice_servers]
        pc = self.pc = RTCPeerConnection(RTCConfiguration(iceServers=servers))
        if self.microphone is not None:
            pc.addTrack(fake_microphone(self.microphone, loop=self.loop_microphone))
        channel = pc.createDataChannel(DATA_CHANNEL_LABEL)
        channel.on("message", self._on_message)

        @pc.on("track")
        def on_track(track: Any) -> None:
            if track.kind == "audio":
                self.recorder.sink.addTrack(track)
                self.recorder.sink.start()

        await pc.setLocalDescription(await pc.createOffer())
        return str(pc.localDescription.sdp)

    def accept(self, answer_sdp: str) -> None:
        """Apply the server's answer."""
        assert self.pc is not None, "offer() first"
        self.media.run(self.pc.setRemoteDescription(RTCSessionDescription(answer_sdp, "answer")))

    def connect(self, answer: Callable[[str], str]) -> None:
        """Offer, get the answer from ``answer(offer_sdp)``, apply it."""
        self.accept(answer(self.offer()))

    # -- what came back ------------------------------------------------------------------
    def _on_message(self, text: str) -> None:
        with self._changed:
            self.messages.append(json.loads(text))
            self._changed.notify_all()

    def wait_for(
        self, predicate: Callable[[list[dict[str, Any]]], bool], timeout: float = 20.0
    ) -> list[dict[str, Any]]:
        """Wait until ``predicate(messages)``; the messages so far (AssertionError on timeout)."""
        with self._changed:
            if not self._changed.wait_for(lambda: predicate(self.messages), timeout):
                raise AssertionError(f"status messages never matched: {self.messages[-10:]}")
            return list(self.messages)

    def states(self) -> list[str]:
        return [m["state"] for m in self.messages if m.get("type") == "state"]

    @property
    def connection_state(self) -> str:
        return self.pc.connectionState if self.pc is not None else "new"

    # -- the end -------------------------------------------------------------------------
    def close(self) -> None:
        """Hang up (idempotent): stop recording and close the peer connection."""
        self.recorder.sink.stop()
        if self.pc is not None and not self.media.loop.is_closed():
            self.media.run(self.pc.close(), timeout=10)

    def __enter__(self) -> ComponentClient:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
