"""A handler that floods its page costs its own session, not the others.

One session emits 10 000 ``AdditionalOutputs`` and 10 000 ``send_message``
a second while nobody reads them; another session, over real WebRTC at the
same time, keeps its audio flowing. The flooding session's unread outputs
stay capped, its page is told it fell behind, and its status channel stays
bounded.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from streamlit_rtc import AdditionalOutputs, StreamHandler
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.session.modes import Mode
from streamlit_rtc.signalling.protocol import Offer
from streamlit_rtc.streamlit.peer import ServerPeer
from streamlit_rtc.testing.loopback import AudioRecorder, fake_microphone, sine

pytestmark = pytest.mark.rtc

RATE_PER_S = 10_000


class Flood(StreamHandler):
    """Emits outputs and messages at RATE_PER_S, forever."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = 0
        self.started = time.monotonic()

    def receive(self, frame: Any) -> None:
        return None

    def emit(self) -> Any:
        self.sent += 1
        ahead = self.started + self.sent / RATE_PER_S - time.monotonic()
        if ahead > 0:
            time.sleep(ahead)
        self.send_message_sync({"n": self.sent, "pad": "x" * 200})
        return AdditionalOutputs(self.sent)

    def copy(self) -> Flood:
        return Flood()


class Echo(StreamHandler):
    def __init__(self) -> None:
        super().__init__(output_sample_rate=48000, input_sample_rate=48000)
        self.last: Any = None
        self.ready = threading.Event()

    def receive(self, frame: Any) -> None:
        self.last = frame
        self.ready.set()

    def emit(self) -> Any:
        if not self.ready.wait(0.1):
            return None
        self.ready.clear()
        return self.last

    def copy(self) -> Echo:
        return Echo()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-media-loop", daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_a_flooding_handler_is_capped_and_the_others_keep_their_audio(
    loop: asyncio.AbstractEventLoop,
) -> None:
    flood = AudioStreamSession(Flood(), Mode.SEND_RECEIVE)
    flood_peer = ServerPeer(flood, {"iceServers": []}, loop=loop)
    calm = AudioStreamSession(Echo(), Mode.SEND_RECEIVE)
    calm_peer = ServerPeer(calm, {"iceServers": []}, loop=loop)
    recorder = AudioRecorder()

    async def client() -> RTCPeerConnection:
        pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        pc.addTrack(fake_microphone(sine(440, 30.0, amplitude=0.3), loop=True))
        pc.createDataChannel("streamlit-rtc")

        @pc.on("track")
        def on_track(track: Any) -> None:
            recorder.sink.addTrack(track)
            recorder.sink.start()

        await pc.setLocalDescription(await pc.createOffer())
        return pc

    pc = asyncio.run_coroutine_threadsafe(client(), loop).result(20)
    try:
        answer = calm_peer.answer(Offer(pc.localDescription.sdp))
        asyncio.run_coroutine_threadsafe(
            pc.setRemoteDescription(RTCSessionDescription(answer, "answer")), loop
        ).result(20)
        deadline = time.monotonic() + 20
        while len(recorder.frames) < 50:
            assert time.monotonic() < deadline, "the calm session never played"
            time.sleep(0.05)

        flood_peer.feed.attach()  # its browser never opens the channel: messages wait, bounded
        flood.ensure_started()  # the flood runs, unread, for three seconds
        assert flood.mailbox.changed.wait(10)
        start = time.monotonic()
        before = len(recorder.frames)
        while time.monotonic() - start < 3.0:
            time.sleep(0.1)
        elapsed = time.monotonic() - start
        got = len(recorder.frames) - before
        handler = flood.handler
        assert isinstance(handler, Flood)
        assert handler.sent > 5_000, f"the flood only reached {handler.sent} items"
        # The calm session's audio kept flowing: 20 ms frames, most of them on time.
        assert got >= 0.7 * elapsed / 0.02, f"{got} frames in {elapsed:.1f} s"
        # The flooding session's unread outputs stay capped, and its page is told.
        assert len(flood.mailbox.take_outputs()) <= 1000
        assert flood.mailbox.outputs_dropped > 0
        snapshot = flood.mailbox.snapshot()
        assert any("fell behind" in error for error in snapshot.errors)
        assert len(snapshot.messages) <= 20
        assert flood_peer.channel.dropped > 0  # its unread status messages stayed bounded
    finally:
        flood_peer.close()
        calm_peer.close()
        recorder.sink.stop()
        asyncio.run_coroutine_threadsafe(pc.close(), loop).result(10)
    assert flood.stopped and calm.stopped
