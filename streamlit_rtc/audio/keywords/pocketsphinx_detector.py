"""Offline stop-phrase detection: pocketsphinx keyphrase search + near-miss check.

Stage 1, a keyphrase search (KWS) with one entry per pronunciation variant
and a strong phone-loop penalty, raises candidates; overlapping ones are
merged (the longer phrase wins unless its extra leading words had no time
to be said).  Stage 2 (:mod:`.verifier`) decodes a window around each
candidate with the grammar ``phrase | dictionary near-misses`` and keeps it
if the phrase wins; multi-word candidates that the search scores clearly
above its phone loop skip it.  ``verify=False`` gives stage 1 alone, which
the two-stage default (:class:`.ConfirmedDetector`) uses to raise
candidates cheaply.

On its own this detector is the fallback without the ``stt`` extra: it
misses some phrases and takes some near-misses ("compute the") for
"computer".  What was measured, per approach, and why the settings are what
they are: ``docs/stop-phrase-research.md``.
"""

from __future__ import annotations

import contextlib
import logging
import os
import tempfile
import threading
import weakref
from collections.abc import Mapping, Sequence
from typing import Any

from .alignment import PhraseAligner
from .model import model_paths, new_decoder
from .pocketsphinx_stream import PocketSphinxStream
from .pronunciation import (
    alias,
    check_pronunciations,
    check_words,
    guessed_notice,
    phrase_variants,
    pron_variants,
    speakable,
    with_guessed_pronunciations,
)
from .reading_sounds import ReadingSounds
from .types import StopPhrase, as_stop_phrases
from .verifier import PhraseVerifier

LOG = logging.getLogger(__name__)


class PocketSphinxDetector:
    """Default offline stop-phrase detector (keyphrase search + near-miss check).

    Args:
        stop_words: phrases as strings or :class:`StopPhrase` (with alternative
            spellings, pronunciations for unknown words, per-phrase weight).
        threshold_per_phone: stage-1 threshold exponent per phone
            (threshold = ``10 ** -(threshold_per_phone * n_phones)``).
        phone_loop_penalty: pocketsphinx ``kws_plp`` -- the probability of a
            phone-loop transition; the default 1e-10 (pocketsphinx: 1e-1)
            is what lets multi-word phrases such as "hello iris" fire at all.
        verify: run the second stage (near-miss competitor grammar) on each
            candidate; ``False`` reports stage-1 hits directly.
        min_margin: stage-2 acceptance -- the phrase must beat its best
            dictionary competitor by more than this (natural-log likelihood).
        multiword_accept: a candidate of a multi-word spelling whose keyphrase
            path beats pocketsphinx's phone loop by at least this (natural log,
            i.e. it would fire with a threshold of ``1e-0``) is reported at once,
            without stage 2; weaker ones are verified.  ``None``: always verify.
            Single-word phrases are always verified (their near-misses are
            whole dictionary words that beat the phone loop as well).
        pre_s, post_s: audio before / after a candidate given to stage 2;
            a candidate is verified once ``post_s`` of audio after it arrived,
            which sets the detection delay.
        max_utterance_s: the keyphrase decoder restarts its utterance after
            this much audio, bounding memory.
        max_variants: pronunciation variants per spelling (dictionary
            alternatives plus a non-rhotic variant of a word-final "ER").
        config: extra pocketsphinx config keys for both stages.

    The model files and dictionary are loaded once per process; each
    :meth:`start_stream` builds its own keyphrase decoder (~0.3 s); the stage-2
    decoder is shared (built on first use, ~1-2 s for the competitor index).
    ``feed()`` is synchronous: run it off the audio path.
    """

    sample_rate: int = 16000

    def __init__(
        self,
        stop_words: Sequence[str | StopPhrase],
        *,
        threshold_per_phone: float = 3.0,
        phone_loop_penalty: float = 1e-10,
        verify: bool = True,
        min_margin: float = 0.0,
        multiword_accept: float | None = 20.0,
        pre_s: float = 0.2,
        post_s: float = 0.25,
        max_utterance_s: float = 30.0,
        max_variants: int = 4,
        config: Mapping[str, Any] | None = None,
    ) -> None:
        self.phrases, self.guessed = with_guessed_pronunciations(as_stop_phrases(stop_words))
        self.threshold_per_phone = float(threshold_per_phone)
        self.phone_loop_penalty = float(phone_loop_penalty)
        self.verify = bool(verify)
        self.min_margin = float(min_margin)
        self.multiword_accept = None if multiword_accept is None else float(multiword_accept)
        self.pre_s = float(pre_s)
        self.post_s = float(post_s)
        self.max_utterance_s = float(max_utterance_s)
        self.max_variants = int(max_variants)
        self.config = dict(config or {})
        self._extra_words: dict[str, str] = {}
        self._entries: list[tuple[str, str, float]] = []  # (keyphrase, canonical, exponent)
        self._multiword: set[str] = set()  # keyphrases of more than one word
        self._prons: dict[str, list[str]] = {}
        self._spellings: dict[str, list[tuple[tuple[str, ...], tuple[str, ...]]]] = {}
        seen: set[tuple[str, ...]] = set()
        unusable: list[tuple[StopPhrase, str]] = []
        for phrase in self.phrases:
            extra = {k.lower(): v for k, v in phrase.pronunciations}
            check_pronunciations(phrase, extra)
            for spelling in phrase.spellings:
                if not speakable(spelling, extra):
                    # The seed's advice is to list misspellings ("llama", "lamma"); they
                    # help a text matcher but cannot be pronounced: skip them, loudly.
                    unusable.append((phrase, " ".join(spelling)))
                    continue
                variants = phrase_variants(spelling, extra, self.max_variants)
                self._spellings.setdefault(phrase.text, []).append((spelling, variants[0]))
                for prons in variants:
                    self._prons.setdefault(phrase.text, []).append(" ".join(prons))
                    if prons in seen:  # "ok" and "okay" sound the same
                        continue
                    seen.add(prons)
                    words = []
                    for word, pron in zip(spelling, prons, strict=True):
                        name = alias(word, pron)
                        if name != word:
                            self._extra_words[name] = pron
                        words.append(name)
                    n_phones = sum(len(p.split()) for p in prons)
                    exponent = (
                        phrase.weight
                        if phrase.weight is not None
                        else self.threshold_per_phone * n_phones
                    )
                    self._entries.append((" ".join(words), phrase.text, float(exponent)))
                    if len(words) > 1:
                        self._multiword.add(" ".join(words))
        if not self._entries:
            first = unusable[0][0]
            check_words(first, {k.lower(): v for k, v in first.pronunciations})
        for phrase, spelling in unusable:
            LOG.warning(
                "stop phrase %r: skipping the spelling %r, a word of it is not in the "
                "pocketsphinx English dictionary (give its pronunciation to use it, e.g. "
                "StopPhrase(%r, pronunciations={'word': 'W ER D'}))",
                phrase.text,
                spelling,
                phrase.text,
            )
        fd, self._kws_file = tempfile.mkstemp(prefix="streamlit_rtc_kws_", suffix=".txt")
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            for key, _, exponent in self._entries:
                fh.write(f"{key} /{10.0**-exponent:.6g}/\n")  # a weight < 0: above the loop
        weakref.finalize(self, _unlink, self._kws_file)
        self._canonical = {key: canon for key, canon, _ in self._entries}
        self._n_words = {p.text: p.max_words for p in self.phrases}
        self._verifier: PhraseVerifier | None = None
        self._aligner: PhraseAligner | None = None
        self._reading_sounds: ReadingSounds | None = None
        self._verifier_lock = threading.Lock()
        self.notice: str | None = guessed_notice(self.guessed)
        """Advice shown once when a stream starts: pronunciations guessed from spelling,
        and how to get the dependable detector when this is the fallback default."""
        LOG.info("keyphrase list: %s", [(k, f"1e-{e:g}") for k, _, e in self._entries])

    @property
    def description(self) -> str:
        """What listens for the phrases (reported once when a stream starts)."""
        names = ", ".join(repr(p.text) for p in self.phrases)
        check = "with a near-miss check" if self.verify else "alone"
        return f"Stop phrases {names}: pocketsphinx keyphrase search {check} (offline)."

    def _config(self) -> dict[str, Any]:
        hmm, dic = model_paths()
        cfg = {"hmm": hmm, "dict": dic, "lm": None, "loglevel": "FATAL", "cmn": "live"}
        cfg["kws_plp"] = self.phone_loop_penalty
        cfg.update(self.config)
        return cfg

    def verifier(self) -> PhraseVerifier:
        """The shared stage-2 verifier (built on first use)."""
        with self._verifier_lock:
            if self._verifier is None:
                cfg = {k: v for k, v in self.config.items() if not k.startswith("kws")}
                self._verifier = PhraseVerifier(
                    {t: list(dict.fromkeys(p)) for t, p in self._prons.items()},
                    self._spellings,
                    pron_variants,
                    config=cfg,
                )
            return self._verifier

    def aligner(self) -> PhraseAligner:
        """The shared forced aligner that re-measures where a phrase ends (built on first use)."""
        with self._verifier_lock:
            if self._aligner is None:
                self._aligner = PhraseAligner(
                    {t: list(dict.fromkeys(p)) for t, p in self._prons.items()},
                    config=self.config,
                )
            return self._aligner

    def reading_sounds(self) -> ReadingSounds:
        """The shared comparer of readings by their sounds (built on first use)."""
        with self._verifier_lock:
            if self._reading_sounds is None:
                self._reading_sounds = ReadingSounds(config=self.config)
            return self._reading_sounds

    def start_stream(self) -> PocketSphinxStream:
        """Create a decoder for one stream."""
        decoder = new_decoder(self._config())
        for word, pron in self._extra_words.items():
            decoder.add_word(word, pron, True)
        decoder.add_kws("stopwords", self._kws_file)
        decoder.activate_search("stopwords")
        return PocketSphinxStream(self, decoder)


def _unlink(path: str) -> None:
    with contextlib.suppress(OSError):
        os.unlink(path)
