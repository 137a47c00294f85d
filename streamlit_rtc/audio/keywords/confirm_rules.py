"""Stage 2's decision: does a transcript confirm a keyphrase candidate, and as which phrase?

A candidate is a phrase the keyphrase search heard, with its times and its
score (keyphrase path minus the search's phone loop, natural log).  The
transcript of a window around it confirms it when it says the candidate's
phrase -- or a *related* one ("ok computer" and "computer": the transcript
tells which was said, the search where it ended) -- in one of the ways of
:class:`.PhraseMatcher`, surest first: ``exact``, ``fuzzy``, and
``anchored``, which also needs the candidate's score.

Doubt is settled by looking again, later: an ``exact`` match the model
wrote unsure (:class:`.ScoredTranscript`), or that ends an early look's
transcript unsure, cut off ("compute this" cut 0.2 s after "compute" reads
"computer") or heard weakly by the search, or one of a word the model wrote
three times or more in a row (a loop: "computer computer computer").  Words
standing in for a phrase word (``anchored``) count only if the model, asked (:mod:`.phrase_odds`),
finds the phrase in their place about as likely as what it wrote, and no
likelier a near-miss word that sounds like them ("Hello, Vires." for "hello
virus"); nor may the sounds (:mod:`.reading_sounds`) prefer such a reading,
or one with a near-miss word the model nearly wrote ("Hello, wires." with
"virus" runner-up, said "hello virus").  A phrase
of several words written as other words altogether (:mod:`.misheard`:
espeak's "hello iris" as "The low my wrist.") counts only if the search
heard it whole and the model finds it about as likely there; a one-word
phrase written as a made-up word ("imputer"), on the last look, only if no
near-miss word of it is likelier there.  Measurements: ``docs/stop-phrase-research.md``.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence

from ..speech.heard_words import ScoredTranscript
from .match_evidence import (
    cut_short,
    ends_transcript,
    in_a_loop,
    match_confidence,
    near_miss_rival,
)
from .misheard import GARBLE_RATIO, sounds_near
from .normalize import normalize_phrase
from .phonetic import Pronouncer
from .transcript_match import KIND_ORDER, PhraseMatcher, TranscriptMatch
from .types import KeywordHit, Spellings, StopPhrase, related_phrases, variant_words
from .verdict import Verdict
from .written_otherwise import WrittenOtherwise

__all__ = ["GARBLE_RATIO", "ConfirmRules", "Verdict"]

LOG = logging.getLogger(__name__)


class ConfirmRules:
    """Confirms candidates with a transcript (see the module docstring).

    Args:
        phrases: the configured stop phrases.
        anchor_margin: least keyphrase score (natural log) for an
            ``anchored`` match; the search's threshold lets candidates through
            from about ``-2.3 * threshold_per_phone * phones`` up.
        fuzzy_max, loose_ratio, loose_max: passed to :class:`.PhraseMatcher`.
        close_ratio: a made-up transcript word (in no dictionary) within this
            phone distance per phone of a phrase word makes an unconfirmed
            candidate ``close``, as does a word of a multi-word phrase.
        second_look_score: a candidate of several words scored at least this
            is ``close`` whatever the transcript (Whisper tiny.en garbles names
            without context), as is any candidate scored that well whose
            transcript is empty. Two words standing in for a phrase word of a
            candidate scored under it count only on the last look, at
            :attr:`sure_phrase_odds` ("Hello, I read." for "hello Irene", -17).
        min_confidence: an ``exact`` match whose words the model wrote with
            less confidence is confirmed only on the last look.
        end_confidence: the same for the last word of an ``exact`` match that
            ends an ``early`` look's transcript (nothing after it to tell the
            phrase from a longer word or the start of other words).
        edge_confidence: on an ``early`` look, such a last word written
            less sure than this is looked at again ``soon`` ("compute this"
            cut 0.2 s after "compute" reads "computer" at 0.79-0.83), as is any
            such word of a candidate scored under ``second_look_score``.
        min_phrase_odds: an ``anchored`` match in which two words stand in for
            a phrase word ("I rest" for "iris") counts only if the model finds
            the transcript with the phrase in their place at most this much less
            likely (natural log, :mod:`.phrase_odds`) than what it wrote.
        sure_phrase_odds: before the last look such a match counts only at
            these odds or better, and on every look for a phrase heard by its
            last word alone, or where a near-miss word stands in for a short
            phrase word ("A. Siri." for "hey siri"); between the floors it waits.
        min_word_odds: the same floor for an ``anchored`` match in which one
            word stands in, lower: a garbled name ("Hello, wires") scored down
            to -9.7, a word heard as such ("Okay, keep it." for "okay kira")
            -17 and below. A word much shorter than the phrase word is held
            to :attr:`sure_phrase_odds` on every look ("Hey sir, come here."
            for "hey Sarah, ..." scored -7.2 for "hey siri").
        rival_margin: a word standing in that sounds like a near-miss word
            (:meth:`.PhraseMatcher.rivals`: "Vires" like "virus") does not
            count if the model (``judge``'s ``rival_odds``) finds the near-miss
            word likelier there by more than this.
        near_miss_rival: an ``exact`` match where the model nearly wrote a
            near-miss word of the phrase instead, at least this likely
            relative to the phrase word (:func:`.near_miss_rival`: "the computer
            about." with "computed" 0.44 behind), is only ``close`` before the
            last look and rejected on it; one that only moves the word boundary
            ("computer search." with "computers") only before it. ``None``: off.
        sounds_margin: such a word does not count either if the acoustic
            model (``judge``'s ``rival_sounds``) finds a near-miss reading --
            one of those, or one the model nearly wrote there
            (:meth:`.PhraseMatcher.nearly_written`: "virus" behind "wires") --
            likelier over the window by more than this. ``None``: off.
        misheard_odds: a phrase of several words written as other words,
            none of them its own (:mod:`.misheard`), counts on any look if the
            search heard the whole phrase and the model finds the phrase there
            at least this likely (true -0.8 to -4.9; near-misses -18 and below).
    """

    def __init__(
        self,
        phrases: Sequence[StopPhrase],
        *,
        anchor_margin: float = -30.0,
        fuzzy_max: float = 0.5,
        loose_ratio: float = 0.6,
        loose_max: float = 2.5,
        close_ratio: float = 0.4,
        second_look_score: float = 0.0,
        min_confidence: float = 0.5,
        end_confidence: float = 0.65,
        edge_confidence: float = 0.9,
        min_phrase_odds: float = -7.5,
        sure_phrase_odds: float = -5.0,
        min_word_odds: float = -12.0,
        rival_margin: float = 0.0,
        misheard_odds: float = -5.0,
        near_miss_rival: float | None = 0.1,
        sounds_margin: float | None = 0.0,
    ) -> None:
        for name, value in (
            ("min_confidence", min_confidence),
            ("end_confidence", end_confidence),
            ("edge_confidence", edge_confidence),
        ):
            if not 0.0 <= value <= 1.0:
                raise ValueError(f"{name} must be in [0, 1], got {value}")
        self.phrases = tuple(phrases)
        self.anchor_margin = float(anchor_margin)
        self.close_ratio = float(close_ratio)
        self.second_look_score = float(second_look_score)
        self.min_confidence = float(min_confidence)
        self.end_confidence = float(end_confidence)
        self.edge_confidence = max(float(edge_confidence), self.end_confidence)
        self.min_phrase_odds = float(min_phrase_odds)
        self.sure_phrase_odds = max(float(sure_phrase_odds), self.min_phrase_odds)
        self.min_word_odds = float(min_word_odds)
        self.rival_margin = float(rival_margin)
        self.misheard_odds = float(misheard_odds)
        self.near_miss_rival = None if near_miss_rival is None else float(near_miss_rival)
        self.sounds_margin = None if sounds_margin is None else float(sounds_margin)
        self.matcher = PhraseMatcher(
            self.phrases, fuzzy_max=fuzzy_max, loose_ratio=loose_ratio, loose_max=loose_max
        )
        self._words = {p.text: p.max_words for p in self.phrases}
        self._related = {p.text: related_phrases(p, self.phrases) for p in self.phrases}
        self._pron = {p.text: Pronouncer(dict(p.pronunciations)) for p in self.phrases}
        self._variant_words = {p.text: variant_words(p) for p in self.phrases}
        self._spellings = {p.text: p.spellings for p in self.phrases}
        self._otherwise = WrittenOtherwise(self, self._pron, self._spellings, self._words)

    def related(self, phrase: str) -> tuple[str, ...]:
        """Phrases a candidate of ``phrase`` may turn out to be (itself first)."""
        return self._related[phrase]

    def judge(
        self,
        members: Sequence[KeywordHit],
        heard: str | ScoredTranscript,
        *,
        last_look: bool = True,
        early: bool = False,
        soon_possible: bool = True,
        partial: Collection[KeywordHit] = (),
        phrase_odds: Callable[[TranscriptMatch], float] | None = None,
        rival_odds: Callable[[TranscriptMatch, Spellings], float] | None = None,
        rival_sounds: Callable[[Sequence[str], Sequence[str]], float] | None = None,
        written_before: str | None = None,
        rivals_before: Spellings = (),
        near_misses_before: Collection[str] = (),
    ) -> Verdict:
        """Confirm the best of ``members`` (overlapping candidates) with transcript ``heard``.

        Before the ``last_look``, an exact match the model wrote unsure
        (:attr:`min_confidence`) is only ``close``.  ``early``: the look came
        soon after the candidate, so one that ends the transcript unsure
        (:attr:`end_confidence`, :attr:`edge_confidence`) or cut off is
        ``close`` and ``soon``; on a later look a phrase that still ends the
        transcript had no word after it, and only :attr:`min_confidence`
        applies.  ``soon_possible``: whether a quick look can follow an early
        one; if not, :attr:`edge_confidence` does not apply.  ``partial``: members the
        search heard by their phrase's last word only; their score supports an
        ``anchored`` match, but does not by itself earn a second look, and
        two words standing in count for them only if the model can be asked,
        at :attr:`sure_phrase_odds` on every look.
        ``phrase_odds``: how much less likely the model finds the phrase than
        the words standing in for a phrase word in an ``anchored`` match
        (:mod:`.phrase_odds`; floors: :meth:`_odds_floor`); ``rival_odds``: the
        same for other readings in the phrase's place (:attr:`rival_margin`);
        ``rival_sounds``: the acoustic model's log-likelihood of the phrase's
        pronunciations over the window minus a rival reading's
        (:mod:`.reading_sounds`; under 0, the rival was said).
        ``rivals_before``: near-miss readings an earlier look's model preferred
        (``Verdict.rivals``: "Hello, Vires." on one look, "Hello, wires." on the next).
        ``near_misses_before``: phrases an earlier look wrote a near-miss word
        of (``Verdict.near_misses``: "He computes it", then "He computer every
        day."); such a phrase counts only if written exact and sure.
        ``written_before``: a phrase an earlier look wrote exactly but unsure.
        If it is one word and this transcript garbles it instead ("Empeter,
        what is the weather?"), the garble stands in for it, at :attr:`min_word_odds`.
        """
        if isinstance(heard, str):
            heard = ScoredTranscript(heard)
        text = heard.text
        best: tuple[tuple[int, int, float, bool], KeywordHit, TranscriptMatch] | None = None
        for member in members:
            sure = member.score is not None and member.score >= self.anchor_margin
            for phrase in self._related[member.phrase]:
                match = self.matcher.find(
                    text,
                    phrase,
                    anchored=sure and phrase == member.phrase,
                    word_pairs=member not in partial or phrase_odds is not None,
                    pairs_checked=phrase_odds is not None,
                )
                if match is None:
                    continue
                # Ties go to a candidate heard as the whole phrase: its times are surer.
                key = (
                    KIND_ORDER[match.kind],
                    -self._words[phrase],
                    match.distance,
                    member in partial,
                )
                if best is None or key < best[0]:
                    hit = KeywordHit(phrase, member.start_s, member.end_s, member.score)
                    best = (key, hit, match)
        if best is not None:
            key, hit, match = best
            confidence = match_confidence(heard, match, self._variant_words[match.phrase])
            confidence = confidence if match.kind == "exact" else None
            unsure = confidence is not None and confidence < self.min_confidence
            if match.phrase in near_misses_before and (confidence is None or unsure):
                LOG.debug("%r: an earlier look heard a near-miss of %r", text, match.phrase)
                return Verdict(None, match, close=not last_look)
            if confidence is not None and self._rivalled(heard, match, last_look):
                return Verdict(None, match, close=not last_look)
            ends = early and ends_transcript(text, match)
            last = None
            if ends and match.kind == "exact":
                last = match_confidence(heard, match, last_word_only=True)
                unsure = unsure or (last is not None and last < self.end_confidence)
            cut = cut_short(text, match) or in_a_loop(text, match)
            weak = not self.scored_well(hit)
            edgy = last is not None and soon_possible and (weak or last < self.edge_confidence)
            soon = ends and (unsure or cut or edgy)
            if (unsure or cut or soon) and not last_look:
                return Verdict(None, match, close=True, confidence=confidence, soon=soon)
            if match.stand_ins and phrase_odds is not None:
                weak_pair = match.stand_ins > 1 and weak
                if weak_pair and not last_look:
                    return Verdict(None, match, close=True)  # the last look decides
                odds = phrase_odds(match)
                if odds < self._odds_floor(match, last_look, surer=key[-1] or weak_pair):
                    LOG.debug("%r: the model heard other words (odds %.1f)", text, odds)
                    return Verdict(None, match, close=not last_look)
                rivals: Spellings = ()
                nearly: Spellings = ()
                # A near-miss word standing in is itself the rival: its odds are the floor's.
                if match.stand_ins == 1 and not match.near_miss and rival_odds is not None:
                    n = match.last - match.first
                    before = (r for r in rivals_before if len(r) == n)
                    rivals = (*self.matcher.rivals(text, match), *before)
                    rivals = tuple(dict.fromkeys(rivals))
                    nearly = self.matcher.nearly_written(heard, match)
                if rivals and rival_odds is not None:
                    rival = rival_odds(match, rivals)
                    LOG.debug("%r: phrase odds %.1f, near-miss odds %.1f", text, odds, rival)
                    if rival > odds + self.rival_margin:
                        return Verdict(None, match, close=not last_look, rivals=rivals)
                readings = tuple(dict.fromkeys((*rivals, *nearly)))
                if readings and self._sounds_like_rival(match.phrase, readings, rival_sounds):
                    return Verdict(None, match, close=not last_look, rivals=rivals)
            return Verdict(hit, match, confidence=confidence, by_last_word=key[-1])
        if phrase_odds is not None:
            otherwise = self._otherwise
            misheard = otherwise.misheard(members, text, partial, phrase_odds, near_misses_before)
            if misheard is not None:
                return misheard
        if last_look and phrase_odds is not None:
            garbled = self._otherwise.garbled(
                members, text, partial, phrase_odds, rival_odds, written_before, near_misses_before
            )
            if garbled is not None:
                return garbled
        if not normalize_phrase(text):
            # Whisper sometimes writes nothing for a clear phrase (a short or
            # abrupt window); silence is no evidence against a candidate the
            # search scored well, so it gets the second look.
            return Verdict(None, close=any(self.scored_well(m) for m in members))
        close = any(
            (self._sure_multiword(m) and m not in partial) or self._close(text, m.phrase)
            for m in members
        )
        if last_look:  # no later look to hold to it
            return Verdict(None, close=close)
        said = {p for m in members for p in self._related[m.phrase]}
        near = frozenset(p for p in said if self.matcher.near_misses_said(text, p))
        return Verdict(None, close=close, near_misses=near)

    def _rivalled(self, heard: ScoredTranscript, match: TranscriptMatch, last_look: bool) -> bool:
        """Whether the model nearly wrote a near-miss word in place of the phrase's."""
        if self.near_miss_rival is None:
            return False
        near = self.matcher.near_miss_words(match.phrase)
        rival = near_miss_rival(heard, match, near, boundary_moves=not last_look)
        if rival is None or rival[1] < self.near_miss_rival:
            return False
        LOG.debug("%r: %r close behind the phrase (%.2f)", heard.text, *rival)
        return True

    def _sounds_like_rival(
        self,
        phrase: str,
        rivals: Spellings,
        rival_sounds: Callable[[Sequence[str], Sequence[str]], float] | None,
    ) -> bool:
        """Whether a rival reading sounds likelier than the phrase ("hello virus" for
        "Hello, wires.": the phrase 24 to 49 less likely; ``rival_sounds``)."""
        if rival_sounds is None or self.sounds_margin is None:
            return False
        pron = self._pron[phrase]
        ours = [" ".join(p) for s in self._spellings[phrase] for p in pron.words(s)]
        theirs = [" ".join(p) for s in rivals for p in pron.words(s)]
        preference = rival_sounds(ours, theirs)
        LOG.debug("%r against %s: the phrase sounds %.1f likelier", phrase, rivals, preference)
        return preference < -self.sounds_margin

    def _odds_floor(self, match: TranscriptMatch, last_look: bool, *, surer: bool) -> float:
        """The least odds at which the words standing in for a phrase word count (this look).

        Surer on every look for a near-miss word standing in for a short phrase word ("a" for
        "hey"), a word much shorter than the phrase word ("sir" for "siri"), and a pair where
        ``surer`` (heard by the phrase's last word alone, or weakly); else before the last look.
        """
        if match.near_miss or (match.stand_ins == 1 and match.shorter):
            return self.sure_phrase_odds
        if match.stand_ins == 1:
            return self.min_word_odds
        return self.min_phrase_odds if last_look and not surer else self.sure_phrase_odds

    def scored_well(self, member: KeywordHit) -> bool:
        """The search scored ``member`` at least :attr:`second_look_score`."""
        return member.score is not None and member.score >= self.second_look_score

    def _sure_multiword(self, member: KeywordHit) -> bool:
        """A phrase of several words the search scored well: Whisper may just need context."""
        return self._words[member.phrase] > 1 and self.scored_well(member)

    def _close(self, text: str, phrase: str) -> bool:
        """The transcript sounds near ``phrase`` or a related one (:func:`.sounds_near`)."""
        return any(
            sounds_near(text, self._spellings[name], self._pron[name], self.close_ratio)
            for name in self._related[phrase]
        )
