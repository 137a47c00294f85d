"""Which of two readings of a window the acoustic model prefers: the phrase, or a near-miss.

Whisper tiny.en writes piper's "hello virus" as "Hello, wires." and finds
"hello iris" there about as likely as it does for a true "hello iris"; its
odds cannot tell the two apart. The sounds can, mostly: decoding the window
with a grammar of just the phrase's pronunciations, and again with just the
near-miss readings', the difference of the two best paths' log-likelihoods
says which was said. On the first-look windows of seeds 31-48 of
``bench/stopwords_unseen.py`` (each decoded afresh), true "hello iris" +4 to
+84 against "hello virus", "hello virus" -23 to -33; in the stream some true
readings score under 0 against "irish" (a later look then decides), and
some "hello virus" readings over it (``docs/stop-phrase-research.md``).

Each reading is the whole window's only word: pocketsphinx puts silence
and fillers around it, so the words before and after need not be modelled.
A rival a phone longer at the end can take the next word's first sound for
itself ("hi lumis" for espeak's "hi lumi, set ..."); a free phone loop after
each reading, tried against that, made true readings lose more often. Where
either search finds no path, the sounds say nothing (0.0).

One instance (one decoder) is shared by all streams of a detector; calls are
serialised with a lock, and every window is heard afresh with the stream's
cepstral mean (:func:`.start_window`). A grammar is built the first time a
set of pronunciations is asked about and kept (at most :data:`MAX_GRAMMARS`).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .model import grammar_decoder_config, new_decoder, path_log_likelihood, start_window

__all__ = ["MAX_GRAMMARS", "ReadingSounds"]

MAX_GRAMMARS = 256
"""Grammars kept; past this the decoder is built afresh (each holds a few words)."""


class ReadingSounds:
    """Compares readings of a window by their sounds (see the module docstring).

    Args:
        config: extra pocketsphinx config keys (keyphrase keys are ignored).
    """

    def __init__(self, *, config: Mapping[str, Any] | None = None) -> None:
        self._config = {k: v for k, v in (config or {}).items() if not k.startswith("kws")}
        self._lock = threading.Lock()
        self._fresh_decoder()

    def _fresh_decoder(self) -> None:
        self._dec = new_decoder(grammar_decoder_config(self._config))
        self._words: dict[str, str] = {}
        self._grammars: OrderedDict[tuple[str, ...], str] = OrderedDict()

    def preference(
        self,
        ours: Sequence[str],
        theirs: Sequence[str],
        audio: np.ndarray,
        cmn: str | None = None,
    ) -> float:
        """Log-likelihood of the best of ``ours`` over int16 ``audio`` minus that of ``theirs``.

        Each is a list of pronunciations ("HH AH L OW AY R IH S"); positive: ours
        sounds likelier. ``cmn``: the stream's cepstral mean. 0.0 when either
        list is empty or either search finds no path.
        """
        if not ours or not theirs:
            return 0.0
        samples = np.ascontiguousarray(audio, dtype=np.int16)
        with self._lock:
            mine, other = self._best(ours, samples, cmn), self._best(theirs, samples, cmn)
        if mine is None or other is None:
            return 0.0
        return mine - other

    def _best(self, prons: Sequence[str], samples: np.ndarray, cmn: str | None) -> float | None:
        dec = self._dec
        dec.activate_search(self._grammar(prons))
        start_window(dec, cmn)
        dec.process_raw(samples.tobytes(), False, False)
        dec.end_utt()
        return path_log_likelihood(dec)

    def _grammar(self, prons: Sequence[str]) -> str:
        key = tuple(sorted(set(prons)))
        name = self._grammars.get(key)
        if name is not None:
            self._grammars.move_to_end(key)
            return name
        if len(self._grammars) >= MAX_GRAMMARS:
            self._fresh_decoder()
        names = []
        for pron in key:
            word = self._words.get(pron)
            if word is None:
                word = f"reading{len(self._words)}"
                self._dec.add_word(word, pron, False)
                self._words[pron] = word
            names.append(word)
        name = f"readings{len(self._grammars)}"
        self._dec.add_jsgf_string(
            name, f"#JSGF V1.0;\ngrammar g;\npublic <s> = {' | '.join(names)};\n"
        )
        self._grammars[key] = name
        return name
