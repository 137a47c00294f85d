"""fastrtc's ``Stream`` rendered in a Streamlit page (Streamlit's AppTest): ``ui.launch()``,
``render()``, what reaches ``webrtc``, outputs and keys."""

from __future__ import annotations

import logging
from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from stream_helpers import ICE, echo, errors, webrtc_elements
from streamlit.testing.v1 import AppTest

from streamlit_rtc import ReplyOnPause, VoiceUI
from streamlit_rtc.streamlit import Stream
from streamlit_rtc.streamlit import stream as stream_module


def test_construction_renders_nothing_at_module_level_or_in_cache_resource(
    app: Callable[..., AppTest],
) -> None:
    def script() -> None:
        import streamlit as st

        from streamlit_rtc import ReplyOnPause
        from streamlit_rtc.streamlit import Stream

        def reply(audio):
            yield audio

        @st.cache_resource
        def cached() -> Stream:
            return Stream(ReplyOnPause(reply), modality="audio", ui_args={"title": "Hidden"})

        Stream(ReplyOnPause(reply), modality="audio", ui_args={"title": "Hidden"})
        assert cached() is cached()

    at = app(script)
    assert errors(at) == []
    assert len(at.main.children) == 0


def test_ui_launch_renders_title_subtitle_and_the_component(app: Callable[..., AppTest]) -> None:
    def script(ice: dict) -> None:
        from streamlit_rtc import ReplyOnPause
        from streamlit_rtc.streamlit import Stream

        def reply(audio):
            yield audio

        stream = Stream(
            ReplyOnPause(reply),
            modality="audio",
            rtc_configuration=ice,
            ui_args={"title": "Echo", "subtitle": "Talk, then *pause*."},
        )
        if __name__ == "__main__":
            stream.ui.launch()

    at = app(script, ICE)
    assert errors(at) == []
    assert [t.value for t in at.title] == ["Echo"]
    assert [m.value for m in at.markdown] == ["Talk, then *pause*."]
    assert len(webrtc_elements(at)) == 1
    assert "streamlit_rtc:stream:ReplyOnPause(reply)" in at.session_state


def test_default_hidden_and_html_titles(app: Callable[..., AppTest]) -> None:
    def script(ice: dict) -> None:
        from streamlit_rtc import ReplyOnPause
        from streamlit_rtc.streamlit import Stream

        def reply(audio):
            yield audio

        def frames(frame):
            return frame

        Stream(ReplyOnPause(reply), modality="audio", rtc_configuration=ice).ui.launch()
        Stream(frames, rtc_configuration=ice, ui_args={"hide_title": True}).ui.launch()
        camera = Stream(
            frames,
            mode="send",
            rtc_configuration=ice,
            ui_args={"title": "<h1 style='text-align: center'>Cam</h1>"},
        )
        camera.key = "camera"  # two Streams of one handler in a page need distinct keys
        camera.ui.launch()

    at = app(script, ICE)
    assert errors(at) == []
    assert [t.value for t in at.title] == ["Audio Streaming"]
    assert [h.proto.body for h in at.get("html")] == ["<h1 style='text-align: center'>Cam</h1>"]
    assert len(webrtc_elements(at)) == 3


def test_render_is_the_component_alone(app: Callable[..., AppTest]) -> None:
    def script(ice: dict) -> None:
        from streamlit_rtc import ReplyOnPause
        from streamlit_rtc.streamlit import Stream

        def reply(audio):
            yield audio

        stream = Stream(ReplyOnPause(reply), modality="audio", rtc_configuration=ice)
        context = stream.render("mine")
        assert context.key == "mine"

    at = app(script, ICE)
    assert errors(at) == []
    assert len(at.title) == 0 and len(webrtc_elements(at)) == 1
    assert "streamlit_rtc:mine" in at.session_state


def test_render_passes_everything_to_webrtc(
    app: Callable[..., AppTest], monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[tuple[str, Any, dict[str, Any]]] = []

    def fake_webrtc(key: str, handler: Any, **kwargs: Any) -> Any:
        calls.append((key, handler, kwargs))
        return SimpleNamespace(live=lambda render: render)

    async def turn_credentials() -> dict[str, Any]:
        return ICE

    def combine(chatbot: Any, message: Any) -> list[Any]:
        return [*(chatbot or []), message]

    monkeypatch.setattr(stream_module, "webrtc", fake_webrtc)
    handler = ReplyOnPause(echo)
    stream = Stream(
        handler,
        modality="audio",
        mode="send",
        additional_inputs=["Ada", 3],
        additional_outputs=["chatbot", "score"],
        additional_outputs_handler=combine,
        concurrency_limit=4,
        time_limit=90,
        rtc_configuration=turn_credentials,
        track_constraints={"echoCancellation": False},
    )

    def script(stream) -> None:
        stream.render()
        stream.render("again", inputs=["Grace", 4], trigger=True)
        stream.ui.render("ui", inputs=["Lin", 5])

    at = app(script, stream)
    assert errors(at) == []
    (key, got, kwargs), (key2, _, kwargs2), (key3, _, kwargs3) = calls
    assert (key, got, key2) == ("stream:ReplyOnPause(echo)", handler, "again")
    assert kwargs == {
        "mode": "send",
        "modality": "audio",
        "inputs": ["Ada", 3],
        "time_limit": 90,
        "concurrency_limit": 4,
        "trigger": None,
        "rtc_configuration": turn_credentials,  # passed through uncalled
        "media_stream_constraints": {"audio": {"echoCancellation": False}, "video": False},
        "outputs": ["chatbot", "score"],
        "on_additional_outputs": combine,
        "ui": VoiceUI(),
        "server_rtc_configuration": None,
    }
    assert (kwargs2["inputs"], kwargs2["trigger"]) == (["Grace", 4], True)
    assert (key3, kwargs3["inputs"]) == ("ui", ["Lin", 5])
    assert stream.additional_inputs == ["Ada", 3]  # render-time inputs leave the Stream as it was
    assert at.session_state["chatbot"] is None and at.session_state["score"] is None


def test_an_uncalled_rtc_configuration_function_reaches_webrtc(
    app: Callable[..., AppTest],
) -> None:
    def script(ice: dict) -> None:
        from streamlit_rtc import ReplyOnPause
        from streamlit_rtc.streamlit import Stream

        def reply(audio):
            yield audio

        async def turn_credentials() -> dict:  # e.g. get_cloudflare_turn_credentials_async
            return ice

        Stream(ReplyOnPause(reply), modality="audio", rtc_configuration=turn_credentials).render()

    at = app(script, ICE)
    assert errors(at) == [] and len(webrtc_elements(at)) == 1


def test_track_constraints_map_per_modality() -> None:
    constraints = stream_module._media_constraints
    audio, video, both = (
        stream_module.Modality.AUDIO,
        stream_module.Modality.VIDEO,
        stream_module.Modality.AUDIO_VIDEO,
    )
    assert constraints(None, audio) is None
    assert constraints({"width": 640}, video) == {"audio": False, "video": {"width": 640}}
    assert constraints({"audio": {"a": 1}, "video": True}, both) == {
        "audio": {"a": 1},
        "video": True,
    }
    assert constraints({"audio": True, "video": False}, audio) == {"audio": True, "video": False}


def test_outputs_keys_are_created_and_shown_live_by_the_ui(app: Callable[..., AppTest]) -> None:
    def script(ice: dict) -> None:
        import streamlit as st

        from streamlit_rtc import ReplyOnPause
        from streamlit_rtc.streamlit import Stream

        def reply(audio):
            yield audio

        st.session_state.setdefault("score", 0.5)
        Stream(
            ReplyOnPause(reply),
            modality="audio",
            rtc_configuration=ice,
            additional_outputs=["chatbot", "score"],
            additional_outputs_handler=lambda chatbot, score, new: (new, score),
            ui_args={"hide_title": True},
        ).ui.launch()

    at = app(script, ICE)
    assert errors(at) == []
    assert at.session_state["chatbot"] is None and at.session_state["score"] == 0.5
    at.session_state["chatbot"] = [
        {"role": "user", "content": "hello"},
        {"role": "assistant", "content": "hello back"},
    ]
    at.run()
    assert errors(at) == []
    assert [m.name for m in at.chat_message] == ["user", "assistant"]
    assert [m.markdown[0].value for m in at.chat_message] == ["hello", "hello back"]
    assert "`0.5`" in [m.value for m in at.markdown]  # st.write(0.5)


def test_receive_mode_ui_has_a_start_button(app: Callable[..., AppTest]) -> None:
    def script(ice: dict) -> None:
        import numpy as np

        from streamlit_rtc.streamlit import Stream

        def generate(steps):
            for _ in range(steps):
                yield (24000, np.zeros((1, 2400), dtype=np.int16))

        Stream(
            generate,
            mode="receive",
            modality="audio",
            rtc_configuration=ice,
            additional_inputs=[3],
        ).ui.launch()

    at = app(script, ICE)
    assert errors(at) == []
    assert [b.label for b in at.button] == ["Start Stream"]
    at.button[0].click().run()
    assert errors(at) == []


def test_two_streams_of_one_handler_need_distinct_keys(app: Callable[..., AppTest]) -> None:
    def script(ice: dict, distinct: bool) -> None:
        from streamlit_rtc import ReplyOnPause
        from streamlit_rtc.streamlit import Stream

        def reply(audio):
            yield audio

        left = Stream(ReplyOnPause(reply), modality="audio", rtc_configuration=ice)
        right = Stream(ReplyOnPause(reply), modality="audio", rtc_configuration=ice)
        if distinct:
            right.key = "right"
        left.render()
        right.render()

    at = app(script, ICE, False)
    assert len(errors(at)) == 1
    assert "key 'stream:ReplyOnPause(reply)' in one script run" in errors(at)[0]
    assert "distinct keys" in errors(at)[0] and "stream.key" in errors(at)[0]
    at = app(script, ICE, True)
    assert errors(at) == [] and len(webrtc_elements(at)) == 2


def test_launch_ignores_gradio_options_with_one_warning(
    app: Callable[..., AppTest], caplog: pytest.LogCaptureFixture
) -> None:
    def script(ice: dict) -> None:
        from streamlit_rtc import ReplyOnPause
        from streamlit_rtc.streamlit import Stream

        def reply(audio):
            yield audio

        stream = Stream(ReplyOnPause(reply), modality="audio", rtc_configuration=ice)
        stream.ui.queue().launch(server_name="0.0.0.0", server_port=7860, share=True)

    with caplog.at_level(logging.WARNING, logger=stream_module.__name__):
        at = app(script, ICE)
        at.run()
    assert errors(at) == [] and len(webrtc_elements(at)) == 1
    warned = [r.getMessage() for r in caplog.records if "launch options" in r.getMessage()]
    assert warned == [
        "stream.ui.launch() ignores Gradio's launch options (server_name, server_port, share): "
        "Streamlit serves the page; set its address and port with `streamlit run app.py "
        "--server.address 0.0.0.0 --server.port 7860`"
    ]
