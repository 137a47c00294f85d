"""Words of a transcript as the matchers compare them: lower case, no accents, no punctuation.

One rule for everyone who compares words (stop-phrase matching, word
confidences), so a word found in one place is the same word in the other.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["JOINERS", "fold", "normalize_phrase", "trails_off"]

JOINERS = re.compile(r"['\u2019.]")
"""Characters removed inside words: apostrophes and dots join ("o.k." -> "ok")."""
_SPLIT = re.compile(r"[^0-9a-z]+")
_CUT_SHORT = ("...", "\u2026", "-", "\u2013", "\u2014")


def fold(text: str) -> str:
    """``text`` in lower case without accents (NFKD, combining marks dropped)."""
    text = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def normalize_phrase(text: str) -> tuple[str, ...]:
    """Split ``text`` into lower-case words, ignoring case, accents and punctuation.

    ``normalize_phrase("OK, Computer!") == ("ok", "computer")``.  Apostrophes
    and dots are removed inside words (``"O.K."`` -> ``"ok"``); every other
    non-alphanumeric character (space, comma, hyphen, ...) separates words.
    """
    return tuple(w for w in _SPLIT.split(JOINERS.sub("", fold(text))) if w)


def trails_off(text: str) -> bool:
    """Whether the transcriber wrote the speech as cut off: an ellipsis or a dash at the end.

    Whisper writes "computer..." or "compute this f-" when the audio stops
    mid-word or mid-sentence, which tells that the last word may be unfinished.
    """
    return text.rstrip().endswith(_CUT_SHORT)
