"""The parts of the page that keep up with a live stream by themselves.

Two fragments: the component's own poll (where ``webrtc()`` was called:
applies outputs, shows errors and warnings, notices a server-side end; the
countdown is the component's own)
and the app's live views (``stream.live(render)``), which Streamlit reruns
the moment the stream has news (``_compat.FragmentKicker``) with a slow
timer as safety net. Pace constants are module attributes so a benchmark
can change them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import streamlit as st

from ..core.status import Status, StatusEvent
from ..session.mailbox import StreamState
from . import _compat
from .slot import StreamSlot

__all__ = ["LiveStatus", "live_poll", "live_slot", "live_view", "render_status", "schedule_poll"]

IDLE_POLL_S = 1.0
ACTIVE_POLL_S = 0.25
#: A live view reruns when the stream has news; this timer is only its safety net.
LIVE_VIEW_SAFETY_POLL_S = 1.0
#: With a live view the component's own poll runs this seldom (outputs, errors and ends
#: reach the page through the view first; the poll still applies and shows them).
STATUS_POLL_WITH_VIEW_S = 5.0
QUIET_BEFORE_IDLE_S = 3.0
_ACTIVE_STATES = (StreamState.USER_SPEAKING, StreamState.THINKING, StreamState.RESPONDING)


@dataclass(frozen=True)
class LiveStatus:
    """The stream's state at the moment a live view renders."""

    playing: bool
    state: StreamState
    last_status: Status | None
    errors: tuple[str, ...]
    remaining_s: float | None
    last_events: Mapping[StatusEvent, Status] = field(default_factory=dict)
    """The latest status of each kind, e.g. ``last_events.get(StatusEvent.STOPWORD)``."""
    messages: tuple[tuple[str, Any], ...] = ()
    """Recent ``(kind, payload)`` from handler code (``send_message``, ``Warning``)."""


def schedule_poll(key: str, slot: StreamSlot, show_status: bool) -> None:
    """Render the component's poll fragment at the pace the page needs."""
    pace = slot.pace
    if pace.has_live_view:  # the view refreshes outputs, notices ends and errors
        poll = STATUS_POLL_WITH_VIEW_S
    else:
        poll = ACTIVE_POLL_S if pace.fast and slot.folder.active else IDLE_POLL_S
    st.fragment(run_every=poll)(live_poll)(key, show_status)


def render_status(
    errors: tuple[str, ...],
    end_message: str | None,
    messages: tuple[tuple[str, Any], ...] = (),
) -> None:
    """Errors, the end message, warnings and the last ``send_message`` payload."""
    for message in errors[-3:]:
        st.error(message, icon=":material/error:")
    if end_message and end_message not in errors:
        st.info(end_message)
    warnings = [str(payload) for kind, payload in messages if kind == "warning"]
    for warning in warnings[-3:]:
        st.warning(warning, icon=":material/warning:")
    sent = [payload for kind, payload in messages if kind == "message"]
    if sent:
        st.caption(f"Message from the stream: {sent[-1]}")


def live_slot(key: str) -> StreamSlot | None:
    slot = st.session_state.get(f"_streamlit_rtc_slot:{key}")
    return slot if isinstance(slot, StreamSlot) and slot.session is not None else None


def live_poll(key: str, show_status: bool) -> None:
    """While live: apply new outputs, show errors, and notice a server-side end."""
    slot = live_slot(key)
    if slot is None or slot.session is None:
        return
    session = slot.session
    applied = slot.drain(st.session_state)
    if session.stopped:
        st.rerun(scope="app")  # ended on the server: show the end, tell the component
    if applied and not slot.pace.has_live_view:
        st.rerun(scope="app")  # no live view: show the new values with a full run
    snapshot = session.mailbox.snapshot()
    if (
        slot.folder.active
        and not slot.pace.has_live_view
        and _update_pace(slot, snapshot.state, session.mailbox.version)
    ):
        st.rerun(scope="app")  # no live view: switch between idle and active polling
    if show_status:  # the component shows the countdown itself
        render_status(snapshot.errors, None, snapshot.messages)


def _update_pace(slot: StreamSlot, state: StreamState, version: int) -> bool:
    """Decide idle or active refreshing; True when the pace must change."""
    pace = slot.pace
    now = time.monotonic()
    busy = state in _ACTIVE_STATES or version != pace.seen_version
    pace.seen_version = version
    if busy:
        pace.quiet_since = now
    active = busy or now - pace.quiet_since < QUIET_BEFORE_IDLE_S
    if active == pace.fast:
        return False
    pace.fast = active
    return True


def live_view(key: str, render: Callable[[LiveStatus], None]) -> None:
    """Render ``render`` in a fragment that reruns when the stream has news.

    While the stream is live, every change of its mailbox (an output, a status
    event, an error, the end) asks Streamlit to rerun this fragment at once
    (``FragmentKicker``); a slow timer is the safety net. Where Streamlit's
    internals moved and kicks cannot work, the fragment polls every
    ``ACTIVE_POLL_S`` instead.
    """
    slot = live_slot(key)
    every: float | None = None
    if slot is not None:
        pace = slot.pace
        pace.has_live_view = True
        if pace.kicker is None:
            session_id = _compat.get_session_id()
            pace.kicker = _compat.FragmentKicker(session_id) if session_id else None
        if slot.session is not None and pace.kicker is not None:
            slot.session.mailbox.on_change = pace.kicker.kick
        if pace.polling:
            pushed = pace.kicker is not None and not pace.kicker.broken
            every = LIVE_VIEW_SAFETY_POLL_S if pushed else ACTIVE_POLL_S

    def view() -> None:
        current = live_slot(key)
        status = LiveStatus(False, StreamState.STOPPED, None, (), None)
        if current is not None and current.session is not None:
            pace = current.pace
            if pace.kicker is not None:
                pace.kicker.fragment_id = _compat.current_fragment_id()
            session = current.session
            if session.stopped and pace.polling:
                st.rerun(scope="app")  # ended on the server: show the end, tell the component
            current.drain(st.session_state)
            snap = session.mailbox.snapshot()
            if pace.polling and len(snap.errors) > pace.errors_shown:
                st.rerun(scope="app")  # show the new error where the component is
            status = LiveStatus(
                playing=session.started and not session.stopped,
                state=snap.state,
                last_status=snap.last_status,
                errors=snap.errors,
                remaining_s=session.remaining_s(),
                last_events=snap.last_events,
                messages=snap.messages,
            )
        render(status)

    view.__qualname__ = f"streamlit_rtc_live_view_{key}"
    st.fragment(run_every=every)(view)()
