"""How alike two words sound: a weighted phone edit distance over CMU ARPAbet pronunciations.

Whisper spells names it does not expect as other words ("Hello, Irish" for
"hello iris"); comparing spellings would miss those, comparing sounds does
not.  Pronunciations come from the CMU dictionary inside the ``pocketsphinx``
wheel (:func:`.model.pronunciations`), plus the ones a :class:`StopPhrase`
gives for its own words; words in neither (Whisper's "Iars") get a guess
from their spelling (:mod:`.letters_to_sounds`).

The distance is Levenshtein's with costs that follow how phones sound:
inserting or deleting a phone costs 1 (that is how near-misses differ:
"commuter" drops the P of "computer", "computers" adds a Z, "compute" drops
the ER); swapping two phones costs 0.25 when they differ in one feature
(S/SH, S/Z, T/D, IH/AH ...), 0.6 within a class (two vowels, two stops)
and 1 otherwise.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence

from .letters_to_sounds import guess_pronunciation
from .model import pronunciations

__all__ = [
    "PHONES",
    "Pron",
    "Pronouncer",
    "is_dictionary_word",
    "phone_class",
    "phone_distance",
    "phone_edits",
    "substitution_cost",
    "words_near",
]

Pron = tuple[str, ...]
"""One pronunciation: ARPAbet phones without stress marks."""

INDEL = 1.0
NEAR = 0.25
SAME_CLASS = 0.6

_CLASSES: dict[str, frozenset[str]] = {
    "vowel": frozenset(
        ["AA", "AE", "AH", "AO", "AW", "AY", "EH", "ER", "EY", "IH", "IY", "OW", "OY", "UH", "UW"]
    ),
    "stop": frozenset(["P", "B", "T", "D", "K", "G"]),
    "fricative": frozenset(["F", "V", "TH", "DH", "S", "Z", "SH", "ZH", "HH"]),
    "affricate": frozenset(["CH", "JH"]),
    "nasal": frozenset(["M", "N", "NG"]),
    "liquid": frozenset(["L", "R"]),
    "glide": frozenset(["W", "Y"]),
}
_CLASS_OF = {phone: name for name, phones in _CLASSES.items() for phone in phones}
PHONES: tuple[str, ...] = tuple(sorted(_CLASS_OF))
"""The 39 ARPAbet phones of the CMU dictionary (and of pocketsphinx's English model)."""
# Pairs that differ in one feature (voicing, a place step, vowel height/length).
_NEAR_PAIRS = {
    frozenset(pair)
    for pair in (
        ("S", "Z"),
        ("S", "SH"),
        ("Z", "ZH"),
        ("SH", "ZH"),
        ("F", "V"),
        ("TH", "DH"),
        ("F", "TH"),
        ("P", "B"),
        ("T", "D"),
        ("K", "G"),
        ("CH", "JH"),
        ("CH", "SH"),
        ("JH", "ZH"),
        ("M", "N"),
        ("N", "NG"),
        ("IH", "IY"),
        ("IH", "AH"),
        ("AH", "UH"),
        ("UH", "UW"),
        ("EH", "AE"),
        ("AA", "AO"),
        ("AA", "AH"),
        ("EH", "IH"),
        ("ER", "R"),
    )
}


def phone_class(phone: str) -> str | None:
    """The class of an ARPAbet phone ("vowel", "stop", "nasal", ...); None for no phone."""
    return _CLASS_OF.get(phone)


def substitution_cost(a: str, b: str) -> float:
    """Cost of hearing phone ``b`` where ``a`` was said (symmetric)."""
    if a == b:
        return 0.0
    if frozenset((a, b)) in _NEAR_PAIRS:
        return NEAR
    class_a = phone_class(a)
    if class_a is not None and class_a == phone_class(b):
        return SAME_CLASS
    return 1.0


def phone_distance(a: Sequence[str], b: Sequence[str]) -> float:
    """Weighted edit distance between two phone sequences (0: the same sounds)."""
    return _weighted_distance(tuple(a), tuple(b))


@functools.lru_cache(maxsize=16384)
def _weighted_distance(a: Pron, b: Pron) -> float:
    # a pure function of two short phone tuples, asked again for every look at the
    # same words (each transcript word against each phrase's pronunciations)
    return _edit_distance(a, b, substitution_cost, INDEL)


def phone_edits(a: Sequence[str], b: Sequence[str]) -> int:
    """Plain edit distance between two phone sequences (every edit counts 1)."""
    return int(_edit_distance(a, b, lambda x, y: float(x != y), 1.0))


def _edit_distance(
    a: Sequence[str], b: Sequence[str], substitute: Callable[[str, str], float], indel: float
) -> float:
    """Levenshtein distance: ``substitute(a, b)`` per swap, ``indel`` per phone added or dropped."""
    prev = [j * indel for j in range(len(b) + 1)]
    for i, pa in enumerate(a, start=1):
        cur = [i * indel]
        for j, pb in enumerate(b, start=1):
            cur.append(min(prev[j] + indel, cur[j - 1] + indel, prev[j - 1] + substitute(pa, pb)))
        prev = cur
    return prev[-1]


class Pronouncer:
    """Pronunciations of words: the user's for their phrase words, else the CMU dictionary's.

    Args:
        extra: ``word -> "PHONES"`` pronunciations that take precedence
            (a :class:`StopPhrase`'s ``pronunciations``).
        max_variants: at most this many pronunciations per multi-word span
            (the product of the words' variants grows fast).
    """

    def __init__(self, extra: Mapping[str, str] | None = None, max_variants: int = 8) -> None:
        self._extra = {w.lower(): tuple(p.split()) for w, p in (extra or {}).items()}
        self.max_variants = max_variants

    def word(self, word: str) -> tuple[Pron, ...]:
        """All pronunciations of ``word``; a spelling-rule guess for words in no dictionary."""
        if word in self._extra:
            return (self._extra[word],)
        known = _dictionary_prons(word)
        if known:
            return known
        guess = guess_pronunciation(word)
        return (guess,) if guess else ()

    def words(self, words: Iterable[str]) -> tuple[Pron, ...]:
        """Pronunciations of a word sequence (concatenated); empty if a word is unknown."""
        per_word = [self.word(w) for w in words]
        if not per_word or any(not p for p in per_word):
            return ()
        combos = itertools.islice(itertools.product(*per_word), self.max_variants)
        return tuple(tuple(itertools.chain.from_iterable(c)) for c in combos)

    def distance(self, heard: Sequence[str], said: Sequence[Pron]) -> float | None:
        """Smallest distance between ``heard`` words and any of ``said``; None if unknown."""
        heard_prons = self.words(heard)
        if not heard_prons or not said:
            return None
        return min(phone_distance(h, s) for h in heard_prons for s in said)


def is_dictionary_word(word: str) -> bool:
    """Whether the CMU dictionary knows ``word`` (lower case)."""
    return bool(_dictionary_prons(word))


@functools.lru_cache(maxsize=4096)
def _dictionary_prons(word: str) -> tuple[Pron, ...]:
    return tuple(tuple(p.split()) for p in pronunciations().get(word, ()))


def words_near(
    pron: Pronouncer, words: Sequence[str], target: tuple[Pron, ...], ratio: float
) -> list[tuple[int, str, float]]:
    """``(index, word, distance)`` of the ``words`` within ``ratio`` phone edits per phone of
    ``target`` (a word's pronunciations); none for a target without any."""
    if not target:
        return []
    limit = ratio * min(len(t) for t in target)
    out = []
    for index, word in enumerate(words):
        dist = pron.distance((word,), target)
        if dist is not None and dist <= limit:
            out.append((index, word, dist))
    return out
