"""fastrtc's pause options (``AlgoOptions``, ``SileroVadOptions``) mapped onto PauseOptions.

A fastrtc app passes ``ReplyOnPause(fn, algo_options=..., model_options=...)``.
fastrtc cuts the microphone into ``audio_chunk_duration`` chunks (0.6 s),
runs Silero's offline segmenter over each chunk and compares the seconds of
(padded) speech it found with two thresholds. streamlit-rtc instead scores
every 32 ms Silero window and runs a streaming detector
(:class:`~streamlit_rtc.core.turn.TurnDetector`), so the options cannot be
copied one to one; :func:`pause_options_from` maps each one onto the
:class:`~streamlit_rtc.core.turn.PauseOptions` knob with the same effect.

The rule: a field left at fastrtc's default keeps PauseOptions' measured
default (ported apps keep the lower latency); a field the user changed is
mapped as below, clamped to PauseOptions' valid range (a clamp logs a
warning naming the field). A changed field with no equivalent is ignored and
logs one warning naming it. Field by field:

``AlgoOptions.audio_chunk_duration`` and ``AlgoOptions.speech_threshold`` -> ``pause_s``
    ``pause_s = audio_chunk_duration - speech_threshold`` when either one was
    changed. The reference ends a turn on a chunk holding less than
    ``speech_threshold`` s of speech, so it needs at least that much silence
    (its chunk alignment adds between 0 and one chunk on top; that jitter is
    not reproduced). Clamped to [``vad_end_lag_s`` + one 32 ms window, 10 s].
``AlgoOptions.started_talking_threshold`` -> ``min_speech_s``
    Seconds of speech before a turn starts (and before a reply can be
    interrupted). Clamped to [0, 5] s.
``AlgoOptions.max_continuous_speech_s`` -> ``max_continuous_speech_s``
    A turn this long is answered without waiting for a pause. Clamped to
    [1, 3600] s (fastrtc's default, no limit, keeps our 30 s cap, which also
    bounds the utterance buffer).
``SileroVadOptions.threshold`` -> ``speech_threshold`` and ``silence_threshold``
    ``speech_threshold = threshold`` and ``silence_threshold = threshold -
    0.15``: Silero's segmenter uses that same hysteresis (once in speech, a
    window is silence only below ``threshold - 0.15``), which is also our
    default pair 0.5 / 0.35. Below a threshold of 0.3 the silence threshold
    is ``threshold / 2`` instead, so it stays above 0 and a turn can still
    end (the reference's chunk test still finds silence there).
``SileroVadOptions.min_speech_duration_ms`` -> ``min_turn_speech_s``
    ms / 1000. The reference throws out speech shorter than this; we drop a
    turn with less speech than this instead of answering it. Clamped to
    [0, 30] s.
``SileroVadOptions.speech_pad_ms`` -> ``pre_roll_s`` and ``end_pad_s``
    ms / 1000: audio kept before the speech onset and after its end.
    Clamped to [0, 5] s.
``SileroVadOptions.max_speech_duration_s``: ignored
    In the reference it only splits a long speech segment in two inside one
    chunk, which hardly changes the speech total it compares, so it never
    ends a turn. ``AlgoOptions.max_continuous_speech_s`` does that.
``SileroVadOptions.min_silence_duration_ms``: ignored
    In the reference it is the silence that splits speech segments inside one
    chunk (its 2 s default never acts on a 0.6 s chunk). The silence that ends
    a turn comes from ``audio_chunk_duration`` - ``speech_threshold`` (above),
    or set ``PauseOptions.pause_s``.
``SileroVadOptions.window_size_samples``: ignored
    streamlit-rtc's Silero model scores fixed 512-sample windows (32 ms at
    16 kHz); the window size is not tunable.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import numbers
from dataclasses import dataclass
from typing import Any, TypeAlias

from .turn import PauseOptions

__all__ = ["AlgoOptions", "ModelOptions", "SileroVadOptions", "pause_options_from"]

logger = logging.getLogger(__name__)

VAD_WINDOW_S = 0.032
"""One window of streamlit-rtc's Silero VAD (512 samples at 16 kHz)."""
_SILERO_HYSTERESIS = 0.15
"""Silero's segmenter: once in speech, a window is silence only below ``threshold - 0.15``."""
_MAX_PAUSE_S = 10.0


def _check_number(owner: str, name: str, value: Any, low: float, allow_inf: bool = False) -> None:
    """Raise a clear error unless ``value`` is a real number >= ``low`` (finite unless allowed)."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{owner}.{name} must be a number, got {type(value).__name__}")
    if math.isnan(value) or value < low or (math.isinf(value) and not allow_inf):
        limit = f">= {low}" + ("" if allow_inf else " and finite")
        raise ValueError(f"{owner}.{name} must be {limit}, got {value!r}")


@dataclass
class AlgoOptions:
    """fastrtc's pause-detection algorithm options (same names and defaults).

    Mapped onto :class:`PauseOptions` by :func:`pause_options_from`; see the
    module docstring for what each field becomes.
    """

    audio_chunk_duration: float = 0.6
    """Reference: seconds of audio per VAD pass."""
    started_talking_threshold: float = 0.2
    """Reference: seconds of speech in a chunk that start a turn."""
    speech_threshold: float = 0.1
    """Reference: a chunk with less speech than this (s) ends the turn."""
    max_continuous_speech_s: float = math.inf
    """Reference: a turn this long is answered without waiting for a pause."""

    def __post_init__(self) -> None:
        _validate_algo_options(self)


@dataclass
class SileroVadOptions:
    """fastrtc's Silero VAD options (same names and defaults).

    Mapped onto :class:`PauseOptions` by :func:`pause_options_from`; see the
    module docstring for what each field becomes and which are ignored.
    """

    threshold: float = 0.5
    """Speech probability at or above which a window is speech."""
    min_speech_duration_ms: int = 250
    """Reference: speech segments shorter than this are thrown out."""
    max_speech_duration_s: float = math.inf
    """Reference: longer speech segments are split (ignored here)."""
    min_silence_duration_ms: int = 2000
    """Reference: silence that splits speech segments inside a chunk (ignored here)."""
    window_size_samples: int = 1024
    """Reference: Silero window size at 16 kHz (ignored here: ours is fixed at 512)."""
    speech_pad_ms: int = 400
    """Reference: padding added to each side of a speech segment."""

    def __post_init__(self) -> None:
        _validate_model_options(self)


ModelOptions: TypeAlias = SileroVadOptions | None
"""What ``ReplyOnPause(model_options=...)`` takes, as fastrtc's alias of that name."""


def _validate_algo_options(options: AlgoOptions) -> None:
    """Raise ``TypeError``/``ValueError`` naming the first invalid field of ``options``."""
    owner = "AlgoOptions"
    _check_number(owner, "audio_chunk_duration", options.audio_chunk_duration, 0.0)
    if options.audio_chunk_duration == 0:
        raise ValueError(f"{owner}.audio_chunk_duration must be positive")
    _check_number(owner, "started_talking_threshold", options.started_talking_threshold, 0.0)
    _check_number(owner, "speech_threshold", options.speech_threshold, 0.0)
    _check_number(
        owner, "max_continuous_speech_s", options.max_continuous_speech_s, 0.0, allow_inf=True
    )
    if options.max_continuous_speech_s == 0:
        raise ValueError(f"{owner}.max_continuous_speech_s must be positive")


def _validate_model_options(options: SileroVadOptions) -> None:
    """Raise ``TypeError``/``ValueError`` naming the first invalid field of ``options``."""
    owner = "SileroVadOptions"
    _check_number(owner, "threshold", options.threshold, 0.0)
    if options.threshold > 1:
        raise ValueError(f"{owner}.threshold must be in [0, 1], got {options.threshold!r}")
    _check_number(owner, "min_speech_duration_ms", options.min_speech_duration_ms, 0.0)
    _check_number(
        owner, "max_speech_duration_s", options.max_speech_duration_s, 0.0, allow_inf=True
    )
    _check_number(owner, "min_silence_duration_ms", options.min_silence_duration_ms, 0.0)
    size = options.window_size_samples
    if isinstance(size, bool) or not isinstance(size, numbers.Integral):
        raise TypeError(f"{owner}.window_size_samples must be an int, got {type(size).__name__}")
    if size <= 0:
        raise ValueError(f"{owner}.window_size_samples must be positive, got {size!r}")
    _check_number(owner, "speech_pad_ms", options.speech_pad_ms, 0.0)


_IGNORED_MODEL_FIELDS = {
    "max_speech_duration_s": "it only splits speech segments inside one chunk in fastrtc; "
    "use AlgoOptions.max_continuous_speech_s to cut long turns",
    "min_silence_duration_ms": "it only splits speech segments inside one chunk in fastrtc; "
    "the pause that ends a turn comes from AlgoOptions.audio_chunk_duration - "
    "speech_threshold, or set PauseOptions.pause_s",
    "window_size_samples": "streamlit-rtc's Silero VAD scores fixed 512-sample (32 ms) windows",
}


def _changed(options: AlgoOptions | SileroVadOptions) -> set[str]:
    """Names of the fields of ``options`` that differ from fastrtc's defaults."""
    return {
        field.name
        for field in dataclasses.fields(options)
        if getattr(options, field.name) != field.default
    }


def _clamped(field: str, value: float, low: float, high: float) -> float:
    """``value`` limited to [low, high]; a clamp logs a warning naming the fastrtc field."""
    result = float(min(max(value, low), high))
    if result != value:
        logger.warning(
            "%s=%r maps outside streamlit-rtc's range [%g, %g]; using %g",
            field,
            value,
            low,
            high,
            result,
        )
    return result


def _algo_changes(base: PauseOptions, algo: AlgoOptions) -> dict[str, float]:
    changed = _changed(algo)
    changes: dict[str, float] = {}
    if changed & {"audio_chunk_duration", "speech_threshold"}:
        # Rounded to a microsecond so 0.8 - 0.2 reads 0.6, not 0.6000000000000001.
        silence = round(float(algo.audio_chunk_duration - algo.speech_threshold), 6)
        low = max(0.05, base.vad_end_lag_s + VAD_WINDOW_S)
        changes["pause_s"] = _clamped(
            "AlgoOptions.audio_chunk_duration - speech_threshold", silence, low, _MAX_PAUSE_S
        )
    if "started_talking_threshold" in changed:
        changes["min_speech_s"] = _clamped(
            "AlgoOptions.started_talking_threshold", algo.started_talking_threshold, 0.0, 5.0
        )
    if "max_continuous_speech_s" in changed:
        changes["max_continuous_speech_s"] = _clamped(
            "AlgoOptions.max_continuous_speech_s", algo.max_continuous_speech_s, 1.0, 3600.0
        )
    return changes


def _model_changes(model: SileroVadOptions) -> dict[str, float]:
    changed = _changed(model)
    changes: dict[str, float] = {}
    if "threshold" in changed:
        changes["speech_threshold"] = float(model.threshold)
        changes["silence_threshold"] = round(
            float(max(model.threshold - _SILERO_HYSTERESIS, model.threshold / 2)), 6
        )
    if "min_speech_duration_ms" in changed:
        changes["min_turn_speech_s"] = _clamped(
            "SileroVadOptions.min_speech_duration_ms / 1000",
            model.min_speech_duration_ms / 1000,
            0.0,
            30.0,
        )
    if "speech_pad_ms" in changed:
        pad = _clamped(
            "SileroVadOptions.speech_pad_ms / 1000", model.speech_pad_ms / 1000, 0.0, 5.0
        )
        changes["pre_roll_s"] = pad
        changes["end_pad_s"] = pad
    for name in sorted(changed & _IGNORED_MODEL_FIELDS.keys()):
        logger.warning(
            "SileroVadOptions.%s=%r is ignored: %s",
            name,
            getattr(model, name),
            _IGNORED_MODEL_FIELDS[name],
        )
    return changes


def pause_options_from(
    base: PauseOptions,
    algo_options: AlgoOptions | None,
    model_options: SileroVadOptions | None,
) -> PauseOptions:
    """``base`` with the fields fastrtc's options changed from their defaults mapped onto it.

    Fields left at fastrtc's defaults (and ``None`` options) keep ``base``'s
    values, so ``pause_options_from(PauseOptions(), None, None) == PauseOptions()``.
    The mapping of each field is in the module docstring. Raises ``TypeError``
    for options of the wrong type and ``ValueError`` for invalid values.
    """
    if not isinstance(base, PauseOptions):
        raise TypeError(f"base must be PauseOptions, got {type(base).__name__}")
    if algo_options is not None and not isinstance(algo_options, AlgoOptions):
        raise TypeError(
            f"algo_options must be AlgoOptions or None, got {type(algo_options).__name__}"
        )
    if model_options is not None and not isinstance(model_options, SileroVadOptions):
        raise TypeError(
            f"model_options must be SileroVadOptions or None, got {type(model_options).__name__}"
        )
    changes: dict[str, float] = {}
    # The dataclasses are mutable (as fastrtc's), so check again what may have been set later.
    if algo_options is not None:
        _validate_algo_options(algo_options)
        changes.update(_algo_changes(base, algo_options))
    if model_options is not None:
        _validate_model_options(model_options)
        changes.update(_model_changes(model_options))
    if not changes:
        return base
    logger.debug("fastrtc options mapped onto PauseOptions: %s", changes)
    return dataclasses.replace(base, **changes)
