"""An LLM-chat-style app written like a ported fastrtc app: the history goes in and out.

The reply function gets the conversation so far as its extra input
(``reply(audio, chatbot)``), appends the new turn and yields the whole
history as ``AdditionalOutputs``; ``lambda old, new: new`` stores it under
``st.session_state["chatbot"]``, whose value is also the stream's input.
The assistant says how many earlier turns it was given, so the page shows
whether the history reached the handler at every turn.

Query parameter ``variant``:

* ``webrtc`` (default): ``webrtc(..., inputs=[st.session_state["chatbot"]],
  outputs=["chatbot"], on_additional_outputs=...)``, history in ``@stream.live``.
* ``webrtc_nolive``: the same, history drawn in the main script (no live view).
* ``stream_ui``: fastrtc's ``Stream(handler, additional_inputs=[...],
  additional_outputs=["chatbot"], additional_outputs_handler=...)`` and
  ``stream.ui.launch()``.
* ``stream_render``: a ``Stream`` built without inputs, rendered with
  ``stream.render(inputs=[...])`` and a live view of our own.

The page counts its full script runs (``FULL_RUNS n``).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import streamlit as st

from streamlit_rtc import AdditionalOutputs, LiveStatus, ReplyOnPause, Stream, webrtc

TONE_RATE = 24000


def tone(seconds: float = 0.3, hz: float = 440.0) -> np.ndarray:
    t = np.arange(int(TONE_RATE * seconds)) / TONE_RATE
    return (0.3 * 32767 * np.sin(2 * np.pi * hz * t)).astype(np.int16)


def reply(audio: tuple[int, np.ndarray], chatbot: list[dict[str, Any]]) -> Iterator[Any]:
    earlier = len(chatbot) // 2
    chatbot = [
        *chatbot,
        {"role": "user", "content": f"turn {earlier + 1}"},
        {"role": "assistant", "content": f"I have seen {earlier} earlier turns"},
    ]
    yield AdditionalOutputs(chatbot)
    yield (TONE_RATE, tone())


def keep_newest(old: Any, new: Any) -> Any:
    return new


def show_history() -> None:
    history = st.session_state["chatbot"] or []
    st.text(f"HISTORY_LEN {len(history)}")
    for message in history:
        with st.chat_message(message["role"]):
            st.write(message["content"])


variant = st.query_params.get("variant", "webrtc")
st.session_state["full_runs"] = st.session_state.get("full_runs", 0) + 1
st.session_state.setdefault("chatbot", [])
ice = {"iceServers": []}
st.text(f"VARIANT {variant}")

if variant in ("webrtc", "webrtc_nolive"):
    stream = webrtc(
        "chat",
        ReplyOnPause(reply),
        mode="send-receive",
        modality="audio",
        inputs=[st.session_state["chatbot"]],
        outputs=["chatbot"],
        on_additional_outputs=keep_newest,
        rtc_configuration=ice,
    )
    if variant == "webrtc":

        @stream.live
        def live_history(status: LiveStatus) -> None:
            show_history()

    else:
        show_history()
elif variant == "stream_ui":
    # Built on every run, as a ported fastrtc script would be: the input is the
    # current value of the output key.
    Stream(
        ReplyOnPause(reply),
        modality="audio",
        mode="send-receive",
        additional_inputs=[st.session_state["chatbot"]],
        additional_outputs=["chatbot"],
        additional_outputs_handler=keep_newest,
        rtc_configuration=ice,
        ui_args={"title": "History probe"},
    ).ui.launch()
elif variant == "stream_render":

    @st.cache_resource
    def shared_stream() -> Stream:
        return Stream(
            ReplyOnPause(reply),
            modality="audio",
            mode="send-receive",
            additional_outputs=["chatbot"],
            additional_outputs_handler=keep_newest,
            rtc_configuration=ice,
        )

    context = shared_stream().render(inputs=[st.session_state["chatbot"]])

    @context.live
    def rendered_history(status: LiveStatus) -> None:
        show_history()

else:
    st.error(f"unknown variant {variant!r}")

st.text(f"FULL_RUNS {st.session_state['full_runs']}")
