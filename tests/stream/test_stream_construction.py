"""fastrtc's ``Stream`` constructed in Streamlit: fastrtc's parameters, defaults and attribute
names, and errors that name the problem and the fix."""

from __future__ import annotations

import inspect
import logging
from typing import Any

import numpy as np
import pytest
from stream_helpers import echo

from streamlit_rtc import ReplyOnPause, StreamHandler
from streamlit_rtc.streamlit import Stream, UIArgs, stream_checks, stream_ui
from streamlit_rtc.streamlit import stream as stream_module

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
