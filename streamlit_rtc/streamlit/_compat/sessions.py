"""Streamlit sessions: the current id, their status, and detecting that one ended."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum

from ._log import LOGGER
from ._log import warn_once as _warn_once


def get_session_id() -> str | None:
    """The current Streamlit session id, or None outside a script thread.

    Callback threads (frame callbacks, handler threads) have no script run
    context: call this in the script run and capture the value.
    """
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:
        _warn_once("script_run_ctx", "streamlit.runtime.scriptrunner.get_script_run_ctx missing")
        return None
    ctx = get_script_run_ctx(suppress_warning=True)
    return ctx.session_id if ctx is not None else None


class SessionStatus(str, Enum):
    """What the Streamlit runtime knows about a session."""

    CONNECTED = "connected"
    """A browser websocket is attached."""
    DISCONNECTED = "disconnected"
    """No websocket (tab closed, reloaded, network loss); kept ~2 min for a reconnect."""
    ENDED = "ended"
    """Shut down, or dropped from the reconnect storage: it will never come back."""
    UNKNOWN = "unknown"
    """No runtime, or Streamlit internals changed."""


def session_status(session_id: str) -> SessionStatus:
    """Status of ``session_id``; safe from any thread.

    Uses ``Runtime.is_active_session`` (thread-safe by its docs) and the
    session manager's ``get_session_info`` (private ``Runtime._session_mgr``).
    """
    try:
        from streamlit.runtime import Runtime
        from streamlit.runtime.app_session import AppSessionState
    except ImportError:
        _warn_once("runtime_import", "streamlit.runtime.Runtime not importable")
        return SessionStatus.UNKNOWN
    if not Runtime.exists():
        return SessionStatus.UNKNOWN
    runtime = Runtime.instance()
    try:
        session_mgr = runtime._session_mgr
        info = session_mgr.get_session_info(session_id)
        if info is None:
            return SessionStatus.ENDED
        if getattr(info.session, "_state", None) == AppSessionState.SHUTDOWN_REQUESTED:
            return SessionStatus.ENDED
        if runtime.is_active_session(session_id):
            return SessionStatus.CONNECTED
        return SessionStatus.DISCONNECTED
    except AttributeError as exc:
        _warn_once("session_mgr", "cannot read Streamlit session status: %s", exc)
        return SessionStatus.UNKNOWN


@dataclass(frozen=True)
class SessionEnd:
    """Why a :class:`SessionEndWatcher` fired."""

    session_id: str
    status: SessionStatus
    disconnected_for_s: float


class SessionEndWatcher:
    """Daemon thread that calls ``on_end`` once when a Streamlit session goes away.

    Fires when the session is ENDED, or has been DISCONNECTED for at least
    ``grace_s`` seconds (a reload or a network blip reconnects within that
    time and resets the clock). Streamlit itself keeps a disconnected session
    for 2 minutes before dropping it, without shutting it down, so waiting
    for ENDED alone reacts late; ``grace_s=0`` reacts to the websocket close.
    The callback runs on the watcher thread; it must not block for long.
    """

    def __init__(
        self,
        session_id: str,
        on_end: Callable[[SessionEnd], None],
        *,
        grace_s: float = 3.0,
        poll_interval_s: float = 0.5,
    ) -> None:
        self._session_id = session_id
        self._on_end = on_end
        self._grace_s = grace_s
        self._poll_interval_s = poll_interval_s
        self._stop = threading.Event()
        self._thread = threading.Thread(
            target=self._run, name=f"SessionEndWatcher_{session_id[:8]}", daemon=True
        )
        self._thread.start()

    @property
    def session_id(self) -> str:
        """The watched session."""
        return self._session_id

    def stop(self) -> None:
        """Stop watching without calling ``on_end``."""
        self._stop.set()

    def _run(self) -> None:
        import time

        disconnected_since: float | None = None
        while not self._stop.wait(self._poll_interval_s):
            status = session_status(self._session_id)
            now = time.monotonic()
            if status is SessionStatus.DISCONNECTED:
                disconnected_since = disconnected_since or now
                if now - disconnected_since < self._grace_s:
                    continue
            elif status is SessionStatus.ENDED:
                disconnected_since = disconnected_since or now
            else:
                disconnected_since = None
                continue
            self._fire(SessionEnd(self._session_id, status, now - disconnected_since))
            return

    def _fire(self, end: SessionEnd) -> None:
        LOGGER.info("Streamlit session %s ended: %s", end.session_id, end.status.value)
        try:
            self._on_end(end)
        except Exception:
            LOGGER.exception("session-end callback failed")


def watch_session_end(
    on_end: Callable[[SessionEnd], None],
    *,
    session_id: str | None = None,
    grace_s: float = 3.0,
    poll_interval_s: float = 0.5,
) -> SessionEndWatcher | None:
    """Start a :class:`SessionEndWatcher` for ``session_id`` (default: the current session).

    Returns None (and logs once) when there is no session id, e.g. outside a
    script run. Keep the returned watcher (e.g. in ``st.session_state``) and
    start one per session, not per run.
    """
    sid = session_id or get_session_id()
    if sid is None:
        _warn_once("watch_no_session", "watch_session_end called without a Streamlit session")
        return None
    return SessionEndWatcher(sid, on_end, grace_s=grace_s, poll_interval_s=poll_interval_s)
