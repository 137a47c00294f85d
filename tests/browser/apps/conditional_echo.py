"""Echo app whose component can be hidden: exercises the "really not rendered" path.

Unticking the checkbox completes a run without the component (Streamlit drops
its widget state); ticking it again must reset the stale context so a new
START works.
"""

from __future__ import annotations

import logging
import os

import av
import streamlit as st
from streamlit_webrtc import WebRtcMode

from streamlit_rtc.streamlit._compat import webrtc_streamer_fixed

if os.environ.get("RTC_TEST_DEBUG"):
    logging.basicConfig(format="%(asctime)s %(threadName)s %(name)s %(message)s")
    logging.getLogger("streamlit_webrtc.component").setLevel(logging.DEBUG)
    logging.getLogger("streamlit_rtc").setLevel(logging.DEBUG)


def _identity(frame: av.AudioFrame) -> av.AudioFrame:
    """Send the microphone frame straight back."""
    return frame


if st.checkbox("show component", value=True):
    webrtc_streamer_fixed(
        key="echo",
        mode=WebRtcMode.SENDRECV,
        rtc_configuration={"iceServers": []},
        media_stream_constraints={"audio": True, "video": False},
        audio_frame_callback=_identity,
    )
else:
    st.write("component hidden")
