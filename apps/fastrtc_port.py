"""A fastrtc app ported to streamlit-rtc: only the Gradio lines changed.

``streamlit run apps/fastrtc_port.py``. Press **START**, say something and
pause: the app plays it back and the transcript on the page grows by two
messages per turn. The name in the sidebar is an additional input: change it
while the stream runs and the next reply uses it.

Each line that differs from the fastrtc original says what it was.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import streamlit as st  # fastrtc: import gradio as gr
from _local import rtc_configuration

from streamlit_rtc import AdditionalOutputs, ReplyOnPause, Stream  # fastrtc: from fastrtc import


def echo(audio: tuple[int, np.ndarray], name: str) -> Iterator[Any]:
    """Say the utterance back, and report both sides of the turn as chat messages."""
    rate, array = audio
    seconds = array.shape[-1] / rate
    yield AdditionalOutputs({"role": "user", "content": f"*({seconds:.1f} s of speech)*"})
    yield audio
    yield AdditionalOutputs({"role": "assistant", "content": f"{name or 'Echo'}: said it back."})


def add_message(chatbot: list[dict[str, str]] | None, message: dict[str, str]) -> list:
    """fastrtc calls this with the output's current value, then the new values."""
    return [*(chatbot or []), message]


name = st.sidebar.text_input("Name", "Echo")  # fastrtc: name = gr.Textbox("Echo", label="Name")
chatbot = "chatbot"  # fastrtc: chatbot = gr.Chatbot(type="messages")

stream = Stream(
    ReplyOnPause(echo),
    modality="audio",
    mode="send-receive",
    additional_inputs=[name],
    additional_outputs=[chatbot],
    additional_outputs_handler=add_message,
    rtc_configuration=rtc_configuration(),
    time_limit=300,
    ui_args={"title": "Echo, ported from fastrtc", "subtitle": "Talk, then pause."},
)

if __name__ == "__main__":
    stream.ui.launch()
