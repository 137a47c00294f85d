"""Every pocketsphinx decoder gets the frequency warp its config asks for.

pocketsphinx keeps its warp settings in C globals: a warped decoder made
after a plain one, with the same warp as the last, used to hear unwarped
(only a process's first warped stream was warped).
"""

from __future__ import annotations

import numpy as np
import soxr
from stopword_fixtures import NEURAL, RATE, floor, phrases

from streamlit_rtc.audio.keywords.candidates import LastWords, candidate_detector, warped


def deeper(clip: np.ndarray) -> np.ndarray:
    """Played 12 % slower: two semitones deeper, where the warp changes what is heard."""
    out = soxr.resample(clip.astype(np.float32), round(RATE * 0.88), RATE)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def stage1_hits(stream: object, clips: list[np.ndarray]) -> list[tuple[str, float]]:
    out = []
    for i, clip in enumerate(clips):
        audio = np.concatenate([deeper(clip), floor(1.0, i)])
        stream.reset()  # type: ignore[attr-defined]
        for k in range(0, audio.size, 320):
            hits = stream.feed(audio[k : k + 320])  # type: ignore[attr-defined]
            out += [(h.phrase, round(float(h.score or 0.0), 3)) for h in hits]
    return out


def test_every_warped_stream_hears_warped() -> None:
    last = LastWords.of(phrases())
    plain = candidate_detector(phrases(), last)
    warped_search = candidate_detector(phrases(), last, config=warped(plain.config, 0.85))
    items = [m for m in NEURAL.items("positive") if m["phrase"] == "hello iris"][:6]
    clips = [NEURAL.load(m["file"]) for m in items]
    first_warped = warped_search.start_stream()
    first_plain = plain.start_stream()
    second_warped = warped_search.start_stream()
    second_plain = plain.start_stream()
    heard_warped = stage1_hits(first_warped, clips)
    heard_plain = stage1_hits(first_plain, clips)
    assert heard_warped != heard_plain
    assert stage1_hits(second_warped, clips) == heard_warped
    assert stage1_hits(second_plain, clips) == heard_plain
