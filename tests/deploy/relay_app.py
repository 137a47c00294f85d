"""The app the topology tests run on every replica, chosen by ``?case=``.

* ``echo`` (default): every microphone frame straight back, no limit.
* ``limited``: the same with ``concurrency_limit=1`` (shared across replicas through Redis).
* ``video``: webcam frames straight back (``measure_bandwidth.py``).
* ``short``: the echo, with credentials that expire ``?ttl=`` seconds after they are made.
* ``stale``: the same, but the function hands out the first credentials it made for this
  browser session again and again (what a page held before it asked for fresh ones at START).

The browser is forced through the TURN relay: ``rtc_configuration`` is a
function (called per connection) returning fresh coturn credentials with
``iceTransportPolicy: "relay"``. The page names its replica.
"""

from __future__ import annotations

import contextlib
import os
import queue
from typing import Any

import numpy as np
import streamlit as st

from streamlit_rtc import StreamHandler, get_coturn_credentials, webrtc


class Echo(StreamHandler):
    """Plays back what it hears, frame by frame."""

    def __init__(self) -> None:
        super().__init__(output_sample_rate=48000, input_sample_rate=48000)
        self.frames: queue.Queue[tuple[int, np.ndarray]] = queue.Queue(maxsize=50)

    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        with contextlib.suppress(queue.Full):
            self.frames.put_nowait(frame)

    def emit(self) -> tuple[int, np.ndarray] | None:
        try:
            return self.frames.get(timeout=0.1)
        except queue.Empty:
            return None

    def copy(self) -> Echo:
        return Echo()


def relay_only() -> dict[str, Any]:
    config = get_coturn_credentials()
    config["iceTransportPolicy"] = "relay"
    return config


def short_lived() -> dict[str, Any]:
    config = get_coturn_credentials(ttl_s=float(st.query_params.get("ttl", "3")))
    config["iceTransportPolicy"] = "relay"
    return config


def first_made() -> dict[str, Any]:
    if "first_credentials" not in st.session_state:
        st.session_state["first_credentials"] = short_lived()
    return dict(st.session_state["first_credentials"])


case = st.query_params.get("case", "echo")
st.write(f"served by {os.environ.get('STREAMLIT_RTC_REPLICA', '?')}")
if case == "short":
    webrtc("short", Echo(), rtc_configuration=short_lived)
elif case == "stale":
    webrtc("stale", Echo(), rtc_configuration=first_made)
elif case == "limited":
    webrtc("limited", Echo(), concurrency_limit=1, rtc_configuration=relay_only)
elif case == "video":
    webrtc("video", lambda frame: frame, modality="video", rtc_configuration=relay_only)
else:
    webrtc("echo", Echo(), rtc_configuration=relay_only)
