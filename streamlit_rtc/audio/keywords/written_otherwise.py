"""Verdicts on a phrase a transcript says only in other words (:mod:`.misheard`).

:class:`.ConfirmRules` asks here when no match of :class:`.PhraseMatcher`
confirms a candidate: a phrase of several words the search heard whole but
Whisper wrote as other words, or a one-word phrase written as a made-up word
near it. Both count only with the model's own odds, by the rules' floors.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Mapping, Sequence
from typing import TYPE_CHECKING

from .misheard import garbled_word, misheard_phrase
from .phonetic import Pronouncer
from .transcript_match import TranscriptMatch
from .types import KeywordHit, Spellings
from .verdict import Verdict

if TYPE_CHECKING:
    from .confirm_rules import ConfirmRules

__all__ = ["WrittenOtherwise"]

LOG = logging.getLogger(__name__)


class WrittenOtherwise:
    """The rules for phrases written in other words, with ``rules``' floors and tables.

    Args:
        rules: the rules that ask (their thresholds are read at each call).
        pron, spellings, words: per phrase, its pronouncer, spellings and
            most words (the rules' own tables).
    """

    def __init__(
        self,
        rules: ConfirmRules,
        pron: Mapping[str, Pronouncer],
        spellings: Mapping[str, Spellings],
        words: Mapping[str, int],
    ) -> None:
        self._rules = rules
        self._pron = pron
        self._spellings = spellings
        self._words = words

    def misheard(
        self,
        members: Sequence[KeywordHit],
        text: str,
        partial: Collection[KeywordHit],
        phrase_odds: Callable[[TranscriptMatch], float],
        near_misses_before: Collection[str],
    ) -> Verdict | None:
        """A several-word phrase the search heard whole, written as other words (.misheard)."""
        for member in members:
            if member in partial or member.phrase in near_misses_before:
                continue
            if member.score is None or member.score < self._rules.anchor_margin:
                continue
            phrase = member.phrase
            heard_as_such = self._rules.matcher.near_miss_words(phrase)
            match = misheard_phrase(
                text, phrase, self._pron[phrase], self._spellings[phrase], heard_as_such
            )
            if match is None:
                continue
            odds = phrase_odds(match)
            LOG.debug("%r: %r misheard? (odds %.1f)", text, member.phrase, odds)
            if odds >= self._rules.misheard_odds:
                return Verdict(member, match)
        return None

    def garbled(
        self,
        members: Sequence[KeywordHit],
        text: str,
        partial: Collection[KeywordHit],
        phrase_odds: Callable[[TranscriptMatch], float],
        rival_odds: Callable[[TranscriptMatch, Spellings], float] | None,
        written_before: str | None,
        near_misses_before: Collection[str],
    ) -> Verdict | None:
        """A one-word phrase written as a made-up word near it (:func:`.garbled_word`).

        It may stand in where an earlier look wrote the phrase exactly but
        unsure, or where the search heard the phrase whole and scored it
        well ("imputer" for a lone "computer" scored 116); either way only
        if the model finds the phrase in its place at least
        :attr:`.ConfirmRules.min_word_odds` likely, and no near-miss word of the phrase
        likelier ("Demputers." for "computers": the phrase -3.1, "computers"
        -0.6).
        """
        owners: dict[str, KeywordHit] = {}
        if written_before is not None:
            owners[written_before] = next(
                m for m in members if written_before in self._rules.related(m.phrase)
            )
        for member in members:
            whole = self._words[member.phrase] == 1 and member not in partial
            if whole and self._rules.scored_well(member):
                owners.setdefault(member.phrase, member)
        for phrase, owner in owners.items():
            if phrase in near_misses_before:
                continue
            garble = garbled_word(text, phrase, self._pron[phrase], self._spellings[phrase])
            if garble is None:
                continue
            odds = phrase_odds(garble)
            if odds < self._rules.min_word_odds:
                LOG.debug("%r garbles %r, but unlikely there (odds %.1f)", text, phrase, odds)
                continue
            near = tuple((word,) for word in sorted(self._rules.matcher.near_miss_words(phrase)))
            rival = rival_odds(garble, near) if near and rival_odds is not None else None
            LOG.debug("%r garbles %r (odds %.1f, near-miss odds %s)", text, phrase, odds, rival)
            if rival is not None and rival > odds + self._rules.rival_margin:
                continue
            return Verdict(KeywordHit(phrase, owner.start_s, owner.end_s, owner.score), garble)
        return None
