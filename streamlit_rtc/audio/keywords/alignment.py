"""Where a phrase ends in a window of audio: a forced alignment with a free phone loop after it.

The keyphrase search reports a phrase where its score first crosses the
threshold, which for a weak hit can be mid-word (a lone "iris" 0.3 s before
the "s" ends).  Aligning the phrase's pronunciations over a window around
the hit finds the end again.  The grammar lets any phones follow the phrase
(``phrase [phone+]``): without them the decoder must stretch the phrase's
last phone over whatever speech follows ("hello iris turn on the lights"),
and the end would move with the window's edge.  With them, on the fixture
sets, the end found is the same for windows closing 0.35-0.6 s after the
hit, within a few frames of the true end (``docs/stop-phrase-research.md``).

The loop offers 16 of the 39 phones, one or more of every class but the
affricates (:data:`LOOP_PHONES`), and the search runs with narrow beams
(:data:`SEARCH_BEAMS`).  With all 39 phones and pocketsphinx's default
beams one call cost 1.8-2.6 CPU-s (every phone can follow every phone, in
context); with these, 0.05 CPU-s, and the end found was better, not worse:
on the neural fixture set's multi-word phrases played at 0.88, 0.94, 1.0
and 1.12 speed, ends more than 0.08 s off went from 28 / 17 / 5 / 3 of 60
to 17 / 7 / 0 / 0 (a smaller loop has fewer ways to take the phrase's last
phone for itself).

One aligner (and its decoder) is shared by all streams of a detector; calls
are serialised with a lock.  It is called only for hits that need it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .model import grammar_decoder_config, new_decoder, start_window

__all__ = ["ALIGN_AFTER_S", "LOOP_PHONES", "SEARCH_BEAMS", "PhraseAligner"]

_FRAME_S = 0.01
ALIGN_AFTER_S = 0.35
"""Audio after a hit the window must hold: the end found is stable from here on."""
LOOP_PHONES = ("AH", "IY", "UW", "AA", "ER", "S", "F", "SH", "T", "D", "K", "N", "M", "L", "R", "W")
"""The phones the free loop after the phrase offers: every phone class, not every phone."""
SEARCH_BEAMS: dict[str, float] = {"beam": 1e-20, "pbeam": 1e-20, "wbeam": 1e-15}
"""Narrower than pocketsphinx's defaults (1e-48 / 1e-48 / 7e-29): ten times faster, same ends."""


class PhraseAligner:
    """Finds a phrase's end in a window (see the module docstring).

    Args:
        phrases: ``canonical text -> [phrase pronunciation strings]``.
        config: extra pocketsphinx config keys (keyphrase keys are ignored).
    """

    def __init__(
        self, phrases: Mapping[str, Sequence[str]], *, config: Mapping[str, Any] | None = None
    ) -> None:
        keys = {k: v for k, v in (config or {}).items() if not k.startswith("kws")}
        self._dec = new_decoder(grammar_decoder_config({**keys, **SEARCH_BEAMS}))
        self._lock = threading.Lock()
        for phone in LOOP_PHONES:
            self._dec.add_word(f"phone_{phone.lower()}", phone, False)
        loop = " | ".join(f"phone_{p.lower()}" for p in LOOP_PHONES)
        self._searches: dict[str, str] = {}
        n = 0
        for text, prons in phrases.items():
            names = []
            for pron in dict.fromkeys(prons):
                name = f"aligned{n}"
                n += 1
                self._dec.add_word(name, pron, False)
                names.append(name)
            search = f"align{len(self._searches)}"
            self._dec.add_jsgf_string(
                search,
                f"#JSGF V1.0;\ngrammar g;\n<phone> = {loop};\n"
                f"public <s> = ({' | '.join(names)}) [<phone>+];\n",
            )
            self._searches[text] = search

    def end_s(self, phrase: str, audio: np.ndarray, cmn: str | None = None) -> float | None:
        """Seconds from the start of ``audio`` (int16) to the end of ``phrase``; None: not found.

        ``cmn``: the stream's cepstral mean (its decoder's ``get_cmn()``), so
        a short window is normalised like the stream around it.
        """
        search = self._searches[phrase]
        with self._lock:
            dec = self._dec
            dec.activate_search(search)
            start_window(dec, cmn)
            dec.process_raw(np.ascontiguousarray(audio, dtype=np.int16).tobytes(), False, False)
            dec.end_utt()
            if dec.hyp() is None:
                return None
            ends = [seg.end_frame for seg in dec.seg() if seg.word.startswith("aligned")]
        if not ends:
            return None
        return (ends[0] + 1) * _FRAME_S
