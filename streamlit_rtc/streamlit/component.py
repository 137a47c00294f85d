"""``webrtc()``: run any handler over WebRTC from a Streamlit script.

One call per script run, like any widget. It keeps a per-browser-session
:class:`StreamSlot`, passes our own microphone sink and paced output track
to streamlit-webrtc (through :mod:`._compat`, the one place that touches its
internals), forwards ``inputs`` to the running handler, shows errors and
end messages in the page, and, while the stream is live, keeps the page
up to date (:mod:`.live`) so that outputs and ends decided on the server
(time limit, ``CloseStream``, a finished generator, a crash) reach the page
without a click.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
from ..core.status import Status
from ..core.video_handlers import (
    VideoFunctionHandler,
    VideoGeneratorHandler,
    VideoStreamHandler,
)
from ..reply.generator import GeneratorHandler
from ..rtc.aiortc_patches import tune_aiortc
from ..session.concurrency import ConcurrencyRegistry
from ..session.mailbox import StreamState
from ..session.modes import Modality, Mode
from ..session.outputs import OutputsFolder
from . import _compat
from . import live as live_refresh
from .live import LiveStatus
from .rtc_config import RtcConfigError, RTCConfiguration, resolve_rtc_configuration
from .slot import StreamSlot, busy_message

__all__ = ["LiveStatus", "StreamContext", "webrtc"]

logger = logging.getLogger(__name__)

_WEBRTC_MODES = {
    Mode.SEND_RECEIVE: WebRtcMode.SENDRECV,
    Mode.SEND: WebRtcMode.SENDONLY,
    Mode.RECEIVE: WebRtcMode.RECVONLY,
}
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
    messages: tuple[tuple[str, Any], ...]
    """Recent ``(kind, payload)`` from handler code: ``send_message`` (kind ``"message"``),
    ``Warning(...)`` (kind ``"warning"``)."""
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
        live_refresh.live_view(self.key, render)
        return render


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
    if isinstance(handler, VideoStreamHandler):  # fastrtc's wrapper: a function and its fps
        if mode is Mode.RECEIVE:
            return VideoGeneratorHandler(handler.callable, fps=handler.fps)
        return VideoFunctionHandler(handler.callable)
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
    rtc_configuration: RTCConfiguration | None = None,
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
    ``st.button("Generate")``; a trigger is kept for up to 15 s until the
    browser has started, so a rerun right after the click does not lose
    it). ``inputs`` are passed to the running handler
    on every rerun (``latest_args`` / extra arguments of reply functions).
    ``time_limit`` ends a stream N seconds after it connects;
    ``concurrency_limit`` caps live streams of this ``key`` across the server
    (None: no cap). ``rtc_configuration`` goes to the browser and the server:
    a dict (e.g. ``get_twilio_turn_credentials()``) or a sync or async
    function returning one (e.g. ``get_cloudflare_turn_credentials_async``),
    called once per connection because TURN credentials expire.

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
    slot.folder = OutputsFolder(list(outputs or []), on_additional_outputs)
    slot.set_inputs(list(inputs or []), st.session_state)
    if trigger and mode_ is Mode.RECEIVE:
        slot.trigger()
    if (
        slot.live_session is None
        and slot.polling
        and slot.session is not None
        and slot.session.started
    ):  # it started (and may have ended) between two runs, while the browser was live
        slot.live_session = slot.session
    if slot.live_session is not None and slot.live_session.stopped:
        # It ended on the server (a finished generator, CloseStream) between two
        # runs: stop the browser, don't let it look live on a fresh session.
        slot.end_pending = True
        slot.live_session = None
    session = slot.current(prototype, mode_, time_limit, registry, concurrency_limit, modality_)
    slot.push_inputs()
    ice = _rtc_configuration(slot, session, rtc_configuration)

    desired: bool | None = None
    if slot.end_pending:
        desired = False
    elif mode_ is Mode.RECEIVE and slot.trigger_pending():
        desired = True

    ctx = _compat.webrtc_streamer_fixed(
        key=key,
        mode=_WEBRTC_MODES[mode_],
        rtc_configuration=ice,
        media_stream_constraints=media_stream_constraints or dict(_DEFAULT_CONSTRAINTS[modality_]),
        source_audio_track=session.source_track,
        sink_audio_track=session.sink,
        source_video_track=session.video_track,
        sink_video_track=session.video_sink,
        desired_playing_state=desired,
        translations=translations,
    )
    live = bool(ctx.state.playing or ctx.state.signalling)
    if live:
        slot.trigger_done()
    busy = False
    if live and not slot.end_pending:
        if not registry.reserve(key, slot.holder, concurrency_limit):
            busy = True
            session.stop(busy_message(concurrency_limit))
        if session.stopped:
            slot.end_pending = True
    if not live:
        slot.end_pending = False
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
        messages=shown.messages,
        busy=busy or session.refused,
        webrtc_context=ctx,
    )
    slot.polling = live and not slot.end_pending
    slot.errors_shown = len(snapshot.errors)
    if slot.polling:
        live_refresh.schedule_poll(key, slot, show_status)
    else:
        slot.fast = False
        if show_status:
            live_refresh.render_status(context.errors, context.end_message, context.messages)
    return context


def _rtc_configuration(
    slot: StreamSlot, session: Any, value: RTCConfiguration | None
) -> dict[str, Any] | None:
    """The configuration for this slot's current connection, resolved once per connection."""
    if not callable(value):
        return resolve_rtc_configuration(value)
    cached = slot.rtc_config
    if cached is not None and cached[0] is session:
        return cached[1]
    try:
        config = resolve_rtc_configuration(value)
    except RtcConfigError as exc:
        logger.error("%s: %s", slot.key, exc)
        st.error(f"{exc}. Connecting without STUN/TURN servers.", icon=":material/error:")
        config = None
    slot.rtc_config = (session, config)
    return config
