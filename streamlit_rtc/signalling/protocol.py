"""The browser's component value: parsed and validated once, because the browser is untrusted.

Anything a page script (or a forged websocket message) can put in the value
is checked here - types, sizes, unknown fields, the per-session token - and
turned into a typed :class:`BrowserReport`, or rejected with a
:class:`ValueRejected` whose message names the problem. Nothing past this
module looks at the raw value.
"""

from __future__ import annotations

import hmac
import json
import re
from dataclasses import dataclass
from typing import Any, Literal, get_args

__all__ = [
    "MAX_SDP_CHARS",
    "MAX_VALUE_CHARS",
    "BrowserReport",
    "Offer",
    "Phase",
    "ValueRejected",
    "parse_value",
]

Phase = Literal["idle", "prepare", "offer", "stopped"]
"""``prepare``: the browser is about to offer ``connection`` and first asks for a fresh
``rtc_configuration`` (its TURN credentials may have expired while the page sat idle)."""

MAX_SDP_CHARS = 100_000
"""A real offer with all candidates is 2-20 kB; anything near this is not a browser."""
MAX_VALUE_CHARS = 120_000
MAX_COMMAND_ID = 2**31

_FIELDS = frozenset({"token", "connection", "phase", "offer", "command_seen"})
_CONNECTION_RE = re.compile(r"^[A-Za-z0-9_-]{8,64}$")


class ValueRejected(ValueError):
    """The component value is not what our component sends; the message says what is wrong."""


@dataclass(frozen=True)
class Offer:
    """An SDP offer with the browser's gathered ICE candidates in it."""

    sdp: str
    type: Literal["offer"] = "offer"


@dataclass(frozen=True)
class BrowserReport:
    """What the browser says about its current connection attempt."""

    connection: str
    phase: Phase
    offer: Offer | None
    command_seen: int


def parse_value(raw: object, token: str) -> BrowserReport | None:
    """The typed report in ``raw``; None when the browser has sent nothing yet.

    Raises :class:`ValueRejected` for anything our component would not send.
    """
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise ValueRejected(f"expected an object, got {type(raw).__name__}")
    size = _encoded_size(raw)
    if size > MAX_VALUE_CHARS:
        raise ValueRejected(f"value of {size} characters is over the {MAX_VALUE_CHARS} limit")
    unknown = set(raw) - _FIELDS
    if unknown:
        names = ", ".join(sorted(str(name)[:40] for name in unknown)[:5])
        raise ValueRejected(f"unknown field(s): {names}")
    sent_token = raw.get("token")
    if not isinstance(sent_token, str) or not hmac.compare_digest(sent_token, token):
        raise ValueRejected("the token does not belong to this stream (a forged or stale value)")
    connection = raw.get("connection")
    if not isinstance(connection, str) or not _CONNECTION_RE.match(connection):
        raise ValueRejected("'connection' must be 8-64 characters of [A-Za-z0-9_-]")
    phase = raw.get("phase")
    if phase not in get_args(Phase):
        raise ValueRejected(f"'phase' must be one of {', '.join(get_args(Phase))}")
    command_seen = raw.get("command_seen", 0)
    if (
        not isinstance(command_seen, int)
        or isinstance(command_seen, bool)
        or not 0 <= command_seen <= MAX_COMMAND_ID
    ):
        raise ValueRejected("'command_seen' must be a non-negative integer")
    offer = _parse_offer(raw.get("offer")) if phase == "offer" else None
    return BrowserReport(connection, phase, offer, command_seen)


def _parse_offer(raw: object) -> Offer:
    if not isinstance(raw, dict) or set(raw) - {"sdp", "type"}:
        raise ValueRejected("'offer' must be an object with 'sdp' and 'type'")
    if raw.get("type") != "offer":
        raise ValueRejected("'offer.type' must be 'offer'")
    sdp = raw.get("sdp")
    if not isinstance(sdp, str) or not sdp.startswith("v=0"):
        raise ValueRejected("'offer.sdp' must be an SDP text starting with 'v=0'")
    if len(sdp) > MAX_SDP_CHARS:
        raise ValueRejected(f"offer of {len(sdp)} characters is over the {MAX_SDP_CHARS} limit")
    return Offer(sdp)


def _encoded_size(raw: dict[Any, Any]) -> int:
    try:
        return len(json.dumps(raw, default=str))
    except (TypeError, ValueError, RecursionError) as exc:
        raise ValueRejected(f"value is not plain JSON ({type(exc).__name__})") from exc
