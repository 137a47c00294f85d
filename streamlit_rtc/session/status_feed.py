"""Turns a stream's mailbox changes into the data channel's status messages.

The browser learns state, status events, errors, messages, the deadline and
the end of a stream the moment they happen (docs/component-protocol.md,
"Data channel messages"). ``StatusFeed`` listens to a ``SessionMailbox`` and,
on every change, diffs the new snapshot against the last one it sent, so
changes made on several threads at once are neither lost nor sent twice.
No aiortc or Streamlit here: the messages go to a plain sink callable.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from ..core.status import StreamState
from .mailbox import SessionMailbox, Snapshot

__all__ = ["MAX_PAYLOAD_CHARS", "MAX_TEXT_CHARS", "WIRE_STATES", "StatusFeed", "wire_state"]

logger = logging.getLogger(__name__)

MAX_PAYLOAD_CHARS = 16_384
"""A ``message`` payload longer than this (as JSON or ``str``) is sent as truncated text."""

MAX_TEXT_CHARS = 4_096
"""Error messages, event details and end messages are cut to this length."""

WIRE_STATES: dict[StreamState, str] = {
    StreamState.CONNECTING: "connecting",
    StreamState.LISTENING: "listening",
    StreamState.USER_SPEAKING: "user-speaking",
    StreamState.THINKING: "thinking",
    StreamState.RESPONDING: "responding",
    StreamState.STOPPED: "stopped",
}

Message = dict[str, Any]
Sink = Callable[[Message], None]
Remaining = Callable[[], float | None]


def wire_state(state: StreamState) -> str:
    """The protocol's name of a state (``user speaking`` travels as ``user-speaking``)."""
    return WIRE_STATES.get(state, state.value.replace(" ", "-"))


def _text(value: str | None, limit: int = MAX_TEXT_CHARS) -> str | None:
    if value is None or len(value) <= limit:
        return value
    return value[:limit] + "… (truncated)"


def _payload(payload: Any, limit: int) -> Any:
    """A JSON-safe copy of ``payload``: itself when it encodes, else its ``str``; capped."""
    try:
        encoded = json.dumps(payload, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        try:
            text = str(payload)
        except Exception:  # a broken __str__ in user code must not stop the feed
            text = f"<unprintable {type(payload).__name__}>"
        return _text(text, limit)
    if len(encoded) > limit:
        return _text(encoded, limit)
    return json.loads(encoded)  # a copy: later changes by user code don't reach the wire


class StatusFeed:
    """Diffs mailbox snapshots into protocol messages and hands them to ``sink``.

    ``sink`` is called under the feed's lock, in order, on whichever thread
    changed the mailbox: it must be quick and must not block (``StatusChannel.send``
    only schedules). ``remaining`` gives the seconds left of the time limit
    (``None`` without one) for the ``deadline`` message.
    """

    def __init__(
        self,
        mailbox: SessionMailbox,
        sink: Sink,
        *,
        remaining: Remaining | None = None,
        max_payload_chars: int = MAX_PAYLOAD_CHARS,
    ) -> None:
        self._mailbox = mailbox
        self._sink = sink
        self._remaining = remaining
        self._max_payload = max_payload_chars
        # Re-entrant: a sink that (wrongly) changes the mailbox must not deadlock.
        self._lock = threading.RLock()
        self._last: Snapshot | None = None
        self._seen = -1
        self._deadline_sent = False
        self._end_sent = False
        self._remove: Callable[[], None] | None = None

    @property
    def attached(self) -> bool:
        return self._remove is not None

    def attach(self) -> None:
        """Start listening; first sends the current state (and deadline or end, if due).

        Errors and messages from before the attach are not replayed: a late
        channel gets where the stream is now, not its history. Idempotent.
        """
        with self._lock:
            if self._remove is not None:
                return
            self._remove = self._mailbox.add_listener(self.sync)
            snap = self._mailbox.snapshot()
            self._last = snap
            out = [self._msg("state", state=wire_state(snap.state))]
            self._due_once(snap, out)
            self._emit(out)

    def detach(self) -> None:
        """Stop listening to the mailbox (idempotent); nothing more is sent."""
        with self._lock:
            if self._remove is not None:
                self._remove()
                self._remove = None

    def refresh(self) -> None:
        """Send the current state and a fresh deadline again, e.g. when the channel opens."""
        with self._lock:
            if self._remove is None or self._last is None:
                return
            snap = self._mailbox.snapshot()
            out = self._diff(self._last, snap)
            self._last = snap
            if not any(m["type"] == "state" for m in out):
                out.insert(0, self._msg("state", state=wire_state(snap.state)))
            deadline = self._deadline(snap)
            if deadline is not None and not any(m["type"] == "deadline" for m in out):
                out.append(deadline)
            self._emit(out)

    def sync(self) -> None:
        """Send whatever changed since the last call (the mailbox listener; any thread)."""
        if self._mailbox.status_version == self._seen:
            return  # only outputs changed: nothing for the wire (cheap under an output flood)
        with self._lock:
            if self._remove is None or self._last is None:
                return
            self._seen = self._mailbox.status_version
            snap = self._mailbox.snapshot()  # taken under our lock: each is newer than the last
            out = self._diff(self._last, snap)
            self._last = snap
            self._emit(out)

    # -- diffing -----------------------------------------------------------------------
    def _diff(self, old: Snapshot, new: Snapshot) -> list[Message]:
        out: list[Message] = []
        if new.state is not old.state:
            out.append(self._msg("state", state=wire_state(new.state)))
        for status in _new_items(new.statuses, new.status_count - old.status_count):
            detail = None if status.detail is None else _text(str(status.detail))
            out.append(self._msg("event", event=status.event.value, detail=detail))
        for error in _new_items(new.errors, new.error_count - old.error_count):
            out.append(self._msg("error", message=_text(str(error))))
        for kind, payload in _new_items(new.messages, new.message_count - old.message_count):
            out.append(
                self._msg("message", kind=str(kind), payload=_payload(payload, self._max_payload))
            )
        self._due_once(new, out)
        return out

    def _due_once(self, snap: Snapshot, out: list[Message]) -> None:
        """Append the once-only messages that became due: ``deadline`` at start, ``end`` at stop."""
        if snap.state is StreamState.STOPPED:
            if not self._end_sent:
                self._end_sent = True
                self._deadline_sent = True  # no deadline for a stream that is over
                message = snap.end_message
                error = message is not None and message in snap.errors
                out.append(self._msg("end", message=_text(message), error=error))
        elif snap.started_at is not None and not self._deadline_sent:
            self._deadline_sent = True
            deadline = self._deadline(snap)
            if deadline is not None:
                out.append(deadline)

    def _deadline(self, snap: Snapshot) -> Message | None:
        if self._remaining is None or snap.started_at is None:
            return None
        if snap.state is StreamState.STOPPED:
            return None
        try:
            left = self._remaining()
        except Exception:
            logger.exception("status feed: the remaining-time callable failed")
            return None
        return None if left is None else self._msg("deadline", remaining_s=round(float(left), 3))

    @staticmethod
    def _msg(type_: str, **fields: Any) -> Message:
        return {"type": type_, **fields, "t": time.time() * 1000}

    def _emit(self, out: list[Message]) -> None:
        for message in out:
            try:
                self._sink(message)
            except Exception:  # the sink's trouble must not break the worker that changed state
                logger.exception("status feed: the sink failed on a %r message", message["type"])


def _new_items(items: tuple[Any, ...], new_count: int) -> list[Any]:
    """The last ``new_count`` of a bounded history (fewer if older ones were already dropped)."""
    if new_count <= 0:
        return []
    if new_count > len(items):
        logger.debug(
            "status feed: %d item(s) dropped before they could be sent", new_count - len(items)
        )
    return list(items[-new_count:]) if new_count < len(items) else list(items)
