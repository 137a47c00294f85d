"""fastrtc's TURN credential helpers: providers chosen like fastrtc, requests off the event
loop, secrets never logged. Only their network calls are replaced (there is no network in
tests)."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
import time
from typing import Any

import pytest

SERVERS = [{"urls": ["turn:turn.example:3478"], "username": "u", "credential": "c"}]
_CREDENTIAL_ENV = (
    "HF_TOKEN",
    "CLOUDFLARE_TURN_KEY_ID",
    "CLOUDFLARE_TURN_KEY_API_TOKEN",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
)


@pytest.fixture
def credentials(monkeypatch: pytest.MonkeyPatch) -> Any:
    """The credentials module with its network helpers recording calls (and threads)."""
    from streamlit_rtc.streamlit import credentials as module

    for name in _CREDENTIAL_ENV:
        monkeypatch.delenv(name, raising=False)
    module.calls = []  # type: ignore[attr-defined]

    def recorder(helper: str) -> Any:
        def fake(*args: Any) -> list[dict[str, Any]]:
            module.calls.append((helper, args, threading.get_ident()))  # type: ignore[attr-defined]
            time.sleep(0.2)  # a slow request: the event loop must keep running meanwhile
            return SERVERS

        return fake

    for helper in ("get_cloudflare_ice_servers", "get_hf_ice_servers", "get_twilio_ice_servers"):
        monkeypatch.setattr(module, helper, recorder(helper))
    return module


def _helpers(module: Any) -> list[tuple[str, tuple[Any, ...]]]:
    return [(helper, args) for helper, args, _ in module.calls]


def test_cloudflare_credentials_choose_the_provider_like_fastrtc(
    credentials: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert credentials.get_cloudflare_turn_credentials(hf_token="hf_a") == {"iceServers": SERVERS}
    credentials.get_cloudflare_turn_credentials("key-id", "cf-token")
    monkeypatch.setenv("HF_TOKEN", "hf_env")
    credentials.get_cloudflare_turn_credentials()
    monkeypatch.setenv("CLOUDFLARE_TURN_KEY_ID", "env-id")
    monkeypatch.setenv("CLOUDFLARE_TURN_KEY_API_TOKEN", "env-token")
    credentials.get_cloudflare_turn_credentials()
    assert _helpers(credentials) == [
        ("get_hf_ice_servers", ("hf_a",)),
        ("get_cloudflare_ice_servers", ("key-id", "cf-token")),
        ("get_hf_ice_servers", ("hf_env",)),
        ("get_cloudflare_ice_servers", ("env-id", "env-token")),
    ]


def test_cloudflare_credentials_without_any_name_the_variables(credentials: Any) -> None:
    with pytest.raises(ValueError, match=r"CLOUDFLARE_TURN_KEY_ID.*HF_TOKEN"):
        credentials.get_cloudflare_turn_credentials()
    with pytest.raises(ValueError, match="HF_TOKEN"):
        credentials.get_hf_turn_credentials()
    assert credentials.calls == []


def test_ttl_is_validated_and_long_ones_warn(
    credentials: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with pytest.raises(ValueError, match="ttl"):
        credentials.get_cloudflare_turn_credentials("id", "secret-token", ttl=0)
    with pytest.raises(TypeError, match="ttl"):
        credentials.get_hf_turn_credentials("hf_secret", ttl="600")
    with caplog.at_level(logging.DEBUG):
        credentials.get_cloudflare_turn_credentials("id", "secret-token", ttl=360_000)
    assert "ttl=360000" in caplog.text
    assert "secret" not in caplog.text


def test_get_turn_credentials_dispatches_and_filters_kwargs(credentials: Any) -> None:
    common = {"ttl": 600, "hf_token": None}
    credentials.get_turn_credentials(method="twilio", twilio_sid="AC1", twilio_token="t", **common)
    credentials.get_turn_credentials(method="hf", token="hf_x", ttl=600)
    credentials.get_turn_credentials(turn_key_id="id", turn_key_api_token="tok", client=None)
    assert _helpers(credentials) == [
        ("get_twilio_ice_servers", ("AC1", "t")),
        ("get_hf_ice_servers", ("hf_x",)),
        ("get_cloudflare_ice_servers", ("id", "tok")),
    ]
    with pytest.raises(ValueError, match="method"):
        credentials.get_turn_credentials(method="stun")
    with pytest.raises(TypeError, match="turn_key"):
        credentials.get_turn_credentials(turn_key="misspelt")


def test_async_credentials_run_the_request_off_the_event_loop(credentials: Any) -> None:
    async def main() -> tuple[list[dict[str, Any]], int]:
        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        task = asyncio.create_task(ticker())
        configs = [
            await credentials.get_cloudflare_turn_credentials_async("id", "tok", client=object()),
            await credentials.get_hf_turn_credentials_async("hf_x", ttl=600, client=object()),
            await credentials.get_turn_credentials_async(method="hf", token="hf_y", client=None),
            await credentials.get_turn_credentials_async(
                method="twilio", twilio_sid="AC1", twilio_token="t", client=None
            ),
            await credentials.get_turn_credentials_async(hf_token="hf_z", ttl=60),
        ]
        task.cancel()
        return configs, ticks

    loop_thread = threading.get_ident()
    configs, ticks = asyncio.run(main())
    assert configs == [{"iceServers": SERVERS}] * 5
    assert _helpers(credentials) == [
        ("get_cloudflare_ice_servers", ("id", "tok")),
        ("get_hf_ice_servers", ("hf_x",)),
        ("get_hf_ice_servers", ("hf_y",)),
        ("get_twilio_ice_servers", ("AC1", "t")),
        ("get_hf_ice_servers", ("hf_z",)),
    ]
    assert all(thread != loop_thread for _, _, thread in credentials.calls)
    assert ticks >= 5 * 5  # the loop kept ticking through five 0.2 s requests


def test_async_credentials_raise_the_same_errors(credentials: Any) -> None:
    with pytest.raises(ValueError, match="CLOUDFLARE_TURN_KEY_ID"):
        asyncio.run(credentials.get_cloudflare_turn_credentials_async())
    with pytest.raises(ValueError, match="method"):
        asyncio.run(credentials.get_turn_credentials_async(method="stun"))


def test_credentials_are_never_logged(
    credentials: Any, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_secret-env")
    with caplog.at_level(logging.DEBUG):
        credentials.get_turn_credentials(turn_key_id="secret-id", turn_key_api_token="secret-tok")
        credentials.get_turn_credentials(ttl=7200)
        asyncio.run(credentials.get_turn_credentials_async(method="hf", token="hf_secret-arg"))
    assert "secret" not in caplog.text
    assert os.environ["HF_TOKEN"] == "hf_secret-env"
