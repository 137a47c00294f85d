"""The ONE place in streamlit_rtc that touches Streamlit's private internals.

Everything here is written against streamlit 1.67 / streamlit-webrtc 0.79 and
guarded: when a private name is missing (an upgrade moved it) we log one
warning per topic and fall back to the library's own behaviour instead of
failing the app.

Contents (one module per concern)
---------------------------------
* :func:`disable_post_script_gc` - stop Streamlit's full garbage collection
  after every script run, which stalls every session's media.
* :class:`FragmentKicker` - rerun one fragment of one session now, from any
  thread (how a live view shows an output the moment it arrives).
* :func:`get_session_id` - the current Streamlit session id (script thread only).
* :func:`session_status` / :class:`SessionEndWatcher` / :func:`watch_session_end`
  - detect that the browser disconnected (tab closed, reload, network loss) or
  that Streamlit shut the session down.
"""

from .script_runs import FragmentKicker, current_fragment_id, disable_post_script_gc
from .sessions import (
    SessionEnd,
    SessionEndWatcher,
    SessionStatus,
    get_session_id,
    session_status,
    watch_session_end,
)

__all__ = [
    "FragmentKicker",
    "SessionEnd",
    "SessionEndWatcher",
    "SessionStatus",
    "current_fragment_id",
    "disable_post_script_gc",
    "get_session_id",
    "session_status",
    "watch_session_end",
]
