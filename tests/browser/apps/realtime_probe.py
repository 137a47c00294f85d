"""fastrtc's OpenAI-realtime pattern in a page: the session loop lives in ``start_up``.

The handler (``tests/fastrtc_style/handlers.py``) talks to a fake realtime
API that answers each spoken turn with a tone and a transcript. The live
view shows the transcript as ``TRANSCRIPT <role>: <text>`` lines.
Query parameter ``variant=fail``: the realtime service refuses the
connection 0.5 s after START (``start_up`` raises).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import streamlit as st

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # tests/: the fastrtc_style package

from fastrtc_style.handlers import FailingStartUp, RealtimeHandler

from streamlit_rtc import LiveStatus, webrtc

variant = st.query_params.get("variant", "answer")
handler = FailingStartUp(delay_s=0.5) if variant == "fail" else RealtimeHandler()

st.title("Realtime probe")
st.session_state.setdefault("transcript", [])


def add_message(transcript: list[dict[str, Any]], message: dict[str, Any]) -> list[dict[str, Any]]:
    return [*transcript, message]


stream = webrtc(
    "realtime",
    handler,
    mode="send-receive",
    modality="audio",
    outputs=["transcript"],
    on_additional_outputs=add_message,
    rtc_configuration={"iceServers": []},
)


@stream.live
def show(status: LiveStatus) -> None:
    st.text(f"STATE {status.state.value}")
    for message in st.session_state["transcript"]:
        st.text(f"TRANSCRIPT {message['role']}: {message['content']}")
