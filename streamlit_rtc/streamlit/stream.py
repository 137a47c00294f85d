"""fastrtc's ``Stream`` in Streamlit: port a fastrtc app by replacing only its Gradio parts.

Every fastrtc app builds ``stream = Stream(handler, modality=..., mode=...,
additional_inputs=[...], additional_outputs=[...], ...)`` and then calls
``stream.ui.launch()``. Here the constructor takes the same parameters (same
names, order and defaults) and ``stream.ui.launch()`` at the bottom of the
script renders the stream in the Streamlit page under ``streamlit run``.

What changes when porting (the Gradio components, which Streamlit has not):

* ``additional_inputs`` are the **current values** of the inputs (a widget's
  result such as ``st.text_input(...)``, or ``st.session_state[...]``), not
  components. The script runs again whenever a widget changes, so build the
  Stream in the script on every run (it is cheap and touches no ``st.*``), or
  build it once and pass the values at render time:
  ``stream.render(inputs=[...])``. Either way the running handler gets the
  new values on every full script run (``latest_args`` / the extra arguments
  of a reply function).
* ``additional_outputs`` are ``st.session_state`` keys (strings), standing
  for the Gradio output components. ``additional_outputs_handler(*current,
  *new)`` gets the keys' current values and the new ``AdditionalOutputs``
  values and returns the keys' new values, as fastrtc's handler did for the
  components.
* A component that was both input and output (fastrtc's ``chatbot`` in both
  lists) becomes ``st.session_state["chatbot"]`` among the inputs and
  ``"chatbot"`` among the outputs, the key started with a list
  (``st.session_state.setdefault("chatbot", [])``): an input that *is* the
  object stored under an output key follows that key, so every turn gets
  the current value, with or without a full script run (``webrtc()`` does
  this; immutable values such as ``None`` cannot be followed).
* Members that exist for Gradio or FastAPI (``mount``, ``fastphone``,
  ``set_input``, ``output_stream``, the endpoints, ``stream.ui`` as a
  ``gr.Blocks``) raise :class:`NotInStreamlitError` saying why they do not
  apply and what to write instead.

Rendering goes through :func:`~streamlit_rtc.streamlit.component.webrtc`, so
everything it does (time limit, concurrency, live outputs, errors in the
page) is the same for a Stream.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal, NoReturn

import streamlit as st
from streamlit.errors import DuplicateWidgetID

from ..core.handler import StreamHandlerBase
from ..core.video_handlers import VideoStreamHandler
from ..session.modes import Modality, Mode
from ..signalling.ui import VoiceUI
from .component import StreamContext, webrtc
from .rtc_config import RTCConfiguration
from .stream_checks import (
    NotInStreamlitError,
    _check_concurrency,
    _check_handler,
    _check_inputs,
    _check_outputs,
    _check_rtc_configuration,
    _check_time_limit,
    _collision_message,
    _default_key,
    _not_in_streamlit,
    _require_streamlit,
    _warn_once,
)
from .stream_ui import StreamUI, UIArgs, _check_ui_args

__all__ = ["NotInStreamlitError", "Stream", "StreamUI", "UIArgs"]

StreamMode = Literal["send-receive", "receive", "send"]
StreamModality = Literal["video", "audio", "audio-video"]
ConcurrencyLimit = int | None | Literal["default"]
HandlerType = StreamHandlerBase | VideoStreamHandler | Callable[..., Any]


def _media_constraints(
    track_constraints: dict[str, Any] | None, modality: Modality
) -> dict[str, Any] | None:
    """fastrtc's per-track constraints as getUserMedia constraints for streamlit-webrtc.

    fastrtc takes the constraints of the one track for ``audio`` or
    ``video`` (e.g. ``{"echoCancellation": False}``) and ``{"audio": ...,
    "video": ...}`` for ``audio-video``. A dict already shaped
    ``{"audio": ..., "video": ...}`` is passed as is.
    """
    if track_constraints is None:
        return None
    if modality is Modality.AUDIO_VIDEO or set(track_constraints) <= {"audio", "video"}:
        return dict(track_constraints)
    if modality is Modality.AUDIO:
        return {"audio": dict(track_constraints), "video": False}
    return {"audio": False, "video": dict(track_constraints)}


class Stream:
    """fastrtc's ``Stream``: a handler plus its UI, rendered in a Streamlit page.

    Same parameters as fastrtc's ``Stream.__init__`` (``handler`` positional,
    the rest keyword-only, same defaults). Constructing one renders nothing
    and touches no ``st.*``, so it may live at module level, in
    ``st.cache_resource``, or be rebuilt on every script run (cheap).

    Where not said otherwise, a parameter means what it means in fastrtc:

    * ``mode`` / ``modality``: the default modality is ``"video"``, so voice
      apps pass ``modality="audio"``; ``"audio-video"`` needs
      ``mode="send-receive"``.
    * ``concurrency_limit``: live connections of this stream across the
      server; ``"default"`` **and** ``None`` both mean 1, pass a larger int
      for more users (``webrtc()`` takes ``concurrency_limit=None`` for no cap).
    * ``time_limit``: seconds from connect to a server-side end.
    * ``additional_inputs``: current values (see the module docstring);
      ``additional_outputs``: ``st.session_state`` keys, which need an
      ``additional_outputs_handler``. Missing keys are
      created with ``None`` when the stream renders; set a starting value
      with ``st.session_state.setdefault(key, [])`` if the handler needs one.
    * ``rtc_configuration``: the browser's configuration: a dict, or a
      sync/async function returning one (passed uncalled, resolved per
      connection by ``webrtc()``). ``server_rtc_configuration``: the server
      peer's (a dict; ``None``: aiortc's default), as in fastrtc.
    * ``track_constraints``: mapped to getUserMedia constraints (see
      :func:`_media_constraints`).
    * ``rtp_params``: accepted, stored and **not applied yet** (``webrtc()``
      has no knob for it); setting it logs a warning once.
    * ``allow_extra_tracks``: accepted and stored; it never matters here,
      because the component only offers the tracks of its modality.
    * ``ui_args``: see :class:`UIArgs`. ``verbose``: accepted, no effect
      (fastrtc printed a start-up banner when mounted on FastAPI).

    Render with ``stream.ui.launch()`` (the built-in UI, :class:`StreamUI`)
    or ``stream.render()`` (the component alone, in your own layout). The key
    defaults to :attr:`key`, derived from the handler.
    """

    def __init__(
        self,
        handler: HandlerType,
        *,
        additional_outputs_handler: Callable[..., Any] | None = None,
        mode: StreamMode = "send-receive",
        modality: StreamModality = "video",
        concurrency_limit: ConcurrencyLimit = "default",
        time_limit: float | None = None,
        allow_extra_tracks: bool = False,
        rtp_params: dict[str, Any] | None = None,
        rtc_configuration: RTCConfiguration | None = None,
        server_rtc_configuration: dict[str, Any] | None = None,
        track_constraints: dict[str, Any] | None = None,
        additional_inputs: Sequence[Any] | None = None,
        additional_outputs: Sequence[str] | None = None,
        ui_args: UIArgs | None = None,
        verbose: bool = True,
    ) -> None:
        mode_ = Mode.parse(mode)
        modality_ = Modality.parse(modality)
        if modality_ is Modality.AUDIO_VIDEO and mode_ is not Mode.SEND_RECEIVE:
            raise ValueError(
                f"modality='audio-video' works with mode='send-receive' only, got mode={mode!r}"
            )
        _check_handler(handler, mode_, modality_)
        if additional_outputs_handler is not None and not callable(additional_outputs_handler):
            raise TypeError(
                f"additional_outputs_handler must be a function, got {additional_outputs_handler!r}"
            )
        _check_time_limit(time_limit)
        _check_rtc_configuration(rtc_configuration)
        for name, value in (
            ("track_constraints", track_constraints),
            ("server_rtc_configuration", server_rtc_configuration),
            ("rtp_params", rtp_params),
        ):
            if value is not None and not isinstance(value, Mapping):
                raise TypeError(f"{name} must be a dict or None, got {value!r}")

        self.event_handler: HandlerType = handler
        """The handler, under fastrtc's attribute name."""
        self.mode: StreamMode = mode_.value  # type: ignore[assignment]
        self.modality: StreamModality = modality_.value  # type: ignore[assignment]
        self.concurrency_limit: int = _check_concurrency(concurrency_limit)
        self.time_limit = time_limit
        self.allow_extra_tracks = allow_extra_tracks
        self.rtp_params = rtp_params
        self.rtc_configuration = rtc_configuration
        self.server_rtc_configuration = server_rtc_configuration
        self.track_constraints = track_constraints
        self.additional_outputs_handler = additional_outputs_handler
        self._inputs: list[Any] = []
        self._outputs: list[str] = []
        self.additional_inputs = additional_inputs  # type: ignore[assignment]
        self.additional_outputs = additional_outputs  # type: ignore[assignment]
        if self._outputs and additional_outputs_handler is None:
            raise ValueError(
                "additional_outputs_handler must be provided if there are additional outputs "
                "(as in fastrtc): e.g. additional_outputs_handler=lambda old, new: new to "
                "store the latest value"
            )
        self.ui_args: UIArgs = _check_ui_args(ui_args)
        """All of ``ui_args``; see :class:`UIArgs` for which ones apply yet."""
        self.verbose = verbose
        self.key: str = _default_key(handler)
        """The stream's key in the page (derived from the handler); set it, or pass
        ``render(key=...)``, when two Streams of the same handler share a page."""
        self._ui = StreamUI(self)
        if rtp_params is not None:
            _warn_once(
                "rtp_params",
                "Stream(rtp_params=...) is not applied yet: webrtc() has no RTP encoding "
                "parameters for the server's sender",
            )

    # -- inputs and outputs ---------------------------------------------------------
    @property
    def additional_inputs(self) -> list[Any]:
        """Current input values; reassign them per run, or pass ``render(inputs=...)``.

        A Stream shared between browser sessions (module level,
        ``st.cache_resource``) must get its values at render time instead:
        an assignment would be seen by every session.
        """
        return self._inputs

    @additional_inputs.setter
    def additional_inputs(self, values: Sequence[Any] | None) -> None:
        self._inputs = _check_inputs(values, "additional_inputs")

    @property
    def additional_outputs(self) -> list[str]:
        """The ``st.session_state`` keys the additional outputs are written to."""
        return self._outputs

    @additional_outputs.setter
    def additional_outputs(self, keys: Sequence[str] | None) -> None:
        self._outputs = _check_outputs(keys)

    @property
    def additional_input_components(self) -> list[Any]:
        """fastrtc's name for :attr:`additional_inputs` (values here, not components)."""
        return self._inputs

    @property
    def additional_output_components(self) -> list[str]:
        """fastrtc's name for :attr:`additional_outputs` (session-state keys here)."""
        return self._outputs

    # -- rendering --------------------------------------------------------------------
    @property
    def ui(self) -> StreamUI:
        """The built-in UI: ``stream.ui.launch()`` renders it where it is called."""
        return self._ui

    @ui.setter
    def ui(self, blocks: object) -> None:
        raise NotInStreamlitError(
            "stream.ui cannot be replaced by a Gradio Blocks in Streamlit: lay the page out "
            "with st.* calls in the script and call stream.render() where the stream goes"
        )

    def render(
        self,
        key: str | None = None,
        *,
        inputs: Sequence[Any] | None = None,
        trigger: bool | None = None,
    ) -> StreamContext:
        """Render the stream's component here (one call per script run, like a widget).

        ``key`` defaults to :attr:`key`. ``inputs`` replaces
        :attr:`additional_inputs` for this run (for a Stream built once, e.g.
        in ``st.cache_resource``). ``trigger`` starts a ``mode="receive"``
        stream (e.g. ``trigger=st.button("Start")``). Returns the
        ``webrtc()`` context; ``ctx.live(render)`` shows outputs live.
        """
        _require_streamlit("stream.render()")
        key = self._resolve_key(key)
        values = self._inputs if inputs is None else _check_inputs(inputs, "inputs")
        if key in self._outputs:
            raise ValueError(
                f"additional_outputs key {key!r} is the stream's own key; rename the output "
                "key or pass render(key=...)"
            )
        modality = Modality.parse(self.modality)
        for output in self._outputs:
            if output not in st.session_state:
                st.session_state[output] = None
        try:
            return webrtc(
                key,
                self.event_handler,
                mode=self.mode,
                modality=self.modality,
                inputs=values,
                time_limit=self.time_limit,
                concurrency_limit=self.concurrency_limit,
                trigger=trigger,
                rtc_configuration=self.rtc_configuration,
                media_stream_constraints=_media_constraints(self.track_constraints, modality),
                outputs=self._outputs,
                on_additional_outputs=self.additional_outputs_handler,
                ui=VoiceUI.from_ui_args(self.ui_args),
                server_rtc_configuration=self.server_rtc_configuration,
            )
        except DuplicateWidgetID as exc:
            raise ValueError(_collision_message(key)) from exc

    def _resolve_key(self, key: str | None) -> str:
        key = self.key if key is None else key
        if not isinstance(key, str) or not key:
            raise TypeError(f"key must be a non-empty string, got {key!r}")
        return key

    # -- fastrtc members that only exist for Gradio or FastAPI ------------------------
    def mount(self, app: Any, path: str = "", tags: Any = None) -> NoReturn:
        """Not in Streamlit: fastrtc's FastAPI routes; Streamlit serves the page itself."""
        _not_in_streamlit(
            "Stream.mount(app) adds fastrtc's FastAPI routes (/webrtc/offer, "
            "/websocket/offer, /telephone/*) for a front end of your own; in streamlit-rtc "
            "Streamlit serves the page and the stream, so there is no FastAPI app to mount "
            "on. Delete the FastAPI lines, call stream.ui.launch() (or stream.render()) "
            "where the stream goes, and run `streamlit run app.py`"
        )

    def fastphone(
        self, token: str | None = None, host: str = "127.0.0.1", port: int = 8000, **kwargs: Any
    ) -> NoReturn:
        """Not in Streamlit: fastrtc's phone service needs its FastAPI routes and a tunnel."""
        _not_in_streamlit(
            "Stream.fastphone() gives the stream a phone number through fastrtc's FastPhone "
            "service, a Gradio tunnel and the FastAPI routes of mount(); streamlit-rtc has "
            "no telephone transport. Use the stream in the browser (`streamlit run app.py`)"
        )

    def set_input(self, webrtc_id: str, *args: Any) -> NoReturn:
        """Not in Streamlit: inputs come from the script, at render time."""
        _not_in_streamlit(
            "Stream.set_input(webrtc_id, ...) is how a custom front end sends input values "
            "over HTTP; in Streamlit the script holds the values: pass them at render time, "
            "stream.render(inputs=[...]), or set stream.additional_inputs = [...] before "
            "stream.ui.launch(). The running handler gets them on every script run"
        )

    def output_stream(self, webrtc_id: str) -> NoReturn:
        """Not in Streamlit: outputs land in ``st.session_state`` under the output keys."""
        _not_in_streamlit(
            "Stream.output_stream(webrtc_id) feeds a custom front end (server-sent events); "
            "in Streamlit the AdditionalOutputs go through additional_outputs_handler into "
            "the st.session_state keys named in additional_outputs. stream.ui.launch() "
            "shows them; or show them yourself with ctx = stream.render() and "
            "@ctx.live def show(status): ... reading st.session_state[key]"
        )

    def fetch_latest_output(self, webrtc_id: str) -> NoReturn:
        """Not in Streamlit: see :meth:`output_stream`."""
        self.output_stream(webrtc_id)

    def offer(self, body: Any) -> NoReturn:
        """Not in Streamlit: a FastAPI endpoint of :meth:`mount`."""
        self._endpoint("offer")

    def websocket_offer(self, websocket: Any) -> NoReturn:
        """Not in Streamlit: a FastAPI endpoint of :meth:`mount`."""
        self._endpoint("websocket_offer")

    def telephone_handler(self, websocket: Any) -> NoReturn:
        """Not in Streamlit: a FastAPI endpoint of :meth:`mount`."""
        self._endpoint("telephone_handler")

    def handle_incoming_call(self, request: Any) -> NoReturn:
        """Not in Streamlit: a FastAPI endpoint of :meth:`mount`."""
        self._endpoint("handle_incoming_call")

    def _endpoint(self, name: str) -> NoReturn:
        _not_in_streamlit(
            f"Stream.{name}() is one of fastrtc's FastAPI endpoints (see Stream.mount); in "
            "streamlit-rtc the browser connects through the component that "
            "stream.ui.launch() / stream.render() puts in the page: run `streamlit run app.py`"
        )

    def __getattr__(self, name: str) -> Any:
        if name == "webrtc_component":
            raise AttributeError(
                "Stream.webrtc_component is fastrtc's Gradio WebRTC component; in Streamlit "
                "the component is rendered by stream.render(), which returns its context"
            )
        raise AttributeError(f"'Stream' object has no attribute {name!r}")

    def __repr__(self) -> str:
        return (
            f"Stream({self.key!r}, mode={self.mode!r}, modality={self.modality!r}, "
            f"outputs={self._outputs!r})"
        )
