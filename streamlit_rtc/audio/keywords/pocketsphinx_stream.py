"""One live stream of the offline stop-phrase detector: decoder, audio ring, candidates.

Made by :meth:`.PocketSphinxDetector.start_stream`; the detector holds the
configuration and the near-miss verifier, this holds what is per stream.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np

from .ring import AudioRing
from .types import KeywordHit, feed_slices

if TYPE_CHECKING:
    from .pocketsphinx_detector import PocketSphinxDetector

LOG = logging.getLogger(__name__)

FRAME_S = 0.01  # pocketsphinx frames are 10 ms
# kws_search.c reports a hit's prob as (keyphrase score - phone-loop score - KWS_MAX) in
# logmath units shifted right by SENSCR_SHIFT (10 bits); see _kws_margin().
_KWS_MAX = 1500
_SENSCR_SHIFT = 10
# Shortest time one extra leading word of a phrase takes ("ok" of "ok computer"): the
# keyphrase search sometimes places it on 80-90 ms of the pause before the phrase.
MIN_PREFIX_WORD_S = 0.15
SAME_END_S = 0.1  # two hits ending this close end on the same word


class PocketSphinxStream:
    """Per-stream state: keyphrase decoder, audio ring buffer, pending candidates.

    Stage-1 hits become candidates; a candidate is verified (stage 2) once
    ``post_s`` of audio after its end is buffered.  Candidates overlapping an
    already reported hit, or each other, are merged (the longer phrase wins,
    so "ok computer" is reported once, not also as "computer").
    """

    def __init__(self, detector: PocketSphinxDetector, decoder: Any) -> None:
        self._det = detector
        self._dec = decoder
        self._canonical = dict(detector._canonical)
        self._rate = detector.sample_rate
        self._max_utt = int(detector.max_utterance_s * self._rate)
        self._verifier = detector.verifier() if detector.verify else None
        # ring buffer: enough for the longest phrase (~0.6 s per word) plus margins
        longest = max(detector._n_words.values())
        # (only stage 2 reads it; without stage 2 it just keeps the stream time)
        keep_s = detector.pre_s + detector.post_s + 0.8 * longest + 1.0
        self._ring = AudioRing(self._rate, keep_s if self._verifier is not None else 0.02)
        self._utt_start = 0  # stream sample index where the current utterance began
        # candidates, each with whether stage 1 alone accepts it ("sure": no stage 2)
        self._pending: list[tuple[KeywordHit, bool]] = []
        self._last_end = -1.0  # end of the last reported hit (stream seconds)
        self._logmath = decoder.logmath
        self._dec.start_utt()

    @property
    def stream_time_s(self) -> float:
        """Seconds of audio fed so far."""
        return self._ring.now_s

    @property
    def cmn(self) -> str:
        """The decoder's cepstral mean so far (for decoding a window of this stream elsewhere)."""
        return str(self._dec.get_cmn())

    def _restart(self) -> None:
        self._dec.end_utt()
        self._dec.start_utt()
        self._utt_start = self._ring.samples

    def reset(self) -> None:
        """Forget the decoder's search state and pending candidates; time keeps counting."""
        self._restart()
        self._pending.clear()

    def skip(self, samples: int) -> None:
        """Let ``samples`` of audio pass unheard (a paused search): time moves on, the
        search restarts, and the ring holds silence there."""
        if samples <= 0:
            return
        self._ring.skip(samples)
        self.reset()

    def feed(self, audio: np.ndarray) -> list[KeywordHit]:
        """Decode int16 mono audio (any length); return new (verified) hits."""
        hits: list[KeywordHit] = []
        for part in feed_slices(audio):
            self._dec.process_raw(part.tobytes(), False, False)
            self._ring.push(part)
            if self._dec.hyp() is not None:
                self._add_candidates(self._collect())
                self._restart()  # each hit is reported once
            elif self._ring.samples - self._utt_start >= self._max_utt:
                self._restart()
            hits.extend(self._due())
        return hits

    def _add_candidates(self, found: list[tuple[KeywordHit, bool]]) -> None:
        for cand in found:
            hit = cand[0]
            if hit.start_s < self._last_end:
                continue  # overlaps a hit already reported
            merged = False
            for i, (old, _) in enumerate(self._pending):
                if hit.start_s < old.end_s and old.start_s < hit.end_s:
                    merged = True
                    self._pending[i] = self._merge(self._pending[i], cand)
            if not merged:
                self._pending.append(cand)

    def _merge(
        self, old_cand: tuple[KeywordHit, bool], new_cand: tuple[KeywordHit, bool]
    ) -> tuple[KeywordHit, bool]:
        """One candidate for two overlapping ones: the longer phrase, unless it is implausible."""
        (old, _), (new, new_sure) = old_cand, new_cand
        n_old, n_new = self._det._n_words[old.phrase], self._det._n_words[new.phrase]
        if n_old == n_new:
            return new_cand if new_sure and new.phrase == old.phrase else old_cand
        (long, long_sure), (short, short_sure) = (
            (new_cand, old_cand) if n_new > n_old else (old_cand, new_cand)
        )
        long_words, short_words = long.phrase.split(), short.phrase.split()
        same_end = abs(short.end_s - long.end_s) <= SAME_END_S
        if same_end and long_words[-len(short_words) :] == short_words:
            # "ok computer" over "computer": the words before the shorter phrase
            # must have had time to be said, else the search made them up.
            prefix_s = short.start_s - long.start_s
            if prefix_s < MIN_PREFIX_WORD_S * (len(long_words) - len(short_words)):
                LOG.debug("%s: only %.2f s before %r; taking the shorter", long, prefix_s, short)
                return short, short_sure or long_sure  # the same words, scored well
        return long, long_sure

    def _due(self) -> list[KeywordHit]:
        now = self.stream_time_s
        out: list[KeywordHit] = []
        keep: list[tuple[KeywordHit, bool]] = []
        for cand, sure in self._pending:
            if self._verifier is not None and not sure and now < cand.end_s + self._det.post_s:
                keep.append((cand, sure))
                continue
            if cand.start_s < self._last_end:
                continue
            hit = cand if sure else self._verify(cand)
            if hit is not None:
                self._last_end = hit.end_s
                out.append(hit)
        self._pending = keep
        return out

    def _verify(self, cand: KeywordHit) -> KeywordHit | None:
        if self._verifier is None:
            return cand
        w0 = cand.start_s - self._det.pre_s
        window = self._ring.window(w0, cand.end_s + self._det.post_s)
        verdict = self._verifier.verify(cand.phrase, window, self._dec.get_cmn())
        ok = verdict.margin > self._det.min_margin
        LOG.debug(
            "candidate %s margin %.1f (%s vs %s): %s",
            cand,
            verdict.margin,
            verdict.winner,
            verdict.rival,
            "accept" if ok else "reject",
        )
        if not ok:
            return None
        # The earlier of the two estimates: the alignment can run into the next word,
        # and a phrase tail left in the request hurts less than a clipped request.
        end = cand.end_s
        if verdict.end_frame is not None:
            end = min(end, max(w0, 0.0) + (verdict.end_frame + 1) * FRAME_S)
        return KeywordHit(cand.phrase, cand.start_s, max(end, cand.start_s), verdict.margin)

    def _collect(self) -> list[tuple[KeywordHit, bool]]:
        """This utterance's stage-1 hits, each with whether it is sure (``multiword_accept``)."""
        base = self._utt_start / self._rate
        out = []
        for seg in self._dec.seg():
            key = seg.word.strip()
            canon = self._canonical.get(key)
            if canon is None:
                continue
            margin = self._kws_margin(seg.prob)
            hit = KeywordHit(
                phrase=canon,
                start_s=base + seg.start_frame * FRAME_S,
                end_s=base + (seg.end_frame + 1) * FRAME_S,
                score=margin,
            )
            accept = self._det.multiword_accept
            sure = accept is not None and key in self._det._multiword and margin >= accept
            LOG.debug("keyword candidate %s%s", hit, " (sure)" if sure else "")
            out.append((hit, sure))
        return out

    def _kws_margin(self, prob: float) -> float:
        """Keyphrase score minus phone-loop score (natural log) of a stage-1 hit."""
        units = (self._logmath.log(max(prob, 1e-300)) + _KWS_MAX) * (1 << _SENSCR_SHIFT)
        return float(self._logmath.log_to_ln(int(units))) if units else 0.0
