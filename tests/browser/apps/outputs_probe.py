"""A stream whose handler emits ``AdditionalOutputs`` every few seconds, shown in a live view.

The page counts its full script runs and the live view's runs, so a test can
tell a refresh of the live view from a rerun of the whole app.
Query parameter ``period``: seconds between outputs (default 4).

The live view's timers are set to a minute here, so an output can only reach
the page in time through the server-initiated rerun of the view.
"""

from __future__ import annotations

import time

import numpy as np
import streamlit as st

from streamlit_rtc import AdditionalOutputs, LiveStatus, StreamHandler, webrtc
from streamlit_rtc.streamlit import live

live.LIVE_VIEW_SAFETY_POLL_S = 60.0  # no timer refresh: only pushed reruns
live.ACTIVE_POLL_S = 60.0  # nor the polling fallback


class Ticker(StreamHandler):
    """Ignores the microphone; emits ``AdditionalOutputs(n)`` every ``period`` seconds."""

    def __init__(self, period: float) -> None:
        super().__init__()
        self.period = period
        self.count = 0
        self.next_at: float | None = None

    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        pass

    def emit(self) -> AdditionalOutputs | None:
        now = time.monotonic()
        if self.next_at is None:
            self.next_at = now + self.period
        if now < self.next_at:
            return None
        self.next_at = now + self.period
        self.count += 1
        return AdditionalOutputs(self.count)

    def copy(self) -> Ticker:
        return Ticker(self.period)


period = float(st.query_params.get("period", "4"))
st.session_state["full_runs"] = st.session_state.get("full_runs", 0) + 1
st.session_state.setdefault("tick", 0)
st.session_state.setdefault("view_runs", 0)
stream = webrtc(
    "ticker", Ticker(period), mode="send", outputs=["tick"], rtc_configuration={"iceServers": []}
)
st.text(f"FULL_RUNS {st.session_state['full_runs']}")


@stream.live
def show(status: LiveStatus) -> None:
    st.session_state["view_runs"] += 1
    st.text(f"TICK {st.session_state['tick']} VIEW_RUNS {st.session_state['view_runs']}")
