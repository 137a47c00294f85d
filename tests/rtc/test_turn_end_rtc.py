"""Smart Turn on a live stream: a server peer and a component-protocol client on loopback.

The turn-end judge runs on a thread of the connection's bridge; here the
whole path is real (aiortc, Opus, the session's workers, the status data
channel): the model's verdict ends a spoken question, and a broken analyzer
is named in the page's messages while the stream goes on.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from streamlit_rtc import ReplyOnPause, SmartTurn
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.session.modes import Mode
from streamlit_rtc.signalling.protocol import Offer
from streamlit_rtc.streamlit.peer import ServerPeer
from streamlit_rtc.testing import ComponentClient, MediaLoop, read_wav

pytestmark = pytest.mark.rtc

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "turn_end"
CLIP = "complete_t1_weather.wav"


def silent_reply(audio: tuple[int, Any]) -> Iterator[Any]:
    yield from ()


class Broken:
    sample_rate = 16000
    max_audio_s = 8.0

    def probability(self, audio: np.ndarray) -> float:
        raise RuntimeError("model file is corrupt")


@pytest.fixture
def media() -> Iterator[MediaLoop]:
    with MediaLoop() as loop:
        yield loop


def speak(media: MediaLoop, turn_end: Any) -> tuple[AudioStreamSession, list[dict[str, Any]]]:
    """Stream the clip (then silence) to a ReplyOnPause with ``turn_end``; the page's messages."""
    session = AudioStreamSession(
        ReplyOnPause(silent_reply, turn_end=turn_end), Mode.SEND_RECEIVE, time_limit=None
    )
    peer = ServerPeer(session, {"iceServers": []}, loop=media.loop)
    _, speech = read_wav(FIXTURES / CLIP, sample_rate=48000)
    with ComponentClient(media, speech) as browser:
        try:
            browser.connect(lambda sdp: peer.answer(Offer(sdp)))
            messages = browser.wait_for(
                lambda ms: any(m.get("event") == "pause_detected" for m in ms), timeout=30
            )
        finally:
            peer.close()
    return session, messages


def test_the_model_ends_a_spoken_question_on_a_thread_of_the_connection(
    media: MediaLoop,
) -> None:
    model = SmartTurn.shared()
    session, messages = speak(media, model)
    handler = session.handler
    assert isinstance(handler, ReplyOnPause)
    verdicts = handler.turn_end_verdicts
    assert verdicts and verdicts[-1].probability >= 0.9, verdicts  # a finished question
    assert not [m for m in messages if m["type"] in ("error", "message")], messages
    assert not [t for t in threading.enumerate() if t.name.endswith("-turn-end")]


def test_a_broken_analyzer_is_named_on_the_page_and_the_stream_goes_on(
    media: MediaLoop,
) -> None:
    _, messages = speak(media, Broken())
    warnings = [m for m in messages if m["type"] == "message" and m.get("kind") == "warning"]
    assert len(warnings) == 1, messages
    text = json.dumps(warnings[0]["payload"])
    assert "Broken.probability() failed" in text and "model file is corrupt" in text
    assert not [m for m in messages if m["type"] == "error"], messages
