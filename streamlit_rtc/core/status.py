"""Status events a handler reports to the layers above (UI, session state, tests)."""

from __future__ import annotations

import enum
import threading
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Status", "StatusEvent", "StatusHub", "StreamState"]


class StatusEvent(str, enum.Enum):
    """What just happened in a conversation; values are the seed's event names."""

    STARTED_TALKING = "started_talking"
    PAUSE_DETECTED = "pause_detected"
    RESPONSE_STARTING = "response_starting"
    RESPONSE_DONE = "response_done"
    INTERRUPTED = "interrupted"
    STOPWORD = "stopword"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class Status:
    """One status event: what happened, when in stream time, and an optional message."""

    event: StatusEvent
    stream_time_s: float
    detail: str | None = None


StatusListener = Callable[[Status], None]


class StatusHub:
    """Fans status events out to listeners and remembers the last one.

    Listeners run on whichever thread reports the event (input or output
    worker), so they must be quick and thread-safe (e.g. put into a queue).
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: list[StatusListener] = []
        self._last: Status | None = None

    def add_listener(self, listener: StatusListener) -> None:
        with self._lock:
            self._listeners.append(listener)

    def remove_listener(self, listener: StatusListener) -> None:
        with self._lock:
            if listener in self._listeners:
                self._listeners.remove(listener)

    @property
    def last(self) -> Status | None:
        return self._last

    def report(self, status: Status) -> None:
        with self._lock:
            self._last = status
            listeners = list(self._listeners)
        for listener in listeners:
            listener(status)


class StreamState(str, enum.Enum):
    """Where a conversation is, for the page to show."""

    CONNECTING = "connecting"
    LISTENING = "listening"
    USER_SPEAKING = "user speaking"
    THINKING = "thinking"
    RESPONDING = "responding"
    STOPPED = "stopped"
