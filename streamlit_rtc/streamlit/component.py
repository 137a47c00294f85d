"""``webrtc()``: run any handler over WebRTC from a Streamlit script.

One call per script run, like any widget. It keeps a per-browser-session
:class:`StreamSlot`, passes our own microphone sink and paced output track
to streamlit-webrtc (through :mod:`._compat`, the one place that touches its
internals), forwards ``inputs`` to the running handler, shows errors and
end messages in the page, and, while the stream is live, polls it so that
ends decided on the server (time limit, ``CloseStream``, a finished
generator, a crash) reach the page without a click.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import streamlit as st
from streamlit_webrtc import WebRtcMode

from ..core.handler import (
    AsyncAudioVideoStreamHandler,
    AsyncStreamHandler,
    AudioVideoStreamHandler,
    StreamHandler,
    StreamHandlerBase,
)
from ..core.status import Status, StatusEvent
from ..core.video_handlers import VideoFunctionHandler, VideoGeneratorHandler
from ..reply.generator import GeneratorHandler
from ..rtc.aiortc_patches import tune_aiortc
from ..session.concurrency import ConcurrencyRegistry
from ..session.mailbox import StreamState
from ..session.modes import Modality, Mode
from ..session.outputs import OutputsFolder
from . import _compat
from .slot import StreamSlot, busy_message

__all__ = ["LiveStatus", "StreamContext", "webrtc"]

logger = logging.getLogger(__name__)

_WEBRTC_MODES = {
    Mode.SEND_RECEIVE: WebRtcMode.SENDRECV,
    Mode.SEND: WebRtcMode.SENDONLY,
    Mode.RECEIVE: WebRtcMode.RECVONLY,
}
IDLE_POLL_S = 1.0
ACTIVE_POLL_S = 0.25
#: A live view reruns when the stream has news; this timer is only its safety net.
LIVE_VIEW_SAFETY_POLL_S = 1.0
#: With a live view the component's own poll only updates the countdown;
#: outputs, errors and ends reach the page through the view.
STATUS_POLL_WITH_VIEW_S = 5.0
QUIET_BEFORE_IDLE_S = 3.0
_ACTIVE_STATES = (StreamState.USER_SPEAKING, StreamState.THINKING, StreamState.RESPONDING)


@dataclass(frozen=True)
class StreamContext:
    """What the script can read about its stream after ``webrtc()``."""

    key: str
    playing: bool
    state: StreamState
    remaining_s: float | None
    """Seconds left before ``time_limit`` ends the stream (None without a limit)."""
    last_status: Status | None
    errors: tuple[str, ...]
    end_message: str | None
    """Why the last stream ended (time limit, ``CloseStream`` message, an error)."""
    busy: bool
    """The stream was refused because ``concurrency_limit`` live users were reached."""
    webrtc_context: Any

    def live(self, render: Callable[[LiveStatus], None]) -> Callable[[LiveStatus], None]:
        """Render ``render(status)`` here, refreshed by itself while the stream is live.

        Put what shows the stream's outputs (a transcript, a score) in
        ``render``: while the stream is live it reruns as soon as the stream
        has news (an output, a status event, an error, the end), after the
        newest AdditionalOutputs were applied to ``st.session_state``,
        without rerunning the rest of the app, and once a second otherwise.
        A stopped stream is not polled. Works as a decorator:
        ``@stream.live`` above ``def show(status): ...``.
        """
        _live_view(self.key, render)
        return render


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


@st.cache_resource(show_spinner=False)
def _registry() -> ConcurrencyRegistry:
    """One registry per server process, shared by all browser sessions."""
    return ConcurrencyRegistry()


def _prototype(handler: Any, mode: Mode) -> StreamHandlerBase:
    if mode is Mode.RECEIVE:
        if isinstance(handler, StreamHandlerBase):
            return handler
        if callable(handler):
            return GeneratorHandler(handler)
        raise TypeError("mode='receive' needs a generator function, e.g. webrtc(key, generate)")
    if isinstance(handler, (StreamHandler, AsyncStreamHandler)):
        return handler
    if callable(handler):
        raise TypeError(
            f"mode={mode.value!r} needs a handler: wrap your function as ReplyOnPause(fn), "
            "or pass a StreamHandler / AsyncStreamHandler instance"
        )
    raise TypeError(f"expected a stream handler, got {type(handler).__name__}")


def _video_prototype(handler: Any, mode: Mode, modality: Modality, fps: float) -> StreamHandlerBase:
    """The prototype of a video or audio-video stream, with errors that say the fix."""
    if modality is Modality.AUDIO_VIDEO:
        if isinstance(handler, (AudioVideoStreamHandler, AsyncAudioVideoStreamHandler)):
            return handler
        raise TypeError(
            "modality='audio-video' needs an AudioVideoStreamHandler or "
            f"AsyncAudioVideoStreamHandler instance, got {type(handler).__name__}"
        )
    if isinstance(handler, (VideoFunctionHandler, VideoGeneratorHandler)):
        return handler
    if not callable(handler):
        raise TypeError(f"modality='video' needs a function, got {type(handler).__name__}")
    if mode is Mode.RECEIVE:
        return VideoGeneratorHandler(handler, fps=fps)
    return VideoFunctionHandler(handler)


_DEFAULT_CONSTRAINTS = {
    Modality.AUDIO: {"audio": True, "video": False},
    Modality.VIDEO: {"audio": False, "video": True},
    Modality.AUDIO_VIDEO: {"audio": True, "video": True},
}


def _slot(key: str) -> StreamSlot:
    state_key = f"_streamlit_rtc_slot:{key}"
    slot = st.session_state.get(state_key)
    if not isinstance(slot, StreamSlot):
        holder = f"{_compat.get_session_id() or 'local'}:{key}"
        slot = StreamSlot(key=key, holder=holder)
        st.session_state[state_key] = slot
    return slot


def webrtc(
    key: str,
    handler: StreamHandlerBase | Callable[..., Any],
    *,
    mode: str = "send-receive",
    modality: str = "audio",
    inputs: Sequence[Any] | None = None,
    time_limit: float | None = None,
    concurrency_limit: int | None = None,
    trigger: bool | None = None,
    rtc_configuration: dict[str, Any] | None = None,
    media_stream_constraints: dict[str, Any] | None = None,
    translations: dict[str, str] | None = None,
    outputs: Sequence[str] | None = None,
    on_additional_outputs: Callable[..., Any] | None = None,
    show_status: bool = True,
    fps: float = 30,
) -> StreamContext:
    """Run ``handler`` over WebRTC in this page.

    ``mode``: ``"send-receive"`` (talk and listen), ``"send"`` (the handler
    only listens) or ``"receive"`` (``handler`` is a generator function
    streamed to the browser, started when ``trigger`` is true, e.g.
    ``st.button("Generate")``). ``inputs`` are passed to the running handler
    on every rerun (``latest_args`` / extra arguments of reply functions).
    ``time_limit`` ends a stream N seconds after it connects;
    ``concurrency_limit`` caps live streams of this ``key`` across the server
    (None: no cap). ``rtc_configuration`` goes to the browser and the server
    as is (e.g. ``get_twilio_turn_credentials()``).

    ``AdditionalOutputs`` reach this browser session only, in order: with
    ``outputs=["history", ...]`` their values are written to those
    ``st.session_state`` keys; with ``on_additional_outputs=fn`` the seed's
    ``fn(*current_values, *new_values)`` runs here, on the script thread, and
    returns the new values of the keys. Show them live with
    ``stream.live(render)``; without a live view the app reruns when outputs
    arrive.

    ``modality="video"``: ``handler`` is ``fn(frame, *inputs)`` on webcam
    frames, ``(H, W, 3)`` uint8 **RGB** (the reference hands BGR despite its
    docs; we keep the RGB promise), returning a frame, ``(frame,
    AdditionalOutputs)``, ``AdditionalOutputs`` or ``CloseStream``. It runs
    off the server loop on the newest frame; stale frames are skipped. With
    ``mode="receive"`` it is a generator of frames shown at ``fps``.
    ``modality="audio-video"``: an (Async)AudioVideoStreamHandler gets both
    tracks; its ``video_emit`` is called at the handler's ``fps``.
    """
    tune_aiortc()  # idempotent: prompt audio receive, numpy audio level
    _compat.disable_post_script_gc()
    mode_ = Mode.parse(mode)
    modality_ = Modality.parse(modality)
    if concurrency_limit is not None and concurrency_limit < 1:
        raise ValueError(f"concurrency_limit must be >= 1 or None, got {concurrency_limit!r}")
    if modality_ is Modality.AUDIO:
        prototype = _prototype(handler, mode_)
    else:
        prototype = _video_prototype(handler, mode_, modality_, fps)
    registry = _registry()
    slot = _slot(key)
    slot.inputs = list(inputs or [])
    slot.folder = OutputsFolder(list(outputs or []), on_additional_outputs)
    if trigger and mode_ is Mode.RECEIVE:
        slot.triggered = True
    if slot.live_session is not None and slot.live_session.stopped:
        # It ended on the server (a finished generator, CloseStream) between two
        # runs: stop the browser, don't let it look live on a fresh session.
        slot.end_pending = True
        slot.live_session = None
    session = slot.current(prototype, mode_, time_limit, registry, concurrency_limit, modality_)
    session.set_inputs(slot.inputs)

    desired: bool | None = None
    if slot.end_pending:
        desired = False
    elif mode_ is Mode.RECEIVE and slot.triggered:
        desired = True

    ctx = _compat.webrtc_streamer_fixed(
        key=key,
        mode=_WEBRTC_MODES[mode_],
        rtc_configuration=rtc_configuration,
        media_stream_constraints=media_stream_constraints or dict(_DEFAULT_CONSTRAINTS[modality_]),
        source_audio_track=session.source_track,
        sink_audio_track=session.sink,
        source_video_track=session.video_track,
        sink_video_track=session.video_sink,
        desired_playing_state=desired,
        translations=translations,
    )
    live = bool(ctx.state.playing or ctx.state.signalling)
    busy = False
    if live and not slot.end_pending:
        if not registry.reserve(key, slot.holder, concurrency_limit):
            busy = True
            session.stop(busy_message(concurrency_limit))
        if session.stopped:
            slot.end_pending = True
    if not live:
        slot.end_pending = False
        slot.triggered = False
        slot.live_session = None
        if session.started and not session.stopped:
            session.stop(None)  # STOP clicked, or the browser left
        if not session.started:
            registry.release(key, slot.holder)
        slot.unwatch_browser()
        if desired is False:
            # The browser obeyed the server-side end. The component hides its
            # START/STOP buttons while its playing state is set: draw it again.
            st.rerun(scope="app")
    elif session.started:
        slot.live_session = session
        slot.watch_browser()

    slot.drain(st.session_state)
    snapshot = session.mailbox.snapshot()
    shown = snapshot if session.started or slot.last_end is None else slot.last_end
    context = StreamContext(
        key=key,
        playing=bool(ctx.state.playing) and not session.stopped,
        state=snapshot.state if live else StreamState.STOPPED,
        remaining_s=session.remaining_s(),
        last_status=snapshot.last_status,
        errors=shown.errors,
        end_message=shown.end_message,
        busy=busy or session.refused,
        webrtc_context=ctx,
    )
    slot.polling = live and not slot.end_pending
    slot.errors_shown = len(snapshot.errors)
    if slot.polling:
        if slot.has_live_view:  # the view refreshes outputs, notices ends and errors
            poll = STATUS_POLL_WITH_VIEW_S
        else:
            poll = ACTIVE_POLL_S if slot.fast and slot.folder.active else IDLE_POLL_S
        st.fragment(run_every=poll)(_live_poll)(key, show_status)
    else:
        slot.fast = False
        if show_status:
            _show_status(context.errors, context.end_message)
    return context


def _show_status(errors: tuple[str, ...], end_message: str | None) -> None:
    for message in errors[-3:]:
        st.error(message, icon=":material/error:")
    if end_message and end_message not in errors:
        st.info(end_message)


def _live_slot(key: str) -> StreamSlot | None:
    slot = st.session_state.get(f"_streamlit_rtc_slot:{key}")
    return slot if isinstance(slot, StreamSlot) and slot.session is not None else None


def _live_poll(key: str, show_status: bool) -> None:
    """While live: apply new outputs, show errors, and notice a server-side end."""
    slot = _live_slot(key)
    if slot is None or slot.session is None:
        return
    session = slot.session
    applied = slot.drain(st.session_state)
    if session.stopped:
        slot.end_pending = True
        st.rerun(scope="app")
    if applied and not slot.has_live_view:
        st.rerun(scope="app")  # no live view: show the new values with a full run
    snapshot = session.mailbox.snapshot()
    if (
        slot.folder.active
        and not slot.has_live_view
        and _update_pace(slot, snapshot.state, session.mailbox.version)
    ):
        st.rerun(scope="app")  # no live view: switch between idle and active polling
    if show_status:
        _show_status(snapshot.errors, None)
        remaining = session.remaining_s()
        if remaining is not None and session.started:
            st.caption(f"{remaining:.0f} s left")


def _update_pace(slot: StreamSlot, state: StreamState, version: int) -> bool:
    """Decide idle or active refreshing; True when the pace must change."""
    now = time.monotonic()
    busy = state in _ACTIVE_STATES or version != slot.seen_version
    slot.seen_version = version
    if busy:
        slot.quiet_since = now
    active = busy or now - slot.quiet_since < QUIET_BEFORE_IDLE_S
    if active == slot.fast:
        return False
    slot.fast = active
    return True


def _live_view(key: str, render: Callable[[LiveStatus], None]) -> None:
    """Render ``render`` in a fragment that reruns when the stream has news.

    While the stream is live, every change of its mailbox (an output, a status
    event, an error, the end) asks Streamlit to rerun this fragment at once
    (``FragmentKicker``); a slow timer is the safety net. Where Streamlit's
    internals moved and kicks cannot work, the fragment polls every
    ``ACTIVE_POLL_S`` instead.
    """
    slot = _live_slot(key)
    every: float | None = None
    if slot is not None:
        slot.has_live_view = True
        if slot.kicker is None:
            session_id = _compat.get_session_id()
            slot.kicker = _compat.FragmentKicker(session_id) if session_id else None
        if slot.session is not None and slot.kicker is not None:
            slot.session.mailbox.on_change = slot.kicker.kick
        if slot.polling:
            pushed = slot.kicker is not None and not slot.kicker.broken
            every = LIVE_VIEW_SAFETY_POLL_S if pushed else ACTIVE_POLL_S

    def view() -> None:
        current = _live_slot(key)
        status = LiveStatus(False, StreamState.STOPPED, None, (), None)
        if current is not None and current.session is not None:
            if current.kicker is not None:
                current.kicker.fragment_id = _compat.current_fragment_id()
            session = current.session
            if session.stopped and current.live_session is session and not current.end_pending:
                current.end_pending = True  # ended on the server: stop the browser now
                st.rerun(scope="app")
            current.drain(st.session_state)
            snap = session.mailbox.snapshot()
            if current.polling and len(snap.errors) > current.errors_shown:
                st.rerun(scope="app")  # show the new error where the component is
            status = LiveStatus(
                playing=session.started and not session.stopped,
                state=snap.state,
                last_status=snap.last_status,
                errors=snap.errors,
                remaining_s=session.remaining_s(),
                last_events=snap.last_events,
            )
        render(status)

    view.__qualname__ = f"streamlit_rtc_live_view_{key}"
    st.fragment(run_every=every)(view)()
