"""TURN credentials as ``rtc_configuration`` dicts: thin wrappers over streamlit-webrtc's helpers.

Names and parameters follow fastrtc (``get_cloudflare_turn_credentials``,
``get_turn_credentials(method=...)``, the ``*_async`` forms), so a fastrtc
app's credential lines port unchanged. Credentials come from arguments or
the usual environment variables; they are never logged, and a missing one is
a clear error that names the variable to set.

:func:`get_coturn_credentials` needs no HTTP request: it signs time-limited
credentials for your own TURN server (coturn's ``use-auth-secret`` REST
scheme) with the secret that server shares.

The HTTP requests are streamlit-webrtc's helpers: they block (up to 10 s)
and cache the answer for an hour, so Streamlit reruns do not fetch new
credentials each time. The ``*_async`` forms run them in a worker thread
(``asyncio.to_thread``) so an event loop never stalls on the network.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import logging
import os
import time
from collections.abc import Sequence
from typing import Any, Literal

from streamlit_webrtc.credentials import (
    get_cloudflare_ice_servers,
    get_hf_ice_servers,
    get_twilio_ice_servers,
)

__all__ = [
    "TURN_SECRET_ENV",
    "TURN_URLS_ENV",
    "get_cloudflare_turn_credentials",
    "get_cloudflare_turn_credentials_async",
    "get_coturn_credentials",
    "get_hf_turn_credentials",
    "get_hf_turn_credentials_async",
    "get_turn_credentials",
    "get_turn_credentials_async",
    "get_twilio_turn_credentials",
]

logger = logging.getLogger(__name__)

TURN_SECRET_ENV = "STREAMLIT_RTC_TURN_SECRET"
"""The shared secret of your TURN server (coturn's ``static-auth-secret``)."""
TURN_URLS_ENV = "STREAMLIT_RTC_TURN_URLS"
"""Your TURN server's URLs, comma-separated (``turn:turn.example.com:3478?transport=udp,...``)."""

Method = Literal["cloudflare", "hf", "twilio"]

_HELPER_LIFETIME_S = 3600
"""Credentials from the helpers stay valid at least this long (they are cached for an hour)."""

_METHOD_KWARGS: dict[str, frozenset[str]] = {
    "cloudflare": frozenset({"turn_key_id", "turn_key_api_token", "hf_token", "ttl"}),
    "hf": frozenset({"token", "ttl"}),
    "twilio": frozenset({"twilio_sid", "twilio_token"}),
}
_ASYNC_METHOD_KWARGS: dict[str, frozenset[str]] = {
    "cloudflare": _METHOD_KWARGS["cloudflare"] | {"client"},
    "hf": _METHOD_KWARGS["hf"] | {"client"},
    "twilio": _METHOD_KWARGS["twilio"],
}
_KNOWN_KWARGS = frozenset().union(*_ASYNC_METHOD_KWARGS.values())


def _pick(value: str | None, env: str, what: str) -> str:
    picked = value or os.environ.get(env, "").strip()
    if not picked:
        raise ValueError(f"{what} is missing: pass it as an argument or set {env}")
    return picked


def _check_ttl(ttl: Any) -> None:
    """Validate fastrtc's ``ttl`` (seconds); warn if it asks for more than the helpers give."""
    if isinstance(ttl, bool) or not isinstance(ttl, (int, float)):
        raise TypeError(f"ttl must be a number of seconds, got {type(ttl).__name__}")
    if not 0 < ttl < float("inf"):
        raise ValueError(f"ttl must be a positive number of seconds, got {ttl!r}")
    if ttl > _HELPER_LIFETIME_S:
        logger.warning(
            "ttl=%d s requested; the TURN credentials are only guaranteed for about %d s "
            "(streamlit-webrtc chooses their lifetime): fetch them again for longer sessions",
            ttl,
            _HELPER_LIFETIME_S,
        )


def get_twilio_turn_credentials(
    twilio_sid: str | None = None, twilio_token: str | None = None
) -> dict[str, Any]:
    """Twilio's STUN/TURN servers (env ``TWILIO_ACCOUNT_SID``, ``TWILIO_AUTH_TOKEN``)."""
    sid = _pick(twilio_sid, "TWILIO_ACCOUNT_SID", "The Twilio account SID")
    token = _pick(twilio_token, "TWILIO_AUTH_TOKEN", "The Twilio auth token")
    return {"iceServers": get_twilio_ice_servers(sid, token)}


def get_cloudflare_turn_credentials(
    turn_key_id: str | None = None,
    turn_key_api_token: str | None = None,
    hf_token: str | None = None,
    ttl: int = 600,
) -> dict[str, Any]:
    """Cloudflare Realtime TURN (``CLOUDFLARE_TURN_KEY_ID``, ``..._API_TOKEN``) or Hugging Face's.

    As in fastrtc, a Hugging Face token selects Hugging Face's free TURN
    service (no Cloudflare account needed). Which is used: an ``hf_token``
    argument; else Cloudflare keys given as arguments (a missing half is read
    from its variable); else the ``CLOUDFLARE_TURN_KEY_ID`` /
    ``CLOUDFLARE_TURN_KEY_API_TOKEN`` variables; else ``HF_TOKEN``.
    (fastrtc reads ``HF_TOKEN`` before your Cloudflare keys; here your own
    keys win, because ``HF_TOKEN`` is often set just to download models.)

    ``ttl`` (seconds) is checked but does not set the lifetime:
    streamlit-webrtc's helpers choose it (at least an hour, cached for an
    hour), and a ``ttl`` over an hour logs a warning.
    """
    _check_ttl(ttl)
    if hf_token:
        return _hf_configuration(hf_token)
    if turn_key_id is None and turn_key_api_token is None:
        has_cloudflare_env = any(
            os.environ.get(name, "").strip()
            for name in ("CLOUDFLARE_TURN_KEY_ID", "CLOUDFLARE_TURN_KEY_API_TOKEN")
        )
        env_hf_token = os.environ.get("HF_TOKEN", "").strip()
        if not has_cloudflare_env and env_hf_token:
            return _hf_configuration(env_hf_token)
        if not has_cloudflare_env:
            raise ValueError(
                "No TURN credentials: set CLOUDFLARE_TURN_KEY_ID and "
                "CLOUDFLARE_TURN_KEY_API_TOKEN (or HF_TOKEN for Hugging Face's TURN), "
                "or pass turn_key_id and turn_key_api_token (or hf_token)"
            )
    key_id = _pick(turn_key_id, "CLOUDFLARE_TURN_KEY_ID", "The Cloudflare TURN key id")
    api_token = _pick(
        turn_key_api_token, "CLOUDFLARE_TURN_KEY_API_TOKEN", "The Cloudflare TURN API token"
    )
    return {"iceServers": get_cloudflare_ice_servers(key_id, api_token)}


def get_hf_turn_credentials(token: str | None = None, ttl: int = 600) -> dict[str, Any]:
    """Hugging Face's TURN servers (env ``HF_TOKEN``); ``ttl`` as in the Cloudflare form."""
    _check_ttl(ttl)
    return _hf_configuration(_pick(token, "HF_TOKEN", "The Hugging Face token"))


def _hf_configuration(token: str) -> dict[str, Any]:
    return {"iceServers": get_hf_ice_servers(token)}


async def get_cloudflare_turn_credentials_async(
    turn_key_id: str | None = None,
    turn_key_api_token: str | None = None,
    hf_token: str | None = None,
    ttl: int = 600,
    client: Any = None,
) -> dict[str, Any]:
    """:func:`get_cloudflare_turn_credentials` without blocking the event loop.

    ``client`` (fastrtc's ``httpx.AsyncClient``) is accepted and not used:
    the request runs in a worker thread instead.
    """
    return await asyncio.to_thread(
        get_cloudflare_turn_credentials, turn_key_id, turn_key_api_token, hf_token, ttl
    )


async def get_hf_turn_credentials_async(
    token: str | None = None, ttl: int = 600, client: Any = None
) -> dict[str, Any]:
    """:func:`get_hf_turn_credentials` without blocking the event loop (``client`` unused)."""
    return await asyncio.to_thread(get_hf_turn_credentials, token, ttl)


def _method_kwargs(
    method: Any, kwargs: dict[str, Any], table: dict[str, frozenset[str]]
) -> dict[str, Any]:
    """The ``kwargs`` that ``method``'s function takes, as fastrtc's dispatcher filters them.

    Names that belong to another provider are dropped (one set of kwargs can
    serve any method, as in fastrtc); names no provider takes are a
    ``TypeError``, so a misspelt credential is not silently ignored.
    """
    if not isinstance(method, str) or method not in table:
        raise ValueError(f"method must be 'cloudflare', 'hf' or 'twilio', got {method!r}")
    unknown = sorted(set(kwargs) - _KNOWN_KWARGS)
    if unknown:
        raise TypeError(f"get_turn_credentials() got unexpected keyword arguments: {unknown}")
    return {name: value for name, value in kwargs.items() if name in table[method]}


def get_turn_credentials(method: Method = "cloudflare", **kwargs: Any) -> dict[str, Any]:
    """fastrtc's dispatcher: the ``rtc_configuration`` of ``method`` ("cloudflare", "hf", "twilio").

    ``kwargs`` go to that provider's function (``turn_key_id``,
    ``turn_key_api_token``, ``hf_token``, ``ttl`` for Cloudflare; ``token``,
    ``ttl`` for hf; ``twilio_sid``, ``twilio_token`` for Twilio).
    """
    picked = _method_kwargs(method, kwargs, _METHOD_KWARGS)
    if method == "hf":
        return get_hf_turn_credentials(**picked)
    if method == "twilio":
        return get_twilio_turn_credentials(**picked)
    return get_cloudflare_turn_credentials(**picked)


async def get_turn_credentials_async(
    method: Method = "cloudflare", **kwargs: Any
) -> dict[str, Any]:
    """:func:`get_turn_credentials` without blocking the event loop.

    Unlike fastrtc's, ``method="twilio"`` works here too (in a worker thread).
    """
    picked = _method_kwargs(method, kwargs, _ASYNC_METHOD_KWARGS)
    if method == "hf":
        return await get_hf_turn_credentials_async(**picked)
    if method == "twilio":
        return await asyncio.to_thread(get_twilio_turn_credentials, **picked)
    return await get_cloudflare_turn_credentials_async(**picked)


def get_coturn_credentials(
    secret: str | None = None,
    urls: str | Sequence[str] | None = None,
    ttl_s: float = 3600,
    user: str = "streamlit-rtc",
) -> dict[str, Any]:
    """Time-limited credentials for your own TURN server (coturn's ``use-auth-secret``).

    The TURN REST scheme coturn implements: the username is
    ``"<expiry unix time>:<user>"`` and the password is
    ``base64(HMAC-SHA1(secret, username))``, so the TURN server checks them
    with the secret alone (no account database, no request to it) and
    refuses them once expired. ``secret`` defaults to
    ``STREAMLIT_RTC_TURN_SECRET`` (coturn's ``static-auth-secret``), ``urls``
    to ``STREAMLIT_RTC_TURN_URLS`` (comma-separated ``turn:``/``turns:``/
    ``stun:`` URLs). Pass the function uncalled,
    ``rtc_configuration=get_coturn_credentials``, so each connection gets
    fresh credentials. Neither the secret nor the credentials are logged.
    """
    if isinstance(ttl_s, bool) or not isinstance(ttl_s, (int, float)):
        raise TypeError(f"ttl_s must be a number of seconds, got {type(ttl_s).__name__}")
    if not 0 < ttl_s < float("inf"):
        raise ValueError(f"ttl_s must be a positive number of seconds, got {ttl_s!r}")
    if not user or ":" in user:
        raise ValueError("user must be a non-empty name without ':' (coturn's separator)")
    key = _pick(secret, TURN_SECRET_ENV, "The TURN server's shared secret")
    servers = _turn_urls(urls)
    username = f"{int(time.time() + ttl_s)}:{user}"
    digest = hmac.new(key.encode(), username.encode(), hashlib.sha1).digest()
    credential = base64.b64encode(digest).decode("ascii")
    return {"iceServers": [{"urls": servers, "username": username, "credential": credential}]}


def _turn_urls(urls: str | Sequence[str] | None) -> list[str]:
    if urls is None:
        raw = os.environ.get(TURN_URLS_ENV, "")
        source = TURN_URLS_ENV
    else:
        raw = urls
        source = "urls"
    items = raw.split(",") if isinstance(raw, str) else list(raw)
    picked = [str(item).strip() for item in items if str(item).strip()]
    if not picked:
        raise ValueError(
            f"The TURN server's URLs are missing: pass urls or set {TURN_URLS_ENV} "
            "(e.g. turn:turn.example.com:3478?transport=udp)"
        )
    bad = [url for url in picked if not url.startswith(("turn:", "turns:", "stun:", "stuns:"))]
    if bad:
        raise ValueError(f"{source}: expected turn:, turns: or stun: URLs, got {bad}")
    return picked
