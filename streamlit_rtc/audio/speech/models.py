"""fastrtc's ``get_stt_model`` / ``get_tts_model``: one warmed-up model per arguments, per process.

The names fastrtc uses for models that download weights at run time
(``"moonshine/base"``, ``"kokoro"``, ``"cartesia"``) are refused with a
message saying what is available here and how to bring such a model
yourself: any object with ``.stt`` (or ``.tts``/``.stream_tts``/
``.stream_tts_sync``) works wherever a model is expected.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Hashable
from typing import Any, Literal, TypeVar

from .piper_tts import PiperTTS
from .protocols import STTModel, TTSModel
from .whisper_stt import BUNDLED_MODEL, WhisperSize, WhisperSTT

__all__ = ["clear_model_cache", "get_stt_model", "get_tts_model"]

LOG = logging.getLogger(__name__)

TTSName = Literal["piper"]

_FASTRTC_STT = ("moonshine/base", "moonshine/tiny")
_FASTRTC_TTS = ("kokoro", "cartesia")

_cache: dict[Hashable, Any] = {}
_lock = threading.Lock()
M = TypeVar("M")


def _key(kind: str, model: object, kwargs: dict[str, Any]) -> Hashable:
    key = (kind, model, tuple(sorted(kwargs.items())))
    try:
        hash(key)
    except TypeError as err:
        raise TypeError(
            f"get_{kind}_model keeps one model per set of arguments, so they must be "
            f"hashable: {err} (pass tuples instead of lists, frozen options objects)"
        ) from err
    return key


def _cached(key: Hashable, build: Callable[[], M]) -> M:
    """The model for ``key``, built and warmed up once (concurrent callers wait for it)."""
    with _lock:
        if key not in _cache:
            _cache[key] = build()
        return _cache[key]  # type: ignore[no-any-return]


def clear_model_cache() -> None:
    """Forget the cached models (tests; freeing memory); the next call loads afresh."""
    with _lock:
        _cache.clear()


def _unavailable(kind: str, name: str, available: str, protocol: str, methods: str) -> ValueError:
    return ValueError(
        f"{kind} model {name!r} is fastrtc's, which downloads its weights at run time; "
        f"streamlit-rtc ships {available} and runs offline. To use {name!r} or any other "
        f"model (a cloud API, another voice), pass your own object with {methods} — the "
        f"{protocol} protocol — wherever a model is expected; no registration is needed."
    )


def get_stt_model(model: WhisperSize | str = BUNDLED_MODEL, **kwargs: Any) -> STTModel:
    """A process-wide, warmed-up :class:`WhisperSTT` (``kwargs`` go to its constructor).

    ``"tiny.en"`` (the default) runs offline from the ``stt`` extra; another
    size or a model directory also works (a size downloads on first use).
    Raises ``ValueError`` for fastrtc's moonshine names and
    :class:`MissingExtraError` (an ``ImportError``) without the ``stt`` extra.
    """
    if not isinstance(model, str):
        raise TypeError(f"model must be a str (a Whisper size or a directory), got {model!r}")
    if model in _FASTRTC_STT or model.startswith("moonshine"):
        raise _unavailable(
            "STT",
            model,
            "Whisper tiny.en (get_stt_model('tiny.en'), the stt extra)",
            "STTModel",
            ".stt((rate, samples)) -> str",
        )

    def build() -> WhisperSTT:
        stt = WhisperSTT(model, **kwargs)
        stt.warmup()
        return stt

    return _cached(_key("stt", model, kwargs), build)


def get_tts_model(model: TTSName | str = "piper", **kwargs: Any) -> TTSModel[Any]:
    """A process-wide, warmed-up :class:`PiperTTS` (``kwargs`` go to it, e.g. ``voice=path``).

    Raises ``ValueError`` for other names (fastrtc's ``"kokoro"``,
    ``"cartesia"``) and :class:`MissingExtraError` without the ``tts`` extra.
    """
    if model != "piper":
        if model in _FASTRTC_TTS:
            raise _unavailable(
                "TTS",
                model,
                "piper with the en_US joe voice (get_tts_model('piper'), the tts extra)",
                "TTSModel",
                ".tts(text), .stream_tts(text) and .stream_tts_sync(text)",
            )
        raise ValueError(
            f"unknown TTS model {model!r}: available is 'piper' (pass voice='path/to/voice.onnx' "
            "for another piper voice), or bring any object with .tts/.stream_tts/"
            ".stream_tts_sync (the TTSModel protocol)"
        )

    def build() -> PiperTTS:
        tts = PiperTTS(**kwargs)
        tts.warmup()
        return tts

    return _cached(_key("tts", model, kwargs), build)
