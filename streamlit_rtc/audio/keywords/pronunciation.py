"""Pronunciations of stop phrases for pocketsphinx: checks, accent variants, aliases."""

from __future__ import annotations

from collections.abc import Mapping

from .model import phone_set, pronunciations
from .types import StopPhrase

__all__ = [
    "alias",
    "check_pronunciations",
    "check_words",
    "phrase_variants",
    "pron_variants",
    "speakable",
    "word_variants",
]


def speakable(spelling: tuple[str, ...], extra: Mapping[str, str]) -> bool:
    """Every word is in the dictionary or has a pronunciation of the user's."""
    known = pronunciations()
    return all(word in known or word in extra for word in spelling)


def check_pronunciations(phrase: StopPhrase, extra: Mapping[str, str]) -> None:
    """Raise ValueError for user pronunciations with phones the model does not have."""
    phones = phone_set()
    for word, pron in extra.items():
        bad = [p for p in pron.split() if p not in phones]
        if bad or not pron.split():
            raise ValueError(
                f"pronunciation {pron!r} for {word!r} in stop phrase {phrase.text!r} uses "
                f"unknown phones {bad}; use ARPAbet phones such as {sorted(phones)[:8]}..."
            )


def check_words(phrase: StopPhrase, extra: Mapping[str, str]) -> None:
    """Raise ValueError for words neither in the dictionary nor given a pronunciation."""
    check_pronunciations(phrase, extra)
    known = pronunciations()
    for spelling in phrase.spellings:
        for word in spelling:
            if word not in known and word not in extra:
                raise ValueError(
                    f"stop phrase {phrase.text!r}: the word {word!r} is not in the "
                    "pocketsphinx English dictionary. Fix: add an alternative spelling "
                    "made of dictionary words, e.g. StopPhrase("
                    f"{phrase.text!r}, alternatives=('...',)), or pass its pronunciation, "
                    f"e.g. StopPhrase({phrase.text!r}, pronunciations={{{word!r}: "
                    "'AY R IH S'}) (CMU ARPAbet phones)."
                )


def pron_variants(pron: str) -> list[str]:
    """Accent variants of one pronunciation: itself plus a non-rhotic final "ER" -> "AH"."""
    phones = pron.split()
    if phones and phones[-1] == "ER":
        return [pron, " ".join([*phones[:-1], "AH"])]
    return [pron]


def word_variants(word: str, extra: Mapping[str, str]) -> list[str]:
    """Pronunciations of ``word``: user-given, or dictionary ones plus non-rhotic endings."""
    if word in extra:
        return [extra[word]]
    out: list[str] = []
    for pron in pronunciations()[word]:
        for cand in pron_variants(pron):
            if cand not in out:
                out.append(cand)
    return out


def phrase_variants(
    spelling: tuple[str, ...], extra: Mapping[str, str], limit: int
) -> list[tuple[str, ...]]:
    """Up to ``limit`` pronunciation combinations of a spelling (first = dictionary's first)."""
    combos: list[tuple[str, ...]] = [()]
    for word in spelling:
        combos = [(*c, p) for c in combos for p in word_variants(word, extra)]
    return combos[: max(1, limit)]


def alias(word: str, pron: str) -> str:
    """Dictionary word for ``pron``: the word itself if its first pronunciation matches."""
    known = pronunciations().get(word)
    if known and known[0] == pron:
        return word
    return f"{word}__{pron.replace(' ', '_').lower()}"
