"""Near-miss competitors of a stop phrase, found in the pocketsphinx dictionary.

A competitor is a dictionary word whose pronunciation is within a small phone
edit distance of a word of the phrase ("computer" -> "compute", "computed",
"commuter", "computers", ...).  Nothing is hand-listed: the neighbours come
from the bundled CMU dictionary, so the same rule works for any phrase.

The edit distance is computed for all dictionary pronunciations of a similar
length at once with numpy (one vectorised dynamic programme per length), so a
query costs a few milliseconds after a one-off index build (~1 s per process).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Iterable

import numpy as np

from .model import pronunciations

LOG = logging.getLogger(__name__)


@functools.lru_cache(maxsize=1)
def _index() -> tuple[dict[str, int], dict[int, tuple[list[str], np.ndarray, list[str]]]]:
    """Phone ids and, per pronunciation length, (words, phone-id matrix, pronunciations)."""
    prons = pronunciations()
    phones = sorted({p for ps in prons.values() for pr in ps for p in pr.split()})
    pid = {p: i + 1 for i, p in enumerate(phones)}
    groups: dict[int, tuple[list[str], list[list[int]], list[str]]] = {}
    for word, plist in prons.items():
        for pron in plist:
            seq = [pid[p] for p in pron.split()]
            words, seqs, texts = groups.setdefault(len(seq), ([], [], []))
            words.append(word)
            seqs.append(seq)
            texts.append(pron)
    return pid, {n: (w, np.asarray(s, dtype=np.int16), t) for n, (w, s, t) in groups.items()}


def max_distance(pron: str) -> int:
    """Edit-distance radius for a word: 1 phone for short words, 2 from 5 phones on."""
    return 1 if len(pron.split()) <= 4 else 2


def neighbours(pron: str, max_dist: int) -> list[tuple[int, str, str]]:
    """Dictionary ``(distance, word, pronunciation)`` within ``max_dist`` phone edits."""
    pid, groups = _index()
    query = [pid.get(p, -1) for p in pron.split()]
    n = len(query)
    out: list[tuple[int, str, str]] = []
    for length in range(max(1, n - max_dist), n + max_dist + 1):
        if length not in groups:
            continue
        words, mat, texts = groups[length]
        prev = np.tile(np.arange(length + 1, dtype=np.int16), (len(words), 1))
        for i in range(1, n + 1):
            cur = np.empty_like(prev)
            cur[:, 0] = i
            sub = prev[:, :-1] + (mat != query[i - 1])
            for j in range(1, length + 1):
                cur[:, j] = np.minimum(np.minimum(prev[:, j] + 1, cur[:, j - 1] + 1), sub[:, j - 1])
            prev = cur
        dist = prev[:, length]
        for k in np.nonzero(dist <= max_dist)[0]:
            out.append((int(dist[k]), words[k], texts[k]))
    return sorted(out)


def competitor_sequences(
    spellings: Iterable[tuple[tuple[str, ...], tuple[str, ...]]],
    variants: Callable[[str], list[str]] | None = None,
    *,
    limit: int = 120,
) -> list[str]:
    """Phone strings of near-miss word sequences for a phrase.

    Args:
        spellings: ``(words, first pronunciation of each word)`` per spelling.
        variants: callable ``pron -> [pron, ...]`` adding accent variants
            (the same rule the phrase itself gets, so the comparison is fair).
        limit: at most this many sequences (closest first).

    For each word position the word is replaced by each dictionary neighbour
    (other words unchanged); for multi-word phrases each word is also dropped
    ("hello" alone for "hello iris").  Pronunciations equal to the phrase's own
    are removed by the caller.
    """
    expand: Callable[[str], list[str]] = variants or (lambda p: [p])
    scored: dict[str, int] = {}
    for words, prons in spellings:
        own = set(words)
        for i, word in enumerate(words):
            for base in pronunciations().get(word, (prons[i],)):
                for dist, cand, cpron in neighbours(base, max_distance(base)):
                    if cand in own or dist == 0:
                        continue
                    for var in expand(cpron):
                        seq = " ".join(var if j == i else p for j, p in enumerate(prons))
                        scored[seq] = min(scored.get(seq, 99), dist)
            if len(words) > 1:
                rest = " ".join(p for j, p in enumerate(prons) if j != i)
                scored[rest] = min(scored.get(rest, 99), 1)
    ranked = sorted(scored, key=lambda s: (scored[s], s))
    LOG.debug("%d competitor sequences (keeping %d)", len(ranked), limit)
    return ranked[:limit]
