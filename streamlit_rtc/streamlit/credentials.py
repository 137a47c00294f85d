"""TURN credentials as ``rtc_configuration`` dicts: thin wrappers over streamlit-webrtc's helpers.

Names follow the seed guide (``get_twilio_turn_credentials``). Credentials
come from arguments or the usual environment variables; they are never
logged, and a missing one is a clear error that names the variable to set.
"""

from __future__ import annotations

import os
from typing import Any

from streamlit_webrtc.credentials import (
    get_cloudflare_ice_servers,
    get_hf_ice_servers,
    get_twilio_ice_servers,
)

__all__ = [
    "get_cloudflare_turn_credentials",
    "get_hf_turn_credentials",
    "get_twilio_turn_credentials",
]


def _pick(value: str | None, env: str, what: str) -> str:
    picked = value or os.environ.get(env, "")
    if not picked:
        raise ValueError(f"{what} is missing: pass it as an argument or set {env}")
    return picked


def get_twilio_turn_credentials(
    twilio_sid: str | None = None, twilio_token: str | None = None
) -> dict[str, Any]:
    """Twilio's STUN/TURN servers (env ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``)."""
    sid = _pick(twilio_sid, "TWILIO_ACCOUNT_SID", "The Twilio account SID")
    token = _pick(twilio_token, "TWILIO_AUTH_TOKEN", "The Twilio auth token")
    return {"iceServers": get_twilio_ice_servers(sid, token)}


def get_cloudflare_turn_credentials(
    turn_key_id: str | None = None, turn_key_api_token: str | None = None
) -> dict[str, Any]:
    """Cloudflare Realtime TURN (env ``CLOUDFLARE_TURN_KEY_ID``, ``..._API_TOKEN``)."""
    key_id = _pick(turn_key_id, "CLOUDFLARE_TURN_KEY_ID", "The Cloudflare TURN key id")
    api_token = _pick(
        turn_key_api_token, "CLOUDFLARE_TURN_KEY_API_TOKEN", "The Cloudflare TURN API token"
    )
    return {"iceServers": get_cloudflare_ice_servers(key_id, api_token)}


def get_hf_turn_credentials(token: str | None = None) -> dict[str, Any]:
    """Hugging Face's TURN servers (env ``HF_TOKEN``)."""
    return {"iceServers": get_hf_ice_servers(_pick(token, "HF_TOKEN", "The Hugging Face token"))}
