"""fastrtc's ``Stream`` in Streamlit: construction, rendering (Streamlit's AppTest), Gradio-only
members, and a fastrtc app ported by changing its Gradio lines only."""

from __future__ import annotations

import inspect
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import pytest
from streamlit.testing.v1 import AppTest

from streamlit_rtc import AdditionalOutputs, ReplyOnPause, StreamHandler, VoiceUI
from streamlit_rtc.streamlit import Stream, UIArgs, stream_checks, stream_ui
from streamlit_rtc.streamlit import stream as stream_module
from streamlit_rtc.streamlit.stream import NotInStreamlitError, StreamUI

APPS = Path(__file__).resolve().parents[1] / "apps"
ICE: dict[str, Any] = {"iceServers": []}

# fastrtc's Stream.__init__ (backend/fastrtc/stream.py): name, kind, default.
KW = inspect.Parameter.KEYWORD_ONLY
FASTRTC_PARAMETERS = [
    ("handler", inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.empty),
    ("additional_outputs_handler", KW, None),
    ("mode", KW, "send-receive"),
    ("modality", KW, "video"),
    ("concurrency_limit", KW, "default"),
    ("time_limit", KW, None),
    ("allow_extra_tracks", KW, False),
    ("rtp_params", KW, None),
    ("rtc_configuration", KW, None),
    ("server_rtc_configuration", KW, None),
    ("track_constraints", KW, None),
    ("additional_inputs", KW, None),
    ("additional_outputs", KW, None),
    ("ui_args", KW, None),
    ("verbose", KW, True),
]
FASTRTC_UI_ARGS = {
    "title",
    "subtitle",
    "icon",
    "icon_button_color",
    "pulse_color",
    "icon_radius",
    "send_input_on",
    "hide_title",
    "full_screen",
}


def echo(audio: tuple[int, np.ndarray]) -> Iterator[Any]:
    yield audio


def frames(frame: np.ndarray) -> np.ndarray:
    return frame


class Chatbot:
    """Stands for ``gr.Chatbot``: what a fastrtc app passes and a Streamlit one must not."""


Chatbot.__module__ = "gradio.components.chatbot"


class Echo(StreamHandler):
    def copy(self) -> Echo:
        return Echo()

    def receive(self, frame: Any) -> None:
        pass

    def emit(self) -> None:
        return None


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch) -> Callable[..., AppTest]:
    """An AppTest for ``script(*args)``, run once."""
    monkeypatch.setattr(stream_checks, "_warned", set())

    def run(script: Callable[..., None], *args: Any) -> AppTest:
        at = AppTest.from_function(script, args=args, default_timeout=60)
        at.run()
        return at

    return run


def webrtc_elements(at: AppTest) -> list[Any]:
    return [e for e in at.get("component_instance") if "streamlit_rtc" in e.proto.component_name]


def errors(at: AppTest) -> list[str]:
    return [e.message for e in at.exception]


# -- construction ---------------------------------------------------------------------


def test_the_constructor_has_fastrtcs_parameters_in_order_with_its_defaults() -> None:
    parameters = list(inspect.signature(Stream.__init__).parameters.values())[1:]
    assert [(p.name, p.kind, p.default) for p in parameters] == FASTRTC_PARAMETERS


def test_uiargs_has_fastrtcs_keys_and_each_is_checked() -> None:
    assert set(UIArgs.__annotations__) == FASTRTC_UI_ARGS | {"variant"}
    assert set(stream_ui._UI_ARG_CHECKS) == set(UIArgs.__annotations__)


def test_defaults_follow_fastrtc() -> None:
    stream = Stream(frames)
    assert (stream.mode, stream.modality) == ("send-receive", "video")
    assert stream.concurrency_limit == 1  # fastrtc: "default" means 1
    assert Stream(frames, concurrency_limit=None).concurrency_limit == 1  # so does None
    assert Stream(frames, concurrency_limit=5).concurrency_limit == 5
    assert stream.key == "stream:frames"
    audio = Stream(ReplyOnPause(echo), modality="audio")
    assert audio.key == "stream:ReplyOnPause(echo)"
    assert audio.event_handler is not None and audio.ui_args == {}
    assert Stream(Echo(), modality="audio").key == "stream:Echo"


def test_fastrtcs_video_stream_handler_is_a_video_handler() -> None:
    from streamlit_rtc.core.video_handlers import VideoStreamHandler

    stream = Stream(VideoStreamHandler(frames, fps=15))
    assert stream.key == "stream:VideoStreamHandler(frames)"
    with pytest.raises(TypeError, match=r"VideoStreamHandler needs modality='video'"):
        Stream(VideoStreamHandler(frames), modality="audio")


def test_fastrtc_attribute_names_read_the_same_values() -> None:
    stream = Stream(
        ReplyOnPause(echo),
        modality="audio",
        additional_inputs=["Ada"],
        additional_outputs=["chatbot"],
        additional_outputs_handler=lambda old, new: new,
        ui_args={"title": "Hi", "icon": "mic.svg", "pulse_color": "red"},
    )
    assert stream.additional_input_components == ["Ada"]
    assert stream.additional_output_components == ["chatbot"]
    assert stream.ui_args == {"title": "Hi", "icon": "mic.svg", "pulse_color": "red"}
    stream.additional_inputs = ["Grace"]  # per run, before render
    assert stream.additional_inputs == ["Grace"]


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"mode": "sendrecv"}, ValueError, r"mode must be one of 'send-receive', 'send'"),
        ({"modality": "audio_video"}, ValueError, r"modality must be one of"),
        (
            {"modality": "audio-video", "mode": "send", "handler": Echo()},
            ValueError,
            r"audio-video' works with mode='send-receive' only",
        ),
        (
            {"handler": ReplyOnPause(echo)},
            TypeError,
            r"modality='video' \(fastrtc's default\).*pass modality='audio'",
        ),
        ({"handler": echo, "modality": "audio"}, TypeError, r"ReplyOnPause\(fn\)"),
        ({"handler": Echo(), "modality": "audio-video"}, TypeError, r"AudioVideoStreamHandler"),
        ({"handler": 42}, TypeError, r"handler must be a stream handler or a function"),
        (
            {"additional_outputs": ["chatbot"]},
            ValueError,
            r"additional_outputs_handler must be provided",
        ),
        ({"additional_outputs": "chatbot"}, TypeError, r"additional_outputs=\['chatbot'\]"),
        (
            {"additional_outputs": ["a", "a"], "additional_outputs_handler": max},
            ValueError,
            r"more than once",
        ),
        ({"additional_inputs": "Ada"}, TypeError, r"additional_inputs must be a list"),
        ({"concurrency_limit": 0}, ValueError, r"concurrency_limit must be an int >= 1"),
        ({"time_limit": -1}, ValueError, r"time_limit must be a number of seconds > 0"),
        ({"rtc_configuration": "stun:x"}, TypeError, r"rtc_configuration must be a dict"),
        ({"track_constraints": ["x"]}, TypeError, r"track_constraints must be a dict"),
        # fastrtc's gpt-oss demo passes ui_args={"title" "..."}: a set, the ':' missing
        ({"ui_args": {"titleHi"}}, TypeError, r"a ':' missing"),
        ({"ui_args": {"tittle": "Hi"}}, ValueError, r"unknown key\(s\) \['tittle'\]"),
        ({"ui_args": {"send_input_on": "click"}}, TypeError, r"one of 'submit', 'change'"),
        ({"ui_args": {"hide_title": "yes"}}, TypeError, r"must be a bool"),
    ],
)
def test_construction_errors_name_the_problem_and_the_fix(
    kwargs: dict[str, Any], error: type[Exception], match: str
) -> None:
    handler = kwargs.pop("handler", frames)
    with pytest.raises(error, match=match):
        Stream(handler, **kwargs)


def test_gradio_components_are_refused_with_what_to_pass_instead() -> None:
    with pytest.raises(TypeError, match=r"additional_inputs\[1\] is a Gradio component.*current"):
        Stream(frames, additional_inputs=["Ada", Chatbot()])
    with pytest.raises(TypeError, match=r"additional_outputs\[0\] is a Gradio.*st.session_state"):
        Stream(frames, additional_outputs=[Chatbot()], additional_outputs_handler=max)
    stream = Stream(frames)
    with pytest.raises(TypeError, match=r"additional_inputs\[0\] is a Gradio component"):
        stream.additional_inputs = [Chatbot()]


def test_an_audio_video_handler_on_the_default_modality_is_pointed_to_audio_video() -> None:
    from streamlit_rtc import AudioVideoStreamHandler

    class Both(AudioVideoStreamHandler):
        def copy(self) -> Both:
            return Both()

        def receive(self, frame: Any) -> None:
            pass

        def emit(self) -> None:
            return None

        def video_receive(self, frame: Any) -> None:
            pass

        def video_emit(self) -> Any:
            return None

    with pytest.raises(TypeError, match=r"pass modality='audio-video'"):
        Stream(Both())
    assert Stream(Both(), modality="audio-video").modality == "audio-video"


def test_settings_that_are_not_applied_yet_warn_once(caplog: pytest.LogCaptureFixture) -> None:
    stream_checks._warned.discard("rtp_params")
    with caplog.at_level(logging.WARNING, logger=stream_module.__name__):
        Stream(frames, rtp_params={"degradationPreference": "balanced"})
        Stream(frames, rtp_params={"degradationPreference": "balanced"})
        Stream(frames, server_rtc_configuration={"iceServers": []}, verbose=False)
    warned = [r.getMessage() for r in caplog.records if "not applied yet" in r.getMessage()]
    assert len(warned) == 1 and "rtp_params" in warned[0]


# -- Gradio / FastAPI-only members -------------------------------------------------------


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


# -- rendering in a Streamlit page ------------------------------------------------------


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


# -- porting a fastrtc app ---------------------------------------------------------------


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
