"""A fastrtc app ported to Streamlit by changing its Gradio lines only."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from stream_helpers import ICE, errors, webrtc_elements
from streamlit.testing.v1 import AppTest

from streamlit_rtc import AdditionalOutputs

APPS = Path(__file__).resolve().parents[2] / "apps"


def test_a_fastrtc_demo_ports_by_changing_its_gradio_lines(app: Callable[..., AppTest]) -> None:
    """fastrtc's talk-to-an-LLM shape: a text input, a chatbot output and its handler."""

    def script(ice: dict) -> None:
        import streamlit as st  # was: import gradio as gr

        from streamlit_rtc import AdditionalOutputs, ReplyOnPause
        from streamlit_rtc.streamlit import Stream

        def response(audio, system_prompt):
            _, array = audio
            yield AdditionalOutputs({"role": "user", "content": f"{array.shape[-1]} samples"})
            yield audio
            yield AdditionalOutputs({"role": "assistant", "content": system_prompt})

        system_prompt = st.text_input("System prompt", "Be brief")  # was: gr.Textbox(...)
        chatbot = "chatbot"  # was: chatbot = gr.Chatbot(type="messages")
        stream = Stream(
            ReplyOnPause(response),
            modality="audio",
            mode="send-receive",
            additional_inputs=[system_prompt],
            additional_outputs=[chatbot],
            additional_outputs_handler=lambda chatbot, message: [*(chatbot or []), message],
            rtc_configuration=ice,
            concurrency_limit=5,
            time_limit=90,
            ui_args={"title": "Talk to an echo"},
        )
        if __name__ == "__main__":
            stream.ui.launch(server_port=7860)

    at = app(script, ICE)
    assert errors(at) == []
    assert [t.value for t in at.title] == ["Talk to an echo"]
    assert len(webrtc_elements(at)) == 1
    assert at.session_state["chatbot"] is None
    at.text_input[0].input("Be kind").run()
    assert errors(at) == []


def test_a_chatbot_that_is_input_and_output_ports_as_value_and_key(
    app: Callable[..., AppTest],
) -> None:
    """fastrtc's ``additional_inputs=[chatbot], additional_outputs=[chatbot]`` pattern."""

    def script(ice: dict) -> None:
        import streamlit as st

        from streamlit_rtc import AdditionalOutputs, ReplyOnPause
        from streamlit_rtc.streamlit import Stream

        def response(audio, chatbot):
            chatbot.append({"role": "user", "content": "..."})
            yield AdditionalOutputs(chatbot)
            yield audio

        st.session_state.setdefault("chatbot", [])  # was: chatbot = gr.Chatbot(type="messages")
        stream = Stream(
            ReplyOnPause(response),
            modality="audio",
            additional_inputs=[st.session_state["chatbot"]],
            additional_outputs=["chatbot"],
            additional_outputs_handler=lambda old, new: new,
            rtc_configuration=ice,
        )
        stream.ui.launch()

    at = app(script, ICE)
    assert errors(at) == []
    assert at.session_state["chatbot"] == [] and len(webrtc_elements(at)) == 1


def test_the_ported_example_app_renders(
    app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.syspath_prepend(str(APPS))
    at = AppTest.from_file(str(APPS / "fastrtc_port.py"), default_timeout=60)
    at.run()
    assert errors(at) == []
    assert [t.value for t in at.title] == ["Echo, ported from fastrtc"]
    assert [w.label for w in at.sidebar.text_input] == ["Name"]
    assert len(webrtc_elements(at)) == 1
    at.session_state["chatbot"] = [{"role": "user", "content": "*(1.0 s of speech)*"}]
    at.run()
    assert [m.name for m in at.chat_message] == ["user"]


def test_the_example_apps_handler_and_outputs_handler_work_without_a_browser(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its reply and fold are plain functions (no Streamlit), as in the fastrtc original."""
    monkeypatch.syspath_prepend(str(APPS))
    source = (APPS / "fastrtc_port.py").read_text()
    namespace: dict[str, Any] = {"__name__": "fastrtc_port"}
    exec(compile(source, "fastrtc_port.py", "exec"), namespace)  # __name__ != "__main__"
    audio = (16000, np.zeros((1, 16000), dtype=np.int16))
    out = list(namespace["echo"](audio, "Ada"))
    assert out[1] is audio
    assert isinstance(out[0], AdditionalOutputs) and isinstance(out[2], AdditionalOutputs)
    history = namespace["add_message"](None, out[0].args[0])
    history = namespace["add_message"](history, out[2].args[0])
    assert [m["role"] for m in history] == ["user", "assistant"]
    assert history[1]["content"] == "Ada: said it back."
