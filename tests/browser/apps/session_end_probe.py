"""Probe app: records when streamlit_rtc's SessionEndWatcher sees this session end.

Writes ``<sid>.started`` on the session's first run and ``<sid>.ended`` (JSON)
when the watcher fires, into ``$RTC_TEST_SESSION_END_DIR``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import streamlit as st

from streamlit_rtc.streamlit._compat import (
    SessionEnd,
    get_session_id,
    session_status,
    watch_session_end,
)

OUT_DIR = Path(os.environ["RTC_TEST_SESSION_END_DIR"])
GRACE_S = float(os.environ.get("RTC_TEST_SESSION_END_GRACE_S", "0"))

session_id = get_session_id()
if session_id is not None and "session_end_watcher" not in st.session_state:

    def _on_end(end: SessionEnd, sid: str = session_id) -> None:
        payload = {
            "status": end.status.value,
            "disconnected_for_s": end.disconnected_for_s,
            "wall": time.time(),
        }
        (OUT_DIR / f"{sid}.ended").write_text(json.dumps(payload))

    st.session_state["session_end_watcher"] = watch_session_end(
        _on_end, grace_s=GRACE_S, poll_interval_s=0.2
    )
    (OUT_DIR / f"{session_id}.started").write_text(str(time.time()))

st.write("session", session_id, session_status(session_id).value if session_id else "-")
