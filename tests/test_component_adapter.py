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


def echo_then_caption_app() -> None:
    import streamlit as st

    from streamlit_rtc import ReplyOnPause, webrtc

    def echo(audio):  # type: ignore[no-untyped-def]
        yield audio

    webrtc("echo", ReplyOnPause(echo), rtc_configuration={"iceServers": []})
    st.caption("the app's own element")


def caption_position(at: AppTest) -> int:
    children = list(at.main.children.values())
    (position,) = [
        i
        for i, child in enumerate(children)
        if getattr(child, "value", None) == "the app's own element"
    ]
    return position


def test_the_apps_elements_keep_their_place_whatever_the_component_shows() -> None:
    # Streamlit matches elements by position: if webrtc() showed a varying
    # number of top-level elements, a rerun would briefly show the app's
    # element twice (the stale copy and the new one).
    quiet = AppTest.from_function(echo_then_caption_app, default_timeout=60)
    quiet.run()
    noisy = AppTest.from_function(echo_then_caption_app, default_timeout=60)
    noisy.session_state["streamlit_rtc:echo"] = "a string"
    noisy.run()
    assert not quiet.error and noisy.error
    assert caption_position(quiet) == caption_position(noisy)


def failing_config_app() -> None:
    from streamlit_rtc import ReplyOnPause, webrtc

    def echo(audio):  # type: ignore[no-untyped-def]
        yield audio

    def no_turn_service():  # type: ignore[no-untyped-def]
        raise RuntimeError("the TURN service is down")

    webrtc("echo", ReplyOnPause(echo), rtc_configuration=no_turn_service)


def test_a_failing_configuration_function_stays_on_the_page_on_every_run() -> None:
    at = AppTest.from_function(failing_config_app, default_timeout=60)
    at.run()
    assert not at.exception, at.exception
    first = [e.value for e in at.error]
    at.run()
    again = [e.value for e in at.error]
    assert first == again and len(first) == 1, (first, again)
    assert "Connecting without STUN/TURN servers" in first[0]
    assert component_args(at)["rtc_configuration"] is None


def counted_config_app() -> None:
    import streamlit as st

    from streamlit_rtc import ReplyOnPause, webrtc

    def echo(audio):  # type: ignore[no-untyped-def]
        yield audio

    def turn_service():  # type: ignore[no-untyped-def]
        calls = st.session_state["config_calls"] = st.session_state.get("config_calls", 0) + 1
        if calls == 1 and st.session_state.get("down_at_first"):
            raise RuntimeError("the TURN service is down")
        return {"iceServers": [{"urls": ["stun:127.0.0.1:3478"]}]}

    webrtc("echo", ReplyOnPause(echo), rtc_configuration=turn_service)


def test_a_configuration_function_runs_again_once_its_result_is_old(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streamlit_rtc.streamlit import component

    at = AppTest.from_function(counted_config_app, default_timeout=60)
    at.run()
    at.run()
    assert at.session_state["config_calls"] == 1  # kept across reruns: no TURN call each run
    assert 599 <= component_args(at)["rtc_configuration_fresh_for"] <= 600
    monkeypatch.setattr(component, "RTC_CONFIG_MAX_AGE_S", 0.0)
    monkeypatch.setattr(component, "REMAKE_MIN_AGE_S", 0.0)
    at.run()
    assert at.session_state["config_calls"] == 2  # too old and no connection live: made again
    assert component_args(at)["rtc_configuration"]["iceServers"][0]["urls"] == [
        "stun:127.0.0.1:3478"
    ]


def test_a_browser_starting_with_a_stale_configuration_gets_a_fresh_one_for_its_connection(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streamlit_rtc.streamlit import component

    at = AppTest.from_function(counted_config_app, default_timeout=60)
    at.run()
    args = component_args(at)
    assert at.session_state["config_calls"] == 1 and args["rtc_configuration_for"] is None
    monkeypatch.setattr(component, "REMAKE_MIN_AGE_S", 0.0)
    prepare = {"token": args["token"], "connection": "a1b2c3d4e5f60718", "phase": "prepare"}
    at.session_state["streamlit_rtc:echo"] = prepare
    at.run()
    args = component_args(at)
    assert not at.exception and not at.error, (at.exception, at.error)
    assert at.session_state["config_calls"] == 2  # made again for this connection
    assert args["rtc_configuration_for"] == "a1b2c3d4e5f60718"
    assert args["rtc_configuration"]["iceServers"][0]["urls"] == ["stun:127.0.0.1:3478"]
    at.run()  # the same prepare value on a later rerun is old news: no TURN call
    assert at.session_state["config_calls"] == 2
    at.session_state["streamlit_rtc:echo"] = {**prepare, "connection": "b1b2c3d4e5f60718"}
    at.run()
    assert at.session_state["config_calls"] == 3
    assert component_args(at)["rtc_configuration_for"] == "b1b2c3d4e5f60718"


def test_a_page_cannot_make_the_server_call_the_configuration_function_in_a_loop() -> None:
    at = AppTest.from_function(counted_config_app, default_timeout=60)
    at.run()
    token = component_args(at)["token"]
    for n in range(5):  # a new connection each run, all within REMAKE_MIN_AGE_S
        connection = f"c{n}c2c3d4e5f60718"
        at.session_state["streamlit_rtc:echo"] = {
            "token": token,
            "connection": connection,
            "phase": "prepare",
        }
        at.run()
        assert component_args(at)["rtc_configuration_for"] == connection
    assert at.session_state["config_calls"] == 1


def test_a_dict_configuration_never_goes_stale() -> None:
    assert component_args(run())["rtc_configuration_fresh_for"] is None


def test_a_configuration_function_that_failed_is_tried_again_at_start(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streamlit_rtc.streamlit import component

    at = AppTest.from_function(counted_config_app, default_timeout=60)
    at.session_state["down_at_first"] = True
    at.run()
    args = component_args(at)
    assert at.session_state["config_calls"] == 1 and len(at.error) == 1
    assert args["rtc_configuration"] is None and args["rtc_configuration_fresh_for"] == 0
    monkeypatch.setattr(component, "REMAKE_MIN_AGE_S", 0.0)
    at.run()
    assert at.session_state["config_calls"] == 1  # reruns do not call a failing service again
    prepare = {"token": args["token"], "connection": "a1b2c3d4e5f60718", "phase": "prepare"}
    at.session_state["streamlit_rtc:echo"] = prepare
    at.run()
    args = component_args(at)
    assert at.session_state["config_calls"] == 2  # START asked: tried again, and it works now
    assert not at.error, at.error
    assert args["rtc_configuration"]["iceServers"][0]["urls"] == ["stun:127.0.0.1:3478"]
    assert args["rtc_configuration_for"] == "a1b2c3d4e5f60718"
    assert args["rtc_configuration_fresh_for"] > 0
