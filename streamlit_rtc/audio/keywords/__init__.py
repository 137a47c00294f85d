"""Keyword (stop-phrase / wake-phrase) detection for ``ReplyOnStopWords``.

* :class:`KeywordDetector` / :class:`KeywordStream` -- the protocol any
  detector implements (model shared per process, state per stream).
* :class:`ConfirmedDetector` -- the default with the ``stt`` extra:
  pocketsphinx keyphrase candidates confirmed by Whisper.
* :class:`PocketSphinxDetector` -- pocketsphinx alone (needs only the
  ``pocketsphinx`` wheel); the default without the extra.
* :func:`default_detector` -- picks one of the two and logs which, once.
* :class:`TranscriptionDetector` -- adapter for any speech-to-text callable
  ``(rate, int16 array) -> str`` (a cloud STT, ...).
* :class:`ListenGate` -- when a detector hears the stream (speech only,
  with pre-roll and hangover; a reset after each silent gap).
* :class:`PhraseMatcher` -- whether a transcript says a phrase (whole
  words or words that sound like it); :func:`normalize_phrase` -- the word
  normalisation all matching uses.

``feed()`` is synchronous and CPU-bound: callers run it off the audio path
(a worker thread) and report exceptions it raises.
"""

from __future__ import annotations

from .confirm_rules import ConfirmRules, Verdict
from .confirmed import ConfirmedDetector
from .default import STT_NOTICE, default_detector, stt_installed
from .gate import Feed, GateAction, ListenGate, Reset
from .normalize import match_phrases, normalize_phrase
from .pocketsphinx_detector import PocketSphinxDetector
from .transcript_match import PhraseMatcher, TranscriptMatch
from .transcription import TranscriptionDetector
from .types import KeywordDetector, KeywordHit, KeywordStream, StopPhrase, as_stop_phrases

__all__ = [
    "STT_NOTICE",
    "ConfirmRules",
    "ConfirmedDetector",
    "Feed",
    "GateAction",
    "KeywordDetector",
    "KeywordHit",
    "KeywordStream",
    "ListenGate",
    "PhraseMatcher",
    "PocketSphinxDetector",
    "Reset",
    "StopPhrase",
    "TranscriptMatch",
    "TranscriptionDetector",
    "Verdict",
    "as_stop_phrases",
    "default_detector",
    "match_phrases",
    "normalize_phrase",
    "stt_installed",
]
