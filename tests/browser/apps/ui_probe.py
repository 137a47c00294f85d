"""One app, several streams for the voice-UI tests, chosen by ``?case=``.

* ``echo`` (default): ``ReplyOnPause`` echo, the reply a little late so "thinking" shows.
* ``look``: custom button labels, icon, colours and radius.
* ``limit``: a 4 s ``time_limit``.
* ``level``: the handler's input level, shown live in the page (for the mute test).
* ``startup``: a ``start_up`` that raises.
* ``busy``: ``concurrency_limit=1``.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import numpy as np
import streamlit as st

from streamlit_rtc import (
    AdditionalOutputs,
    ReplyOnPause,
    StreamHandler,
    VoiceUI,
    webrtc,
)

ICE = {"iceServers": []}


def slow_echo(audio: tuple[int, np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
    time.sleep(0.4)  # "thinking" for a moment
    yield audio


class InputLevel(StreamHandler):
    """Reports the peak of what it hears every 0.25 s (and says nothing)."""

    def __init__(self) -> None:
        super().__init__(input_sample_rate=16000)
        self.peak = 0.0
        self.samples = 0

    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        _, array = frame
        self.peak = max(self.peak, float(np.abs(array.astype(np.float32)).max(initial=0)))
        self.samples += array.shape[-1]
        if self.samples >= 4000:
            self.samples = 0
            peak, self.peak = self.peak, 0.0
            self.send_message_sync(peak)
            self.outputs = AdditionalOutputs(peak)

    def emit(self) -> Any:
        outputs = getattr(self, "outputs", None)
        self.outputs = None
        if outputs is None:
            time.sleep(0.02)
        return outputs

    def copy(self) -> InputLevel:
        return InputLevel()


class FailingStart(InputLevel):
    def start_up(self) -> None:
        raise RuntimeError("the model server refused the API key")

    def copy(self) -> FailingStart:
        return FailingStart()


case = st.query_params.get("case", "echo")
st.write(f"case: {case}")
if case == "look":
    webrtc(
        "look",
        ReplyOnPause(slow_echo),
        rtc_configuration=ICE,
        button_labels={"start": "Talk to me", "stop": "Hang up", "waiting": "Dialling"},
        ui=VoiceUI(
            icon="🤖",
            icon_button_color="rgb(200, 30, 40)",
            pulse_color="rgb(0, 128, 0)",
            icon_radius=10,
        ),
    )
elif case == "limit":
    webrtc("limit", ReplyOnPause(slow_echo), rtc_configuration=ICE, time_limit=4)
elif case == "level":
    ctx = webrtc("level", InputLevel(), rtc_configuration=ICE, outputs=["peak"])

    @ctx.live
    def show(status: Any) -> None:
        st.text(f"PEAK {st.session_state.get('peak')}")
elif case == "startup":
    webrtc("startup", FailingStart(), rtc_configuration=ICE)
elif case == "busy":
    webrtc("busy", ReplyOnPause(slow_echo), rtc_configuration=ICE, concurrency_limit=1)
else:
    webrtc("echo", ReplyOnPause(slow_echo), rtc_configuration=ICE)
