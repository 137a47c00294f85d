"""The stop-phrase fixtures for the tests that use them.

Two voice sets with the same manifest fields: espeak-ng voices
(``tests/fixtures/stopwords``, ``MANIFEST`` / ``load``) and a neural piper
voice (``tests/fixtures/stopwords_neural``, :data:`NEURAL`), whose clips are
split into the settings the detector was tuned on (``split == "tune"``) and
held-out ones (``"heldout"``), plus one long ``conversation``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from streamlit_rtc import StopPhrase
from streamlit_rtc.testing import read_wav

FIXTURES = Path(__file__).parent / "fixtures" / "stopwords"
MANIFEST: list[dict[str, Any]] = json.loads((FIXTURES / "manifest.json").read_text())
RATE = 16000
NOISE_FLOOR = 16  # int16 RMS (~ -66 dBFS), as in make_stopword_fixtures.py


@dataclass(frozen=True)
class VoiceSet:
    """One folder of stop-phrase fixtures and its manifest."""

    name: str
    folder: Path

    @property
    def manifest(self) -> list[dict[str, Any]]:
        return _manifest(self.folder)

    def load(self, name: str) -> np.ndarray:
        """A fixture's samples: 16 kHz mono int16."""
        rate, samples = read_wav(self.folder / name)
        assert rate == RATE and samples.shape[1] == 1, name
        return samples[:, 0]

    def items(self, kind: str, split: str | None = None) -> list[dict[str, Any]]:
        """Manifest entries of one kind (``positive``, ``nearmiss`` ...), optionally one split."""
        return [
            m
            for m in self.manifest
            if m["kind"] == kind and (split is None or m.get("split") == split)
        ]


_MANIFESTS: dict[Path, list[dict[str, Any]]] = {}


def _manifest(folder: Path) -> list[dict[str, Any]]:
    if folder not in _MANIFESTS:
        _MANIFESTS[folder] = json.loads((folder / "manifest.json").read_text())
    return _MANIFESTS[folder]


ESPEAK = VoiceSet("espeak", FIXTURES)
NEURAL = VoiceSet("neural", Path(__file__).parent / "fixtures" / "stopwords_neural")
VOICE_SETS = (ESPEAK, NEURAL)
NEAR_MISSES = VoiceSet("near_misses", Path(__file__).parent / "fixtures" / "stopwords_near_misses")
"""Sentences that sound like a phrase ("hello, I rest now"): piper renditions that fired once."""
OTHER_PHRASES = VoiceSet(
    "other_phrases", Path(__file__).parent / "fixtures" / "stopwords_other_phrases"
)
"""Phrases no detector setting was tuned on ("okay nova", "hey zorbo"), and near-misses."""


def load(name: str) -> np.ndarray:
    """An espeak fixture's samples: 16 kHz mono int16."""
    return ESPEAK.load(name)


def phrases() -> list[StopPhrase]:
    """The three phrases the fixtures say."""
    return [
        StopPhrase("computer"),
        StopPhrase("ok computer", alternatives=("okay computer",)),
        StopPhrase("hello iris"),
    ]


def floor(seconds: float, seed: int = 0) -> np.ndarray:
    """The fixtures' faint noise floor (no microphone delivers digital silence)."""
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(int(seconds * RATE)) * NOISE_FLOOR).astype(np.int16)
