"""Word normalisation and whole-word phrase matching."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

_DROP = re.compile(r"['\u2019.]")  # apostrophes and dots join: "o.k." -> "ok"
_SPLIT = re.compile(r"[^0-9a-z]+")


def normalize_phrase(text: str) -> tuple[str, ...]:
    """Split ``text`` into lower-case words, ignoring case, accents and punctuation.

    ``normalize_phrase("OK, Computer!") == ("ok", "computer")``.  Apostrophes
    and dots are removed inside words (``"O.K."`` -> ``"ok"``); every other
    non-alphanumeric character (space, comma, hyphen, ...) separates words.
    """
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).lower()
    text = _DROP.sub("", text)
    return tuple(w for w in _SPLIT.split(text) if w)


def match_phrases(
    words: Sequence[str], phrases: Iterable[tuple[str, Sequence[tuple[str, ...]]]]
) -> list[tuple[str, int, int]]:
    """Find whole-word occurrences of phrases in a normalised word list.

    Args:
        words: normalised words (see :func:`normalize_phrase`).
        phrases: ``(canonical, spellings)`` pairs; each spelling is a word tuple.

    Returns:
        ``(canonical, first_word_index, last_word_index_exclusive)`` sorted by
        position; at one position the longest spelling wins, and a phrase
        contained in a longer matched phrase ("computer" inside
        "ok computer") is not reported separately.
    """
    found: list[tuple[str, int, int]] = []
    for canonical, spellings in phrases:
        for spelling in spellings:
            n = len(spelling)
            for i in range(len(words) - n + 1):
                if tuple(words[i : i + n]) == tuple(spelling):
                    found.append((canonical, i, i + n))
    found.sort(key=lambda m: (m[1], -(m[2] - m[1])))
    out: list[tuple[str, int, int]] = []
    for m in found:
        if any(o[1] <= m[1] and m[2] <= o[2] for o in out):
            continue
        out.append(m)
    return out
