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
