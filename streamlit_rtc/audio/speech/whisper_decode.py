"""Whisper on a short window, sized to the audio: faster-whisper's parts, without 30 s padding.

``WhisperModel.transcribe`` pads every input to 30 s of log-mel frames, so a
2 s window costs as much encoder time as 30 s of audio (measured for tiny.en,
int8, one thread: 0.69–0.95 CPU-s per call for 1–8 s windows).  Here the
log-mel input is the audio plus ``pad_s`` of silence (at least
``min_input_s``), encoded with ``model.encode`` and decoded with
``model.model.generate`` (ctranslate2): 0.12–0.21 CPU-s for 1–4 s windows,
0.38 for 8 s (``bench/speech.py``, on a loaded 2-core machine).

The price is Whisper's habit of starting over on short inputs.  It is
contained by: 2 s of trailing silence (Whisper sees the speech end and
stops: with 0.5 s, 9 in 10 windows came back with an echo), a token budget
proportional to the audio length, ``no_repeat_ngram_size``, timestamp-mode
decoding whose echo segments and restarts are dropped (``whisper_text``),
and Whisper's own no-speech rule for silence and noise.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .heard_words import DecodingStep, ScoredTranscript, heard_words, words_of
from .whisper_text import collapse_repeats, drop_restart, is_blank, keep_segments, split_segments

__all__ = ["MAX_INPUT_S", "SAMPLE_RATE", "ShortWindowDecoder", "WhisperOptions"]

LOG = logging.getLogger(__name__)

SAMPLE_RATE = 16000
MAX_INPUT_S = 30.0  # Whisper's positional embedding covers 30 s of log-mel frames
_MAX_LENGTH = 448  # Whisper's decoder context; ctranslate2 generates at most half of max_length
_SILENCE_PEAK = 1e-4  # about -80 dBFS: digital silence, not worth a model call
_OPTIONS_PER_STEP = 20  # runner-up text tokens kept per step for word confidences


@dataclass(frozen=True)
class WhisperOptions:
    """How :class:`WhisperSTT` decodes; the defaults are tuned for 1–8 s voice-chat windows."""

    beam_size: int = 1
    """1 is greedy decoding (fastest; as accurate as 5 on clean short windows)."""
    no_repeat_ngram_size: int = 4
    """Block any 4-token sequence from appearing twice (stops loops; 0 disables)."""
    pad_s: float = 2.0
    """Silence appended before encoding.  Whisper needs to *see* the speech end: with
    0.5 s it starts the utterance over in ~9 of 10 short windows, with 2 s it stops."""
    min_input_s: float = 4.0
    """Shorter inputs are padded to this length (sub-second windows otherwise loop)."""
    tokens_per_s: float = 6.0
    """Token budget per second of audio (English speech is 3–5 tokens/s with timestamps)."""
    extra_tokens: int = 8
    """Tokens allowed on top of the per-second budget."""
    echo_margin_s: float = 0.3
    """Segments starting later than ``duration - echo_margin_s`` are echoes and dropped."""
    no_speech_threshold: float = 0.6
    """Whisper's rule: no text when P(no speech) is above this ..."""
    log_prob_threshold: float = -1.0
    """... and the average token log-probability is below this."""

    def __post_init__(self) -> None:
        if self.beam_size < 1:
            raise ValueError(f"beam_size must be >= 1, got {self.beam_size}")
        if self.no_repeat_ngram_size < 0:
            raise ValueError(f"no_repeat_ngram_size must be >= 0, got {self.no_repeat_ngram_size}")
        if not 0 <= self.pad_s <= 5 or not 0 <= self.min_input_s <= MAX_INPUT_S:
            raise ValueError("need 0 <= pad_s <= 5 and 0 <= min_input_s <= 30")
        if self.tokens_per_s <= 0 or self.extra_tokens < 0:
            raise ValueError("need tokens_per_s > 0 and extra_tokens >= 0")


class ShortWindowDecoder:
    """Transcribes up to 30 s of 16 kHz float32 audio with one encoder pass sized to it.

    ``model`` is a ``faster_whisper.WhisperModel``; its feature extractor,
    encoder and ctranslate2 generator are used directly.  Thread-safe as far
    as ctranslate2 is (calls queue on its workers).
    """

    def __init__(self, model: Any, options: WhisperOptions, language: str | None) -> None:
        from faster_whisper.tokenizer import Tokenizer
        from faster_whisper.transcribe import get_suppressed_tokens

        self.model = model
        self.options = options
        self.multilingual = bool(model.model.is_multilingual)
        if language is not None and not self.multilingual and language != "en":
            raise ValueError(
                f"this Whisper model is English-only, language={language!r} is not possible; "
                "use a multilingual model (e.g. 'base' instead of 'base.en')"
            )
        self.language = language
        self._tokenizer_cls = Tokenizer
        self._tokenizers: dict[str, Any] = {}
        base = self._tokenizer(language or "en")
        self.suppress_tokens = list(get_suppressed_tokens(base, [-1]))
        self._texts: dict[int, str] = {}  # token id -> text, for word confidences
        self._last_encoding: tuple[bytes, Any] | None = None  # (digest of samples, encoder output)
        self._encoding_lock = threading.Lock()

    def _tokenizer(self, language: str) -> Any:
        tok = self._tokenizers.get(language)
        if tok is None:
            tok = self._tokenizer_cls(
                self.model.hf_tokenizer, self.multilingual, task="transcribe", language=language
            )
            self._tokenizers[language] = tok
        return tok

    def _language_of(self, encoded: Any) -> str:
        if not self.multilingual:
            return "en"
        if self.language is not None:
            return self.language
        best = self.model.model.detect_language(encoded)[0][0][0]  # e.g. "<|de|>"
        return str(best)[2:-2]

    def features(self, samples: np.ndarray) -> np.ndarray:
        """Log-mel frames of ``samples`` plus padding, an even count, at most 30 s."""
        opts = self.options
        total = min(
            MAX_INPUT_S, max(0.1, opts.min_input_s, len(samples) / SAMPLE_RATE + opts.pad_s)
        )
        padded = np.zeros(max(len(samples), round(total * SAMPLE_RATE)), dtype=np.float32)
        padded[: len(samples)] = samples
        padded = padded[: int(MAX_INPUT_S * SAMPLE_RATE)]
        feats = self.model.feature_extractor(padded, padding=0)
        frames = min(feats.shape[-1], self.model.feature_extractor.nb_max_frames)
        return feats[:, : frames - frames % 2]

    def encode(self, samples: np.ndarray) -> Any:
        """The encoder's output for ``samples``; the last one is kept.

        Stop-phrase confirmation scores readings (:meth:`reading_logprobs`) of
        the window it has just transcribed: the encoder, most of a call's cost,
        then runs once.
        """
        digest = hashlib.blake2b(np.ascontiguousarray(samples).view(np.uint8), digest_size=16)
        key = digest.digest() + str(samples.dtype).encode()
        with self._encoding_lock:
            last = self._last_encoding
        if last is not None and last[0] == key:
            return last[1]
        encoded = self.model.encode(self.features(samples))
        with self._encoding_lock:
            self._last_encoding = (key, encoded)
        return encoded

    def transcribe(self, samples: np.ndarray, *, skip_silence: bool = True) -> str:
        """Text of 1-D float32 16 kHz ``samples`` (at most 30 s); ``""`` for silence or noise."""
        return self._decode(samples, skip_silence=skip_silence, scored=False).text

    def transcribe_scored(self, samples: np.ndarray) -> ScoredTranscript:
        """Like :meth:`transcribe`, with each word's confidence (:mod:`.heard_words`)."""
        return self._decode(samples, skip_silence=True, scored=True)

    def reading_logprobs(self, samples: np.ndarray, texts: Sequence[str]) -> list[float]:
        """Log-probability that the model writes each of ``texts`` as the whole transcript.

        Teacher forcing: each text's tokens (timestamps off) are fed to the
        decoder over one encoding of ``samples``; the sum of their log-probabilities
        plus that of ending right after them.  Two readings of the same audio
        compare directly: "Hello, I rest now." against "Hello, Iris now."
        """
        if not texts:
            return []
        _check_short(samples)
        import ctranslate2

        encoded = self.encode(samples)
        tok = self._tokenizer(self._language_of(encoded))
        start = [*tok.sot_sequence, tok.no_timestamps]
        seqs = [list(tok.encode(" " + t.strip())) if t.strip() else [] for t in texts]
        longest = max(len(s) for s in seqs)
        if len(start) + longest + 1 > _MAX_LENGTH // 2:
            raise ValueError(f"a reading of {longest} tokens is too long to score")
        batch = np.repeat(np.asarray(encoded), len(seqs), axis=0)
        results = self.model.model.generate(
            ctranslate2.StorageView.from_array(np.ascontiguousarray(batch)),
            [start + s for s in seqs],
            beam_size=1,
            # ctranslate2 runs max_length / 2 steps, the forced ones included
            max_length=2 * (longest + 1),
            return_logits_vocab=True,
            suppress_blank=False,
            suppress_tokens=[],
        )
        out = []
        for seq, result in zip(seqs, results, strict=True):
            logits = np.asarray(result.logits[0], dtype=np.float32)[: len(seq) + 1]
            peak = logits.max(axis=1)
            norm = peak + np.log(np.exp(logits - peak[:, None]).sum(axis=1))
            chosen = logits[np.arange(len(seq) + 1), [*seq, tok.eot]]
            out.append(float(np.sum(chosen.astype(np.float64) - norm)))
        return out

    def _decode(self, samples: np.ndarray, *, skip_silence: bool, scored: bool) -> ScoredTranscript:
        duration = _check_short(samples)
        blank = ScoredTranscript("", () if scored else None)
        if len(samples) == 0 or (skip_silence and float(np.abs(samples).max()) < _SILENCE_PEAK):
            return blank
        opts = self.options
        encoded = self.encode(samples)
        tok = self._tokenizer(self._language_of(encoded))
        prompt = list(tok.sot_sequence)
        budget = math.ceil(duration * opts.tokens_per_s) + opts.extra_tokens
        result = self.model.model.generate(
            encoded,
            [prompt],
            beam_size=opts.beam_size,
            # ctranslate2 decodes at most max_length / 2 tokens (openai's sample_len)
            max_length=min(_MAX_LENGTH, 2 * budget),
            no_repeat_ngram_size=opts.no_repeat_ngram_size,
            suppress_blank=True,
            suppress_tokens=self.suppress_tokens,
            return_scores=True,
            return_logits_vocab=scored,
            return_no_speech_prob=True,
            max_initial_timestamp_index=50,
        )[0]
        ids = result.sequences_ids[0]
        avg_logprob = result.scores[0] * len(ids) / (len(ids) + 1)  # length_penalty 1
        if (
            result.no_speech_prob > opts.no_speech_threshold
            and avg_logprob < opts.log_prob_threshold
        ):
            LOG.debug(
                "no speech (p=%.2f, logprob %.2f): dropped %r",
                result.no_speech_prob,
                avg_logprob,
                tok.decode(ids),
            )
            return blank
        segments = keep_segments(
            split_segments(ids, tok.timestamp_begin, tok.eot), duration, opts.echo_margin_s
        )
        text = tok.decode([t for seg in segments for t in seg.tokens]).strip()
        if is_blank(text):
            return blank
        text = collapse_repeats(drop_restart(text))
        if not scored:
            return ScoredTranscript(text)
        kept = [step for seg in segments for step in seg.steps]
        steps = self._steps(ids, np.asarray(result.logits[0]), tok)
        return ScoredTranscript(text, words_of(text, heard_words(_kept_steps(steps, kept))))

    def _steps(self, ids: list[int], logits: np.ndarray, tok: Any) -> list[DecodingStep]:
        """Each generated token with the likeliest text tokens of its step (and one more step)."""
        eot = int(tok.eot)
        out: list[DecodingStep] = []
        rows = np.asarray(logits[: min(len(logits), len(ids) + 1)], dtype=np.float64)
        # softmax of every step at once (np.logaddexp.reduce per row was ~10 ms a call)
        probs_all = np.exp(rows - rows.max(axis=1, keepdims=True))
        probs_all /= probs_all.sum(axis=1, keepdims=True)
        for index, probs in enumerate(probs_all):
            text_probs = probs[:eot]
            k = min(_OPTIONS_PER_STEP, len(text_probs))
            top = np.argpartition(-text_probs, k - 1)[:k]
            top = top[np.argsort(-text_probs[top])]
            options = tuple((self._token_text(tok, int(t)), float(text_probs[t])) for t in top)
            token = ids[index] if index < len(ids) else eot
            text = self._token_text(tok, token) if token < eot else None
            out.append(DecodingStep(text, options, float(probs[token])))
        return out

    def _token_text(self, tok: Any, token: int) -> str:
        text = self._texts.get(token)
        if text is None:
            text = str(tok.decode([token]))
            self._texts[token] = text
        return text


def _check_short(samples: np.ndarray) -> float:
    """The duration of ``samples`` in seconds; ValueError past what one window takes (30 s)."""
    duration = len(samples) / SAMPLE_RATE
    if duration > MAX_INPUT_S:
        raise ValueError(f"the short-window path takes at most 30 s, got {duration:.1f} s")
    return duration


def _kept_steps(steps: list[DecodingStep], kept: list[int]) -> list[DecodingStep]:
    """The steps of kept tokens as text, every other step as a word boundary (``text=None``)."""
    keep = set(kept)
    return [
        s if i in keep else DecodingStep(None, s.options, s.probability)
        for i, s in enumerate(steps)
    ]
