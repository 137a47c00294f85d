"""The shapes of fastrtc's speech models, as typing Protocols: bring your own STT or TTS.

Anything with these methods works where a model is expected — a cloud STT
client, another voice — without subclassing: ``isinstance(obj, STTModel)``
checks the method names at run time (``runtime_checkable``), a type checker
checks the signatures.
"""

from __future__ import annotations

from collections.abc import AsyncGenerator, Generator, Sequence
from typing import Protocol, TypeVar, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from .heard_words import ScoredTranscript

__all__ = ["AudioArray", "ReadingScorer", "STTModel", "ScoredSTTModel", "TTSModel", "TTSOptions"]

AudioArray = NDArray[np.int16] | NDArray[np.float32]
"""Audio samples as fastrtc passes them: int16 or float32, shaped (N,) or (1, N)."""


class TTSOptions:
    """Base class of per-call TTS options (fastrtc's name); each model defines its subclass."""


OptionsT = TypeVar("OptionsT", bound=TTSOptions, contravariant=True)


@runtime_checkable
class STTModel(Protocol):
    """Speech to text: ``stt((rate, samples)) -> text``.

    ``samples`` are int16 or float32, shaped ``(N,)`` or ``(1, N)``, at any
    sample rate; the model resamples as it needs.  Silence returns ``""``.
    """

    def stt(self, audio: tuple[int, AudioArray]) -> str:
        """Transcribe one utterance."""
        ...


@runtime_checkable
class ScoredSTTModel(STTModel, Protocol):
    """An STT model that can also say how sure it was of each word (:class:`WhisperSTT`).

    Stop-phrase confirmation looks twice at a phrase the model wrote unsure;
    a plain :class:`STTModel` is trusted on one look.
    """

    def stt_scored(self, audio: tuple[int, AudioArray]) -> ScoredTranscript:
        """Transcribe one short window, with each word's confidence."""
        ...


@runtime_checkable
class ReadingScorer(Protocol):
    """A model that says how likely it would write given texts for some audio (:class:`WhisperSTT`).

    Stop-phrase confirmation asks it whether the phrase is nearly as likely as
    what it wrote where a transcript only roughly says the phrase.
    """

    def reading_logprobs(self, audio: tuple[int, AudioArray], texts: Sequence[str]) -> list[float]:
        """Log-probability of each text as the whole transcript of ``audio``."""
        ...


@runtime_checkable
class TTSModel(Protocol[OptionsT]):
    """Text to speech, whole or streamed: fastrtc's ``TTSModel``.

    Every method returns or yields ``(sample_rate, samples)`` with float32
    (or int16) 1-D samples.  ``stream_tts`` must not block the event loop it
    runs on; ``stream_tts_sync`` is the same stream for code without a loop.
    """

    def tts(self, text: str, options: OptionsT | None = None) -> tuple[int, AudioArray]:
        """All of ``text`` as one array."""
        ...

    def stream_tts(
        self, text: str, options: OptionsT | None = None
    ) -> AsyncGenerator[tuple[int, AudioArray], None]:
        """``text`` in pieces (e.g. one per sentence), as soon as each is ready."""
        ...

    def stream_tts_sync(
        self, text: str, options: OptionsT | None = None
    ) -> Generator[tuple[int, AudioArray], None, None]:
        """The same pieces as :meth:`stream_tts`, synchronously."""
        ...
