"""TURN credential wrappers: seed names, env variables, clear errors, secrets never logged."""

from __future__ import annotations

import logging
from typing import Any

import pytest

from streamlit_rtc.streamlit import credentials


def test_missing_twilio_credentials_name_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("TWILIO_ACCOUNT_SID", raising=False)
    monkeypatch.delenv("TWILIO_AUTH_TOKEN", raising=False)
    with pytest.raises(ValueError, match="TWILIO_ACCOUNT_SID"):
        credentials.get_twilio_turn_credentials()


def test_missing_cloudflare_token_names_the_variable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CLOUDFLARE_TURN_KEY_API_TOKEN", raising=False)
    with pytest.raises(ValueError, match="CLOUDFLARE_TURN_KEY_API_TOKEN"):
        credentials.get_cloudflare_turn_credentials(turn_key_id="id")


@pytest.mark.parametrize(
    ("wrapper", "helper", "env"),
    [
        (
            "get_twilio_turn_credentials",
            "get_twilio_ice_servers",
            {"TWILIO_ACCOUNT_SID": "AC-secret-sid", "TWILIO_AUTH_TOKEN": "secret-token"},
        ),
        (
            "get_cloudflare_turn_credentials",
            "get_cloudflare_ice_servers",
            {"CLOUDFLARE_TURN_KEY_ID": "key-id", "CLOUDFLARE_TURN_KEY_API_TOKEN": "secret-token"},
        ),
        ("get_hf_turn_credentials", "get_hf_ice_servers", {"HF_TOKEN": "hf_secret-token"}),
    ],
)
def test_wrappers_read_the_environment_and_return_an_rtc_configuration(
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    wrapper: str,
    helper: str,
    env: dict[str, str],
) -> None:
    # streamlit-webrtc's helpers call the providers' HTTP APIs; there is no
    # network here, so they are replaced by a recorder of what they were given.
    seen: list[tuple[Any, ...]] = []
    servers = [{"urls": ["turn:turn.example:3478"], "username": "u", "credential": "c"}]

    def fake(*args: Any) -> list[dict[str, Any]]:
        seen.append(args)
        return servers

    monkeypatch.setattr(credentials, helper, fake)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with caplog.at_level(logging.DEBUG):
        config = getattr(credentials, wrapper)()
    assert config == {"iceServers": servers}
    assert seen == [tuple(env.values())]
    assert "secret" not in caplog.text


# --- get_coturn_credentials: coturn's use-auth-secret (TURN REST) scheme ----


def test_coturn_credentials_match_a_known_vector(monkeypatch: pytest.MonkeyPatch) -> None:
    # Vector made outside Python: printf '%s' "1700003600:streamlit-rtc" |
    #   openssl dgst -sha1 -hmac north-wind -binary | base64
    monkeypatch.setattr(credentials.time, "time", lambda: 1_700_000_000.4)
    config = credentials.get_coturn_credentials(
        secret="north-wind", urls="turn:127.0.0.1:3478?transport=udp", ttl_s=3600
    )
    assert config == {
        "iceServers": [
            {
                "urls": ["turn:127.0.0.1:3478?transport=udp"],
                "username": "1700003600:streamlit-rtc",
                "credential": "r66W5/ZFQW05K3lDa2JepqyhXQY=",
            }
        ]
    }


def test_coturn_credentials_read_the_environment_and_expire_after_ttl(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import base64
    import hashlib
    import hmac
    import time

    secret = "s3cret-shared-with-coturn"
    monkeypatch.setenv("STREAMLIT_RTC_TURN_SECRET", secret)
    monkeypatch.setenv(
        "STREAMLIT_RTC_TURN_URLS", " turn:turn.example:3478?transport=udp , turns:turn.example:5349"
    )
    before = time.time()
    with caplog.at_level(logging.DEBUG):
        config = credentials.get_coturn_credentials(ttl_s=600, user="alice")
    (server,) = config["iceServers"]
    assert server["urls"] == ["turn:turn.example:3478?transport=udp", "turns:turn.example:5349"]
    expiry, user = server["username"].split(":")
    assert user == "alice" and before + 600 - 1 <= int(expiry) <= time.time() + 600
    expected = hmac.new(secret.encode(), server["username"].encode(), hashlib.sha1).digest()
    assert base64.b64decode(server["credential"]) == expected
    assert secret not in caplog.text and server["credential"] not in caplog.text


def test_coturn_credentials_are_fresh_per_connection_when_passed_uncalled(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from streamlit_rtc import get_coturn_credentials
    from streamlit_rtc.streamlit.rtc_config import resolve_rtc_configuration

    monkeypatch.setenv("STREAMLIT_RTC_TURN_SECRET", "x")
    monkeypatch.setenv("STREAMLIT_RTC_TURN_URLS", "turn:127.0.0.1:3478")
    now = [1_700_000_000.0]
    monkeypatch.setattr(credentials.time, "time", lambda: now[0])
    first = resolve_rtc_configuration(get_coturn_credentials)
    now[0] += 60
    second = resolve_rtc_configuration(get_coturn_credentials)
    assert first is not None and second is not None
    assert first["iceServers"][0]["username"] != second["iceServers"][0]["username"]


def test_coturn_credentials_name_what_is_missing_or_wrong(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("STREAMLIT_RTC_TURN_SECRET", raising=False)
    monkeypatch.delenv("STREAMLIT_RTC_TURN_URLS", raising=False)
    with pytest.raises(ValueError, match="STREAMLIT_RTC_TURN_SECRET"):
        credentials.get_coturn_credentials(urls="turn:127.0.0.1:3478")
    with pytest.raises(ValueError, match="STREAMLIT_RTC_TURN_URLS"):
        credentials.get_coturn_credentials(secret="x")
    with pytest.raises(ValueError, match="turn:"):
        credentials.get_coturn_credentials(secret="x", urls=["http://turn.example"])
    with pytest.raises(ValueError, match="ttl_s"):
        credentials.get_coturn_credentials(secret="x", urls="turn:h:3478", ttl_s=0)
    with pytest.raises(ValueError, match="user"):
        credentials.get_coturn_credentials(secret="x", urls="turn:h:3478", user="a:b")
