"""Two-stage stop-phrase detection: pocketsphinx raises candidates, Whisper confirms them.

Stage 1 is :class:`.PocketSphinxDetector`'s keyphrase search alone
(``verify=False``): cheap (a few % of a core while people talk) and
permissive -- it hears nearly every phrase said, and many words that only
sound like one ("compute the", "commuter").  Stage 2 transcribes a short
window around each candidate with a speech-to-text model (Whisper tiny.en
from the ``stt`` extra by default) and keeps the candidate only if the
transcript says the phrase (:class:`.PhraseMatcher`): as whole words, as
words that sound the same (Whisper's "Hello, Irish" for "hello iris"), or --
for a phrase of several words whose keyphrase score is good -- with all
words but one there exactly and the odd one sounding roughly like it.

Timing: the hit keeps the keyphrase search's times (the transcript has
none), so the request after the phrase starts where the search placed the
phrase's end -- unless the search heard only the phrase's last word
(:mod:`.candidates`), which may fire mid-word: then a forced alignment of
the phrase places its end (:class:`.PhraseAligner`).

When each candidate is looked at: :mod:`.confirmed_stream`.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Literal

from ..formants import DEEP_VOICE_LIFT_TO_HZ, HIGH_VOICE_LOWER_TO_HZ, checked_reading_band
from ..speech.protocols import STTModel
from .candidates import (
    LAST_WORD_MARGIN,
    CandidateStreams,
    LastWords,
    candidate_detector,
    warped,
)
from .confirm_rules import ConfirmRules
from .confirmed_stream import ConfirmedStream
from .pocketsphinx_detector import PocketSphinxDetector
from .pronunciation import guessed_notice, with_guessed_pronunciations
from .types import KeywordHit, StopPhrase, as_stop_phrases
from .voice_warp import VoiceMatchedStreams

__all__ = ["DEEPER_VOICES_WARP", "ConfirmedDetector", "ConfirmedStream", "WarpedSearch"]

LOG = logging.getLogger(__name__)

DEEPER_VOICES_WARP = 0.85
"""The default warp of the search for deep voices (``deeper_voices_warp``)."""
WarpedSearch = Literal["deep_voices", "always"]
"""When the warped keyphrase search listens: for a deep voice only, or always beside the plain."""


class ConfirmedDetector:
    """The dependable offline default: keyphrase candidates confirmed by speech-to-text.

    Args:
        stop_words: phrases as strings or :class:`StopPhrase`.
        stt: the speech-to-text model (anything with ``stt((rate, samples))``);
            default :func:`~streamlit_rtc.audio.speech.get_stt_model` (Whisper
            tiny.en, the ``stt`` extra), loaded now, not on a stream's first phrase.
        candidates: the stage-1 detector, for the same phrases (and at most
            their last words); default a permissive :class:`PocketSphinxDetector`
            (no near-miss check of its own, :func:`.candidate_detector`).
        rules: how a transcript confirms a candidate (:class:`ConfirmRules`).
        first_look_s: audio after a candidate's end before it is transcribed.
        edge_look_s: audio after its end for a quick extra look when the
            first transcript ended on the phrase unsure (``Verdict.soon``:
            the phrase may be the start of a longer word, "compute th-");
            ``None``: such a phrase waits for the second look.
        second_look_s: audio after its end for the second transcription of a
            candidate that came close; ``None``: look once.
        pre_s: audio before a candidate's start that the window always holds.
        min_window_s: the window reaches back at least this far (Whisper says
            nothing for much shorter audio), never across the last hit.
        min_score, min_score_multiword: candidates of one-word / longer
            phrases whose keyphrase score (natural log, path minus phone loop)
            is lower are dropped without a transcription: well below 0 the
            search itself prefers another sound there, and most of ordinary
            speech's candidates are such (this halves the transcriptions in
            conversation).  A voice higher than the fixtures' scores
            "computer" at -5 to -14, so the one-word floor is -15; several
            words score lower when said quickly, so they get more room.
        high_voices_min_score: the one-word floor for a high voice (a third
            formant above :data:`.HIGH_VOICE_F3_HZ`, a woman's or a child's),
            whose "computer" the plain search scores -16 to -35: piper clips
            with pitch and formants raised 20 % at the same tempo, recall
            0.867 -> 0.933, no false trigger (``docs/stop-phrase-research.md``).
            Known only where the voice is measured (``warped_search=
            "deep_voices"``); ``None``: ``min_score`` for every voice.
        last_word_margin: stage 1 also listens for the last word of each
            phrase of several words alone, where it beats the phone loop by
            this much (:class:`.LastWords`: deeper voices' "hello iris");
            ``None``: only for whole phrases.
        deeper_voices_warp: a second stage-1 search over a frequency axis
            warped by this factor (pocketsphinx's ``inverse_linear``
            ``warp_params``; 0.85 suits voices deeper than the acoustic
            model's) raises candidates the plain search misses in deep
            voices; the transcript still decides.  Detector alone, piper
            clips played two semitones deeper: recall 0.76 -> 0.93, a
            semitone deeper 0.93 -> 0.98, with no false trigger more on the
            fixture sets or on unseen near-misses
            (``docs/stop-phrase-research.md``).  ``None``: the plain search
            only.  The second search takes the first one's config, warped.
        warped_search: when the warped search listens.  ``"deep_voices"``
            (default): the plain one listens until the speaker's third
            formant is known (about two seconds of speech), which then
            picks the plain one for an ordinary voice, the warped one for
            a deep voice, both for a voice between
            (:class:`.VoiceMatchedStreams`); the warped decoder is made
            only for a voice that needs it, so an ordinary voice costs one
            search.  ``"always"``: both always (stage 1's CPU twice, ~0.02
            CPU-s more per audio second, and a second decoder, ~27 MB).
        lift_deep_voices_to_hz: a voice whose third formant is lower has
            its looks played faster until it reaches this, at most 1.2x
            (:func:`.formants.reading_speed`), before Whisper reads them: it
            writes a deep voice's "compute this" and "computed" as
            "computer", sure of it.  Unseen sentences two semitones deeper:
            false triggers 12 -> 4 in 276 near-miss renditions, requests
            heard the same (``docs/stop-phrase-research.md``).  Known only
            where the voice is measured; ``None``: never.
        lower_high_voices_to_hz: the same for a voice whose third formant
            is higher: its looks are played slower until it reaches this.
            tiny.en writes a high voice's "computed" as "computer" too.
            Unseen sentences at four voices (piper as recorded, a semitone
            deeper, 20 % higher; renditions never tuned on), with the lift
            above extended to every voice under its line: requests heard
            312 -> 318 of 336, false triggers 15 -> 9 in 1104 near-miss
            renditions (``docs/stop-phrase-research.md``).  ``None``: never.
    """

    sample_rate: int = 16000

    def __init__(
        self,
        stop_words: Sequence[str | StopPhrase],
        *,
        stt: STTModel | None = None,
        candidates: PocketSphinxDetector | None = None,
        rules: ConfirmRules | None = None,
        first_look_s: float = 0.2,
        edge_look_s: float | None = 0.45,
        second_look_s: float | None = 1.0,
        pre_s: float = 0.3,
        min_window_s: float = 1.5,
        min_score: float = -15.0,
        min_score_multiword: float = -30.0,
        high_voices_min_score: float | None = -40.0,
        last_word_margin: float | None = LAST_WORD_MARGIN,
        deeper_voices_warp: float | None = DEEPER_VOICES_WARP,
        warped_search: WarpedSearch = "deep_voices",
        lift_deep_voices_to_hz: float | None = DEEP_VOICE_LIFT_TO_HZ,
        lower_high_voices_to_hz: float | None = HIGH_VOICE_LOWER_TO_HZ,
    ) -> None:
        self.phrases, guessed = with_guessed_pronunciations(as_stop_phrases(stop_words))
        self.last_words = (
            None if last_word_margin is None else LastWords.of(self.phrases, last_word_margin)
        )
        if stt is None:
            from ..speech import get_stt_model

            stt = get_stt_model()
        self.stt: STTModel = stt
        self.candidates = candidates or candidate_detector(self.phrases, self.last_words)
        listens = {p.text for p in self.candidates.phrases}
        own = {p.text for p in self.phrases}
        lone = set(self.last_words.owners) if self.last_words is not None else set()
        if not own <= listens <= own | lone:
            raise ValueError(
                "the stage-1 detector must listen for the same stop phrases "
                "(and at most their last words alone)"
            )
        if self.candidates.verify:
            LOG.warning("stage 1 verifies its own candidates: recall will suffer (verify=False)")
        self.deeper_voices_warp = deeper_voices_warp
        if warped_search not in ("deep_voices", "always"):
            raise ValueError(
                f"warped_search must be 'deep_voices' or 'always', got {warped_search!r}"
            )
        self.warped_search: WarpedSearch = warped_search
        self.warped_candidates: PocketSphinxDetector | None = None
        if deeper_voices_warp is not None:
            warp = float(deeper_voices_warp)
            if not 0.6 <= warp < 1.0:
                raise ValueError(
                    f"deeper_voices_warp must be in [0.6, 1.0) (0.85 suits deep voices), "
                    f"got {deeper_voices_warp!r}"
                )
            self.warped_candidates = candidate_detector(
                self.phrases, self.last_words, config=warped(self.candidates.config, warp)
            )
        if self.last_words is not None and self.last_words.owners:
            self.candidates.aligner()  # built now, not on a stream's first phrase
        self.rules = rules or ConfirmRules(self.phrases)
        if first_look_s < 0 or (second_look_s is not None and second_look_s <= first_look_s):
            raise ValueError("need 0 <= first_look_s < second_look_s")
        if edge_look_s is not None and not (
            first_look_s < edge_look_s and (second_look_s is None or edge_look_s < second_look_s)
        ):
            raise ValueError("need first_look_s < edge_look_s < second_look_s")
        self.first_look_s = float(first_look_s)
        self.edge_look_s = None if edge_look_s is None else float(edge_look_s)
        self.second_look_s = None if second_look_s is None else float(second_look_s)
        self.pre_s = float(pre_s)
        self.min_window_s = float(min_window_s)
        self.min_score = float(min_score)
        self.min_score_multiword = float(min_score_multiword)
        self.high_voices_min_score = (
            None if high_voices_min_score is None else float(high_voices_min_score)
        )
        self.lift_deep_voices_to_hz, self.lower_high_voices_to_hz = checked_reading_band(
            lift_deep_voices_to_hz, lower_high_voices_to_hz, "ConfirmedDetector"
        )
        self._multiword = {p.text for p in self.phrases if p.max_words > 1}
        self._spellings = {p.text: p.spellings for p in self.phrases}
        self.notice: str | None = guessed_notice(guessed)
        """Said once on the page when a stream starts: pronunciations guessed from spelling."""

    @property
    def description(self) -> str:
        """What listens for the phrases (reported once when a stream starts)."""
        names = ", ".join(repr(p.text) for p in self.phrases)
        model = getattr(self.stt, "name", type(self.stt).__name__)
        search = "pocketsphinx keyphrase search"
        if self.deeper_voices_warp is not None:
            when = "for deep voices" if self.warped_search == "deep_voices" else "always"
            search += f" (plain, and warped {self.deeper_voices_warp} {when})"
        return (
            f"Stop phrases {names}: {search}, each candidate confirmed by speech-to-text ({model})."
        )

    def worth_a_look(self, cand: KeywordHit, *, high_voice: bool = False) -> list[KeywordHit]:
        """A stage-1 candidate as the phrases to confirm; none if it scores too low.

        ``high_voice``: the speaker's voice is high (one-word phrases get
        ``high_voices_min_score``).
        """
        if self.last_words is not None and cand.phrase in self.last_words.owners:
            return self.last_words.as_phrases(cand)
        if cand.phrase in self._multiword:
            floor = self.min_score_multiword
        elif high_voice and self.high_voices_min_score is not None:
            floor = min(self.min_score, self.high_voices_min_score)
        else:
            floor = self.min_score
        return [cand] if cand.score is None or cand.score >= floor else []

    def start_stream(self) -> ConfirmedStream:
        """Per-stream state (a keyphrase decoder, ~0.3 s to build; the models are shared)."""
        plain = self.candidates.start_stream()
        warped_search = self.warped_candidates
        if warped_search is None:
            return ConfirmedStream(self, CandidateStreams([plain]))
        if self.warped_search == "always":
            return ConfirmedStream(self, CandidateStreams([plain, warped_search.start_stream()]))
        return ConfirmedStream(self, VoiceMatchedStreams(plain, warped_search.start_stream))
