"""A handler that floods its page costs its own session, not the others.

One session emits 10 000 ``AdditionalOutputs`` and 10 000 ``send_message``
a second while nobody reads them; another session, over real WebRTC at the
same time, keeps its audio flowing. The flooding session's unread outputs
stay capped, its page is told it fell behind, and its status channel stays
bounded.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

from streamlit_rtc import AdditionalOutputs, StreamHandler
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.session.modes import Mode
from streamlit_rtc.signalling.protocol import Offer
from streamlit_rtc.streamlit.peer import ServerPeer
from streamlit_rtc.testing import ComponentClient, MediaLoop, sine

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


def frames_per_second(recorder: Any, seconds: float) -> float:
    """Reply frames received per second over the next ``seconds``."""
    start, before = time.monotonic(), len(recorder.frames)
    while time.monotonic() - start < seconds:
        time.sleep(0.1)
    return (len(recorder.frames) - before) / (time.monotonic() - start)


@pytest.fixture
def media() -> Iterator[MediaLoop]:
    with MediaLoop() as loop:
        yield loop


def test_a_flooding_handler_is_capped_and_the_others_keep_their_audio(media: MediaLoop) -> None:
    flood = AudioStreamSession(Flood(), Mode.SEND_RECEIVE)
    flood_peer = ServerPeer(flood, {"iceServers": []}, loop=media.loop)
    calm = AudioStreamSession(Echo(), Mode.SEND_RECEIVE)
    calm_peer = ServerPeer(calm, {"iceServers": []}, loop=media.loop)
    browser = ComponentClient(media, sine(440, 30.0, amplitude=0.3), loop_microphone=True)
    recorder = browser.recorder
    try:
        browser.connect(lambda sdp: calm_peer.answer(Offer(sdp)))
        deadline = time.monotonic() + 20
        while len(recorder.frames) < 50:
            assert time.monotonic() < deadline, "the calm session never played"
            time.sleep(0.05)

        calm_rate = frames_per_second(recorder, 3.0)  # the same window without the flood
        flood_peer.feed.attach()  # its browser never opens the channel: messages wait, bounded
        flood.ensure_started()  # the flood runs, unread, for three seconds
        assert flood.mailbox.changed.wait(10)
        flood_rate = frames_per_second(recorder, 3.0)
        handler = flood.handler
        assert isinstance(handler, Flood)
        assert handler.sent > 5_000, f"the flood only reached {handler.sent} items"
        # The calm session's audio kept flowing as it did before the flood (a loaded
        # machine slows both windows alike).
        assert flood_rate >= 0.75 * calm_rate, (calm_rate, flood_rate)
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
        browser.close()
    assert flood.stopped and calm.stopped
