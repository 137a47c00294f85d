"""Streamlit script runs: no full GC after each run; server-initiated fragment reruns."""

from __future__ import annotations

import threading
from typing import Any

from ._log import LOGGER
from ._log import warn_once as _warn_once

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
# Server-initiated fragment reruns
# --------------------------------------------------------------------------


def current_fragment_id() -> str | None:
    """The id of the fragment running on this script thread, or None.

    Streamlit 1.67 keeps it in a per-thread ``ThreadState``; older versions
    had ``ScriptRunContext.current_fragment_id``.
    """
    try:
        from streamlit.runtime.scriptrunner_utils.script_run_context import ThreadState
    except ImportError:
        pass
    else:
        try:
            return ThreadState.get().fragment_id
        except RuntimeError:
            return None  # not a script thread
        except AttributeError:
            pass
    try:
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:
        return None
    ctx = get_script_run_ctx(suppress_warning=True)
    fragment_id = getattr(ctx, "current_fragment_id", None) if ctx is not None else None
    if fragment_id is None:
        _warn_once("fragment_id", "cannot read the running fragment's id; live views poll")
    return fragment_id


class FragmentKicker:
    """Asks Streamlit to rerun one fragment of one browser session, from any thread.

    The browser reruns a fragment on its ``run_every`` timer; this does what
    that timer does, on demand, so a live view can show an output the moment
    it arrives instead of at its next tick. Requests go to the server event
    loop; a kick while one is pending is merged, and kicks are at least
    ``min_interval_s`` apart (a burst of outputs costs a few reruns, not one
    per output). The rerun carries no widget states (the session keeps its
    current ones) and is marked automatic, so, like the timer's, it never
    interrupts a running script. It touches ``Runtime._session_mgr``,
    ``AppSession._state`` / ``_client_state`` / ``_scriptrunner`` /
    ``_create_scriptrunner`` and ``RerunData``; if any of that moved,
    :attr:`broken` turns true after one warning and callers fall back to
    polling.

    A kick never starts a script runner while the previous one's last events
    are still on their way to the session: Streamlit would then drop them,
    the browser would never hear that the full run finished, and elements
    the run replaced would stay on the page (after STOP, a second copy of
    the live view where the text below the component belonged). It waits
    for them instead, up to ``RETRY_FOR_S``.
    """

    RETRY_S = 0.02
    """How often a kick that found the script runner finishing tries again."""
    RETRY_FOR_S = 2.0
    """How long it tries; after that the view's safety timer refreshes it."""

    def __init__(self, session_id: str, min_interval_s: float = 0.2) -> None:
        self._session_id = session_id
        self._min_interval_s = min_interval_s
        self._lock = threading.Lock()
        self._pending = False
        self._last = 0.0
        self.fragment_id: str | None = None
        """The fragment to rerun; set by the fragment itself each time it runs."""
        self.broken = False
        self._loop = _server_event_loop()
        if self._loop is None:
            self.broken = True

    def kick(self) -> None:
        """Rerun the fragment soon (thread-safe, returns at once)."""
        if self.broken or self.fragment_id is None or self._loop is None:
            return
        with self._lock:
            if self._pending:
                return
            self._pending = True
        try:
            self._loop.call_soon_threadsafe(self._schedule)
        except RuntimeError:  # the loop is closed: the server is shutting down
            self.broken = True

    def _schedule(self) -> None:
        assert self._loop is not None
        wait = self._last + self._min_interval_s - self._loop.time()
        if wait > 0:
            self._loop.call_later(wait, self._fire)
        else:
            self._fire()

    def _fire(self, attempt: int = 0) -> None:
        assert self._loop is not None
        fragment_id = self.fragment_id
        delivered = True
        if fragment_id is not None:
            try:
                delivered = self._request(fragment_id)
            except Exception as exc:
                self.broken = True
                _warn_once("fragment_kick", "server-initiated fragment reruns are off: %r", exc)
        if not delivered:
            if (attempt + 1) * self.RETRY_S < self.RETRY_FOR_S:
                self._loop.call_later(self.RETRY_S, self._fire, attempt + 1)
                return  # still pending: kicks meanwhile are merged into this one
            LOGGER.info(
                "live view %s: the script runner did not finish within %.1f s; "
                "its timer will refresh it",
                fragment_id,
                self.RETRY_FOR_S,
            )
        with self._lock:
            self._pending = False
        self._last = self._loop.time()

    def _request(self, fragment_id: str) -> bool:
        """Ask the session to rerun the fragment; False: not now, try again shortly."""
        from streamlit.runtime import Runtime
        from streamlit.runtime.app_session import AppSessionState
        from streamlit.runtime.scriptrunner_utils.script_requests import RerunData

        if not Runtime.exists():
            return True
        info = Runtime.instance()._session_mgr.get_active_session_info(self._session_id)
        if info is None:
            return True  # disconnected
        session = info.session
        if session._state == AppSessionState.SHUTDOWN_REQUESTED:
            return True  # as AppSession.request_rerun does
        if not session.has_fragment(fragment_id):
            return True  # a full run dropped it; the next run of the view registers the new id
        state = session._client_state
        rerun = RerunData(
            query_string=state.query_string,
            page_script_hash=state.page_script_hash,
            page_name=state.page_name,
            fragment_id=fragment_id,
            is_auto_rerun=True,
        )
        return deliver_rerun(session, rerun)


def deliver_rerun(session: Any, rerun: Any) -> bool:
    """Hand ``rerun`` to ``session``'s script runner, or start one if it has none.

    False when the runner has finished but the session has not yet handled
    its last events (it clears ``_scriptrunner`` on the runner's SHUTDOWN
    event, after all the others): a new runner now would make the session
    ignore them, and the browser would miss the end of the run.
    """
    runner = session._scriptrunner
    if runner is None:
        session._create_scriptrunner(rerun)
        return True
    return bool(runner.request_rerun(rerun))


def _server_event_loop() -> Any:
    """Streamlit's server event loop (where WebRTC and websockets run), or None."""
    try:
        from streamlit.runtime import Runtime

        if not Runtime.exists():
            return None
        return Runtime.instance()._get_async_objs().eventloop
    except Exception as exc:
        _warn_once("server_loop", "Streamlit's server event loop is not reachable: %r", exc)
        return None
