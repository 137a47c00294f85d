"""What a running stream tells the page: state, last status, errors, outputs, why it ended.

Worker threads write; the Streamlit script thread reads. Everything is
bounded and guarded by one lock, and nothing here touches Streamlit. Every
change is announced to the listeners (the live view's kicker, the data
channel's status feed), which diff snapshots to find what changed.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.messages import AdditionalOutputs
from ..core.status import Status, StatusEvent, StreamState

__all__ = ["MAX_LISTENERS", "ChangeListener", "SessionMailbox", "Snapshot", "StreamState"]

logger = logging.getLogger(__name__)

MAX_LISTENERS = 8
"""Listeners one mailbox accepts (besides ``on_change``): a leak shows up as an error."""

ChangeListener = Callable[[], None]


_NEXT_STATE = {
    StatusEvent.STARTED_TALKING: StreamState.USER_SPEAKING,
    StatusEvent.INTERRUPTED: StreamState.USER_SPEAKING,
    StatusEvent.PAUSE_DETECTED: StreamState.THINKING,
    StatusEvent.RESPONSE_STARTING: StreamState.RESPONDING,
    StatusEvent.RESPONSE_DONE: StreamState.LISTENING,
    StatusEvent.ERROR: StreamState.LISTENING,
}


@dataclass(frozen=True)
class Snapshot:
    """A consistent copy of the mailbox for one script run."""

    state: StreamState
    last_status: Status | None
    errors: tuple[str, ...]
    end_message: str | None
    started_at: float | None
    error_count: int
    last_events: dict[StatusEvent, Status]
    """The latest status of each kind (e.g. when the stop phrase was last heard)."""
    messages: tuple[tuple[str, Any], ...] = field(default=())
    """Recent ``(kind, payload)`` messages from handler code: ``send_message``, ``Warning``."""
    message_count: int = 0
    statuses: tuple[Status, ...] = field(default=())
    """Recent status events, oldest first (bounded); ``status_count`` says how many ever came."""
    status_count: int = 0


MESSAGE_RATE_PER_S = 50
"""``send_message`` / ``Warning`` kept per second and stream; more are dropped (with one error)."""
MESSAGE_BURST = 50


class SessionMailbox:
    """Collects a stream's state for the script thread; bounded everywhere."""

    def __init__(
        self,
        max_errors: int = 20,
        max_outputs: int = 1000,
        max_messages: int = 20,
        max_statuses: int = 32,
        message_rate_per_s: float | None = MESSAGE_RATE_PER_S,
    ) -> None:
        self._lock = threading.Lock()
        self._state = StreamState.CONNECTING
        self._last_status: Status | None = None
        self._last_events: dict[StatusEvent, Status] = {}
        self._errors: deque[str] = deque(maxlen=max_errors)
        self._error_count = 0
        self._end_message: str | None = None
        self._started_at: float | None = None
        self._messages: deque[tuple[str, Any]] = deque(maxlen=max_messages)
        self._message_count = 0
        self._statuses: deque[Status] = deque(maxlen=max_statuses)
        self._status_count = 0
        self._listeners: tuple[ChangeListener, ...] = ()
        self._outputs: deque[AdditionalOutputs] = deque()
        self._max_outputs = max_outputs
        self.outputs_dropped = 0
        self.messages_dropped = 0
        self._message_rate = message_rate_per_s
        self._message_budget = float(MESSAGE_BURST)
        self._budget_at = time.monotonic()
        self.version = 0
        self.status_version = 0
        """Counts changes a status feed sends (not plain outputs): a cheap "anything new?"."""
        self.changed = threading.Event()
        self.on_change: Callable[[], None] | None = None
        """Called (on the thread that made the change) after every change; must not block."""

    def add_listener(self, listener: ChangeListener) -> Callable[[], None]:
        """Also call ``listener()`` after every change; returns a function that removes it.

        Like ``on_change``, it runs on the thread that made the change and must
        not block. At most ``MAX_LISTENERS``, so a forgotten removal fails loudly.
        """
        with self._lock:
            if len(self._listeners) >= MAX_LISTENERS:
                raise RuntimeError(f"a SessionMailbox takes at most {MAX_LISTENERS} listeners")
            self._listeners = (*self._listeners, listener)

        def remove() -> None:
            with self._lock:
                kept = list(self._listeners)
                if listener in kept:
                    kept.remove(listener)
                    self._listeners = tuple(kept)

        return remove

    def connected(self) -> None:
        with self._lock:
            self.status_version += 1
            if self._state is StreamState.CONNECTING:
                self._state = StreamState.LISTENING
                self._started_at = time.monotonic()
        self._changed()

    def on_status(self, status: Status) -> None:
        with self._lock:
            self.version += 1
            self.status_version += 1
            self._last_status = status
            self._last_events[status.event] = status
            self._statuses.append(status)
            self._status_count += 1
            if status.event is StatusEvent.ERROR and status.detail:
                self._errors.append(status.detail)
                self._error_count += 1
            if self._state is not StreamState.STOPPED:
                self._state = _NEXT_STATE.get(status.event, self._state)
        self._changed()

    def error(self, message: str) -> None:
        with self._lock:
            self.version += 1
            self.status_version += 1
            self._errors.append(message)
            self._error_count += 1
        self._changed()

    def message(self, kind: str, payload: Any) -> None:
        """A message from handler code (``send_message``, ``Warning``); ``error`` joins errors."""
        if kind == "error":
            self.error(str(payload))
            return
        with self._lock:
            if not self._take_message_budget():
                self.messages_dropped += 1
                if self.messages_dropped > 1:
                    return
                self._errors.append(
                    f"Handler code sent more than {self._message_rate:g} messages a second "
                    "(send_message / Warning); the extra ones are dropped"
                )
                self._error_count += 1
            else:
                self._messages.append((kind, payload))
                self._message_count += 1
            self.version += 1
            self.status_version += 1
        self._changed()

    def _take_message_budget(self) -> bool:
        """A token bucket (under the lock): ``MESSAGE_RATE_PER_S``, bursts of ``MESSAGE_BURST``."""
        if self._message_rate is None:
            return True
        now = time.monotonic()
        self._message_budget = min(
            float(MESSAGE_BURST),
            self._message_budget + (now - self._budget_at) * self._message_rate,
        )
        self._budget_at = now
        if self._message_budget < 1.0:
            return False
        self._message_budget -= 1.0
        return True

    def put_outputs(self, outputs: AdditionalOutputs) -> None:
        """Queue outputs for the page; past ``max_outputs`` unread, the oldest is dropped."""
        with self._lock:
            if len(self._outputs) >= self._max_outputs:
                self._outputs.popleft()
                self.outputs_dropped += 1
                if self.outputs_dropped == 1:
                    self._errors.append(
                        "The page fell behind the stream: older AdditionalOutputs were dropped"
                    )
                    self._error_count += 1
                    self.status_version += 1
            self._outputs.append(outputs)
            self.version += 1
        self._changed()

    def take_outputs(self) -> list[AdditionalOutputs]:
        with self._lock:
            items = list(self._outputs)
            self._outputs.clear()
        return items

    def stopped(self, message: str | None = None) -> None:
        with self._lock:
            self.version += 1
            self.status_version += 1
            self._state = StreamState.STOPPED
            if message and self._end_message is None:
                self._end_message = message
        self._changed()

    def _changed(self) -> None:
        self.changed.set()
        for each in self._listeners:  # a tuple, replaced whole: safe to read without the lock
            try:
                each()
            except Exception:
                logger.exception("a SessionMailbox listener failed")
        listener = self.on_change
        if listener is not None:
            listener()

    def snapshot(self) -> Snapshot:
        with self._lock:
            return Snapshot(
                self._state,
                self._last_status,
                tuple(self._errors),
                self._end_message,
                self._started_at,
                self._error_count,
                dict(self._last_events),
                tuple(self._messages),
                self._message_count,
                tuple(self._statuses),
                self._status_count,
            )
