"""ReplyOnPause echo: talk, pause, and hear yourself back. ``streamlit run apps/echo.py``"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import streamlit as st
from _local import rtc_configuration

from streamlit_rtc import ReplyOnPause, webrtc

st.set_page_config(page_title="streamlit-rtc echo", page_icon=":studio_microphone:")
st.title("Echo")
st.write("Press **START**, say something, then pause: the app plays it back.")


def echo(audio: tuple[int, np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
    """The whole utterance, as soon as you pause."""
    yield audio


webrtc(
    "echo",
    ReplyOnPause(echo),
    mode="send-receive",
    modality="audio",
    time_limit=300,
    rtc_configuration=rtc_configuration(),
)
