"""Our component with a handler that sends every microphone frame straight back.

``RTC_TEST_HIDEABLE=1`` adds a "show component" checkbox: unticking it
completes a run without the component. Run by the browser tests:
``streamlit run tests/browser/apps/component_echo.py``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue

import _loop_load  # sibling test helper (the app's folder is on sys.path)
import numpy as np
import streamlit as st

from streamlit_rtc import StreamHandler, webrtc

if os.environ.get("RTC_TEST_DEBUG"):
    logging.basicConfig(format="%(asctime)s %(threadName)s %(name)s %(message)s")
    logging.getLogger("streamlit_rtc").setLevel(logging.DEBUG)

_loop_load.maybe_install()


class Echo(StreamHandler):
    """Plays back what it hears, frame by frame (no turn-taking)."""

    def __init__(self) -> None:
        super().__init__(output_sample_rate=48000, input_sample_rate=48000)
        self.frames: queue.Queue[tuple[int, np.ndarray]] = queue.Queue(maxsize=50)

    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        with contextlib.suppress(queue.Full):  # a slow page: drop, do not block
            self.frames.put_nowait(frame)

    def emit(self) -> tuple[int, np.ndarray] | None:
        try:
            return self.frames.get(timeout=0.1)
        except queue.Empty:
            return None

    def copy(self) -> Echo:
        return Echo()


if not os.environ.get("RTC_TEST_HIDEABLE") or st.checkbox("show component", value=True):
    webrtc("echo", Echo(), rtc_configuration={"iceServers": []})
else:
    st.write("component hidden")
