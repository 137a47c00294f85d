"""Workaround for the flaky-connect bug of streamlit-webrtc 0.79 (private internals).

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
from typing import Any

import streamlit as st

from ._log import LOGGER
from ._log import warn_once as _warn_once

_WEBRTC_CONTEXT_CLASS_NAME = "WebRtcStreamerContext"
_LAST_RENDERED_ATTR = "_last_rendered_run_count"


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
