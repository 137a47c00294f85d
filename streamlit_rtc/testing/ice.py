"""Keep WebRTC on the loopback interface: for tests, benchmarks and single-machine demos.

aioice gathers every interface address except 127.0.0.1, so two peers on one
machine would talk over the machine's network address. After
:func:`restrict_ice_to_loopback` this process gathers only 127.0.0.1 and
ignores remote candidates that are not loopback addresses (including mDNS
names, which are never resolved), so no packet is addressed outside 127/8.
The browser side needs Chromium's ``--allow-loopback-in-peer-connection``.
"""

from __future__ import annotations

import functools
import ipaddress
import logging
from typing import Any

import aioice.ice

__all__ = ["is_loopback_host", "restrict_ice_to_loopback"]

logger = logging.getLogger(__name__)

_PATCHED = "_streamlit_rtc_loopback_only"


def is_loopback_host(host: str) -> bool:
    """True for a literal loopback IP address (not a hostname)."""
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def restrict_ice_to_loopback() -> None:
    """Patch aioice in this process so ICE uses 127.0.0.1 only (idempotent)."""
    connection = aioice.ice.Connection
    if getattr(connection, _PATCHED, False):
        return

    def loopback_addresses(use_ipv4: bool, use_ipv6: bool) -> list[str]:
        return ["127.0.0.1"] if use_ipv4 else []

    original_add = connection.add_remote_candidate

    @functools.wraps(original_add)
    async def add_loopback_candidate(self: Any, candidate: Any) -> None:
        if candidate is not None and not is_loopback_host(candidate.host):
            logger.debug("ignoring non-loopback ICE candidate %s", candidate.host)
            return
        await original_add(self, candidate)

    aioice.ice.get_host_addresses = loopback_addresses
    connection.add_remote_candidate = add_loopback_candidate
    setattr(connection, _PATCHED, True)
    logger.info("ICE restricted to the loopback interface")
