"""Our component's server peer over real WebRTC: offer in, answer out, status on a data channel.

An aiortc client plays the browser: it sends speech with pauses, creates the
``streamlit-rtc`` data channel before its offer, and hands the offer to
:class:`ServerPeer` exactly as the component's value would.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription

from streamlit_rtc import ReplyOnPause
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.session.modes import Mode
from streamlit_rtc.signalling.protocol import Offer
from streamlit_rtc.streamlit.peer import ServerPeer
from streamlit_rtc.testing import read_wav
from streamlit_rtc.testing.loopback import AudioRecorder, fake_microphone

pytestmark = pytest.mark.rtc

SPEECH = Path(__file__).resolve().parents[1] / "fixtures" / "browser" / "speech_pause.wav"


def echo(audio: tuple[int, Any]) -> Iterator[tuple[int, Any]]:
    yield audio


class Browser:
    """An aiortc peer on its own loop thread that behaves like our component."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.messages: list[dict[str, Any]] = []
        self.changed = threading.Condition()
        self.recorder = AudioRecorder()
        self.pc: RTCPeerConnection | None = None

    def call(self, coro: Any, timeout: float = 20.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    async def offer(self) -> str:
        pc = self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        _, samples = read_wav(SPEECH, sample_rate=48000)
        pc.addTrack(fake_microphone(samples))
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
        return pc.localDescription.sdp

    async def accept(self, sdp: str) -> None:
        assert self.pc is not None
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    def wait_for(self, predicate: Any, timeout: float = 20.0) -> list[dict[str, Any]]:
        with self.changed:
            assert self.changed.wait_for(lambda: predicate(self.messages), timeout), self.messages
            return list(self.messages)

    def states(self) -> list[str]:
        return [m["state"] for m in self.messages if m["type"] == "state"]


def wait_until(condition: Any, timeout: float = 20.0) -> None:
    done = threading.Event()
    deadline = threading.Timer(timeout, done.set)
    deadline.start()
    try:
        while not condition():
            assert not done.wait(0.05), "condition not met in time"
    finally:
        deadline.cancel()


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, name="test-media-loop", daemon=True)
    thread.start()
    yield loop
    loop.call_soon_threadsafe(loop.stop)
    thread.join(5)
    loop.close()


def test_offer_answer_and_a_spoken_turn_reach_the_data_channel(
    loop: asyncio.AbstractEventLoop,
) -> None:
    session = AudioStreamSession(ReplyOnPause(echo), Mode.SEND_RECEIVE, time_limit=None)
    peer = ServerPeer(session, {"iceServers": []}, loop=loop)
    browser = Browser(loop)
    try:
        sdp = browser.call(browser.offer())
        answer = peer.answer(Offer(sdp))
        assert answer.startswith("v=0")
        browser.call(browser.accept(answer))
        browser.wait_for(lambda ms: "listening" in [m.get("state") for m in ms])
        browser.wait_for(lambda ms: "responding" in [m.get("state") for m in ms], timeout=30)
        wait_until(lambda: abs(browser.recorder.pcm().astype(int)).max(initial=0) > 1000)
        events = [m["event"] for m in browser.messages if m["type"] == "event"]
        assert events[:3] == ["started_talking", "pause_detected", "response_starting"]
        assert all(isinstance(m["t"], (int, float)) for m in browser.messages)
        session.stop("Time limit of 5 s reached")
        ended = browser.wait_for(lambda ms: any(m["type"] == "end" for m in ms))
        end = next(m for m in ended if m["type"] == "end")
        assert end["message"] == "Time limit of 5 s reached" and end["error"] is False
        # The server hangs up by itself when the browser does not.
        assert browser.pc is not None
        pc = browser.pc
        deadline = loop.time() + 10
        while pc.connectionState not in ("closed", "failed") and loop.time() < deadline:
            browser.call(asyncio.sleep(0.05))
        assert pc.connectionState in ("closed", "failed")
    finally:
        peer.close()
        browser.recorder.sink.stop()
        if browser.pc is not None:
            browser.call(browser.pc.close())


def test_the_browser_hanging_up_stops_the_session(loop: asyncio.AbstractEventLoop) -> None:
    session = AudioStreamSession(ReplyOnPause(echo), Mode.SEND_RECEIVE, time_limit=30)
    peer = ServerPeer(session, {"iceServers": []}, loop=loop)
    browser = Browser(loop)
    try:
        browser.call(browser.accept(peer.answer(Offer(browser.call(browser.offer())))))
        messages = browser.wait_for(lambda ms: any(m["type"] == "deadline" for m in ms))
        deadline = next(m for m in messages if m["type"] == "deadline")
        assert 0 < deadline["remaining_s"] <= 30
        assert browser.pc is not None
        browser.call(browser.pc.close())
        assert session._stopped.wait(10), "the session kept running after the browser hung up"
    finally:
        peer.close()
