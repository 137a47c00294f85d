"""The ONE place in streamlit_rtc that touches streamlit-webrtc or Streamlit private internals.

Everything here is written against streamlit 1.67 / streamlit-webrtc 0.79 and
guarded: when a private name is missing (an upgrade moved it) we log one
warning per topic and fall back to the library's own behaviour instead of
failing the app.

Contents
--------
* :func:`webrtc_streamer_fixed` / :func:`prepare_webrtc_context` - work around
  the flaky-connect bug of streamlit-webrtc 0.79 (see below).
* :func:`disable_post_script_gc` - stop Streamlit's full garbage collection
  after every script run, which stalls every session's media.
* :func:`get_session_id` - the current Streamlit session id (script thread only).
* :func:`session_status` / :class:`SessionEndWatcher` / :func:`watch_session_end`
  - detect that the browser disconnected (tab closed, reload, network loss) or
  that Streamlit shut the session down.

The flaky-connect bug (streamlit-webrtc 0.79.0)
-----------------------------------------------
``component._get_or_create_context`` (component.py:314-331) resets the
context - stopping the live worker - when Streamlit's ``script_run_count``
grew by more than 1 since the run that last rendered the component; the
intent is to detect a component that was *not rendered* for a while (a
multi-page app navigated away and back). But ``script_run_count`` is not a
script-thread counter: ``Runtime._send_message`` (streamlit runtime.py:886-892)
increments it on the server event loop when the ``script_finished``
(FINISHED_SUCCESSFULLY) message is *flushed to the websocket*, while
``ScriptRunner._run_script_thread`` starts the next queued rerun on the script
thread immediately. During signalling the frontend sends several values
(offer, ICE candidates, playing) that queue reruns back to back, and the same
event loop runs aiortc, so a run can read a count that does not yet include
the previous completed run (stale by one). The next run then reads the fresh
value, sees a jump of 2 and "resets stale state": the worker stops and the
browser gets no frames.

The fix keeps the library's orphan detection but bases it on a race-free
signal: Streamlit drops a widget's state at the end of a *completed* run that
did not render it (``SessionState._remove_stale_widgets``, on the script thread,
never for runs interrupted by a rerun). So, before each ``webrtc_streamer``
call:

* the component's frontend widget state is still there -> it was rendered in
  the last completed run: clear ``_last_rendered_run_count`` so the racy
  count comparison is skipped for this run;
* it is gone (the component was really not rendered, e.g. page switch) and
  the context still holds a worker or a non-idle state -> reset the context
  ourselves, deterministically.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum
from typing import Any

import streamlit as st

__all__ = [
    "SessionEnd",
    "SessionEndWatcher",
    "SessionStatus",
    "disable_post_script_gc",
    "get_session_id",
    "prepare_webrtc_context",
    "session_status",
    "watch_session_end",
    "webrtc_streamer_fixed",
]

LOGGER = logging.getLogger(__name__)

_WEBRTC_CONTEXT_CLASS_NAME = "WebRtcStreamerContext"
_LAST_RENDERED_ATTR = "_last_rendered_run_count"

_warned: set[str] = set()
_warned_lock = threading.Lock()


def _warn_once(topic: str, message: str, *args: object) -> None:
    """Log ``message`` at WARNING the first time ``topic`` is seen in this process."""
    with _warned_lock:
        if topic in _warned:
            return
        _warned.add(topic)
    LOGGER.warning(message, *args)


# --------------------------------------------------------------------------
# streamlit-webrtc: flaky-connect workaround
# --------------------------------------------------------------------------


def _frontend_key(key: str) -> str | None:
    """The session-state key of the component's frontend widget, or None if unknown."""
    try:
        from streamlit_webrtc.component import generate_frontend_component_key
    except ImportError:
        _warn_once(
            "frontend_key",
            "streamlit_webrtc.component.generate_frontend_component_key not found; "
            "cannot tell whether the webrtc component was rendered last run",
        )
        return None
    return generate_frontend_component_key(key)


def _reset_context(context: Any) -> bool:
    """Reset a stale streamlit-webrtc context (stops its worker). False if impossible."""
    try:
        from streamlit_webrtc.component import _reset_context as library_reset
    except ImportError:
        _warn_once(
            "reset_context",
            "streamlit_webrtc.component._reset_context not found; "
            "leaving stale-context detection to streamlit-webrtc",
        )
        return False
    library_reset(context)
    return True


def _context_is_idle(context: Any) -> bool:
    """True when the context has no worker and its state is neither playing nor signalling."""
    get_worker = getattr(context, "_get_worker", None)
    worker = get_worker() if callable(get_worker) else None
    state = getattr(context, "state", None)
    playing = bool(getattr(state, "playing", False))
    signalling = bool(getattr(state, "signalling", False))
    return worker is None and not playing and not signalling


def prepare_webrtc_context(key: str) -> None:
    """Call right before ``webrtc_streamer(key=key, ...)`` on every script run.

    Stops streamlit-webrtc 0.79 from resetting a live connection because of
    the racy ``script_run_count`` comparison (see the module docstring),
    while still resetting a context whose component really was not rendered.
    Does nothing on the first run (no context yet) or outside a script run.
    """
    try:
        context = st.session_state.get(key)
    except Exception:  # no script run context (bare mode, tests)
        return
    if context is None:
        return
    if type(context).__name__ != _WEBRTC_CONTEXT_CLASS_NAME:
        return  # streamlit-webrtc itself raises a TypeError for this
    if not hasattr(context, _LAST_RENDERED_ATTR):
        _warn_once(
            "last_rendered",
            "%s.%s not found (streamlit-webrtc changed?); flaky-connect workaround disabled",
            _WEBRTC_CONTEXT_CLASS_NAME,
            _LAST_RENDERED_ATTR,
        )
        return

    frontend_key = _frontend_key(key)
    rendered_last_run = frontend_key is None or frontend_key in st.session_state
    if not rendered_last_run and not _context_is_idle(context):
        LOGGER.info("webrtc component %r was not rendered last run; resetting its context", key)
        if not _reset_context(context):
            return  # keep the library's own (racy) detection as the fallback
    elif rendered_last_run:
        _log_suppressed_reset(key, getattr(context, _LAST_RENDERED_ATTR))
    setattr(context, _LAST_RENDERED_ATTR, None)


def _script_run_count() -> int | None:
    """Streamlit's ``script_run_count`` of this session as streamlit-webrtc reads it."""
    try:
        from streamlit_webrtc.session_info import get_script_run_count, get_this_session_info

        info = get_this_session_info()
        return get_script_run_count(info) if info is not None else None
    except Exception:  # diagnostics only
        return None


def _log_suppressed_reset(key: str, last_rendered: int | None) -> None:
    """Log when streamlit-webrtc would have reset a rendered component (the bug)."""
    if last_rendered is None or not LOGGER.isEnabledFor(logging.INFO):
        return
    count = _script_run_count()
    if count is not None and count > last_rendered + 1:
        LOGGER.info(
            "webrtc %r: script_run_count jumped %d -> %d although the component was "
            "rendered last run; skipped streamlit-webrtc's stale-context reset",
            key,
            last_rendered,
            count,
        )


def webrtc_streamer_fixed(*, key: str, **kwargs: Any) -> Any:
    """``streamlit_webrtc.webrtc_streamer`` with :func:`prepare_webrtc_context` applied.

    Takes exactly ``webrtc_streamer``'s arguments (``key`` by keyword) and
    returns its ``WebRtcStreamerContext``.
    """
    from streamlit_webrtc import webrtc_streamer

    prepare_webrtc_context(key)
    return webrtc_streamer(key=key, **kwargs)


# --------------------------------------------------------------------------
# Streamlit's post-run garbage collection
# --------------------------------------------------------------------------

_POST_SCRIPT_GC = "runner.postScriptGC"
_OUR_DEFINITION = "streamlit-rtc (stalls media; set it in config.toml to override)"


def disable_post_script_gc() -> None:
    """Turn ``runner.postScriptGC`` off unless the app's config set it.

    After every script run Streamlit calls ``gc.collect(2)`` on the script
    thread. A full collection holds the GIL throughout: ~130 ms in a server
    with aiortc, av and onnxruntime loaded, during which the event loop that
    runs every session's media is frozen. A page that reruns once a second
    (our live views and status poll) then sends audio in bursts, and
    browsers grow their jitter buffer from ~30 ms to ~170 ms to absorb them:
    every reply is heard later. Python's generational GC keeps running.
    """
    try:
        from streamlit import config
        from streamlit.config_option import ConfigOption

        where = config.get_where_defined(_POST_SCRIPT_GC)
        if where != ConfigOption.DEFAULT_DEFINITION:
            return  # set by the user (config.toml, flag, env) or already by us
        config.set_option(_POST_SCRIPT_GC, False, where_defined=_OUR_DEFINITION)
    except Exception as exc:
        _warn_once("post_script_gc", "could not turn off runner.postScriptGC: %r", exc)
        return
    LOGGER.info("runner.postScriptGC turned off: a full GC after every run stalls live media")


# --------------------------------------------------------------------------
# Streamlit session: id, status, end detection
# --------------------------------------------------------------------------


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
