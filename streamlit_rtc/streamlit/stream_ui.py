"""``stream.ui``: fastrtc's built-in UI, drawn with ``st.*`` calls.

:class:`UIArgs` (fastrtc's ``ui_args``, checked at construction) says how it
looks; :class:`StreamUI` draws the title, subtitle, a "Start Stream" button in
receive mode, the component and the additional outputs, shown live.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any, Literal, NoReturn, TypedDict

import streamlit as st
from streamlit.errors import DuplicateWidgetID

from ..session.modes import Modality, Mode
from .component import StreamContext
from .live import LiveStatus
from .stream_checks import (
    NotInStreamlitError,
    _collision_message,
    _require_streamlit,
    _warn_once,
)

if TYPE_CHECKING:
    from .stream import Stream

__all__ = ["StreamUI", "UIArgs"]


class UIArgs(TypedDict, total=False):
    """fastrtc's ``ui_args``: how the built-in UI (``stream.ui``) looks.

    ``title``, ``subtitle`` and ``hide_title`` are drawn by Streamlit
    (``st.title`` / ``st.markdown``; text with HTML tags goes through
    ``st.html``, as fastrtc passes it through as HTML); ``icon``,
    ``icon_button_color``, ``pulse_color``, ``icon_radius`` and ``variant``
    style the component (:class:`~streamlit_rtc.VoiceUI`).
    """

    title: str
    """Shown at the top of ``stream.ui`` (default "Audio Streaming" / "Video Streaming")."""
    subtitle: str
    """Shown below the title."""
    icon: str
    """URL (or emoji) of an image that pulses with the audio level instead of the wave."""
    icon_button_color: str
    """Background colour behind the icon."""
    pulse_color: str
    """Colour of the pulse rings and wave bars."""
    icon_radius: int
    """Border radius of the icon, in percent (0-50)."""
    send_input_on: Literal["submit", "change"]
    """Not applied yet. In Streamlit inputs reach the handler on every script run
    (like "change"); put the inputs in an ``st.form`` for "submit"."""
    hide_title: bool
    """Show neither title nor subtitle."""
    full_screen: bool
    """Not applied yet: fill the page with the component."""
    variant: Literal["wave", "textbox"]
    """``"wave"`` (bars, also with an ``icon``) or ``"textbox"`` (shown as the wave: a
    text box goes in the page as an ``st.chat_input``); left out, an ``icon`` pulses
    and no icon gives the wave. Not in fastrtc's ``UIArgs`` type but read by its UI."""


# ``ui_args`` key -> accepted type(s) or literal values, checked at construction.
_UI_ARG_CHECKS: dict[str, type | tuple[type, ...] | tuple[str, ...]] = {
    "title": str,
    "subtitle": str,
    "icon": str,
    "icon_button_color": str,
    "pulse_color": str,
    "icon_radius": int,
    "send_input_on": ("submit", "change"),
    "hide_title": bool,
    "full_screen": bool,
    "variant": ("wave", "textbox"),
}

_DEFAULT_TITLES = {
    Modality.AUDIO: "Audio Streaming",
    Modality.VIDEO: "Video Streaming",
    Modality.AUDIO_VIDEO: "Video Streaming",
}

_HTML_TAG = re.compile(r"<[^<>]+>")


def _check_ui_args(ui_args: object) -> UIArgs:
    """A copy of ``ui_args`` with known keys and types (fastrtc ignored typos silently)."""
    if ui_args is None:
        return UIArgs()
    if not isinstance(ui_args, Mapping):
        hint = " (a ':' missing between key and value?)" if isinstance(ui_args, set) else ""
        raise TypeError(f"ui_args must be a dict like {{'title': 'My app'}}, got {ui_args!r}{hint}")
    unknown = sorted(set(ui_args) - set(_UI_ARG_CHECKS))
    if unknown:
        raise ValueError(f"ui_args has unknown key(s) {unknown}; known: {sorted(_UI_ARG_CHECKS)}")
    for key, value in ui_args.items():
        check = _UI_ARG_CHECKS[key]
        if isinstance(check, tuple) and all(isinstance(c, str) for c in check):
            ok = value in check
        else:
            ok = isinstance(value, check) and not (check is int and isinstance(value, bool))  # type: ignore[arg-type]
        if not ok:
            raise TypeError(f"ui_args[{key!r}] must be {_describe(check)}, got {value!r}")
    return UIArgs(**ui_args)  # type: ignore[typeddict-item]


def _describe(check: type | tuple[type, ...] | tuple[str, ...]) -> str:
    """The expected type or values of a ``ui_args`` entry, for an error message."""
    if isinstance(check, type):
        return f"a {check.__name__}"
    return "one of " + ", ".join(repr(c) for c in check)


class StreamUI:
    """What ``stream.ui`` is here: fastrtc's built-in UI, rendered by Streamlit.

    ``launch()`` and ``render()`` draw it where they are called. ``queue()``
    returns the UI (Gradio apps chain ``.queue().launch()``); ``close()`` does
    nothing (Streamlit owns the server). Other ``gr.Blocks`` members raise an
    ``AttributeError`` saying what to do instead.
    """

    def __init__(self, stream: Stream) -> None:
        self._stream = stream

    def launch(self, **gradio_options: Any) -> StreamContext:
        """Render the built-in UI. Gradio's launch options are ignored (logged once)."""
        if gradio_options:
            names = ", ".join(sorted(gradio_options))
            _warn_once(
                f"launch:{names}",
                "stream.ui.launch() ignores Gradio's launch options (%s): Streamlit serves "
                "the page; set its address and port with `streamlit run app.py "
                "--server.address 0.0.0.0 --server.port 7860`",
                names,
            )
        return self.render()

    def render(
        self, key: str | None = None, *, inputs: Sequence[Any] | None = None
    ) -> StreamContext:
        """Title and subtitle (unless ``hide_title``), a "Start Stream" button in
        receive mode, the component, then the additional outputs, shown live.

        ``key`` and ``inputs`` as in :meth:`Stream.render` (``inputs`` is the
        way to give a Stream shared between sessions its values).
        """
        _require_streamlit("stream.ui.launch()")
        stream = self._stream
        key = stream._resolve_key(key)
        ui_args = stream.ui_args
        if not ui_args.get("hide_title"):
            title = ui_args.get("title", _DEFAULT_TITLES[Modality.parse(stream.modality)])
            _show(title, heading=True)
            subtitle = ui_args.get("subtitle")
            if subtitle:
                _show(subtitle, heading=False)
        trigger = None
        if stream.mode == Mode.RECEIVE.value:
            try:
                trigger = st.button("Start Stream", type="primary", key=f"{key}:start")
            except DuplicateWidgetID as exc:
                raise ValueError(_collision_message(key)) from exc
        context = stream.render(key, inputs=inputs, trigger=trigger)
        if stream.additional_outputs:
            keys = list(stream.additional_outputs)

            def show_outputs(status: LiveStatus) -> None:
                for output in keys:
                    _show_value(st.session_state.get(output))

            context.live(show_outputs)
        return context

    def queue(self, *args: Any, **kwargs: Any) -> StreamUI:
        """Nothing to configure (Gradio's event queue); returns the UI for chaining."""
        return self

    def close(self) -> None:
        """Nothing to close: Streamlit owns the server (Gradio's ``close()`` stopped its own)."""

    def __enter__(self) -> NoReturn:
        raise NotInStreamlitError(
            "`with stream.ui:` adds Gradio components to fastrtc's Blocks; in Streamlit "
            "write them as st.* calls in the script and call stream.render() where the "
            "stream goes"
        )

    def __exit__(self, *exc: object) -> None:
        return None

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__"):
            raise AttributeError(name)
        raise AttributeError(
            f"stream.ui.{name} is part of Gradio's Blocks API, which does not apply in "
            "Streamlit: stream.ui has launch(), render(), queue() and close(). Build the "
            "rest of the page with st.* calls and call stream.render() where the stream goes"
        )


def _show(text: str, *, heading: bool) -> None:
    """A title or subtitle: markdown, or HTML as is when it contains tags (as fastrtc)."""
    if _HTML_TAG.search(text):
        st.html(text)
    elif heading:
        st.title(text)
    else:
        st.markdown(text)


def _show_value(value: Any) -> None:
    """One additional output: a chat transcript as bubbles, anything else with st.write."""
    if value is None:
        return
    if _is_transcript(value):
        for message in value:
            with st.chat_message(str(message["role"])):
                st.write(message["content"])
        return
    st.write(value)


def _is_transcript(value: Any) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(m, Mapping) and "role" in m and "content" in m for m in value)
    )
