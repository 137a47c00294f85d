"""The acoustic model as a second witness between the phrase and a near-miss reading.

Real pocketsphinx on the piper fixtures: no speech-to-text needed.
"""

from __future__ import annotations

import numpy as np
import pytest
from stopword_fixtures import NEAR_MISSES, NEURAL, RATE, floor

from streamlit_rtc.audio.keywords.phonetic import Pronouncer
from streamlit_rtc.audio.keywords.reading_sounds import ReadingSounds

PRON = Pronouncer({})
IRIS = [" ".join(p) for p in PRON.words(("hello", "iris"))]
VIRUS = [" ".join(p) for p in PRON.words(("hello", "virus"))]


@pytest.fixture(scope="module")
def sounds() -> ReadingSounds:
    return ReadingSounds()


def _padded(audio: np.ndarray, seed: int) -> np.ndarray:
    return np.concatenate([floor(0.3, seed), audio, floor(0.3, seed + 1)])


def test_the_sounds_tell_hello_virus_from_hello_iris(sounds: ReadingSounds) -> None:
    """Whisper reads both "Hello, wires."; the acoustic model hears the "v" (or its absence)
    in a window like a first look's: the phrase and 0.4 s of the request after it."""
    said = []
    for i, item in enumerate(NEURAL.items("positive")):
        if item["phrase"] == "hello iris":
            audio = _padded(NEURAL.load(item["file"]), i)  # the phrase starts 0.3 s in
            start, end = item["phrase_start_s"], item["phrase_end_s"] + 0.3 + 0.4
            window = audio[int(start * RATE) : int(end * RATE)]
            said.append(sounds.preference(IRIS, VIRUS, window))
    heard_virus = [
        sounds.preference(IRIS, VIRUS, _padded(NEAR_MISSES.load(item["file"]), i))
        for i, item in enumerate(NEAR_MISSES.manifest)
        if item["spoken"] == "hello virus"
    ]
    assert len(said) >= 12 and len(heard_virus) == 3
    assert all(p > 0 for p in said), said  # measured +20 to +106; virus -27 to -34
    assert all(p < 0 for p in heard_virus), heard_virus


def test_a_window_is_heard_the_same_after_other_windows(sounds: ReadingSounds) -> None:
    """The decoder is shared by every stream: its verdict on a window must not carry
    anything from the windows before (pocketsphinx's noise estimate did)."""
    clips = [
        _padded(NEAR_MISSES.load(item["file"]), i) for i, item in enumerate(NEAR_MISSES.manifest)
    ]
    cmn = "45,2,-2,1,0,0,0,0,0,0,0,0,0"
    first = sounds.preference(IRIS, VIRUS, clips[0], cmn)
    for clip in clips[1:]:
        sounds.preference(VIRUS, IRIS, np.clip(clip.astype(np.int32) * 3, -32768, 32767))
    assert sounds.preference(IRIS, VIRUS, clips[0], cmn) == first


def test_a_reading_the_search_cannot_fit_says_nothing(sounds: ReadingSounds) -> None:
    assert sounds.preference(IRIS, VIRUS, np.zeros(800, np.int16)) == 0.0
    assert sounds.preference(IRIS, [], _padded(NEAR_MISSES.load("hello-virus_0.wav"), 0)) == 0.0
