"""Which connection user code runs for, and how it talks to that connection's page.

fastrtc's ``get_current_context()`` and ``Warning(...)`` work from inside
handler code without a handle on the connection. Here the bridge that runs
user code (:mod:`.bridge`) sets :data:`current_connection` on every thread
and task it runs user code on, so these helpers find the right page.
"""

from __future__ import annotations

from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

__all__ = [
    "Connection",
    "Context",
    "MessageKind",
    "current_connection",
    "get_current_context",
    "post_message",
]

MessageKind: TypeAlias = Literal["log", "warning", "error", "message"]
"""``warning`` / ``error``: shown as such; ``message``: a ``send_message`` payload."""

MessagePoster = Callable[[MessageKind, Any], None]


@dataclass(frozen=True)
class Context:
    """fastrtc's context: ``webrtc_id`` names the connection (one per START)."""

    webrtc_id: str
    websocket: Any = None
    """Always None: streamlit-rtc has no websocket transport (kept for fastrtc's field)."""


def _drop(kind: MessageKind, payload: Any) -> None:
    return None


@dataclass(frozen=True)
class Connection:
    """What user code may reach of the connection it runs for."""

    context: Context
    post: MessagePoster = field(default=_drop)
    """Delivers a message to the connection's page (never blocks)."""


current_connection: ContextVar[Connection | None] = ContextVar(
    "streamlit_rtc_connection", default=None
)


def get_current_context() -> Context:
    """The context of the connection whose handler code is running now.

    Raises ``RuntimeError`` outside handler code, as fastrtc does.
    """
    connection = current_connection.get()
    if connection is None:
        raise RuntimeError(
            "No context found: get_current_context() works only inside handler code "
            "(receive, emit, start_up, a reply or video function) while a stream runs"
        )
    return connection.context


def post_message(kind: MessageKind, payload: Any) -> bool:
    """Send ``payload`` to the current connection's page; False outside handler code."""
    connection = current_connection.get()
    if connection is None:
        return False
    connection.post(kind, payload)
    return True
