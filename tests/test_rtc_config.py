"""rtc_configuration as a dict or a sync/async function, resolved once per connection."""

from __future__ import annotations

import pytest

from streamlit_rtc.streamlit.rtc_config import (
    EXPIRY_MARGIN_S,
    KeptConfiguration,
    RtcConfigError,
    credentials_expiry,
    resolve_rtc_configuration,
)

ICE = {"iceServers": [{"urls": ["turn:turn.example.org:3478"], "username": "u", "credential": "c"}]}


def test_a_dict_passes_and_none_means_none() -> None:
    assert resolve_rtc_configuration(ICE) is ICE
    assert resolve_rtc_configuration(None) is None


def test_sync_and_async_functions_are_called() -> None:
    calls: list[str] = []

    def sync_creds() -> dict[str, object]:
        calls.append("sync")
        return ICE

    async def async_creds() -> dict[str, object]:  # get_cloudflare_turn_credentials_async
        calls.append("async")
        return ICE

    assert resolve_rtc_configuration(sync_creds) == ICE
    assert resolve_rtc_configuration(async_creds) == ICE
    assert calls == ["sync", "async"]


def test_a_failing_function_is_named_in_the_error() -> None:
    async def get_cloudflare_turn_credentials_async() -> dict[str, object]:
        raise ValueError("CLOUDFLARE_TURN_KEY_ID is missing")

    with pytest.raises(RtcConfigError, match=r"get_cloudflare_turn_credentials_async\(\) raised"):
        resolve_rtc_configuration(get_cloudflare_turn_credentials_async)


@pytest.mark.parametrize(
    "bad",
    [["stun:x"], {"iceServers": "stun:x"}, {"iceServers": ["stun:x"]}, 42],
)
def test_wrong_shapes_say_what_is_expected(bad: object) -> None:
    with pytest.raises(RtcConfigError, match=r"iceServers|dict"):
        resolve_rtc_configuration(bad)  # type: ignore[arg-type]


def test_a_function_returning_the_wrong_type_is_refused() -> None:
    with pytest.raises(RtcConfigError, match="result of rtc_configuration function"):
        resolve_rtc_configuration(lambda: "turn:x")  # type: ignore[arg-type,return-value]


def test_turn_rest_usernames_tell_when_the_credentials_expire() -> None:
    config = {
        "iceServers": [
            {"urls": ["stun:127.0.0.1:3478"]},
            {"urls": ["turn:127.0.0.1:3478"], "username": "1800000600:alice", "credential": "x"},
            {"urls": ["turns:127.0.0.1:5349"], "username": "1800000300:alice", "credential": "y"},
        ]
    }
    assert credentials_expiry(config) == 1800000300.0
    opaque = {"iceServers": [{"urls": "turn:t", "username": "g0a1b2c3d4", "credential": "z"}]}
    for no_expiry in (None, {}, {"iceServers": []}, opaque):
        assert credentials_expiry(no_expiry) is None
    assert credentials_expiry({"iceServers": [{"urls": "turn:t", "username": "12:34"}]}) is None


def test_a_kept_configuration_goes_stale_before_its_credentials_expire() -> None:
    wall = 1800000000.0
    expiring = {"iceServers": [{"urls": "turn:t", "username": f"{int(wall) + 300}:u"}]}
    kept = KeptConfiguration.made(expiring, None, now=50.0, wall_now=wall)
    assert kept.credentials_life_s == 300.0 - EXPIRY_MARGIN_S
    assert kept.fresh_for(50.0, 600.0) == 300.0 - EXPIRY_MARGIN_S
    assert kept.fresh_for(50.0, 100.0) == 100.0  # the max age, when shorter
    assert kept.fresh_for(50.0 + 300.0, 600.0) == 0.0
    static = KeptConfiguration.made({"iceServers": []}, None, now=50, wall_now=wall)
    assert static.fresh_for(60.0, 600.0) == 590.0  # no expiry written: the max age alone
    expired = {"iceServers": [{"urls": "turn:t", "username": f"{int(wall) - 5}:u"}]}
    assert KeptConfiguration.made(expired, None, now=0, wall_now=wall).fresh_for(0, 600) == 0
