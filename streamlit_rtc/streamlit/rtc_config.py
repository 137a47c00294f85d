"""``rtc_configuration`` as a dict or as a (sync or async) function, resolved once per connection.

fastrtc apps pass TURN helpers uncalled
(``rtc_configuration=get_cloudflare_turn_credentials_async``) because TURN
credentials expire: the function runs for each new connection, not once at
import. Here it runs when a connection is being prepared: on the first
script run, then again in the run that answers a connection (for the next
one), and whenever the kept result is past its usable life while no
connection is live, so reruns do not call a TURN API again. A page that sat
idle past that life has had no script run to renew it: at START the browser
sees its copy is stale and asks for a fresh one first (component value phase
``prepare``), so its first connection never uses expired credentials.

A result's usable life is
:data:`~streamlit_rtc.streamlit.component.RTC_CONFIG_MAX_AGE_S`, or less
when its TURN usernames carry their own expiry (the TURN REST convention
``"<unix expiry>:<user>"`` of coturn's shared secret and
:func:`~streamlit_rtc.get_coturn_credentials`): it ends
:data:`EXPIRY_MARGIN_S` before the earliest one.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeAlias

__all__ = [
    "EXPIRY_MARGIN_S",
    "KeptConfiguration",
    "RTCConfiguration",
    "RtcConfigError",
    "credentials_expiry",
    "kept_configuration",
    "resolve_rtc_configuration",
]

logger = logging.getLogger(__name__)

RTCConfiguration: TypeAlias = (
    dict[str, Any] | Callable[[], dict[str, Any]] | Callable[[], Awaitable[dict[str, Any]]]
)
"""A dict such as ``{"iceServers": [...]}``, or a sync or async function returning one."""


EXPIRY_MARGIN_S = 30.0
"""Credentials this close to their expiry are made again before a connection uses them."""

_REST_USERNAME = re.compile(r"^(\d{9,11}):")
"""TURN REST usernames start with their expiry in Unix seconds (9-11 digits: 1973-5138)."""


class RtcConfigError(ValueError):
    """The rtc_configuration (or the function that makes it) failed; the message says the fix."""


def _check(config: Any, source: str) -> dict[str, Any]:
    if not isinstance(config, dict):
        raise RtcConfigError(
            f"{source} must be a dict such as {{'iceServers': [...]}}, got {type(config).__name__}"
        )
    servers = config.get("iceServers", [])
    if not isinstance(servers, list) or not all(isinstance(s, dict) for s in servers):
        raise RtcConfigError(f"{source}: 'iceServers' must be a list of dicts")
    return config


def resolve_rtc_configuration(value: RTCConfiguration | None) -> dict[str, Any] | None:
    """The dict to use for the next connection (calls a function, awaits an async one).

    Runs on the script thread, which has no event loop, so an async function
    runs to completion on a fresh one. Raises :class:`RtcConfigError` naming
    the function and what went wrong.
    """
    if value is None:
        return None
    if isinstance(value, dict):
        return _check(value, "rtc_configuration")
    if not callable(value):
        raise RtcConfigError(
            "rtc_configuration must be a dict or a function returning one "
            f"(e.g. get_cloudflare_turn_credentials_async), got {type(value).__name__}"
        )
    name = getattr(value, "__name__", type(value).__name__)
    try:
        result = value()
        if inspect.isawaitable(result):
            result = asyncio.run(_await(result))
    except Exception as exc:
        raise RtcConfigError(
            f"rtc_configuration function {name}() raised {type(exc).__name__}: {exc}"
        ) from exc
    return _check(result, f"the result of rtc_configuration function {name}()")


async def _await(awaitable: Awaitable[Any]) -> Any:
    return await awaitable


def credentials_expiry(config: dict[str, Any] | None) -> float | None:
    """The earliest expiry (Unix time) written in the configuration's TURN REST usernames.

    None when no username carries one (a static TURN account, Cloudflare's
    or Twilio's opaque names, STUN only): their lifetime is not knowable here.
    """
    expiries = []
    for server in (config or {}).get("iceServers", []):
        username = server.get("username") if isinstance(server, dict) else None
        match = _REST_USERNAME.match(username) if isinstance(username, str) else None
        if match:
            expiries.append(float(match.group(1)))
    return min(expiries, default=None)


@dataclass(frozen=True)
class KeptConfiguration:
    """A configuration function's result, kept for reruns, and how long it may be used."""

    config: dict[str, Any] | None
    problem: str | None
    """The page's message when the function failed (then ``config`` is None)."""
    made_at: float
    """``time.monotonic()`` when it was made."""
    credentials_life_s: float | None
    """How long after ``made_at`` its credentials may still be used (None: not written)."""

    @classmethod
    def made(
        cls, config: dict[str, Any] | None, problem: str | None, *, now: float, wall_now: float
    ) -> KeptConfiguration:
        """Kept from ``now``; its credentials' life ends :data:`EXPIRY_MARGIN_S` before expiry."""
        expiry = credentials_expiry(config)
        life = None if expiry is None else max(0.0, expiry - wall_now - EXPIRY_MARGIN_S)
        return cls(config, problem, now, life)

    def age(self, now: float) -> float:
        return now - self.made_at

    def to_remake(
        self, now: float, *, asked_anew: bool, live: bool, max_age_s: float, min_age_s: float
    ) -> bool:
        """Whether to call the function again on this script run.

        Never within ``min_age_s`` of the last call (a page cannot loop a TURN
        API); once per new connection that asked (``asked_anew``: phase
        ``prepare``); otherwise only with no ``live`` connection (it keeps its
        credentials) and once stale; a failed call only after ``max_age_s``:
        START asks again, reruns do not.
        """
        if self.age(now) < min_age_s:
            return False
        if asked_anew:
            return True
        if self.problem is not None:
            stale = self.age(now) >= max_age_s
        else:
            stale = self.fresh_for(now, max_age_s) <= 0.0
        return not live and stale

    def fresh_for(self, now: float, max_age_s: float) -> float:
        """Seconds from ``now`` during which a new connection may still use it (0: stale).

        A failed call is stale at once: the browser asks again at START, so a TURN
        service that was down when the page loaded is tried again then.
        """
        if self.problem is not None:
            return 0.0
        usable = (
            max_age_s
            if self.credentials_life_s is None
            else min(max_age_s, self.credentials_life_s)
        )
        return max(0.0, self.made_at + usable - now)


def kept_configuration(
    value: RTCConfiguration, key: str, *, now: float, wall_now: float
) -> KeptConfiguration:
    """``value`` resolved now and kept; a failure becomes the page's message for stream ``key``."""
    try:
        config, problem = resolve_rtc_configuration(value), None
    except RtcConfigError as exc:
        logger.error("%s: %s", key, exc)
        config, problem = None, f"{exc}. Connecting without STUN/TURN servers."
    return KeptConfiguration.made(config, problem, now=now, wall_now=wall_now)
