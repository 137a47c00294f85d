"""Per browser session and stream key: the current connection and what the page asked for.

A :class:`StreamSlot` lives in ``st.session_state`` (so it is private to one
browser session) and is only touched on that session's script thread,
except for :class:`AudioStreamSession`'s own thread-safe methods.
"""

from __future__ import annotations

import logging
import secrets
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from ..core.handler import StreamHandlerBase
from ..core.video_handlers import VideoFunctionHandler, VideoGeneratorHandler
from ..session.audio_session import AudioStreamSession
from ..session.concurrency import ConcurrencyRegistry
from ..session.mailbox import Snapshot
from ..session.modes import Modality, Mode
from ..session.outputs import OutputsFolder
from ..session.video_session import VideoStreamSession
from ..signalling.reconcile import ServerPhase, ServerView
from . import _compat
from .rtc_config import KeptConfiguration

__all__ = ["LivePace", "Session", "StreamSlot"]

Session = AudioStreamSession | VideoStreamSession

logger = logging.getLogger(__name__)

RETIRED_KEPT = 32
"""Ended connection ids remembered per slot, to refuse replayed offers."""
TRIGGER_HOLD_S = 15.0
"""How long a receive stream's trigger keeps asking the browser to start."""


@dataclass
class LivePace:
    """How the page keeps up with a live stream (read and written by :mod:`.live`)."""

    polling: bool = False
    """The stream is connecting or live: the page refreshes itself (set by each full run)."""
    kicker: Any = None
    """``_compat.FragmentKicker`` rerunning the live view when the stream has news."""
    errors_shown: int = 0
    """Errors the last full run showed; the live view reruns the app when there are more."""
    has_live_view: bool = False
    """The page renders outputs in ``stream.live(...)``: refresh that part only."""
    fast: bool = False
    """Without a live view: the conversation is active, poll every 0.25 s instead of 1 s."""
    quiet_since: float = 0.0
    seen_version: int = -1


@dataclass
class StreamSlot:
    """What one ``webrtc(key, ...)`` call remembers between script runs."""

    key: str
    holder: str
    token: str = field(default_factory=lambda: secrets.token_urlsafe(18))
    """Echoed by the browser in its value: a value without it was not made for this stream."""
    session: Session | None = None
    peer: Any = None
    """The :class:`~.peer.ServerPeer` of the current connection."""
    connection: str | None = None
    """The browser's id of the connection the current session serves."""
    answer_sdp: str | None = None
    refusal: tuple[str, str, bool] | None = None
    """``(connection, message, busy)``: the offer of that connection was refused."""
    retired: deque[str] = field(default_factory=lambda: deque(maxlen=RETIRED_KEPT))
    """Connections that ended: an offer for one of them is a replay, never answered."""
    command_id: int = 0
    command: str | None = None
    inputs: list[Any] = field(default_factory=list)
    """The stream's input values as of the last script run (or the last applied output)."""
    input_keys: dict[int, str] = field(default_factory=dict)
    """Inputs that follow a session-state key the stream writes outputs to (position -> key)."""
    rtc_config: KeptConfiguration | None = None
    """A configuration function's result for the next connection; cleared when one is answered."""
    rtc_config_for: str | None = None
    """The browser connection that last asked for a fresh configuration (phase ``prepare``)."""
    triggered_at: float | None = None
    """When ``trigger`` last asked a receive stream to start and the browser had not yet."""
    last_end: Snapshot | None = None
    watcher: Any = None
    folder: OutputsFolder = field(default_factory=OutputsFolder)
    leftover: list[Any] = field(default_factory=list)
    """Outputs of a stopped session not applied yet."""
    pace: LivePace = field(default_factory=LivePace)

    # -- the server's view, for the reconcile step ----------------------------------
    def server_view(self) -> ServerView:
        """What the server knows about this stream's connections."""
        if self.refusal is not None and self.refusal[0] == self.connection:
            phase: ServerPhase = "refused"
        elif self.session is None or self.connection is None:
            phase = "none"
        elif self.session.stopped:
            phase = "ended"
        else:
            phase = "running"
        return ServerView(self.connection, phase, frozenset(self.retired))

    def ask_start(self) -> None:
        """Give the browser a new ``start`` command (a receive stream's trigger)."""
        self.command_id += 1
        self.command = "start"

    def trigger(self) -> None:
        """``trigger`` was true in this run: ask the browser to start until it has."""
        self.triggered_at = time.monotonic()

    def trigger_pending(self) -> bool:
        """A trigger the browser has not acted on yet, at most ``TRIGGER_HOLD_S`` old.

        Held over several runs because a rerun right after the click (a
        widget moved, an output arrived) must not swallow it before the
        component saw it.
        """
        if self.triggered_at is None:
            return False
        if time.monotonic() - self.triggered_at > TRIGGER_HOLD_S:
            self.triggered_at = None
        return self.triggered_at is not None

    def trigger_done(self) -> None:
        """The browser acted on the start command: the trigger did its job."""
        self.triggered_at = None

    def set_inputs(self, inputs: list[Any], state: Any) -> None:
        """This run's input values; those that *are* an output key's value follow that key.

        The seed's conversation pattern passes ``st.session_state["history"]``
        in and writes the reply's history back to ``"history"`` as an output.
        Outputs can be applied without a full script run (a live view), so
        such an input is re-read from its key whenever outputs are applied:
        every turn gets the current history.
        """
        self.inputs = inputs
        self.input_keys = {}
        for index, value in enumerate(inputs):
            if isinstance(value, _IMMUTABLE):
                continue  # identity says nothing about small ints, strings, None
            for key in self.folder.keys:
                if key in state and state[key] is value:
                    self.input_keys[index] = key
                    break

    def push_inputs(self) -> None:
        """Give the current session this slot's input values (script thread)."""
        if self.session is not None:
            self.session.set_inputs(list(self.inputs))

    def drain(self, state: Any) -> int:
        """Apply queued outputs to ``state`` (script thread); returns how many.

        Inputs that follow an output key are refreshed and pushed at once, so
        the next turn sees what this output changed, with or without a full run.
        """
        items = self.leftover
        self.leftover = []
        if self.session is not None:
            items = items + self.session.mailbox.take_outputs()
        applied = self.folder.apply(state, items)
        if applied and self.input_keys:
            for index, key in self.input_keys.items():
                if key in state:
                    self.inputs[index] = state[key]
            self.push_inputs()
        return applied

    def new_session(
        self,
        prototype: StreamHandlerBase,
        mode: Mode,
        time_limit: float | None,
        registry: ConcurrencyRegistry,
        limit: int | None,
        modality: Modality = Modality.AUDIO,
    ) -> Session:
        """A fresh session for the next connection (the previous one must be stopped)."""
        if self.session is not None:
            self.session.stop(None)
            self.last_end = self.session.mailbox.snapshot()
            self.leftover.extend(self.session.mailbox.take_outputs())
        key, holder = self.key, self.holder

        def admit() -> bool:
            return registry.activate(key, holder, limit)

        def on_stopped(stopped: Session) -> None:
            registry.release(key, holder)
            # This slot lives in st.session_state, which Streamlit keeps after the tab
            # closed (server.disconnectedSessionTTL): keep the outcome, not the handler,
            # buffers and tracks.
            stopped.release()

        options: dict[str, Any] = {
            "mode": mode,
            "time_limit": time_limit,
            "name": f"{key}@{holder[:8]}",
            "admit": admit,
            "on_stopped": on_stopped,
            "busy_message": busy_message(limit),
        }
        session: Session
        if isinstance(prototype, (VideoFunctionHandler, VideoGeneratorHandler)):
            session = VideoStreamSession(prototype, **options)
        else:
            session = AudioStreamSession(prototype, modality=modality, **options)
        session.handler.stream_args.kept_current = True  # every run and applied output pushes
        self.session = session
        self.push_inputs()
        return session

    def watch_browser(self) -> None:
        """Stop the live session when this Streamlit session goes away (tab closed)."""
        if self.watcher is not None:
            return
        session = self.session
        if session is None:
            return

        def on_end(end: Any) -> None:
            session.stop(None)

        self.watcher = _compat.watch_session_end(on_end)

    def unwatch_browser(self) -> None:
        if self.watcher is not None:
            self.watcher.stop()
            self.watcher = None


_IMMUTABLE = (str, bytes, int, float, complex, bool, tuple, frozenset, type(None))


def busy_message(limit: int | None) -> str:
    return f"This stream already has {limit} live user(s), its limit. Please try again in a moment."


def server_busy_message(limit: int | None) -> str:
    return (
        f"The server is at its capacity of {limit} live sessions; please try again in a moment. "
        f"(For the operator: STREAMLIT_RTC_MAX_SESSIONS sets the cap; more replicas add capacity.)"
    )
