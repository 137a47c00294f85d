"""Keyword (stop-phrase / wake-phrase) detection for ``ReplyOnStopWords``.

* :class:`KeywordDetector` / :class:`KeywordStream` -- the protocol any
  detector implements (model shared per process, state per stream).
* :class:`PocketSphinxDetector` -- the offline default (needs only the
  ``pocketsphinx`` wheel, whose English model ships inside it).
* :class:`TranscriptionDetector` -- adapter for any speech-to-text callable
  ``(rate, int16 array) -> str`` (Whisper, a cloud STT, ...).
* :func:`normalize_phrase` -- the word normalisation both use.

``feed()`` is synchronous and CPU-bound: callers run it off the audio path
(a worker thread) and report exceptions it raises.
"""

from __future__ import annotations

from .normalize import match_phrases, normalize_phrase
from .pocketsphinx_detector import PocketSphinxDetector
from .transcription import TranscriptionDetector
from .types import KeywordDetector, KeywordHit, KeywordStream, StopPhrase, as_stop_phrases

__all__ = [
    "KeywordDetector",
    "KeywordHit",
    "KeywordStream",
    "PocketSphinxDetector",
    "StopPhrase",
    "TranscriptionDetector",
    "as_stop_phrases",
    "match_phrases",
    "normalize_phrase",
]
