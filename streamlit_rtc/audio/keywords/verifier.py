"""Second-stage verification of keyphrase candidates against near-miss words.

For every stop phrase a JSGF grammar ``(phrase variants | competitors)`` is
built, where the competitors come from :mod:`.competitors` (dictionary words
within a small phone edit distance).  A candidate window (a little audio
before and after the keyphrase hit) is decoded twice: with the full grammar
and with the competitors only.  The score difference (natural-log acoustic
likelihood) is the phrase's margin over its best near-miss; pocketsphinx
inserts silence and filler (+SPN+ / +NSN+) at the edges, so the neighbouring
words need not be modelled.

One verifier (and its decoder) is shared by all streams of a detector; calls
are serialised with a lock.  The window is at most ``pre + phrase + post``
seconds, so one call costs two decodes of ~1-2 s of audio with a small
grammar (tens of ms).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .competitors import competitor_sequences
from .model import grammar_decoder_config, new_decoder, path_log_likelihood, start_window

LOG = logging.getLogger(__name__)

_NEG = -1e9  # score of a failed decode


@dataclass(frozen=True)
class Verdict:
    """Outcome of verifying one candidate.

    Attributes:
        margin: log-likelihood of the best phrase path minus the best
            competitor path (positive = the phrase explains the audio better).
        winner: pronunciation that won the full grammar ("" if none).
        rival: best competitor pronunciation.
        end_frame: end frame of the winning word within the window, if any.
    """

    margin: float
    winner: str
    rival: str
    end_frame: int | None


class PhraseVerifier:
    """Near-miss verifier for a set of phrases (see module docstring).

    Args:
        phrases: ``canonical text -> [phrase pronunciation strings]``.
        spellings: ``canonical text -> [(words, first pron of each word)]``.
        variants: accent-variant rule applied to competitors too.
        config: extra pocketsphinx config keys.
        max_competitors: cap on competitor sequences per phrase.
    """

    def __init__(
        self,
        phrases: Mapping[str, Sequence[str]],
        spellings: Mapping[str, Sequence[tuple[tuple[str, ...], tuple[str, ...]]]],
        variants: Callable[[str], list[str]],
        *,
        config: Mapping[str, Any] | None = None,
        max_competitors: int = 120,
    ) -> None:
        self._dec = new_decoder(grammar_decoder_config(config))
        self._lock = threading.Lock()
        self._names: dict[str, dict[str, tuple[bool, str]]] = {}
        n = 0
        for text, prons in phrases.items():
            own = set(prons)
            comps = [
                c
                for c in competitor_sequences(spellings[text], variants, limit=max_competitors)
                if c not in own
            ]
            table: dict[str, tuple[bool, str]] = {}
            for pron, is_phrase in [(p, True) for p in prons] + [(c, False) for c in comps]:
                name = f"vfy{n}"
                n += 1
                self._dec.add_word(name, pron, False)
                table[name] = (is_phrase, pron)
            self._names[text] = table
            full = " | ".join(table)
            rivals = " | ".join(k for k, (isp, _) in table.items() if not isp)
            for suffix, body in (("all", full), ("comp", rivals or full)):
                self._dec.add_jsgf_string(
                    f"{text}#{suffix}", f"#JSGF V1.0;\ngrammar g;\npublic <s> = {body};\n"
                )
            LOG.info("verifier for %r: %d competitors", text, len(comps))

    def competitors(self, phrase: str) -> list[str]:
        """Competitor pronunciations used for ``phrase``."""
        return [p for isp, p in self._names[phrase].values() if not isp]

    def _decode(
        self, search: str, audio: np.ndarray, cmn: str | None
    ) -> tuple[str, float, int | None]:
        dec = self._dec
        dec.activate_search(search)
        start_window(dec, cmn)
        dec.process_raw(audio.tobytes(), False, False)
        dec.end_utt()
        score = path_log_likelihood(dec)
        if score is None:
            return "", _NEG, None
        ends = [seg.end_frame for seg in dec.seg() if seg.word.startswith("vfy")]
        return dec.hyp().hypstr.strip(), score, ends[-1] if ends else None

    def verify(self, phrase: str, audio: np.ndarray, cmn: str | None = None) -> Verdict:
        """Score ``audio`` (int16 window around a candidate) for ``phrase``."""
        table = self._names[phrase]
        with self._lock:
            best, s_all, end = self._decode(f"{phrase}#all", audio, cmn)
            rival, s_comp, _ = self._decode(f"{phrase}#comp", audio, cmn)
        winner = table.get(best, (False, ""))
        margin = s_all - s_comp if winner[0] else min(0.0, s_all - s_comp)
        return Verdict(
            margin=margin,
            winner=winner[1],
            rival=table.get(rival, (False, ""))[1],
            end_frame=end if winner[0] else None,
        )
