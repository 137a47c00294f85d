"""Words that stand in for a phrase without spelling any of it: garbles and mishearings.

Two ways Whisper tiny.en writes a phrase it heard as something else, which
:class:`.ConfirmRules` accepts only with the model's own odds
(:mod:`.phrase_odds`) and only in narrow cases:

* a one-word phrase it wrote on one look and garbled on the next, as a
  made-up word near it ("Empeter, what is the weather?" after "computer");
* a phrase of several words heard as other words, none of them the
  phrase's: espeak's "hello iris", whose "h" is weak, comes back as "The low
  my wrist." or "The law I receive." -- as a speaker who drops the "h"
  might.  The model, asked, finds "Hello Iris" there about as likely as what
  it wrote (-0.8, -1.8 nats), where near-miss sentences written without a
  phrase word ("the Irish balloon", "the diaries of these") score -18 and
  below.  A span holding a word of the phrase is left to the ``anchored``
  kind of :class:`.PhraseMatcher`, which knows its near-miss words: "Hello,
  Virus." and "Hello, buyers." score as well as true phrases (-2.6, -3.2).
  A span holding a near-miss word of a long phrase word ("computed", "a
  computing" for "ok computer") never stands in: Whisper heard that word.

Short of standing in, a transcript that merely sounds near the phrase
(:func:`sounds_near`) earns a candidate another look.
"""

from __future__ import annotations

from collections.abc import Collection

from .normalize import normalize_phrase
from .phonetic import Pronouncer, is_dictionary_word, words_near
from .transcript_match import TranscriptMatch
from .types import Spellings

__all__ = ["GARBLE_RATIO", "MISHEARD_RATIO", "garbled_word", "misheard_phrase", "sounds_near"]

GARBLE_RATIO = 0.5
"""How far (phone edits per phrase phone) a made-up word may be from a one-word phrase an
earlier look wrote, to stand in for it: "Emptor" and "Empture" for "computer" are 3.6 of 8."""

MISHEARD_RATIO = 0.42
"""How far (weighted phone distance per phrase phone) the words heard in place of a
several-word phrase may sound from it: "the low my wrist" is 2.6 from "hello iris" (8 phones),
"the law i receive" 3.2; "the lights" (3.6) and "how far is" (3.45) are not worth asking the
model about."""

MISHEARD_MAX_WORDS = 4
"""The most words that may stand in for a whole phrase ("the low high risk")."""


def garbled_word(
    text: str, phrase: str, pron: Pronouncer, spellings: Spellings
) -> TranscriptMatch | None:
    """The made-up word in ``text`` nearest one-word ``phrase``, if no real word is near it.

    Whisper garbles a word that opens its window ("Empeter", "Dempeater"
    for "computer"); a near-miss it writes as the words it heard
    ("computed again", "Commutors computed"), and a real word near the
    phrase means it heard that word.
    """
    words = normalize_phrase(text)
    best: TranscriptMatch | None = None
    for spelling in spellings:
        if len(spelling) != 1:
            continue
        for index, word, dist in words_near(pron, words, pron.word(spelling[0]), GARBLE_RATIO):
            if is_dictionary_word(word):
                return None  # a real word near the phrase: Whisper heard it
            if best is None or dist < best.distance:
                best = TranscriptMatch(phrase, "anchored", dist, index, index + 1, 1)
    return best


def misheard_phrase(
    text: str,
    phrase: str,
    pron: Pronouncer,
    spellings: Spellings,
    heard_as_such: Collection[str] = (),
    *,
    ratio: float = MISHEARD_RATIO,
    max_words: int = MISHEARD_MAX_WORDS,
) -> TranscriptMatch | None:
    """The words of ``text`` that sound nearest a several-word ``phrase``, none of them its own.

    One to ``max_words`` consecutive words, within ``ratio`` times the
    phrase's phone count of some spelling of it, holding no word of any
    spelling and none of ``heard_as_such`` (near-miss words of the phrase's
    long words: :meth:`.PhraseMatcher.near_miss_words`); ``None`` for a
    one-word phrase (its near-misses are single words: "computed" for
    "computer").  The match is of kind ``misheard``.
    """
    multiword = [s for s in spellings if len(s) > 1]
    if not multiword:
        return None
    excluded = {word for spelling in spellings for word in spelling} | set(heard_as_such)
    words = normalize_phrase(text)
    best: TranscriptMatch | None = None
    for spelling in multiword:
        target = pron.words(spelling)
        if not target:
            continue
        limit = ratio * min(len(t) for t in target)
        for first in range(len(words)):
            for last in range(first + 1, min(len(words), first + max_words) + 1):
                span = words[first:last]
                if excluded.intersection(span):
                    break  # longer spans from here hold it too
                dist = pron.distance(span, target)
                if dist is None or dist > limit:
                    continue
                if best is None or dist < best.distance:
                    best = TranscriptMatch(phrase, "misheard", dist, first, last, len(span))
    return best


def sounds_near(text: str, spellings: Spellings, pron: Pronouncer, ratio: float) -> bool:
    """Whether ``text`` holds a word of a several-word phrase, or a made-up word near one.

    Near a phrase word, or the phrase run together ("Alowires." for a deep
    "hello iris"), within ``ratio`` phone distance per phone. A dictionary
    word near the phrase ("commuters" for "computer") does not count:
    Whisper heard that word; a word it made up ("Temputer") means it was
    unsure, and more context (a later look) may settle it.
    """
    heard = normalize_phrase(text)
    for spelling in spellings:
        if len(spelling) > 1 and set(spelling) & set(heard):
            return True
        targets = [pron.word(word) for word in spelling]
        if len(spelling) > 1:
            targets.append(pron.words(spelling))
        for target in targets:
            near = words_near(pron, heard, target, ratio)
            if any(not is_dictionary_word(word) for _, word, _ in near):
                return True
    return False
