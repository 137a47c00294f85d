"""A turn-end analyzer that hears how the turn sounds *and* reads how it ends.

Smart Turn judges from sound alone and is sometimes sure a mid-thought cut
is finished ("Could you remind me to" 0.98). This analyzer also transcribes
the turn's last seconds and overrules a "complete" when the words stop where
a sentence cannot (:mod:`.unfinished_words`). The price is one short Whisper
call (~0.07 CPU-s for tiny.en) per pause, or, read after the acoustic
verdict, per confident "complete" only, at the cost of answering a little
later (the two calls then run one after the other). By default it reads
after the verdict while the acoustic model answers quickly, and alongside
it while it does not; ``bench/turn_end.py`` has the figures.
"""

from __future__ import annotations

import logging
import math
import numbers
import statistics
import threading
import time
from collections import deque
from collections.abc import Iterable

import numpy as np

from ...core.turn_end import TurnEndAnalyzer, check_turn_end_analyzer
from ..formants import (
    DEEP_VOICE_LIFT_TO_HZ,
    HIGH_VOICE_LOWER_TO_HZ,
    checked_reading_band,
    voice_in_reading_band,
)
from ..keywords.phonetic import Pronouncer
from ..speech.heard_words import ScoredTranscript
from ..speech.protocols import ReadingScorer, ScoredSTTModel, STTModel
from .unfinished_words import (
    UNFINISHED_LAST_WORDS,
    WordsVerdict,
    judge_last_words,
    unfinished_readings,
    unfinished_rival,
)

__all__ = ["QUICK_ACOUSTIC_S", "WordAwareTurnEnd"]

logger = logging.getLogger(__name__)

QUICK_ACOUSTIC_S = 0.06
"""An acoustic model whose median answer takes at most this long is waited for before
the words are read (``alongside=None``): Smart Turn on a CPU with int8 dot products."""
_LATENCIES_KEPT = 9


class WordAwareTurnEnd:
    """A :class:`~streamlit_rtc.core.turn_end.TurnEndAnalyzer`: an acoustic model, checked by words.

    ``ReplyOnPause(fn, turn_end=WordAwareTurnEnd())`` uses Smart Turn (the
    ``turn`` extra) and Whisper tiny.en (the ``stt`` extra); pass your own
    ``acoustic`` analyzer or ``stt`` model (any ``stt((rate, samples)) -> str``).

    Args:
        acoustic: the analyzer that hears the turn; ``SmartTurn.shared()`` by default.
        stt: the model that reads its last words; ``get_stt_model()`` by default.
        check_from: the acoustic probability from which the words count;
            keep it at (or below) ``PauseOptions.complete_threshold``: below
            that the turn waits anyway.
        alongside: ``True`` reads the words while the acoustic model
            listens (a short-lived thread per pause): the verdict is as
            quick as the slower of the two. ``False`` reads them only after
            a confident "complete": fewer Whisper calls, later answers.
            ``None`` (default) chooses per pause: after, while the acoustic
            model's median answer over its last 9 takes at most
            :data:`QUICK_ACOUSTIC_S`, else alongside. On the VNNI Xeon that
            read after: a third less CPU for 0.01 s later answers.
        window_s: seconds of the turn's end that are transcribed (Whisper
            needs ~1.5 s to say anything; more costs more CPU).
        unfinished_probability: what a turn whose words stop mid-sentence
            scores (at most); below ``complete_threshold`` it waits.
        unfinished_words: words after which a sentence goes on; English by
            default (:data:`.UNFINISHED_LAST_WORDS`), give your own for
            another language or vocabulary.
        unfinished_rival: when the model can say which other words it
            nearly wrote (:class:`~streamlit_rtc.audio.speech.ScoredSTTModel`,
            as Whisper), the turn counts as unfinished if an unfinished word
            was at least this likely, relative to what was written there, in
            the last word's place ("Let's meet it." with "at" close behind;
            "Remind me tonight." with "to") or right after it ("I'd like to
            order." with "a" behind the full stop). The same decoding gives it
            (~5 ms more per reading). Measured (``bench/turn_end_unseen.py --sentences
            commands``, prompts written after the rule, half of them seen
            when 0.1 was chosen over 0.2; three voices, on the same audio):
            cut-off requests called complete 52 -> 35 of 480, complete
            commands made to wait 5 more of 840, each a misreading ("Wait
            me that 8." for "Wake me at eight."). ``None``: the written word
            alone counts.
        unfinished_odds: when the last word sounds like an unfinished one
            ("you" / "to", "that" / "the") and the model can score readings
            (:class:`~streamlit_rtc.audio.speech.ReadingScorer`, as
            Whisper), the turn counts as unfinished if the model finds the
            unfinished reading at least ``e**unfinished_odds`` as likely as
            what it wrote (-5 is a good value). Measured: cuts -0.1 to -4.9
            ("take you?" for "take to"), finished sentences -8.2 and below;
            on unseen requests one cut in 20 fewer in three of four runs
            (piper, as recorded and two semitones deeper), at the price of
            one more decoder pass where a last word sounds like an
            unfinished one (dialogue model CPU 0.017 -> 0.029 of a core).
            ``None`` (default): not asked.
        lift_deep_voices_to_hz: a voice whose third formant (measured on the
            words read) is lower is raised to it for Whisper
            (:func:`~streamlit_rtc.audio.formants.voice_in_reading_band`):
            tiny.en misreads a deep voice's short last word. ``None``: never.
        lower_high_voices_to_hz: a voice whose third formant is higher is
            lowered to it (played slower, at most 1.2x). Unseen requests in
            voices 10-30 % higher (``bench/turn_end_unseen.py --no-lower``,
            five sets of 160 cut requests, each compared on the same
            renditions): 126 -> 114 cut, none more in any set, no complete
            sentence made to wait; the fixtures' word verdicts do not change.
            ``None``: never.
    """

    def __init__(
        self,
        acoustic: TurnEndAnalyzer | None = None,
        stt: STTModel | None = None,
        *,
        check_from: float = 0.9,
        window_s: float = 4.0,
        unfinished_probability: float = 0.05,
        alongside: bool | None = None,
        unfinished_words: Iterable[str] = UNFINISHED_LAST_WORDS,
        unfinished_rival: float | None = 0.1,
        unfinished_odds: float | None = None,
        lift_deep_voices_to_hz: float | None = DEEP_VOICE_LIFT_TO_HZ,
        lower_high_voices_to_hz: float | None = HIGH_VOICE_LOWER_TO_HZ,
    ) -> None:
        for name, value, low, high in (
            ("check_from", check_from, 0.0, 1.0),
            ("window_s", window_s, 1.0, 30.0),
            ("unfinished_probability", unfinished_probability, 0.0, 1.0),
            ("unfinished_rival", 0.5 if unfinished_rival is None else unfinished_rival, 0.0, 1.0),
        ):
            if not isinstance(value, numbers.Real) or not low <= float(value) <= high:
                raise ValueError(
                    f"WordAwareTurnEnd: {name} must be in [{low}, {high}], got {value!r}"
                )
        if acoustic is None:
            from .smart_turn import SmartTurn

            acoustic = SmartTurn.shared()
        if stt is None:
            from ..speech.models import get_stt_model

            stt = get_stt_model()
        if not isinstance(stt, STTModel):
            raise TypeError(
                f"WordAwareTurnEnd: stt must have stt((rate, samples)) -> str "
                f"(e.g. streamlit_rtc.get_stt_model()), got {type(stt).__name__}"
            )
        self.acoustic = check_turn_end_analyzer(acoustic)
        self.stt = stt
        self.check_from = float(check_from)
        self.window_s = float(window_s)
        self.unfinished_probability = float(unfinished_probability)
        self.alongside = None if alongside is None else bool(alongside)
        self._acoustic_latencies: deque[float] = deque(maxlen=_LATENCIES_KEPT)
        self._latency_lock = threading.Lock()
        if isinstance(unfinished_words, str):
            raise TypeError("WordAwareTurnEnd: unfinished_words must be a collection of words")
        self.unfinished_words = frozenset(word.casefold() for word in unfinished_words)
        self.unfinished_rival = None if unfinished_rival is None else float(unfinished_rival)
        self.unfinished_odds = None if unfinished_odds is None else float(unfinished_odds)
        self.lift_deep_voices_to_hz, self.lower_high_voices_to_hz = checked_reading_band(
            lift_deep_voices_to_hz, lower_high_voices_to_hz, "WordAwareTurnEnd"
        )
        self._pron = Pronouncer()
        self.sample_rate: int = self.acoustic.sample_rate
        self.max_audio_s: float = max(float(self.acoustic.max_audio_s), self.window_s)

    def probability(self, audio: np.ndarray) -> float:
        """The acoustic verdict, lowered when a confident "complete" ends on an unfinished word."""
        samples = np.asarray(audio, dtype=np.float32).reshape(-1)
        if not self.reads_alongside():
            heard = self._hear(samples)
            if not _confident(heard, self.check_from):
                return heard  # the judge names a bad value; an unsure verdict waits anyway
            return self._combine(heard, self.read_last_words(samples))
        reading = _WordsReading(self, samples)
        reading.start()
        try:
            heard = self._hear(samples)
        finally:
            words = reading.result()
        if not _confident(heard, self.check_from):
            return heard
        return self._combine(heard, words)

    def reads_alongside(self) -> bool:
        """Whether the next pause's words are read while the acoustic model listens."""
        if self.alongside is not None:
            return self.alongside
        with self._latency_lock:
            recent = list(self._acoustic_latencies)
        return not recent or statistics.median(recent) > QUICK_ACOUSTIC_S

    def _hear(self, samples: np.ndarray) -> float:
        """The acoustic model's verdict on the turn; how long it took is kept."""
        start = time.perf_counter()
        heard = self.acoustic.probability(self._last(samples, self.acoustic.max_audio_s))
        with self._latency_lock:
            self._acoustic_latencies.append(time.perf_counter() - start)
        return heard

    def _combine(self, heard: float, words: WordsVerdict) -> float:
        return min(float(heard), self.unfinished_probability) if words.unfinished else float(heard)

    def read_last_words(self, audio: np.ndarray) -> WordsVerdict:
        """Transcribe the end of ``audio`` (at :attr:`sample_rate`) and judge where it stops."""
        tail = self._last(np.asarray(audio, dtype=np.float32).reshape(-1), self.window_s)
        lift, lower = self.lift_deep_voices_to_hz, self.lower_high_voices_to_hz
        if lift is not None or lower is not None:
            tail, f3 = voice_in_reading_band(tail, self.sample_rate, lift, lower)
            logger.debug("turn end words: third formant %s Hz", f3 and round(f3))
        heard = self._transcribe(tail)
        text = heard.text
        verdict = judge_last_words(text, self.unfinished_words)
        if verdict.unfinished is False and self.unfinished_rival is not None:
            rival = unfinished_rival(heard, verdict, self.unfinished_words, self.unfinished_rival)
            if rival is not None:
                logger.debug("turn end words %r: %r close behind the last word", text, rival)
                verdict = WordsVerdict(True, "sounds unfinished", verdict.last_word)
        if verdict.unfinished is False:
            verdict = self._asked_about_the_last_word(tail, text, verdict)
        logger.debug("turn end words %r: %s", text, verdict.reason)
        return verdict

    def _transcribe(self, tail: np.ndarray) -> ScoredTranscript:
        """The words of ``tail``, with the rivals of each where the model gives them."""
        audio = (self.sample_rate, tail)
        if self.unfinished_rival is not None and isinstance(self.stt, ScoredSTTModel):
            heard = self.stt.stt_scored(audio)
            if isinstance(heard, ScoredTranscript) and isinstance(heard.text, str):
                return heard
            raise TypeError(
                f"WordAwareTurnEnd: {type(self.stt).__name__}.stt_scored() must return a "
                f"ScoredTranscript, got {type(heard).__name__}"
            )
        text = self.stt.stt(audio)
        if not isinstance(text, str):
            raise TypeError(
                f"WordAwareTurnEnd: {type(self.stt).__name__}.stt() must return the text as a "
                f"str, got {type(text).__name__}"
            )
        return ScoredTranscript(text)

    def _asked_about_the_last_word(
        self, tail: np.ndarray, text: str, verdict: WordsVerdict
    ) -> WordsVerdict:
        """``verdict``, or "sounds unfinished" if the model heard an unfinished word there."""
        if self.unfinished_odds is None or not isinstance(self.stt, ReadingScorer):
            return verdict
        readings = unfinished_readings(text, self.unfinished_words, self._pron)
        if not readings:
            return verdict
        scores = self.stt.reading_logprobs((self.sample_rate, tail), [text, *readings])
        odds = max(scores[1:]) - scores[0]
        logger.debug("turn end words %r: unfinished reading at %.2f nats", text, odds)
        if odds >= self.unfinished_odds:
            return WordsVerdict(True, "sounds unfinished", verdict.last_word)
        return verdict

    def _last(self, samples: np.ndarray, seconds: float) -> np.ndarray:
        """The last ``seconds`` of ``samples``."""
        return samples[-round(seconds * self.sample_rate) :]

    def __repr__(self) -> str:
        return (
            f"WordAwareTurnEnd({self.acoustic!r}, {self.stt!r}, check_from={self.check_from}, "
            f"window_s={self.window_s}, alongside={self.alongside})"
        )


def _confident(heard: object, check_from: float) -> bool:
    """A real probability at or above ``check_from`` (anything else is left to the judge)."""
    return isinstance(heard, numbers.Real) and not math.isnan(heard) and heard >= check_from


class _WordsReading(threading.Thread):
    """One pause's transcription, on its own thread while the acoustic model runs."""

    def __init__(self, analyzer: WordAwareTurnEnd, samples: np.ndarray) -> None:
        super().__init__(name="turn-end-words", daemon=True)
        self._analyzer = analyzer
        self._samples = samples
        self._verdict: WordsVerdict | None = None
        self._error: BaseException | None = None

    def run(self) -> None:
        try:
            self._verdict = self._analyzer.read_last_words(self._samples)
        except BaseException as err:  # handed to the caller, who reports it
            self._error = err

    def result(self) -> WordsVerdict:
        """The verdict once the transcription is done; its exception if it failed."""
        self.join()
        if self._error is not None:
            raise self._error
        assert self._verdict is not None
        return self._verdict
