"""Pronunciations of stop phrases for pocketsphinx: checks, guesses, accent variants, aliases."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence

from .letters_to_sounds import guess_pronunciation
from .model import phone_set, pronunciations
from .phonetic import Pronouncer, phone_distance
from .types import StopPhrase

__all__ = [
    "GuessedWord",
    "alias",
    "check_pronunciations",
    "check_words",
    "guessed_notice",
    "phrase_variants",
    "pron_variants",
    "speakable",
    "with_guessed_pronunciations",
    "word_variants",
]


@dataclasses.dataclass(frozen=True)
class GuessedWord:
    """A phrase word missing from the dictionary, said as its spelling suggests."""

    phrase: str
    word: str
    pron: str


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


def with_guessed_pronunciations(
    phrases: Sequence[StopPhrase],
) -> tuple[tuple[StopPhrase, ...], tuple[GuessedWord, ...]]:
    """``phrases``, those that could not be said at all given spelling-rule pronunciations.

    A phrase with a spelling pocketsphinx can say keeps its other spellings
    out, and so does a phrase that sounds like another one that can be said:
    fastrtc's guide lists misspellings for its text matcher (``["llama",
    "lamma"]``), and they stay skipped, with a warning.  Any other phrase
    would never be heard ("hey zorbo"), so each word of it missing from the
    dictionary gets :func:`.guess_pronunciation`'s guess, returned too, so
    that the page can say so (:func:`guessed_notice`).
    """
    heard = [p for p in phrases if _speakable_phrase(p)]
    out: list[StopPhrase] = []
    guessed: list[GuessedWord] = []
    phones = phone_set()
    known = pronunciations()
    for phrase in phrases:
        if phrase in heard:
            out.append(phrase)
            continue
        extra = {k.lower(): v for k, v in phrase.pronunciations}
        added: dict[str, str] = {}
        for spelling in phrase.spellings:
            for word in spelling:
                if word in known or word in extra or word in added:
                    continue
                guess = guess_pronunciation(word)
                if guess and all(p in phones for p in guess):
                    added[word] = " ".join(guess)
        with_guesses = dataclasses.replace(
            phrase, pronunciations=(*phrase.pronunciations, *added.items())
        )
        if not added or _misspells(with_guesses, heard):
            out.append(phrase)
            continue
        guessed.extend(GuessedWord(phrase.text, w, pron) for w, pron in added.items())
        out.append(with_guesses)
    return tuple(out), tuple(guessed)


MISSPELLING_DISTANCE = 0.35
"""A guessed phrase within this phone distance per phone of a phrase that can be said is a
misspelling of it ("lamma", 0.85 from "llama"'s 4 phones)."""


def _speakable_phrase(phrase: StopPhrase) -> bool:
    extra = {k.lower(): v for k, v in phrase.pronunciations}
    return any(speakable(spelling, extra) for spelling in phrase.spellings)


def _misspells(guessed: StopPhrase, others: Sequence[StopPhrase]) -> bool:
    """``guessed`` (unknown words said as spelled) sounds like one of ``others``."""
    mine = Pronouncer(dict(guessed.pronunciations))
    sounds = [p for s in guessed.spellings for p in mine.words(s)]
    for other in others:
        theirs = Pronouncer(dict(other.pronunciations))
        for spelling in other.spellings:
            for target in theirs.words(spelling):
                limit = MISSPELLING_DISTANCE * len(target)
                if any(phone_distance(sound, target) <= limit for sound in sounds):
                    return True
    return False


def guessed_notice(guessed: Sequence[GuessedWord]) -> str | None:
    """What the page is told about guessed pronunciations (None: nothing was guessed)."""
    if not guessed:
        return None
    words = ", ".join(f"{g.word!r} as {g.pron}" for g in guessed)
    first = guessed[0]
    return (
        f"Stop phrases: not in the English dictionary, said as spelled: {words}. If the "
        f"phrase is missed, give the pronunciation, e.g. StopPhrase({first.phrase!r}, "
        f"pronunciations={{{first.word!r}: '{first.pron}'}}) (CMU ARPAbet phones)."
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
