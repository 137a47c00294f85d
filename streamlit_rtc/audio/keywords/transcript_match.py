"""Does a transcript say a stop phrase?  Whole words, or words that sound like it.

Three ways a transcript (normalised words, :func:`.normalize_phrase`) can
say a phrase, from surest to least sure:

* ``exact`` -- a spelling of the phrase as whole words ("OK, computer!" says
  "ok computer"; "computers" does not say "computer").
* ``fuzzy`` -- 1 to n+1 consecutive words that sound like a spelling: their
  phone distance (:mod:`.phonetic`) is at most ``fuzzy_max`` (default 0.5:
  two near swaps such as S/SH, never a phone more or less).  "Hello, Irish"
  says "hello iris"; "commuter", "compute", "computing", "computers" and
  "compute the" do not say "computer".
* ``anchored`` -- for phrases of two or more words: all words but one are
  there exactly, in order, and in the place of the missing one stand one or
  two words that sound roughly like it (distance at most ``loose_ratio``
  times its phone count, and never more than ``loose_max``: a long word
  would otherwise stand for whole other words -- "Okay, can you tell"
  is 3.25 phone edits from "ok computer" -- and Whisper spells long words
  well; it is names it garbles).  Whisper tiny.en writes "Hello, wires" or "Hello,
  I urge" for "hello iris"; the text alone cannot tell that from "hello
  there", so callers accept this kind only with acoustic support (the
  keyphrase search's score).  A word of the missing word's near-miss family
  -- a dictionary word one phone edit further than the verifier's
  competitors (:func:`.neighbours`: "computing", "commuter", "compute" for
  "computer"; "virus", "Irene" for "iris") -- never stands in: Whisper
  heard that word, and near-misses must not fire ("Okay, computing is fun"
  does not say "ok computer") -- unless it is the first of two words and the
  caller asks the model about every pair (``pairs_checked``): Whisper
  splits a name it does not know ("Okay, no way." for "okay nova"); or it
  stands for a short word opening the phrase (:data:`SHORT_WORD_PHONES`),
  whose near-misses are everyday words, written apart from the rest ("A.
  Siri." for "hey siri", not "A Siri"), and the caller asks too.  Two
  dictionary words that together are that close ("I rest", "I miss" for
  "iris"; "the low" for "hello") stand in
  unless the caller says otherwise (``word_pairs=False``): Whisper writes
  them for a real phrase too, so only the caller knows how much acoustic
  support there is (:class:`.ConfirmRules` also asks the model how likely
  the phrase is in their place: :mod:`.phrase_odds`).  Whisper's garbles
  of "iris" ("wires", "Iars", "I urge", "I ers") are further away or in no
  dictionary.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from ..speech.heard_words import ScoredTranscript
from ..words import words_before_a_break
from .competitors import max_distance, neighbours
from .normalize import normalize_phrase
from .phonetic import Pron, Pronouncer, is_dictionary_word, phone_edits
from .types import Spellings, StopPhrase

__all__ = [
    "KIND_ORDER",
    "SHORT_WORD_PHONES",
    "MatchKind",
    "PhraseMatcher",
    "TranscriptMatch",
]

MatchKind = Literal["exact", "fuzzy", "anchored", "misheard"]

KIND_ORDER: dict[MatchKind, int] = {"exact": 0, "fuzzy": 1, "anchored": 2, "misheard": 3}
"""The match kinds, surest first."""

SHORT_WORD_PHONES = 3
"""A phrase word of at most this many phones ("hey", "hi", "ok") is short: Whisper writes it
as a near-miss word ("A. Siri." for a "hey siri" whose "h" is weak), which may then stand in
when it is written apart from the rest of the phrase, by a comma or a full stop, as an
interjection is ("A robot, please" is an article and its noun), and the caller asks the model
about it (``pairs_checked``)."""


@dataclass(frozen=True)
class TranscriptMatch:
    """Where and how a transcript says a phrase.

    Attributes:
        phrase: the canonical phrase (``StopPhrase.text``).
        kind: ``exact``, ``fuzzy`` or ``anchored`` (see the module docstring),
            or ``misheard``: other words stand in for the whole phrase
            (:mod:`.misheard`; :class:`PhraseMatcher` never finds this kind).
        distance: phone distance of the words that are not exact (0 for ``exact``).
        first, last: the matched words, ``words[first:last]``.
        stand_ins: for ``anchored``, how many words stand in for the odd
            phrase word (1 or 2); for ``misheard``, for the whole phrase; 0
            for the other kinds.
        shorter: one word stands in that lacks two or more of the phrase
            word's phones ("key" for "kira"): rather a word heard than a name
            misspelt.
        near_miss: the word standing in is a near-miss of a short phrase word
            ("A. Siri." for "hey siri"): allowed only when the caller asks
            the model about it.
    """

    phrase: str
    kind: MatchKind
    distance: float
    first: int
    last: int
    stand_ins: int = 0
    shorter: bool = False
    near_miss: bool = False


@dataclass(frozen=True)
class _Spelling:
    words: tuple[str, ...]
    prons: tuple[Pron, ...]  # the whole spelling, concatenated
    word_prons: tuple[tuple[Pron, ...], ...]  # per word
    near_misses: tuple[frozenset[str], ...]  # per word: its dictionary neighbours
    near_radius: tuple[int, ...]  # per word: phone edits within which a word is a near-miss


class PhraseMatcher:
    """Finds stop phrases in transcripts (exact, fuzzy or anchored; see the module docstring).

    Args:
        phrases: the stop phrases; their ``pronunciations`` are used for
            words missing from the dictionary.
        fuzzy_max: largest phone distance of a ``fuzzy`` match.
        loose_ratio: largest distance of an ``anchored`` match's odd word,
            per phone of the phrase word it stands for.
        loose_max: largest distance of an ``anchored`` match's odd word,
            whatever the word's length.
    """

    def __init__(
        self,
        phrases: Sequence[StopPhrase],
        *,
        fuzzy_max: float = 0.5,
        loose_ratio: float = 0.6,
        loose_max: float = 2.5,
    ) -> None:
        self.fuzzy_max = float(fuzzy_max)
        self.loose_ratio = float(loose_ratio)
        self.loose_max = float(loose_max)
        self._spellings: dict[str, list[_Spelling]] = {}
        self._pronouncers: dict[str, Pronouncer] = {}
        self._near_miss_words: dict[tuple[str, int], frozenset[str]] = {}  # computed on first use
        for phrase in phrases:
            pron = Pronouncer(dict(phrase.pronunciations))
            self._pronouncers[phrase.text] = pron
            spellings = []
            own = {w for words in phrase.spellings for w in words}
            for words in phrase.spellings:
                per_word = tuple(pron.word(w) for w in words)
                near = tuple(_near_misses(p) - own for p in per_word)
                radius = tuple(_near_miss_radius(p) for p in per_word)
                spellings.append(_Spelling(words, pron.words(words), per_word, near, radius))
            self._spellings[phrase.text] = spellings

    @property
    def phrases(self) -> tuple[str, ...]:
        return tuple(self._spellings)

    def find(
        self,
        text: str,
        phrase: str,
        *,
        anchored: bool = False,
        word_pairs: bool = True,
        pairs_checked: bool = False,
    ) -> TranscriptMatch | None:
        """The surest way ``text`` says ``phrase`` (the last one if it says it twice).

        ``anchored=True`` also allows the ``anchored`` kind; ``word_pairs=False``
        keeps two dictionary words that together are a near-miss of the odd
        word from standing in for it ("I rest" for "iris").  ``pairs_checked=True``:
        the caller checks every pair that stands in some other way (the model's
        odds, :mod:`.phrase_odds`), so a pair may start with a near-miss word
        ("Okay, no, well" for "okay nova").
        """
        words = normalize_phrase(text)
        # only a near-miss stand-in asks where Whisper wrote breaks, and only when pairs are checked
        breaks = words_before_a_break(text) if anchored and pairs_checked else frozenset()
        best: TranscriptMatch | None = None
        for spelling in self._spellings[phrase]:
            for match in (
                self._exact(words, phrase, spelling),
                self._fuzzy(words, phrase, spelling),
                (
                    self._anchored(words, breaks, phrase, spelling, word_pairs, pairs_checked)
                    if anchored
                    else None
                ),
            ):
                if match is not None and (best is None or _rank(match) < _rank(best)):
                    best = match
        return best

    def _exact(
        self, words: tuple[str, ...], phrase: str, spelling: _Spelling
    ) -> TranscriptMatch | None:
        n = len(spelling.words)
        for i in range(len(words) - n, -1, -1):
            if words[i : i + n] == spelling.words:
                return TranscriptMatch(phrase, "exact", 0.0, i, i + n)
        return None

    def _fuzzy(
        self, words: tuple[str, ...], phrase: str, spelling: _Spelling
    ) -> TranscriptMatch | None:
        if not spelling.prons:
            return None
        pron = self._pronouncers[phrase]
        n = len(spelling.words)
        best: TranscriptMatch | None = None
        for size in range(max(1, n - 1), n + 2):
            for i in range(len(words) - size + 1):
                dist = pron.distance(words[i : i + size], spelling.prons)
                if dist is not None and dist <= self.fuzzy_max:
                    match = TranscriptMatch(phrase, "fuzzy", dist, i, i + size)
                    if best is None or dist < best.distance:
                        best = match
        return best

    def _anchored(
        self,
        words: tuple[str, ...],
        breaks: frozenset[int],
        phrase: str,
        spelling: _Spelling,
        word_pairs: bool,
        pairs_checked: bool,
    ) -> TranscriptMatch | None:
        n = len(spelling.words)
        if n < 2:
            return None
        pron = self._pronouncers[phrase]
        best: TranscriptMatch | None = None
        for odd in range(n):
            target = spelling.word_prons[odd]
            if not target:
                continue
            limit = min(self.loose_ratio * min(len(p) for p in target), self.loose_max)
            # a near-miss of a short word that opens the phrase, written apart from it
            short = odd < n - 1 and max(len(p) for p in target) <= SHORT_WORD_PHONES
            before, after = spelling.words[:odd], spelling.words[odd + 1 :]
            for i in range(len(words) - len(before) + 1):
                if words[i : i + len(before)] != before:
                    continue
                start = i + len(before)
                for size in (1, 2):
                    end = start + size
                    if end > len(words) or words[end : end + len(after)] != after:
                        continue
                    near_miss = words[start] in spelling.near_misses[odd]
                    apart = size == 1 and short and start in breaks
                    if near_miss and not (pairs_checked and (size == 2 or apart)):
                        continue  # a near-miss word heard as such ("computing", "compute her")
                    if (
                        size == 2
                        and not word_pairs
                        and self._heard_as_words(
                            words[start:end], target, spelling.near_radius[odd], pron
                        )
                    ):
                        continue  # two words heard as such, together a near-miss ("I rest")
                    dist = pron.distance(words[start:end], target)
                    if dist is not None and dist <= limit:
                        match = TranscriptMatch(
                            phrase,
                            "anchored",
                            dist,
                            i,
                            end + len(after),
                            stand_ins=size,
                            shorter=size == 1 and self._much_shorter(words[start], target, pron),
                            near_miss=size == 1 and near_miss,
                        )
                        if best is None or dist < best.distance:
                            best = match
        return best

    def near_misses_said(self, text: str, phrase: str, *, min_phones: int = 5) -> bool:
        """``text`` holds a near-miss word of one of ``phrase``'s long words ("computes").

        Words of fewer than ``min_phones`` phones are left out: their near-miss
        families hold everyday words ("they" for "ok") and pieces of garbles
        ("risk" of espeak's "The law I risk." for "hello iris").
        """
        said = set(normalize_phrase(text))
        return bool(self.near_miss_words(phrase, min_phones=min_phones) & said)

    def near_miss_words(self, phrase: str, *, min_phones: int = 5) -> frozenset[str]:
        """The near-miss families of ``phrase``'s words of ``min_phones`` phones or more."""
        key = (phrase, min_phones)
        if key not in self._near_miss_words:
            out: set[str] = set()
            for spelling in self._spellings[phrase]:
                for prons, near in zip(spelling.word_prons, spelling.near_misses, strict=True):
                    if prons and min(len(p) for p in prons) >= min_phones:
                        out |= near
            self._near_miss_words[key] = frozenset(out)
        return self._near_miss_words[key]

    def rivals(
        self, text: str, match: TranscriptMatch, *, within: float = 1.5, most: int = 3
    ) -> Spellings:
        """The phrase with its odd word swapped for near-miss words that sound like the stand-in.

        For an ``anchored`` match where one word stands in ("Hello, Vires."),
        the words of the odd phrase word's near-miss family within ``within``
        phone edits of the stand-in ("virus", 1.25 from "vires"), nearest
        first, at most ``most``: ``(("hello", "virus"),)``.  None if the
        stand-in sounds like no near-miss word.
        """
        pron = self._pronouncers[match.phrase]
        out: list[tuple[str, ...]] = []
        for spelling, k, stand_in in self._odd_words(text, match):
            target = pron.word(stand_in)
            near = []
            for word in spelling.near_misses[k] if target else ():
                dist = pron.distance((word,), target)
                if dist is not None and dist <= within:
                    near.append((dist, word))
            out += [_swapped(spelling.words, k, word) for _, word in sorted(near)[:most]]
        return tuple(dict.fromkeys(out))

    def nearly_written(self, heard: ScoredTranscript, match: TranscriptMatch) -> Spellings:
        """The phrase with its odd word swapped for near-miss words the model nearly wrote there.

        Whisper writes "Hello, wires." for "hello virus" with "virus" its
        runner-up for "wires" (:attr:`.HeardWord.rivals`), and "wires" is too
        far from "virus" for :meth:`rivals`. A runner-up is one token, so one
        the phrase word starts with ("kir" for "kira") or two phones or more
        shorter than it ("mor" for "zorbo") is taken for a piece of a word.
        """
        if heard.words is None:
            return ()
        pron = self._pronouncers[match.phrase]
        out: list[tuple[str, ...]] = []
        for spelling, k, stand_in in self._odd_words(heard.text, match):
            at = match.first + k
            if at >= len(heard.words) or heard.words[at].text != stand_in:
                continue
            for word, _ in heard.words[at].rivals:
                word = word.strip().lower()
                piece = spelling.words[k].startswith(word)
                piece = piece or self._much_shorter(word, spelling.word_prons[k], pron)
                if word in spelling.near_misses[k] and not piece:
                    out.append(_swapped(spelling.words, k, word))
        return tuple(dict.fromkeys(out))

    def _odd_words(self, text: str, match: TranscriptMatch) -> list[tuple[_Spelling, int, str]]:
        """Where one word stands in for a phrase word: spelling, word index, stand-in."""
        span = normalize_phrase(text)[match.first : match.last]
        out = []
        for spelling in self._spellings[match.phrase]:
            if len(spelling.words) != len(span):
                continue
            odd = [i for i, (a, b) in enumerate(zip(spelling.words, span, strict=True)) if a != b]
            if len(odd) == 1:
                out.append((spelling, odd[0], span[odd[0]]))
        return out

    @staticmethod
    def _much_shorter(word: str, target: tuple[Pron, ...], pron: Pronouncer) -> bool:
        """``word`` lacks two or more of the phrase word's phones.

        Whisper misspells a name it half hears at about its length ("wires",
        "Iars" for "iris"); "key" for "kira" is more likely a word it heard
        (though "Hello, I'S..." for "hello iris" was a garble).
        """
        sounds = pron.word(word)
        return bool(sounds) and max(map(len, sounds)) < min(map(len, target)) - 1

    @staticmethod
    def _heard_as_words(
        span: tuple[str, ...], target: tuple[Pron, ...], radius: int, pron: Pronouncer
    ) -> bool:
        """Dictionary words that together are within a near-miss's phone edits of ``target``."""
        if not all(is_dictionary_word(w) for w in span):
            return False
        return any(phone_edits(h, t) <= radius for h in pron.words(span) for t in target)


def _swapped(words: tuple[str, ...], k: int, word: str) -> tuple[str, ...]:
    return (*words[:k], word, *words[k + 1 :])


def _rank(match: TranscriptMatch) -> tuple[int, float]:
    return KIND_ORDER[match.kind], match.distance


def _near_miss_radius(prons: tuple[Pron, ...]) -> int:
    """The phone edits within which :func:`_near_misses` looks (the widest of ``prons``)."""
    return max((max_distance(" ".join(p)) + 1 for p in prons), default=0)


def _near_misses(prons: tuple[Pron, ...]) -> frozenset[str]:
    """Dictionary words near any of ``prons`` (normalised): 2 phone edits, 3 from 5 phones."""
    out: set[str] = set()
    for pron in prons:
        text = " ".join(pron)
        for _dist, word, _pron in neighbours(text, max_distance(text) + 1):
            out.update(normalize_phrase(word))
    return frozenset(out)
