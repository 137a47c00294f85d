"""Carry out the reconcile step: answer an offer, refuse it, or end a connection.

The only code that creates and closes a :class:`~.peer.ServerPeer`. Runs on
the script thread of the browser session that owns the slot.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from ..core.handler import StreamHandlerBase
from ..session.concurrency import ConcurrencyRegistry
from ..session.modes import Modality, Mode
from ..signalling.protocol import Offer
from ..signalling.reconcile import Step
from .peer import ServerPeer
from .slot import StreamSlot, busy_message, server_busy_message

__all__ = ["StreamSpec", "carry_out", "end_connection"]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StreamSpec:
    """What this script run says a new connection of the stream is."""

    prototype: StreamHandlerBase
    mode: Mode
    modality: Modality
    time_limit: float | None
    concurrency_limit: int | None
    registry: ConcurrencyRegistry
    server_configuration: dict[str, Any] | None = None


def carry_out(step: Step, slot: StreamSlot, connection: str | None, spec: StreamSpec) -> None:
    """Apply ``step`` to ``slot``; ``connection`` is the browser's current attempt."""
    if step.stop:
        end_connection(slot)
    if step.ask_start:
        slot.ask_start()
    if step.answer is not None and connection is not None:
        _answer(slot, connection, step.answer, spec)


def end_connection(slot: StreamSlot) -> None:
    """Stop the current connection's session and peer (idempotent)."""
    peer, slot.peer = slot.peer, None
    if peer is not None:
        peer.close()
    elif slot.session is not None:
        slot.session.stop(None)
    slot.unwatch_browser()


def _answer(slot: StreamSlot, connection: str, offer: Offer, spec: StreamSpec) -> None:
    end_connection(slot)
    if slot.connection is not None:
        slot.retired.append(slot.connection)
    slot.connection = connection
    slot.answer_sdp = None
    slot.refusal = None
    refusal = spec.registry.admit(slot.key, slot.holder, spec.concurrency_limit)
    if refusal is not None:
        if refusal == "server":
            message = server_busy_message(spec.registry.server_limit)
        else:
            message = busy_message(spec.concurrency_limit)
        logger.warning("%s: refused a connection: %s", slot.key, message)
        slot.refusal = (connection, message, True)
        return
    session = slot.new_session(
        spec.prototype,
        spec.mode,
        spec.time_limit,
        spec.registry,
        spec.concurrency_limit,
        spec.modality,
    )
    peer = ServerPeer(session, spec.server_configuration)
    slot.peer = peer
    slot.rtc_config = None  # the next connection resolves its own (TURN credentials expire)
    try:
        slot.answer_sdp = peer.answer(offer)
    except Exception as exc:
        logger.warning("%s: could not answer the browser's offer: %s", slot.key, exc)
        end_connection(slot)
        spec.registry.release(slot.key, slot.holder)
        slot.refusal = (
            connection,
            f"The server could not answer the browser's offer ({type(exc).__name__}: {exc}). "
            "Press Start to try again; if it keeps failing, check the rtc_configuration.",
            False,
        )
        return
    slot.watch_browser()
