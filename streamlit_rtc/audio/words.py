"""Words of a transcript as the matchers compare them: lower case, no accents, no punctuation.

One rule for everyone who compares words (stop-phrase matching, word
confidences), so a word found in one place is the same word in the other.
"""

from __future__ import annotations

import re
import unicodedata

__all__ = ["JOINERS", "fold", "normalize_phrase", "trails_off", "words_before_a_break"]

JOINERS = re.compile(r"['\u2019.]")
"""Characters removed inside words: apostrophes and dots join ("o.k." -> "ok")."""
_SPLIT = re.compile(r"[^0-9a-z]+")
_CUT_SHORT = ("...", "\u2026", "-", "\u2013", "\u2014")
_BREAK_AFTER = re.compile(r"[,.!?;:\u2026\u2013\u2014-][\"'\u2019\u201d)\]]*$")


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


def words_before_a_break(text: str) -> frozenset[int]:
    """Indexes (into :func:`normalize_phrase`'s words) of the words the transcriber wrote a
    comma, full stop or other break after: in "A. Siri, what time" the "a" and the "siri".

    Whisper punctuates what it hears as a pause or a separate interjection ("A." for a
    weak "hey") and writes an article straight into its noun ("A robot, please").
    """
    breaks: set[int] = set()
    count = 0
    for token in text.split():
        count += len(normalize_phrase(token))
        if count and _BREAK_AFTER.search(token):
            breaks.add(count - 1)
    return frozenset(breaks)
