"""Same echo app as ``bare_echo.py`` but with streamlit_rtc's flaky-connect workaround.

Run by the browser harness: ``streamlit run tests/browser/apps/fixed_echo.py``.
"""

from __future__ import annotations

import logging
import os
import time

import _loop_load  # sibling test helper (the app's folder is on sys.path)
import av
from streamlit_webrtc import WebRtcMode

from streamlit_rtc.streamlit._compat import webrtc_streamer_fixed

if os.environ.get("RTC_TEST_DEBUG"):
    logging.basicConfig(format="%(asctime)s %(threadName)s %(name)s %(message)s")
    logging.getLogger("streamlit_webrtc.component").setLevel(logging.DEBUG)
    logging.getLogger("streamlit_rtc").setLevel(logging.DEBUG)


_loop_load.maybe_install()


def _identity(frame: av.AudioFrame) -> av.AudioFrame:
    """Send the microphone frame straight back."""
    return frame


webrtc_streamer_fixed(
    key="echo",
    mode=WebRtcMode.SENDRECV,
    rtc_configuration={"iceServers": []},
    media_stream_constraints={"audio": True, "video": False},
    audio_frame_callback=_identity,
)

# Same optional non-interruptible tail as bare_echo.py (0 by default).
_TAIL_S = float(os.environ.get("RTC_TEST_TAIL_S", "0"))
if _TAIL_S > 0:
    time.sleep(_TAIL_S)
