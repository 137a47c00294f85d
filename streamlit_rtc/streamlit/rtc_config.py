"""``rtc_configuration`` as a dict or as a (sync or async) function, resolved once per connection.

fastrtc apps pass TURN helpers uncalled
(``rtc_configuration=get_cloudflare_turn_credentials_async``) because TURN
credentials expire: the function runs for each new connection, not once at
import. Here it runs when a connection is being prepared: on the first
script run, then again in the run that answers a connection (for the next
one), and whenever the kept result is older than
:data:`~streamlit_rtc.streamlit.component.RTC_CONFIG_MAX_AGE_S` while no
connection is live, so reruns do not call a TURN API again and a long
conversation is not followed by expired credentials.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable
from typing import Any, TypeAlias

__all__ = ["RTCConfiguration", "RtcConfigError", "resolve_rtc_configuration"]

logger = logging.getLogger(__name__)

RTCConfiguration: TypeAlias = (
    dict[str, Any] | Callable[[], dict[str, Any]] | Callable[[], Awaitable[dict[str, Any]]]
)
"""A dict such as ``{"iceServers": [...]}``, or a sync or async function returning one."""


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
