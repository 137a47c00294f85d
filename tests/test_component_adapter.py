"""``webrtc()`` in a Streamlit script run (AppTest): hostile component values and the arguments."""

from __future__ import annotations

import json
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest


def echo_app() -> None:
    from streamlit_rtc import ReplyOnPause, webrtc

    def echo(audio):  # type: ignore[no-untyped-def]
        yield audio

    webrtc("echo", ReplyOnPause(echo), rtc_configuration={"iceServers": []}, time_limit=30)


def run(value: Any = None) -> AppTest:
    at = AppTest.from_function(echo_app, default_timeout=60)
    if value is not None:
        at.session_state["streamlit_rtc:echo"] = value
    at.run()
    return at


def component_args(at: AppTest) -> dict[str, Any]:
    elements = at.get("component_instance")
    (element,) = [e for e in elements if "streamlit_rtc" in e.proto.component_name]
    return json.loads(element.proto.json_args)


def test_the_first_run_renders_the_component_with_a_token_and_nothing_to_answer() -> None:
    at = run()
    assert not at.exception and not at.error
    args = component_args(at)
    assert args["stream_key"] == "echo"
    assert len(args["token"]) >= 16
    assert args["answer"] is None and args["refusal"] is None and args["ended"] is None
    assert args["time_limit"] == 30
    assert args["ui"]["button_labels"]["start"] == "Start"
    assert args["media_stream_constraints"] == {"audio": True, "video": False}


@pytest.mark.parametrize(
    "value",
    [
        "a string",
        {"token": "forged", "connection": "a1b2c3d4e5f60718", "phase": "stopped"},
        {"phase": "offer", "offer": {"sdp": "v=0" + "x" * 500_000, "type": "offer"}},
        {"unknown": 1},
        [1, 2, 3],
    ],
)
def test_a_hostile_value_is_shown_as_an_error_for_this_session_only(value: Any) -> None:
    at = run(value)
    assert not at.exception
    assert any("ignored a message from the browser" in e.value for e in at.error), at.error
    args = component_args(at)
    assert args["answer"] is None
    # Another browser session, running at the same time, sees nothing of it.
    other = run()
    assert not other.error and not other.exception


def test_a_stop_for_a_connection_the_server_never_saw_changes_nothing() -> None:
    at = run()
    token = component_args(at)["token"]
    at.session_state["streamlit_rtc:echo"] = {
        "token": token,
        "connection": "a1b2c3d4e5f60718",
        "phase": "stopped",
        "command_seen": 0,
    }
    at.run()
    assert not at.exception and not at.error
    assert component_args(at)["answer"] is None
