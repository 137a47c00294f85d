"""Word normalisation and whole-word phrase matching."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from ..words import normalize_phrase

__all__ = ["match_phrases", "normalize_phrase"]


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
