"""Loaded by the Streamlit servers the browser tests start (via PYTHONPATH).

Confines the server's WebRTC to 127.0.0.1: Chromium is started with
``--allow-loopback-in-peer-connection`` and the server gathers and accepts
loopback candidates only, so no media packet is addressed outside 127/8.
"""

import os

if os.environ.get("STREAMLIT_RTC_TEST_LOOPBACK_ICE") == "1":
    from streamlit_rtc.testing.ice import restrict_ice_to_loopback

    restrict_ice_to_loopback()
