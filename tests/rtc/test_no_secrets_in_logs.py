"""No credential or API key reaches any log line while a TURN- and secret-using session runs.

Every logger (ours, aiortc's, aioice's, streamlit-webrtc's) is captured at
DEBUG while a session with TURN credentials in both peers' configuration,
and API keys in the environment, connects, talks and ends; no record may
contain a secret, in its message or its arguments.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import pytest

from streamlit_rtc import ReplyOnPause
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.session.modes import Mode
from streamlit_rtc.signalling.protocol import Offer
from streamlit_rtc.streamlit.peer import ServerPeer
from streamlit_rtc.testing import ComponentClient, MediaLoop, sine

pytestmark = pytest.mark.rtc

SECRETS = {
    "OPENAI_API_KEY": "sk-test-Sup3rSecretKey0001",
    "TWILIO_AUTH_TOKEN": "tw-Sup3rSecretToken0002",
    "HF_TOKEN": "hf_Sup3rSecretToken0003",
}
TURN_USER = "1767225600:Sup3rSecretUser0004"
TURN_PASSWORD = "Sup3rSecretCredential0005="
# A TURN server that answers nothing: both peers try it, fail, and meet on host candidates.
TURN = {
    "urls": ["turn:127.0.0.1:9?transport=udp"],
    "username": TURN_USER,
    "credential": TURN_PASSWORD,
}


def reply(audio: Any) -> Iterator[Any]:
    yield audio


@pytest.fixture
def media() -> Iterator[MediaLoop]:
    with MediaLoop() as loop:
        yield loop


def test_no_secret_appears_in_any_log_record(
    media: MediaLoop, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    caplog.set_level(logging.DEBUG)  # the root logger: every library's records
    session = AudioStreamSession(ReplyOnPause(reply), Mode.SEND_RECEIVE, time_limit=30)
    peer = ServerPeer(session, {"iceServers": [TURN]}, loop=media.loop)
    browser = ComponentClient(media, sine(300, 5.0), loop_microphone=True, ice_servers=[TURN])
    try:
        browser.connect(lambda sdp: peer.answer(Offer(sdp)))
        browser.wait_for(lambda ms: any(m.get("state") == "listening" for m in ms))
        session.stop("Time limit of 30 s reached")
        browser.wait_for(lambda ms: any(m["type"] == "end" for m in ms))
    finally:
        peer.close()
        browser.close()
    assert caplog.records, "nothing was logged: the capture is not working"
    secrets = [*SECRETS.values(), TURN_USER, TURN_PASSWORD, "Sup3rSecret"]
    for record in caplog.records:
        text = f"{record.getMessage()} {record.args!r} {record.exc_text or ''}"
        for secret in secrets:
            assert secret not in text, f"{record.name}: {text[:300]}"
