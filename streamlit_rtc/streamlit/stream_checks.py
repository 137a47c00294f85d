"""The checks behind :class:`~streamlit_rtc.streamlit.stream.Stream`: each error names the
problem and the fix.

Construction-time validation of the arguments (a Gradio component where a value
or a key belongs is the usual porting slip), the stream's default key, the errors
of Gradio/FastAPI-only members (:class:`NotInStreamlitError`) and of rendering
outside ``streamlit run``, and the once-per-process warnings of ignored settings.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping, Sequence
from typing import Any, NoReturn

import streamlit as st

from ..core.handler import (
    AsyncAudioVideoStreamHandler,
    AsyncStreamHandler,
    AudioVideoStreamHandler,
    StreamHandler,
    StreamHandlerBase,
)
from ..core.video_handlers import (
    VideoFunctionHandler,
    VideoGeneratorHandler,
    VideoStreamHandler,
)
from ..session.modes import Modality, Mode

__all__ = ["NotInStreamlitError"]

# The Stream's logger: its records keep the name they had when all of this was stream.py.
logger = logging.getLogger("streamlit_rtc.streamlit.stream")

_GRADIO_PACKAGES = ("gradio", "gradio_webrtc", "fastrtc")
_SLOT_PREFIX = "_streamlit_rtc_slot:"


class NotInStreamlitError(NotImplementedError):
    """A fastrtc member that only exists for Gradio or FastAPI; the message says what to do."""


def _not_in_streamlit(message: str) -> NoReturn:
    raise NotInStreamlitError(message)


# -- logging once per process (scripts rerun on every interaction) -------------------

_warned: set[str] = set()
_warned_lock = threading.Lock()


def _warn_once(topic: str, message: str, *args: object) -> None:
    with _warned_lock:
        if topic in _warned:
            return
        _warned.add(topic)
    logger.warning(message, *args)


# -- construction-time validation -----------------------------------------------------


def _gradio_origin(value: object) -> str | None:
    """``"gradio.Chatbot"``-style name when ``value`` is a Gradio/fastrtc object, else None."""
    module = type(value).__module__ or ""
    if module.split(".", 1)[0] in _GRADIO_PACKAGES:
        return f"{module}.{type(value).__qualname__}"
    return None


def _check_inputs(values: Sequence[Any] | None, what: str) -> list[Any]:
    """A list of input values, none of them a Gradio component."""
    if values is None:
        return []
    if isinstance(values, (str, bytes)) or not isinstance(values, Sequence):
        raise TypeError(f"{what} must be a list of values, e.g. {what}=[name], got {values!r}")
    for i, value in enumerate(values):
        origin = _gradio_origin(value)
        if origin is not None:
            raise TypeError(
                f"{what}[{i}] is a Gradio component ({origin}). In Streamlit pass its "
                "current value instead: the result of a widget such as st.text_input(...) "
                "or st.slider(...), or st.session_state[key]; the handler gets the new "
                "values on every script run"
            )
    return list(values)


def _check_outputs(keys: Sequence[str] | None) -> list[str]:
    """A list of distinct ``st.session_state`` keys, none of them our own slot keys."""
    if keys is None:
        return []
    if isinstance(keys, (str, bytes)) or not isinstance(keys, Sequence):
        raise TypeError(
            f"additional_outputs must be a list of st.session_state keys, "
            f"e.g. additional_outputs=['chatbot'], got {keys!r}"
        )
    for i, key in enumerate(keys):
        origin = _gradio_origin(key)
        if origin is not None:
            raise TypeError(
                f"additional_outputs[{i}] is a Gradio component ({origin}). In Streamlit "
                "name an st.session_state key instead, e.g. additional_outputs=['chatbot']: "
                "additional_outputs_handler's results land there (stream.ui.launch() "
                "shows them; with stream.render() show st.session_state['chatbot'] yourself)"
            )
        if not isinstance(key, str) or not key:
            raise TypeError(
                f"additional_outputs[{i}] must be an st.session_state key (a non-empty "
                f"string), got {key!r}"
            )
        if key.startswith(_SLOT_PREFIX):
            raise ValueError(f"additional_outputs[{i}]={key!r}: that prefix is streamlit-rtc's own")
    duplicates = sorted({key for key in keys if list(keys).count(key) > 1})
    if duplicates:
        raise ValueError(f"additional_outputs names {duplicates} more than once: one key each")
    return list(keys)


def _check_handler(handler: object, mode: Mode, modality: Modality) -> None:
    """The handler fits the modality, with fastrtc's default modality ("video") in mind."""
    is_handler = isinstance(handler, StreamHandlerBase)
    name = type(handler).__name__
    if isinstance(handler, VideoStreamHandler):
        if modality is not Modality.VIDEO:
            raise TypeError(f"a VideoStreamHandler needs modality='video', got {modality.value!r}")
        return
    if not is_handler and not callable(handler):
        raise TypeError(f"handler must be a stream handler or a function, got {handler!r}")
    if modality is Modality.AUDIO_VIDEO:
        if not isinstance(handler, (AudioVideoStreamHandler, AsyncAudioVideoStreamHandler)):
            raise TypeError(
                "modality='audio-video' needs an AudioVideoStreamHandler or "
                f"AsyncAudioVideoStreamHandler instance, got {name}"
            )
        return
    if modality is Modality.VIDEO:
        if is_handler and not isinstance(handler, (VideoFunctionHandler, VideoGeneratorHandler)):
            better = (
                "audio-video"
                if isinstance(handler, (AudioVideoStreamHandler, AsyncAudioVideoStreamHandler))
                else "audio"
            )
            raise TypeError(
                f"modality='video' (fastrtc's default) needs a function of video frames, got "
                f"{name}, a handler for audio: pass modality={better!r}"
            )
        return
    if mode is Mode.RECEIVE or isinstance(handler, (StreamHandler, AsyncStreamHandler)):
        return
    raise TypeError(
        f"modality='audio' with mode={mode.value!r} needs a stream handler: wrap your "
        "function as ReplyOnPause(fn), or pass a StreamHandler / AsyncStreamHandler instance"
    )


def _check_concurrency(limit: object) -> int:
    """fastrtc's rule: ``"default"`` and ``None`` both mean one connection at a time."""
    if limit in ("default", None):
        return 1
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise ValueError(f"concurrency_limit must be an int >= 1, 'default' or None, got {limit!r}")
    return limit


def _check_time_limit(limit: object) -> None:
    """None, or seconds > 0 (a bool is a slip, not a number)."""
    if limit is None:
        return
    if isinstance(limit, bool) or not isinstance(limit, (int, float)) or limit <= 0:
        raise ValueError(f"time_limit must be a number of seconds > 0 or None, got {limit!r}")


def _check_rtc_configuration(value: object) -> None:
    """A dict, a function returning one (resolved by ``webrtc()`` per connection), or None."""
    if value is None or isinstance(value, Mapping) or callable(value):
        return
    raise TypeError(
        "rtc_configuration must be a dict such as {'iceServers': [...]}, a function returning "
        f"one (sync or async, passed uncalled), or None; got {value!r}"
    )


# -- keys and rendering -------------------------------------------------------------


def _default_key(handler: object) -> str:
    """A name that is the same on every run and in every process, from the handler."""
    fn = getattr(handler, "fn", getattr(handler, "callable", None))
    if isinstance(handler, (StreamHandlerBase, VideoStreamHandler)) and callable(fn):
        name = f"{type(handler).__name__}({getattr(fn, '__name__', type(fn).__name__)})"
    elif isinstance(handler, StreamHandlerBase):
        name = type(handler).__name__
    else:
        name = getattr(handler, "__name__", type(handler).__name__)
    return f"stream:{name}"


def _collision_message(key: str) -> str:
    return (
        f"two streams were rendered with key {key!r} in one script run. Several Streams in "
        "one page need distinct keys (the default comes from the handler, so two Streams "
        "of the same handler collide): set stream.key = '...' on one of them or call "
        "stream.render(key='...')"
    )


def _require_streamlit(what: str) -> None:
    """Rendering needs a Streamlit script run; say how to get one instead of failing oddly."""
    if not st.runtime.exists():
        raise RuntimeError(
            f"{what} renders the stream in a Streamlit page: run this script with "
            "`streamlit run app.py` (under plain `python app.py` there is no Streamlit "
            "server; fastrtc's launch() started a Gradio one)"
        )
