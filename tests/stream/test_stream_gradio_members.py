"""fastrtc's ``Stream`` members that only make sense under Gradio or FastAPI say why and what to
do instead; ``stream.ui`` keeps the calls fastrtc demos chain."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from stream_helpers import echo

from streamlit_rtc import ReplyOnPause
from streamlit_rtc.streamlit import Stream
from streamlit_rtc.streamlit.stream import NotInStreamlitError, StreamUI


def test_gradio_and_fastapi_members_say_why_and_what_to_do() -> None:
    stream = Stream(ReplyOnPause(echo), modality="audio")
    cases: list[tuple[Callable[[], Any], str]] = [
        (lambda: stream.mount(object()), r"no FastAPI app to mount on.*streamlit run"),
        (lambda: stream.fastphone(port=7860), r"no telephone transport"),
        (lambda: stream.set_input("id", "x"), r"stream.render\(inputs=\[\.\.\.\]\)"),
        (lambda: stream.output_stream("id"), r"st.session_state keys named in additional_outputs"),
        (lambda: stream.fetch_latest_output("id"), r"additional_outputs"),
        (lambda: stream.offer({}), r"FastAPI endpoints"),
        (lambda: stream.websocket_offer(None), r"FastAPI endpoints"),
        (lambda: stream.telephone_handler(None), r"FastAPI endpoints"),
        (lambda: stream.handle_incoming_call(None), r"FastAPI endpoints"),
    ]
    for call, match in cases:
        with pytest.raises(NotInStreamlitError, match=match):
            call()
    assert issubclass(NotInStreamlitError, NotImplementedError)
    with pytest.raises(NotInStreamlitError, match=r"cannot be replaced by a Gradio Blocks"):
        stream.ui = object()  # type: ignore[assignment]
    with pytest.raises(NotInStreamlitError, match=r"write them as st.\* calls"), stream.ui:
        pass
    with pytest.raises(AttributeError, match=r"Gradio's Blocks API.*launch\(\), render\(\)"):
        stream.ui.load  # noqa: B018
    with pytest.raises(AttributeError, match=r"Gradio WebRTC component"):
        stream.webrtc_component  # noqa: B018
    assert not hasattr(stream, "webrtc_component")


def test_ui_keeps_the_gradio_calls_demos_chain() -> None:
    stream = Stream(ReplyOnPause(echo), modality="audio")
    assert isinstance(stream.ui, StreamUI)
    assert stream.ui.queue() is stream.ui
    assert stream.ui.close() is None


def test_rendering_outside_streamlit_says_to_use_streamlit_run() -> None:
    stream = Stream(ReplyOnPause(echo), modality="audio")
    with pytest.raises(RuntimeError, match=r"streamlit run app.py"):
        stream.ui.launch()
    with pytest.raises(RuntimeError, match=r"streamlit run app.py"):
        stream.render()
