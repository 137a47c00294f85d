"""Minimal streamlit-webrtc echo app with NO workaround (reproduces the flaky connect).

Run by the browser harness: ``streamlit run tests/browser/apps/bare_echo.py``.
"""

from __future__ import annotations

import logging
import os
import time

import _loop_load  # sibling test helper (the app's folder is on sys.path)
import av
import streamlit as st
from streamlit_webrtc import WebRtcMode, webrtc_streamer

if os.environ.get("RTC_TEST_DEBUG"):
    logging.basicConfig(format="%(asctime)s %(threadName)s %(name)s %(message)s")
    logging.getLogger("streamlit_webrtc.component").setLevel(logging.DEBUG)


def _debug_run_count(key: str, where: str = "start") -> None:
    """Log Streamlit's script_run_count next to the context's last rendered count."""
    from streamlit_webrtc.session_info import get_script_run_count, get_this_session_info

    info = get_this_session_info()
    ctx = st.session_state.get(key)
    logging.getLogger("bare_echo").warning(
        "%s run_count=%s last_rendered=%s",
        where,
        get_script_run_count(info) if info else None,
        getattr(ctx, "_last_rendered_run_count", "<no ctx>"),
    )


_loop_load.maybe_install()


def _identity(frame: av.AudioFrame) -> av.AudioFrame:
    """Send the microphone frame straight back."""
    return frame


if os.environ.get("RTC_TEST_DEBUG"):
    _debug_run_count("echo")

webrtc_streamer(
    key="echo",
    mode=WebRtcMode.SENDRECV,
    rtc_configuration={"iceServers": []},
    media_stream_constraints={"audio": True, "video": False},
    audio_frame_callback=_identity,
)

# Optional non-interruptible work after the component (pure Python, no st.*
# call, so no yield point), standing in for an app that does something after
# rendering the widget. 0 by default: the app stays "bare".
_TAIL_S = float(os.environ.get("RTC_TEST_TAIL_S", "0"))
if _TAIL_S > 0:
    time.sleep(_TAIL_S)
if os.environ.get("RTC_TEST_DEBUG"):
    _debug_run_count("echo", "end")
