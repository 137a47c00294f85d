"""A stream limited to one live user whose reply always fails with a user-facing error."""

import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "apps"))

import streamlit as st
from _local import rtc_configuration

from streamlit_rtc import ReplyOnPause, WebRTCError, webrtc


def reply(audio: tuple[int, object]) -> Iterator[object]:
    raise WebRTCError("The model is unavailable right now")
    yield audio


st.title("Limits probe")
webrtc(
    "limited",
    ReplyOnPause(reply),
    concurrency_limit=1,
    rtc_configuration=rtc_configuration(),
)
