"""What a running stream tells the page: state, last status, errors, outputs, why it ended.

Worker threads write; the Streamlit script thread reads. Everything is
bounded and guarded by one lock, and nothing here touches Streamlit.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ..core.messages import AdditionalOutputs
from ..core.status import Status, StatusEvent, StreamState

__all__ = ["SessionMailbox", "Snapshot", "StreamState"]


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


class SessionMailbox:
    """Collects a stream's state for the script thread; bounded everywhere."""

    def __init__(
        self, max_errors: int = 20, max_outputs: int = 1000, max_messages: int = 20
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
        self._outputs: deque[AdditionalOutputs] = deque()
        self._max_outputs = max_outputs
        self.outputs_dropped = 0
        self.version = 0
        self.changed = threading.Event()
        self.on_change: Callable[[], None] | None = None
        """Called (on the thread that made the change) after every change; must not block."""

    def connected(self) -> None:
        with self._lock:
            if self._state is StreamState.CONNECTING:
                self._state = StreamState.LISTENING
                self._started_at = time.monotonic()
        self._changed()

    def on_status(self, status: Status) -> None:
        with self._lock:
            self.version += 1
            self._last_status = status
            self._last_events[status.event] = status
            if status.event is StatusEvent.ERROR and status.detail:
                self._errors.append(status.detail)
                self._error_count += 1
            if self._state is not StreamState.STOPPED:
                self._state = _NEXT_STATE.get(status.event, self._state)
        self._changed()

    def error(self, message: str) -> None:
        with self._lock:
            self.version += 1
            self._errors.append(message)
            self._error_count += 1
        self._changed()

    def message(self, kind: str, payload: Any) -> None:
        """A message from handler code (``send_message``, ``Warning``); ``error`` joins errors."""
        if kind == "error":
            self.error(str(payload))
            return
        with self._lock:
            self.version += 1
            self._messages.append((kind, payload))
            self._message_count += 1
        self._changed()

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
            self._state = StreamState.STOPPED
            if message and self._end_message is None:
                self._end_message = message
        self._changed()

    def _changed(self) -> None:
        self.changed.set()
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
            )
