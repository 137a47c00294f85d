"""The topology's demo app: an echo through the TURN relay, limits shared in Redis.

Started by ``deploy/topology.sh start`` on every replica. Each connection gets
fresh TURN credentials for the topology's coturn (``get_coturn_credentials``
reads ``STREAMLIT_RTC_TURN_SECRET`` / ``STREAMLIT_RTC_TURN_URLS``), and
``concurrency_limit`` (``DEMO_CONCURRENCY_LIMIT``, default 2) holds across
replicas because ``STREAMLIT_RTC_REDIS_URL`` is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import streamlit as st

from streamlit_rtc import ReplyOnPause, get_coturn_credentials, webrtc

st.set_page_config(page_title="streamlit-rtc replicas", page_icon=":studio_microphone:")
st.title("Echo, replicated")
st.caption(f"Served by {os.environ.get('STREAMLIT_RTC_REPLICA', 'a single server')}")
st.write("Press **START**, say something, then pause: the app plays it back.")


def echo(audio: tuple[int, np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
    yield audio


def relay_only() -> dict[str, Any]:
    """Fresh TURN credentials; ``DEMO_FORCE_RELAY=1`` makes the browser use the relay only."""
    config = get_coturn_credentials()
    if os.environ.get("DEMO_FORCE_RELAY") == "1":
        config["iceTransportPolicy"] = "relay"
    return config


limit = os.environ.get("DEMO_CONCURRENCY_LIMIT", "2")
webrtc(
    "echo",
    ReplyOnPause(echo),
    time_limit=300,
    concurrency_limit=int(limit) if limit.lower() != "none" else None,
    rtc_configuration=relay_only,
)
