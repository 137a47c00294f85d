"""rtc_configuration as a dict or a sync/async function, resolved once per connection."""

from __future__ import annotations

import pytest

from streamlit_rtc.streamlit.rtc_config import RtcConfigError, resolve_rtc_configuration

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
