"""Our component's server peer over real WebRTC: offer in, answer out, status on a data channel.

:class:`ComponentClient` plays the browser: it sends speech with pauses,
creates the ``streamlit-rtc`` data channel before its offer, and hands the
offer to :class:`ServerPeer` exactly as the component's value would.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from streamlit_rtc import ReplyOnPause
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.session.modes import Mode
from streamlit_rtc.signalling.protocol import Offer
from streamlit_rtc.streamlit.peer import ServerPeer
from streamlit_rtc.testing import ComponentClient, MediaLoop, read_wav

pytestmark = pytest.mark.rtc

SPEECH = Path(__file__).resolve().parents[1] / "fixtures" / "browser" / "speech_pause.wav"


def echo(audio: tuple[int, Any]) -> Iterator[tuple[int, Any]]:
    yield audio


def wait_until(condition: Any, timeout: float = 20.0) -> None:
    done = threading.Event()
    timer = threading.Timer(timeout, done.set)
    timer.start()
    try:
        while not condition():
            assert not done.wait(0.05), "condition not met in time"
    finally:
        timer.cancel()


@pytest.fixture
def media() -> Iterator[MediaLoop]:
    with MediaLoop() as loop:
        yield loop


def answerer(peer: ServerPeer) -> Any:
    return lambda sdp: peer.answer(Offer(sdp))


def test_offer_answer_and_a_spoken_turn_reach_the_data_channel(media: MediaLoop) -> None:
    session = AudioStreamSession(ReplyOnPause(echo), Mode.SEND_RECEIVE, time_limit=None)
    peer = ServerPeer(session, {"iceServers": []}, loop=media.loop)
    _, speech = read_wav(SPEECH, sample_rate=48000)
    with ComponentClient(media, speech) as browser:
        try:
            browser.connect(answerer(peer))
            browser.wait_for(lambda ms: "listening" in [m.get("state") for m in ms])
            browser.wait_for(lambda ms: "responding" in [m.get("state") for m in ms], timeout=30)
            wait_until(lambda: abs(browser.recorder.pcm().astype(int)).max(initial=0) > 1000)
            events = [m["event"] for m in browser.messages if m["type"] == "event"]
            assert events[:3] == ["started_talking", "pause_detected", "response_starting"]
            assert "connecting" not in browser.states()  # the browser owns "connecting"
            assert all(isinstance(m["t"], (int, float)) for m in browser.messages)
            session.stop("Time limit of 5 s reached")
            ended = browser.wait_for(lambda ms: any(m["type"] == "end" for m in ms))
            end = next(m for m in ended if m["type"] == "end")
            assert end["message"] == "Time limit of 5 s reached" and end["error"] is False
            # The server hangs up by itself when the browser does not.
            wait_until(lambda: browser.connection_state in ("closed", "failed"), timeout=10)
        finally:
            peer.close()


def test_the_browser_hanging_up_stops_the_session(media: MediaLoop) -> None:
    session = AudioStreamSession(ReplyOnPause(echo), Mode.SEND_RECEIVE, time_limit=30)
    peer = ServerPeer(session, {"iceServers": []}, loop=media.loop)
    _, speech = read_wav(SPEECH, sample_rate=48000)
    browser = ComponentClient(media, speech)
    try:
        browser.connect(answerer(peer))
        messages = browser.wait_for(lambda ms: any(m["type"] == "deadline" for m in ms))
        deadline = next(m for m in messages if m["type"] == "deadline")
        assert 0 < deadline["remaining_s"] <= 30
        browser.close()
        wait_until(lambda: session.stopped, timeout=10)
    finally:
        browser.close()
        peer.close()
