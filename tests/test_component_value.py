"""The browser's component value is untrusted: every malformed or hostile value is rejected."""

from __future__ import annotations

import json
from typing import Any

import pytest

from streamlit_rtc.signalling.protocol import (
    MAX_SDP_CHARS,
    BrowserReport,
    Offer,
    ValueRejected,
    parse_value,
)
from streamlit_rtc.signalling.ui import VoiceUI

TOKEN = "tok-123456"
SDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"


def value(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "token": TOKEN,
        "connection": "a1b2c3d4e5f60718",
        "phase": "offer",
        "offer": {"sdp": SDP, "type": "offer"},
        "command_seen": 0,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not _DROP}


_DROP = object()


def test_no_value_yet_is_none() -> None:
    assert parse_value(None, TOKEN) is None


def test_a_good_offer_parses_to_a_typed_report() -> None:
    report = parse_value(value(), TOKEN)
    assert report == BrowserReport("a1b2c3d4e5f60718", "offer", Offer(SDP), 0)


def test_stopped_and_idle_need_no_offer() -> None:
    report = parse_value(value(phase="stopped", offer=_DROP, command_seen=3), TOKEN)
    assert report == BrowserReport("a1b2c3d4e5f60718", "stopped", None, 3)
    assert parse_value(value(phase="idle", offer=None), TOKEN).phase == "idle"  # type: ignore[union-attr]
    report = parse_value(value(phase="prepare", offer=_DROP), TOKEN)
    assert report is not None and report.phase == "prepare" and report.offer is None


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("just a string", "expected an object"),
        ([1, 2, 3], "expected an object"),
        (value(token="forged-token"), "token"),
        (value(token=_DROP), "token"),
        (value(token=123), "token"),
        (value(extra="x"), "unknown field"),
        (value(connection="short"), "connection"),
        (value(connection="has spaces in it!"), "connection"),
        (value(connection=12345678), "connection"),
        (value(phase="playing"), "phase"),
        (value(command_seen=-1), "command_seen"),
        (value(command_seen=True), "command_seen"),
        (value(command_seen="3"), "command_seen"),
        (value(offer=None), "offer"),
        (value(offer="v=0"), "offer"),
        (value(offer={"sdp": SDP, "type": "answer"}), "offer.type"),
        (value(offer={"sdp": "hello", "type": "offer"}), "offer.sdp"),
        (value(offer={"sdp": SDP, "type": "offer", "x": 1}), "offer"),
        (value(offer={"sdp": 42, "type": "offer"}), "offer.sdp"),
    ],
)
def test_malformed_values_are_rejected_with_a_reason(raw: object, words: str) -> None:
    with pytest.raises(ValueRejected, match=words):
        parse_value(raw, TOKEN)


def test_an_offer_of_megabytes_is_rejected_before_anything_reads_it() -> None:
    huge = value(offer={"sdp": "v=0\r\n" + "a" * 5_000_000, "type": "offer"})
    with pytest.raises(ValueRejected, match="limit"):
        parse_value(huge, TOKEN)
    just_over = value(offer={"sdp": "v=0\r\n" + "a" * MAX_SDP_CHARS, "type": "offer"})
    with pytest.raises(ValueRejected, match="limit"):
        parse_value(just_over, TOKEN)


def test_deeply_nested_or_unserialisable_values_are_rejected() -> None:
    nested: Any = []
    for _ in range(100_000):
        nested = [nested]
    with pytest.raises(ValueRejected):
        parse_value({"token": TOKEN, "x": nested}, TOKEN)
    with pytest.raises(ValueRejected):
        parse_value({"token": TOKEN, "connection": float("nan"), "y": {1, 2}}, TOKEN)


def test_many_unknown_fields_give_a_short_message() -> None:
    raw = value(**{f"field{i}": i for i in range(1000)})
    with pytest.raises(ValueRejected) as info:
        parse_value(raw, TOKEN)
    assert len(str(info.value)) < 200


def test_voice_ui_validates_what_reaches_the_dom() -> None:
    args = VoiceUI(button_labels={"start": "Talk"}, icon="🎙️").to_args({"stop": "Halt"}, True)
    assert args["button_labels"] == {"start": "Talk", "stop": "Halt", "waiting": "Connecting…"}
    assert args["variant"] == "pulse"
    assert VoiceUI().to_args(None, False)["variant"] == "wave"
    json.dumps(args)
    for bad in (
        {"button_labels": {"begin": "x"}},
        {"button_labels": {"start": ""}},
        {"button_labels": {"start": "x" * 500}},
        {"icon_button_color": "red; background: url(evil)"},
        {"pulse_color": "}"},
        {"icon_radius": 80},
        {"icon_radius": True},
        {"variant": "textbox"},
    ):
        with pytest.raises((ValueError, TypeError)):
            VoiceUI(**bad)


def test_fastrtc_ui_args_map_onto_the_voice_ui() -> None:
    look = VoiceUI.from_ui_args(
        {"icon": "https://example.com/a.png", "pulse_color": "rgb(1, 2, 3)", "variant": "textbox"}
    )
    assert look.icon == "https://example.com/a.png"
    assert look.variant == "wave"
