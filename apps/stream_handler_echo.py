"""The seed guide's StreamHandler echo, ported. ``streamlit run apps/stream_handler_echo.py``"""

from __future__ import annotations

from queue import Empty, Queue

import numpy as np
import streamlit as st
from _local import rtc_configuration

from streamlit_rtc import StreamHandler, webrtc


class EchoHandler(StreamHandler):
    def __init__(self) -> None:
        super().__init__()
        self.queue: Queue[tuple[int, np.ndarray]] = Queue(maxsize=100)

    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        self.queue.put(frame)

    def emit(self) -> tuple[int, np.ndarray] | None:
        try:
            return self.queue.get_nowait()  # emit must not block: None when idle
        except Empty:
            return None

    def copy(self) -> EchoHandler:
        return EchoHandler()


st.title("Stream handler echo")
st.write("Everything you say comes straight back.")
webrtc(
    "stream-handler-echo",
    EchoHandler(),
    mode="send-receive",
    modality="audio",
    time_limit=15,
    rtc_configuration=rtc_configuration(),
)
