"""``webrtc()``: run any handler over WebRTC from a Streamlit script, in our own component.

One call per script run, like any widget. Each run: read the browser's
component value (validated once, :mod:`streamlit_rtc.signalling.protocol`),
decide what the stream does in one pure step
(:func:`streamlit_rtc.signalling.reconcile.reconcile`), carry it out
(:mod:`.connect`), and render the component with the answer, a refusal or
the end. A connect costs one rerun: the browser sends one offer with its
candidates, the answer comes back in that run. Live state reaches the
component over a data channel; the script side (:class:`StreamContext`,
live views in :mod:`.live`) sees the same session's mailbox.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import streamlit as st
import streamlit.components.v1 as components

from ..core.handler import StreamHandlerBase
from ..core.status import Status
from ..rtc.aiortc_patches import tune_aiortc
from ..session.concurrency import ConcurrencyRegistry, server_session_cap
from ..session.mailbox import StreamState
from ..session.modes import Modality, Mode
from ..session.outputs import OutputsFolder
from ..signalling.protocol import BrowserReport, ValueRejected, parse_value
from ..signalling.reconcile import ScriptAsk, reconcile
from ..signalling.ui import VoiceUI
from . import _compat
from . import live as live_refresh
from .connect import StreamSpec, carry_out
from .live import LiveStatus
from .prototypes import DEFAULT_CONSTRAINTS, stream_prototype
from .rtc_config import RTCConfiguration, kept_configuration, resolve_rtc_configuration
from .slot import StreamSlot

__all__ = ["LiveStatus", "StreamContext", "VoiceUI", "webrtc"]

logger = logging.getLogger(__name__)

BUILD_DIR = Path(__file__).resolve().parent / "component_build"
"""The built browser component (``frontend/`` → ``npm run build``), shipped in the wheel."""
DEV_URL_ENV = "STREAMLIT_RTC_COMPONENT_URL"
"""Set to a Vite dev server's URL to develop the component with hot reload."""
RTC_CONFIG_MAX_AGE_S = 600.0
"""A configuration function's result older than this is made again on the next script run
while no connection is live, or at START (TURN credentials commonly live an hour); less when
its TURN usernames carry an earlier expiry (:mod:`.rtc_config`)."""
REMAKE_MIN_AGE_S = 1.0
"""A result younger than this is never made again: a page cannot make the server call a
TURN API in a loop, whatever it sends."""


def _declare() -> Callable[..., Any]:
    dev_url = os.environ.get(DEV_URL_ENV)
    if dev_url:
        return components.declare_component("streamlit_rtc", url=dev_url)
    if not (BUILD_DIR / "index.html").is_file():
        raise RuntimeError(
            f"streamlit-rtc's browser component is not built ({BUILD_DIR} has no index.html). "
            "Install streamlit-rtc from a wheel, or build it in a checkout: "
            "`bash scripts/bootstrap.sh` (or `cd frontend && npm ci && npm run build`)."
        )
    return components.declare_component("streamlit_rtc", path=str(BUILD_DIR))


_component_func: Callable[..., Any] | None = None


def _component() -> Callable[..., Any]:
    """The declared component (declared on first use, so importing never needs the build)."""
    global _component_func
    if _component_func is None:
        _component_func = _declare()
    return _component_func


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
    """The connection was refused for capacity: ``concurrency_limit`` live users, or the
    server's (or this replica's) session cap, were reached."""
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
    """One registry per server process, shared by all browser sessions (and the server's cap).

    With ``STREAMLIT_RTC_REDIS_URL`` set, the limits count every replica that
    shares that Redis (:mod:`streamlit_rtc.session.shared_registry`).
    """
    from ..session.shared_registry import make_registry

    return make_registry(server_limit=server_session_cap())


def _slot(key: str) -> StreamSlot:
    state_key = f"_streamlit_rtc_slot:{key}"
    slot = st.session_state.get(state_key)
    if not isinstance(slot, StreamSlot):
        holder = f"{_compat.get_session_id() or 'local'}:{key}"
        slot = StreamSlot(key=key, holder=holder)
        st.session_state[state_key] = slot
    return slot


def _component_key(key: str) -> str:
    return f"streamlit_rtc:{key}"


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
    ui: VoiceUI | None = None,
    button_labels: Mapping[str, str] | None = None,
    server_rtc_configuration: dict[str, Any] | None = None,
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
    (None: no cap). ``rtc_configuration`` is the browser's: a dict (e.g.
    ``get_twilio_turn_credentials()``) or a sync or async function returning
    one (e.g. ``get_cloudflare_turn_credentials_async``), called once per
    connection because TURN credentials expire.

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

    The component shows the conversation's state, live audio levels, the
    ``time_limit`` countdown, mute and device choice. ``button_labels``
    (``{"start": ..., "stop": ..., "waiting": ...}``) and ``ui``
    (:class:`VoiceUI`: icon, colours, ``variant``) set its look;
    ``translations`` takes streamlit-webrtc's label keys.
    ``server_rtc_configuration`` is the server peer's ICE configuration
    (default: aiortc's).
    """
    tune_aiortc()  # idempotent: prompt audio receive, numpy audio level
    _compat.disable_post_script_gc()
    mode_ = Mode.parse(mode)
    modality_ = Modality.parse(modality)
    if concurrency_limit is not None and concurrency_limit < 1:
        raise ValueError(f"concurrency_limit must be >= 1 or None, got {concurrency_limit!r}")
    look = ui if ui is not None else VoiceUI()
    if button_labels is not None:
        look = replace(look, button_labels=dict(button_labels))
    spec = StreamSpec(
        prototype=stream_prototype(handler, mode_, modality_, fps),
        mode=mode_,
        modality=modality_,
        time_limit=time_limit,
        concurrency_limit=concurrency_limit,
        registry=_registry(),
        server_configuration=server_rtc_configuration,
    )
    slot = _slot(key)
    slot.folder = OutputsFolder(list(outputs or []), on_additional_outputs)
    slot.set_inputs(list(inputs or []), st.session_state)
    if trigger and mode_ is Mode.RECEIVE:
        slot.trigger()

    report, rejected = _browser_report(key, slot)
    if report is not None and slot.command_id and report.command_seen >= slot.command_id:
        slot.trigger_done()
    ask = ScriptAsk(start=slot.trigger_pending(), command_id=slot.command_id)
    step = reconcile(report, slot.server_view(), ask)
    logger.debug("%s: %s", key, step.case.value)
    carry_out(step, slot, report.connection if report is not None else None, spec)
    slot.push_inputs()
    slot.drain(st.session_state)

    prepare_for = report.connection if step.prepare and report is not None else None
    browser_config, config_problem, fresh_for = _rtc_configuration(
        slot, rtc_configuration, prepare_for
    )
    _component()(
        key=_component_key(key),
        default=None,
        **_arguments(
            slot,
            spec,
            browser_config,
            fresh_for,
            media_stream_constraints,
            look,
            translations,
            show_start=not (mode_ is Mode.RECEIVE and trigger is not None),
        ),
    )
    context = _context(key, slot)
    # One container holds all the call shows below the component, so the app's
    # own elements keep their place when the stream starts or ends (else a
    # rerun briefly shows the stale and the new copy of an element together).
    with st.container():
        for problem in (config_problem, rejected):
            if problem is not None:
                st.error(problem, icon=":material/error:")
        _keep_page_current(key, slot, context, show_status)
    return context


def _browser_report(key: str, slot: StreamSlot) -> tuple[BrowserReport | None, str | None]:
    """The browser's report, or None and the page error for a value our component never sends."""
    raw = st.session_state.get(_component_key(key))
    try:
        return parse_value(raw, slot.token), None
    except ValueRejected as exc:
        logger.warning("%s: ignored a component value: %s", key, exc)
        return None, f"streamlit-rtc ignored a message from the browser: {exc}. Reload the page."


def _arguments(
    slot: StreamSlot,
    spec: StreamSpec,
    rtc_configuration: dict[str, Any] | None,
    fresh_for: float | None,
    constraints: dict[str, Any] | None,
    look: VoiceUI,
    translations: Mapping[str, str] | None,
    show_start: bool,
) -> dict[str, Any]:
    """The component's arguments for this run (``docs/component-protocol.md``)."""
    phase = slot.server_view().phase
    connection = slot.connection
    answer = refusal = ended = None
    if phase == "running" and slot.answer_sdp is not None:
        answer = {"connection": connection, "sdp": slot.answer_sdp, "type": "answer"}
    elif phase == "refused" and slot.refusal is not None:
        refusal = {"connection": connection, "message": slot.refusal[1], "busy": slot.refusal[2]}
    elif phase == "ended" and slot.session is not None:
        snap = slot.session.mailbox.snapshot()
        error = bool(snap.end_message and snap.end_message in snap.errors)
        ended = {"connection": connection, "message": snap.end_message, "error": error}
    command = {"id": slot.command_id, "action": slot.command} if slot.command else None
    return {
        "token": slot.token,
        "mode": spec.mode.value,
        "modality": spec.modality.value,
        "rtc_configuration": rtc_configuration,
        "rtc_configuration_fresh_for": None if fresh_for is None else round(fresh_for, 1),
        "rtc_configuration_for": slot.rtc_config_for,
        "media_stream_constraints": constraints or dict(DEFAULT_CONSTRAINTS[spec.modality]),
        "ui": look.to_args(translations, show_start),
        "command": command,
        "answer": answer,
        "refusal": refusal,
        "ended": ended,
        "time_limit": spec.time_limit,
        "stream_key": slot.key,
    }


def _context(key: str, slot: StreamSlot) -> StreamContext:
    session = slot.session
    phase = slot.server_view().phase
    busy = phase == "refused" and slot.refusal is not None and slot.refusal[2]
    if session is None:
        return StreamContext(key, False, StreamState.STOPPED, None, None, (), None, (), busy, None)
    snapshot = session.mailbox.snapshot()
    shown = snapshot if session.started or slot.last_end is None else slot.last_end
    running = phase == "running"
    return StreamContext(
        key=key,
        playing=running and session.started,
        state=snapshot.state if running else StreamState.STOPPED,
        remaining_s=session.remaining_s(),
        last_status=snapshot.last_status,
        errors=shown.errors,
        end_message=shown.end_message,
        messages=shown.messages,
        busy=busy or session.refused,
        webrtc_context=slot.peer,
    )


def _keep_page_current(key: str, slot: StreamSlot, context: StreamContext, show: bool) -> None:
    """While running, refresh outputs and errors by themselves; else show the end once."""
    pace = slot.pace
    pace.polling = slot.server_view().phase == "running"
    pace.errors_shown = len(context.errors)
    if pace.polling:
        live_refresh.schedule_poll(key, slot, show)
    else:
        pace.fast = False
        if show:
            live_refresh.render_status(context.errors, context.end_message, context.messages)


def _rtc_configuration(
    slot: StreamSlot, value: RTCConfiguration | None, prepare_for: str | None
) -> tuple[dict[str, Any] | None, str | None, float | None]:
    """The browser's configuration for the next connection, resolved once per connection.

    Returns the configuration, the page's message when a configuration
    function failed (kept until it is made again), and for a function's
    result the seconds it stays usable (None: a dict never goes stale).
    ``prepare_for``: a browser connection about to start that asked for a
    fresh one (made again unless it is younger than :data:`REMAKE_MIN_AGE_S`).
    """
    asked_anew = prepare_for is not None and prepare_for != slot.rtc_config_for
    if prepare_for is not None:
        slot.rtc_config_for = prepare_for
    if not callable(value):
        return resolve_rtc_configuration(value), None, None
    now = time.monotonic()
    kept = slot.rtc_config
    if kept is None or kept.to_remake(
        now,
        asked_anew=asked_anew,
        live=slot.peer is not None,
        max_age_s=RTC_CONFIG_MAX_AGE_S,
        min_age_s=REMAKE_MIN_AGE_S,
    ):
        kept = slot.rtc_config = kept_configuration(value, slot.key, now=now, wall_now=time.time())
    return kept.config, kept.problem, kept.fresh_for(now, RTC_CONFIG_MAX_AGE_S)
