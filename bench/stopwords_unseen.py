"""Stop phrases on sentences no fixture holds: fresh piper renditions at random settings.

The fixture sets are what the detector was tuned on (and held out from);
this draws new near-miss sentences and new requests, voices each ``--reps``
times with piper (the ``tts`` extra) at a random speed (0.75-1.3), prosody
(``noise_scale`` 0.3-1.0, ``noise_w_scale`` 0.4-1.1), level and white-noise
floor (-65 to -48 dBFS), and feeds every rendition into one
``ConfirmedDetector`` stream (reset between renditions, 0.3 s before and
1.3 s after each). It prints ONE JSON object: recall on the requests,
false triggers with their sentences, and the transcriptions made.

piper's own sampling is not seeded, so two runs hear different renditions;
``--audio FILE.npz`` keeps them (written on the first run, read on later
ones) to compare two versions of the detector on the same audio.

``--voice-shift F`` moves every rendition's pitch and formants by F at its own
tempo (:func:`streamlit_rtc.testing.pitch_shifted`: 0.88 a voice two semitones
deeper, 1.2 a woman's formants), after it is made or read from ``--audio``, so
the same kept renditions can be heard as other voices.

Usage: ``python bench/stopwords_unseen.py [--seed 21] [--reps 3] [--audio FILE.npz]
[--voice-shift F]`` (the ``stt`` and ``tts`` extras; ``sox`` for ``--voice-shift``).
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
import soxr

from streamlit_rtc.audio.keywords import ConfirmedDetector, KeywordHit, KeywordStream, StopPhrase
from streamlit_rtc.audio.speech import PiperTTSOptions, get_tts_model
from streamlit_rtc.testing import pitch_shifted

RATE = 16000
NEAR_MISSES = [
    "the computed value was wrong",
    "he computes it every day",
    "computers are everywhere now",
    "take the commuter rail line",
    "we compete with them",
    "her computation was right",
    "they recomputed the total",
    "compute this for me",
    "a computing lab",
    "the commuters waited",
    "hello Irene",
    "hello virus",
    "the iris bloomed early",
    "okay computing is fun",
    "my competitor won",
    "is it computed yet",
    "computed",
    "computing",
    "commuter",
    "computers",
    "can you compute the sum",
    "okay, commute home",
    "hello, I rest now",
]
REQUESTS = [
    ("computer", "computer, dim the lights"),
    ("ok computer", "okay computer, what is the news"),
    ("hello iris", "hello iris, call my mother"),
    ("computer", "computer, stop the music"),
    ("ok computer", "ok computer, open the door"),
    ("computer", "computer"),
    ("computer", "computer, how tall is a giraffe"),
]


def phrases() -> list[StopPhrase]:
    return [
        StopPhrase("computer"),
        StopPhrase("ok computer", alternatives=("okay computer",)),
        StopPhrase("hello iris"),
    ]


class Voice:
    """piper at a random setting per rendition, trimmed, at 16 kHz, with a noise floor."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.tts = get_tts_model()
        self.rng = rng

    def say(self, text: str) -> np.ndarray:
        rng = self.rng
        options = PiperTTSOptions(
            speed=float(rng.uniform(0.75, 1.3)),
            noise_scale=float(rng.uniform(0.3, 1.0)),
            noise_w_scale=float(rng.uniform(0.4, 1.1)),
        )
        rate, audio = self.tts.tts(text, options)
        audio = soxr.resample(np.asarray(audio, np.float32), rate, RATE)
        loud = np.flatnonzero(np.abs(audio) > 0.01)
        audio = audio[loud[0] : loud[-1] + 1]
        level = 32767 * 10 ** (float(rng.uniform(-12, -3)) / 20)
        speech = audio / np.abs(audio).max() * level
        floor_rms = 32768 * 10 ** (float(rng.uniform(-65, -48)) / 20)
        padded = np.concatenate([np.zeros(int(0.3 * RATE)), speech, np.zeros(int(1.3 * RATE))])
        noisy = padded + rng.normal(0.0, floor_rms, padded.size)
        return np.clip(np.round(noisy), -32768, 32767).astype(np.int16)


def renditions(seed: int, reps: int, keep: Path | None) -> list[tuple[str | None, str, np.ndarray]]:
    """``(phrase or None, sentence, int16 audio)`` per rendition, from ``keep`` if it exists."""
    said = [(None, t) for t in NEAR_MISSES for _ in range(reps)]
    said += [(p, t) for p, t in REQUESTS for _ in range(reps)]
    if keep is not None and keep.exists():
        with np.load(keep) as stored:
            audio = [stored[f"clip{i}"] for i in range(len(said))]
    else:
        voice = Voice(np.random.default_rng(seed))
        audio = [voice.say(text) for _, text in said]
        if keep is not None:
            np.savez_compressed(keep, **{f"clip{i}": a for i, a in enumerate(audio)})
    return [(p, t, a) for (p, t), a in zip(said, audio, strict=True)]


def listen(
    stream: KeywordStream, clips: list[tuple[str | None, str, np.ndarray]]
) -> list[tuple[list[KeywordHit], list[KeywordHit]]]:
    """Each rendition fed to ``stream`` in 20 ms pieces (reset after each): its hits, and the
    ones for the phrase it holds (the phrase or its last words, which cut the request alike)."""
    out = []
    for phrase, _text, pcm in clips:
        hits: list[KeywordHit] = []
        for i in range(0, pcm.size, 320):
            hits += stream.feed(pcm[i : i + 320])
        stream.reset()
        out.append((hits, [h for h in hits if phrase is not None and phrase.endswith(h.phrase)]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=21)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--audio", type=Path, default=None, help="renditions kept here (.npz)")
    parser.add_argument(
        "--voice-shift",
        type=float,
        default=1.0,
        help="pitch and formants times this, same tempo (0.88: two semitones deeper)",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    clips = renditions(args.seed, args.reps, args.audio)
    if args.voice_shift != 1.0:
        clips = [(p, t, pitch_shifted(a, RATE, args.voice_shift)) for p, t, a in clips]
    stream = ConfirmedDetector(phrases()).start_stream()
    false: list[str] = []
    heard = 0
    for (_phrase, text, _pcm), (hits, right) in zip(clips, listen(stream, clips), strict=True):
        heard += bool(right)
        false += [f"{text!r} -> {h.phrase!r}" for h in hits if h not in right]
    requests = len(REQUESTS) * args.reps
    print(
        json.dumps(
            {
                "benchmark": "stopwords_unseen",
                "seed": args.seed,
                "voice_shift": args.voice_shift,
                "renditions": len(clips),
                "near_miss_renditions": len(NEAR_MISSES) * args.reps,
                "recall": round(heard / requests, 4),
                "requests_heard": f"{heard}/{requests}",
                "false_triggers": len(false),
                "false_trigger_sentences": false,
                "transcriptions": stream.transcriptions,
            }
        )
    )


if __name__ == "__main__":
    main()
