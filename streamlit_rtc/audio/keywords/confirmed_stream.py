"""One stream of :class:`.ConfirmedDetector`: when each candidate is transcribed, and the verdict.

Stage 1's candidates that overlap are grouped and confirmed or rejected
together (:class:`.ConfirmRules` judges each transcript).

A candidate is transcribed once ``first_look_s`` of audio
after it arrived (the window then holds the whole phrase, and Whisper,
which needs ~1.5 s to say anything, gets earlier audio too); when that
transcript comes close but does not confirm -- or says the phrase but the
model wrote it unsure (:class:`.ConfirmRules`) -- once more
``second_look_s`` after it, with the words that follow for context, over a
window that starts no later than the first one did.  A first transcript
that ends on the phrase unsure gets a quick extra look ``edge_look_s``
after it first: whether the phrase was a word of its own or the start of
a longer one ("compute this") is plain a quarter of a second later.  A
quick look that does not confirm leaves the decision to the second look,
which a near-miss word the quick one wrote ("He computes it") holds to a
sure reading.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..formants import played_faster, reading_speed
from ..speech.heard_words import ScoredTranscript
from ..speech.protocols import ReadingScorer, ScoredSTTModel
from .alignment import ALIGN_AFTER_S
from .candidates import CandidateStreams
from .confirm_rules import Verdict
from .phrase_odds import phrase_odds
from .ring import AudioRing
from .transcript_match import TranscriptMatch
from .types import KeywordHit, Spellings, feed_slices
from .voice_warp import VoiceMatchedStreams

if TYPE_CHECKING:
    from .confirmed import ConfirmedDetector

__all__ = ["ConfirmedStream"]

LOG = logging.getLogger(__name__)


@dataclass
class _Group:
    """Overlapping stage-1 candidates, confirmed or rejected together."""

    members: list[KeywordHit]
    due_s: float
    looks: int = 0
    partial: list[KeywordHit] = field(default_factory=list)  # heard by their last word only
    first_start_s: float | None = None  # where the first look's window began
    edge_look: bool = False  # a look soon after the first was taken or is due
    rivals: Spellings = ()  # near-miss readings a look preferred to the phrase
    near_misses: frozenset[str] = frozenset()  # phrases a look wrote a near-miss word of
    written: str | None = None  # a one-word phrase the first look wrote exactly but unsure

    @property
    def start_s(self) -> float:
        return min(m.start_s for m in self.members)

    @property
    def end_s(self) -> float:
        return max(m.end_s for m in self.members)


class ConfirmedStream:
    """A stream of :class:`ConfirmedDetector`: stage-1 decoder, recent audio, pending candidates."""

    def __init__(
        self, detector: ConfirmedDetector, stage1: CandidateStreams | VoiceMatchedStreams
    ) -> None:
        self._det = detector
        self._stage1 = stage1
        rate = detector.sample_rate
        longest = max(p.max_words for p in detector.phrases)
        keep_s = detector.min_window_s + (detector.second_look_s or 1.0) + 0.8 * longest + 1.0
        self._ring = AudioRing(rate, keep_s)
        self._pending: list[_Group] = []
        self._last_end = float("-inf")  # end of the last reported hit
        self.transcriptions = 0  # stage-2 calls so far (for benchmarks and logs)

    @property
    def stream_time_s(self) -> float:
        """Seconds of audio fed so far."""
        return self._ring.now_s

    def reset(self) -> None:
        """Restart the keyphrase search (stream time and pending candidates are kept)."""
        self._stage1.reset()

    def feed(self, audio: np.ndarray) -> list[KeywordHit]:
        """Consume int16 mono audio; return the hits confirmed so far that are new."""
        hits: list[KeywordHit] = []
        for part in feed_slices(audio):
            found = self._stage1.feed(part)
            self._ring.push(part)
            for cand in found:
                self._add(cand)
            hits.extend(self._due())
        return hits

    def _add(self, found: KeywordHit) -> None:
        if found.start_s < self._last_end:
            return
        looks = self._det.worth_a_look(found, high_voice=self._stage1.high_voice)
        if not looks:
            LOG.debug("candidate %s scores too low for a look", found)
        for cand in looks:
            self._add_one(cand, partial=cand.phrase != found.phrase)

    def _add_one(self, cand: KeywordHit, *, partial: bool) -> None:
        # A phrase heard by its last word is looked at once the audio its end will
        # be re-measured on is in (ALIGN_AFTER_S), so the window holds all of it too.
        after = max(self._det.first_look_s, ALIGN_AFTER_S) if partial else self._det.first_look_s
        first = cand.end_s + after
        for group in self._pending:
            if group.looks == 0 and cand.start_s < group.end_s and group.start_s < cand.end_s:
                group.members.append(cand)
                group.due_s = max(group.due_s, first)
                break
        else:
            group = _Group([cand], first)
            self._pending.append(group)
        if partial:
            group.partial.append(cand)

    def _due(self) -> list[KeywordHit]:
        now = self._ring.now_s
        hits: list[KeywordHit] = []
        keep: list[_Group] = []
        for group in self._pending:
            if group.due_s > now:
                keep.append(group)
                continue
            if group.start_s < self._last_end:
                continue  # overlaps a hit reported meanwhile
            verdict = self._look(group, now)
            if verdict.hit is not None:
                hit = self._realigned(verdict.hit) if verdict.by_last_word else verdict.hit
                self._last_end = hit.end_s
                hits.append(hit)
            elif (verdict.close or group.edge_look) and self._det.second_look_s is not None:
                # After a quick look, only the last may reject what the first wrote.
                if verdict.soon and not group.edge_look and self._det.edge_look_s is not None:
                    group.edge_look = True
                    group.due_s = group.end_s + self._det.edge_look_s
                    keep.append(group)
                elif group.looks - group.edge_look == 1:
                    group.due_s = group.end_s + self._det.second_look_s
                    keep.append(group)
        self._pending = keep
        return hits

    def _realigned(self, hit: KeywordHit) -> KeywordHit:
        """``hit`` ending where a forced alignment of its phrase ends, not where the word fired.

        A lone last word fires where its score first crosses the threshold,
        sometimes mid-word ("iris" 0.3 s before its "s" ended), and the
        request after the phrase starts at the hit's end.
        """
        det = self._det
        start = max(hit.start_s - det.pre_s, self._last_end, self._ring.oldest_s)
        end = min(hit.end_s + ALIGN_AFTER_S, self._ring.now_s)
        found = det.candidates.aligner().end_s(
            hit.phrase, self._ring.window(start, end), self._stage1.cmn
        )
        if found is None:
            LOG.debug("%s: the phrase did not align; keeping the search's end", hit)
            return hit
        aligned_end = min(max(start + found, hit.start_s), end)
        LOG.debug("%s: aligned end %.2f s (the search said %.2f s)", hit, aligned_end, hit.end_s)
        return KeywordHit(hit.phrase, hit.start_s, aligned_end, hit.score)

    def _heard(self, window: np.ndarray) -> np.ndarray:
        """``window`` as the transcriber gets it: a deep voice lifted, a high one lowered.

        Whisper tiny.en writes a deep voice's "compute this" and "computed",
        and a high voice's "computed", as "computer", sure of it; moved to an
        ordinary voice it reads them as said (``docs/stop-phrase-research.md``).
        """
        det = self._det
        speed = reading_speed(
            self._stage1.f3_hz, det.lift_deep_voices_to_hz, det.lower_high_voices_to_hz
        )
        return played_faster(window, det.sample_rate, speed)

    def _transcribe(self, window: np.ndarray) -> ScoredTranscript:
        stt = self._det.stt
        audio = (self._det.sample_rate, window)
        if isinstance(stt, ScoredSTTModel):
            return stt.stt_scored(audio)
        return ScoredTranscript(stt.stt(audio))

    def _odds_askers(
        self, window: np.ndarray, text: str
    ) -> tuple[
        Callable[[TranscriptMatch], float] | None,
        Callable[[TranscriptMatch, Spellings], float] | None,
    ]:
        """How the rules ask the model about a rough match in ``window`` (if it can say):
        the odds of the phrase, and of other readings in its place."""
        stt = self._det.stt
        if not isinstance(stt, ReadingScorer):
            return None, None
        audio = (self._det.sample_rate, window)
        spellings = self._det._spellings

        def readings(match: TranscriptMatch, said: Spellings) -> float:
            return phrase_odds(stt, audio, text, match, said)

        return lambda match: readings(match, spellings[match.phrase]), readings

    def _sounds_asker(self, window: np.ndarray) -> Callable[[Sequence[str], Sequence[str]], float]:
        """How the rules ask the acoustic model which of two readings ``window`` sounds like
        (the window as the search heard it, normalised with the search's cepstral mean)."""

        def ask(ours: Sequence[str], theirs: Sequence[str]) -> float:
            # built and read when asked, not on every look: most looks never ask
            sounds = self._det.candidates.reading_sounds()
            return sounds.preference(ours, theirs, window, self._stage1.cmn)

        return ask

    def _look(self, group: _Group, now: float) -> Verdict:
        det = self._det
        end = min(now, group.due_s)
        start = min(group.start_s - det.pre_s, end - det.min_window_s)
        if group.first_start_s is not None:
            # The second look adds what followed, never takes away what came
            # before: Whisper drops or garbles a word that opens its window
            # ("Emptor, what is the weather?" for "computer, what is ...").
            start = min(start, group.first_start_s)
        start = max(start, self._last_end, self._ring.oldest_s)
        group.first_start_s = start if group.first_start_s is None else group.first_start_s
        raw = self._ring.window(start, end)
        window = self._heard(raw)
        heard = self._transcribe(window)
        self.transcriptions += 1
        group.looks += 1
        last = group.looks - group.edge_look > 1 or det.second_look_s is None
        # An early look has heard too little after the candidate to tell a
        # whole word from the start of a longer one.
        settled_s = det.edge_look_s or det.second_look_s or float("inf")
        odds, rival_odds = self._odds_askers(window, heard.text)
        verdict = det.rules.judge(
            group.members,
            heard,
            last_look=last,
            early=end - group.end_s < settled_s - 1e-6,
            soon_possible=det.edge_look_s is not None and not group.edge_look,
            partial=group.partial,
            phrase_odds=odds,
            rival_odds=rival_odds,
            rival_sounds=self._sounds_asker(raw),
            written_before=group.written,
            rivals_before=group.rivals,
            near_misses_before=group.near_misses,
        )
        group.rivals = verdict.rivals or group.rivals
        group.near_misses |= verdict.near_misses
        if verdict.close and verdict.match is not None and verdict.match.kind == "exact":
            group.written = verdict.match.phrase  # the rules use it for one-word phrases only
        LOG.debug(
            "look %d at %s over %.2f-%.2f s: %r -> %s",
            group.looks,
            [(m.phrase, round(m.end_s, 2), round(m.score or 0.0, 1)) for m in group.members],
            start,
            end,
            heard.text,
            verdict,
        )
        return verdict
