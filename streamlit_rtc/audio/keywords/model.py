"""The pocketsphinx English model that ships inside the ``pocketsphinx`` wheel.

Paths and the pronunciation dictionary are loaded once per process and
cached; every decoder is made by :func:`new_decoder`, and a decoder shared
by streams starts each window with :func:`start_window`.
"""

from __future__ import annotations

import functools
import itertools
import logging
import math
import os
import re
import threading
from collections.abc import Mapping
from typing import Any

LOG = logging.getLogger(__name__)

_DECODERS_MADE = threading.Lock()
"""pocketsphinx keeps its frequency-warp settings in C globals (``fe_warp_inverse_linear.c``:
the last parameter string and whether warping is on), and each new decoder builds its
filterbank from them: decoders are made one at a time, process-wide, like those globals."""
_WARP_SPELLINGS = itertools.count()
"""Alternates the spelling of a warp (trailing spaces; see :func:`new_decoder`)."""

_ALT = re.compile(r"\(\d+\)$")


@functools.lru_cache(maxsize=1)
def model_paths() -> tuple[str, str]:
    """Return ``(acoustic_model_dir, dictionary_file)`` of the bundled en-us model."""
    from pocketsphinx import get_model_path

    base = get_model_path()
    hmm = os.path.join(base, "en-us", "en-us")
    dic = os.path.join(base, "en-us", "cmudict-en-us.dict")
    if not (os.path.isdir(hmm) and os.path.isfile(dic)):
        raise RuntimeError(
            f"pocketsphinx's bundled en-us model is missing under {base!r}; "
            "reinstall the 'pocketsphinx' wheel (>= 5)"
        )
    return hmm, dic


@functools.lru_cache(maxsize=1)
def pronunciations() -> Mapping[str, tuple[str, ...]]:
    """The bundled CMU dictionary: ``word -> (pronunciation, ...)`` (ARPAbet strings)."""
    _, dic = model_paths()
    table: dict[str, list[str]] = {}
    with open(dic, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.split()
            if len(parts) < 2:
                continue
            word = _ALT.sub("", parts[0])
            table.setdefault(word, []).append(" ".join(parts[1:]))
    LOG.debug("loaded %d dictionary words from %s", len(table), dic)
    return {w: tuple(p) for w, p in table.items()}


@functools.lru_cache(maxsize=1)
def phone_set() -> frozenset[str]:
    """The phones the acoustic model knows (as used by the dictionary)."""
    phones: set[str] = set()
    for prons in pronunciations().values():
        for pron in prons:
            phones.update(pron.split())
    return frozenset(phones)


def grammar_decoder_config(extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Config keys for a decoder that searches grammars of our own (no language model).

    The bundled model, quiet logs and live cepstral mean normalisation, as the
    verifier and the aligner both decode short windows; ``extra`` (the
    caller's own keys) comes last and wins, except over the model's own
    ``feat.params``: pocketsphinx applies those after the config, so a
    decoder reads back ``cmn`` "batch" and ``remove_noise`` on whatever is
    asked (hence :func:`start_window`).
    """
    hmm, dic = model_paths()
    config: dict[str, Any] = {"hmm": hmm, "dict": dic, "lm": None, "loglevel": "FATAL"}
    config["cmn"] = "live"
    config.update(extra or {})
    return config


def new_decoder(config: Mapping[str, Any]) -> Any:
    """A pocketsphinx ``Decoder`` for ``config``, its frequency warp applied for certain.

    pocketsphinx skips a warp parameter string equal to the last one it
    parsed, and a plain decoder made in between turns warping off: the next
    decoder with the same warp would silently hear unwarped.  A warp is
    therefore spelled differently each time (trailing blanks, which its
    parser ignores), and decoders are made under a process-wide lock.
    """
    from pocketsphinx import Config, Decoder

    keys = dict(config)
    with _DECODERS_MADE:
        if keys.get("warp_params") is not None:
            keys["warp_params"] = _spelled_afresh(keys["warp_params"])
        return Decoder(Config(**keys))


def _spelled_afresh(warp: Any) -> str:
    """``warp`` spelled unlike the last time (trailing blanks; under ``_DECODERS_MADE``)."""
    return str(warp).strip() + " " * (1 + next(_WARP_SPELLINGS) % 2)


def start_window(decoder: Any, cmn: str | None = None) -> None:
    """Start an utterance on a shared ``decoder`` that hears a window as a new decoder would.

    The bundled model's ``feat.params`` switches on pocketsphinx's noise
    removal (over any key of ours), and its noise estimate carries from one
    utterance to the next: a decoder shared by all streams judged a window
    by what it had heard before, another stream's audio included (scores of
    the same window moved by up to 40 in log-likelihood with the order of
    calls). The feature extraction is rebuilt (~0.03 ms; its cepstral mean
    back at the model's initial one) and the mean set to ``cmn``, the
    stream's own, when given.
    """
    with _DECODERS_MADE:
        warp = decoder.config["warp_params"]
        if warp:
            decoder.config["warp_params"] = _spelled_afresh(warp)
        decoder.reinit_feat()
    if cmn:
        decoder.set_cmn(cmn)
    decoder.start_utt()


def path_log_likelihood(decoder: Any) -> float | None:
    """The natural-log acoustic and language score of ``decoder``'s best path; None: no path."""
    if decoder.hyp() is None:
        return None
    return sum(
        math.log(max(seg.ascore, 1e-300)) + math.log(max(seg.lscore, 1e-300))
        for seg in decoder.seg()
    )
