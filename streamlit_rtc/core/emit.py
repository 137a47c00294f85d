"""Parse and validate what a handler emits or a generator yields.

Every accepted form becomes :class:`EmitParts` (audio, additional outputs,
close request); anything else raises :class:`InvalidEmitError` naming what was
yielded and what is accepted, so a wrong dtype or shape is fixed in a minute
instead of becoming choppy audio.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np

from .messages import AdditionalOutputs, CloseStream, InvalidEmitError

__all__ = [
    "ACCEPTED_FORMS",
    "AudioChunk",
    "EmitParts",
    "describe",
    "parse_audio_emit",
    "positive_int",
]

ACCEPTED_FORMS = (
    "accepted: (rate, array), (rate, array, 'mono'|'stereo'), "
    "((rate, array), AdditionalOutputs(...)), ((rate, array), CloseStream(...)), "
    "AdditionalOutputs(...), CloseStream(...) or None; "
    "rate a positive int; array int16, or float32 in [-1, 1], shaped (N,), (1, N) "
    "or (2, N) for stereo"
)


@dataclass(frozen=True)
class AudioChunk:
    """Validated audio: ``samples`` is ``(channels, N)`` int16 or float32 at ``rate``."""

    rate: int
    samples: np.ndarray

    @property
    def channels(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration_s(self) -> float:
        return self.samples.shape[1] / self.rate


@dataclass(frozen=True)
class EmitParts:
    """An emitted value split into its parts; any of them may be absent."""

    audio: AudioChunk | None = None
    outputs: AdditionalOutputs | None = None
    close: CloseStream | None = None


def describe(value: Any) -> str:
    """A short description of a value for error messages (type, dtype, shape)."""
    if isinstance(value, np.ndarray):
        return f"ndarray(dtype={value.dtype}, shape={value.shape})"
    if isinstance(value, tuple):
        return "(" + ", ".join(describe(v) for v in value) + ("," if len(value) == 1 else "") + ")"
    if isinstance(value, (int, float, str)) and not isinstance(value, bool):
        return repr(value)
    return type(value).__name__


def positive_int(name: str, value: object) -> int:
    """``value`` as an int if it is a positive integer (numpy ints too), else ValueError.

    The one positive-number check of the package (rates, frame sizes, counts).
    """
    if isinstance(value, numbers.Integral) and not isinstance(value, bool) and int(value) > 0:
        return int(value)
    raise ValueError(f"{name} must be a positive integer, got {value!r}")


def _fail(value: Any, problem: str) -> InvalidEmitError:
    return InvalidEmitError(f"invalid audio output {describe(value)}: {problem}. {ACCEPTED_FORMS}")


def _check_rate(item: Any, rate: Any) -> int:
    if isinstance(rate, bool) or not isinstance(rate, numbers.Integral):
        raise _fail(item, f"the sample rate must be an int, got {type(rate).__name__}")
    if rate <= 0:
        raise _fail(item, f"the sample rate must be positive, got {rate}")
    return int(rate)


def _check_array(item: Any, array: Any, layout: str | None) -> np.ndarray:
    if not isinstance(array, np.ndarray):
        raise _fail(item, f"the audio must be a numpy array, got {type(array).__name__}")
    if array.dtype == np.float32:
        if not np.all(np.isfinite(array)):
            raise _fail(item, "the float32 audio contains NaN or infinity")
    elif array.dtype != np.int16:
        hint = (
            "convert with array.astype(np.float32)"
            if array.dtype.kind == "f"
            else "convert with audio_to_int16(...) or scale to int16 yourself"
        )
        raise _fail(item, f"dtype {array.dtype} is not supported ({hint})")
    if array.ndim == 1:
        array = array[np.newaxis, :]
    elif array.ndim != 2:
        raise _fail(item, f"{array.ndim}-D audio is not supported")
    channels = array.shape[0]
    if layout == "stereo":
        if channels == 1:
            if array.shape[1] % 2:
                raise _fail(item, "interleaved stereo needs an even number of samples")
            return np.ascontiguousarray(array.reshape(-1, 2).T)
        if channels != 2:
            raise _fail(item, f"layout 'stereo' needs shape (2, N), got {channels} rows")
        return array
    if channels == 2 and layout is None:
        return array
    if channels != 1:
        if array.shape[1] in (1, 2) and channels > 2:
            raise _fail(item, "channels must be the first axis; transpose with array.T")
        raise _fail(item, f"layout {layout or 'mono'!r} needs shape (1, N), got {channels} rows")
    return array


def _parse_audio(item: tuple[Any, ...]) -> AudioChunk:
    if len(item) not in (2, 3):
        raise _fail(item, f"a {len(item)}-tuple is not an audio frame")
    layout = item[2] if len(item) == 3 else None
    if layout is not None and layout not in ("mono", "stereo"):
        raise _fail(item, f"the layout must be 'mono' or 'stereo', got {layout!r}")
    rate = _check_rate(item, item[0])
    samples = _check_array(item, item[1], layout)
    if samples.dtype == np.float32:
        samples = np.clip(samples, -1.0, 1.0)
    return AudioChunk(rate, samples)


def parse_audio_emit(item: Any) -> EmitParts:
    """Split one emitted value into audio, additional outputs and a close request."""
    if item is None:
        return EmitParts()
    if isinstance(item, AdditionalOutputs):
        return EmitParts(outputs=item)
    if isinstance(item, CloseStream):
        return EmitParts(close=item)
    if isinstance(item, np.ndarray):
        raise _fail(item, "a bare array has no sample rate; yield (rate, array)")
    if not isinstance(item, tuple):
        raise _fail(item, f"{type(item).__name__} is not an audio output")
    if len(item) == 2 and isinstance(item[1], (AdditionalOutputs, CloseStream)):
        extra = item[1]
        if not isinstance(item[0], tuple):
            what = type(extra).__name__
            second = "outs" if isinstance(extra, AdditionalOutputs) else "CloseStream(...)"
            raise _fail(item, f"pair {what} with an audio tuple: ((rate, array), {second})")
        audio = _parse_audio(item[0])
        if isinstance(extra, CloseStream):
            return EmitParts(audio=audio, close=extra)
        return EmitParts(audio=audio, outputs=extra)
    return EmitParts(audio=_parse_audio(item))
