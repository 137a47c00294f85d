"""Stop phrases no detector setting was tuned on: other names, other words, other voices.

Every rule and threshold of the two-stage detector was chosen on three
phrases ("computer", "ok computer", "hello iris").  An app picks its own, so
this runs ``ConfirmedDetector`` on other sets:

* ``a``: "hey jarvis", "assistant", "hey robot";
* ``b``: "okay nova", "alexa", "hi buddy";
* ``c``: made-up names, in no dictionary but "kira": "hey zorbo", "okay kira", "hi lumi";
* ``d``: the seed guide's other examples, "hey siri" and "llama";

each with requests after the phrase and sentences that sound like one ("my
assistants are busy", "hey Robert, come here", "okay, no way", "a lexicon of
words"), spoken by

* ``piper``: fresh renditions at random settings (``bench/stopwords_unseen.py``'s
  voice: speed, prosody, level and noise floor drawn from ``--seed``; piper's
  own sampling is not seeded, so ``--audio DIR`` keeps them for a second run);
* ``espeak``: six espeak-ng voices (two of the fixtures', four others) at two
  rates, deterministic.

Each rendition goes into one stream (reset between renditions, as the other
detector benches).  Prints ONE JSON object: per set and voice, recall, false
triggers with their sentences, and the phrases missed.

``--voice-shift F`` plays the piper renditions F times faster (pitch, formants
and tempo: 0.94 is about a semitone deeper), as ``bench/stopwords_detector.py``.

Usage: ``python bench/stopwords_new_phrases.py [--seed 51] [--reps 3]
[--voices piper espeak] [--sets a b c] [--audio DIR] [--voice-shift 1.0]`` (the
``stt`` and ``tts`` extras; espeak-ng on the PATH for ``espeak``).
"""

from __future__ import annotations

import argparse
import json
import logging
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import soxr
from stopwords_unseen import RATE, Voice, listen

from streamlit_rtc.audio.keywords import ConfirmedDetector, StopPhrase
from streamlit_rtc.testing import read_wav

SETS: dict[str, dict[str, list]] = {
    "a": {
        "phrases": ["hey jarvis", "assistant", "hey robot"],
        "requests": [
            ("hey jarvis", "hey jarvis, what time is it"),
            ("hey jarvis", "hey jarvis, turn off the radio"),
            ("assistant", "assistant, set an alarm"),
            ("assistant", "assistant, what is the weather"),
            ("hey robot", "hey robot, play some jazz"),
            ("hey robot", "hey robot, stop"),
        ],
        "near_misses": [
            "the assistance was great",
            "my assistants are busy",
            "she assisted the doctor",
            "hey Robert, come here",
            "the row boat is red",
            "the robots are coming",
            "hey Travis, look at this",
            "a jar of jam",
            "a distant star",
            "what a lovely day",
        ],
    },
    "b": {
        "phrases": ["okay nova", "alexa", "hi buddy"],
        "requests": [
            ("okay nova", "okay nova, what time is it"),
            ("okay nova", "okay nova, turn off the radio"),
            ("alexa", "alexa, set an alarm"),
            ("alexa", "alexa, what is the weather"),
            ("hi buddy", "hi buddy, play some jazz"),
            ("hi buddy", "hi buddy, stop the music"),
        ],
        "near_misses": [
            "okay, no way",
            "okay, now go home",
            "the nova was bright",
            "alex has a cat",
            "a lexicon of words",
            "I like Alexander",
            "my buddy is here",
            "hey Betty, come here",
            "hi, but wait",
            "can you pass the salt",
        ],
    },
    "c": {
        "phrases": ["hey zorbo", "okay kira", "hi lumi"],
        "requests": [
            ("hey zorbo", "hey zorbo, what time is it"),
            ("hey zorbo", "hey zorbo, turn off the radio"),
            ("okay kira", "okay kira, set an alarm"),
            ("okay kira", "okay kira, what is the weather"),
            ("hi lumi", "hi lumi, play some jazz"),
            ("hi lumi", "hi lumi, stop the music"),
        ],
        "near_misses": [
            "hey, sorry about that",
            "hey Zora, come here",
            "the zoo is open",
            "okay, keep it",
            "okay, Kevin",
            "a clear day",
            "hi, look at me",
            "hello, Lucy",
            "the loom is old",
            "what a lovely day",
        ],
    },
    "d": {
        # the seed guide's own examples besides ours: "Hey Siri", "llama"
        "phrases": ["hey siri", "llama"],
        "requests": [
            ("hey siri", "hey siri, what time is it"),
            ("hey siri", "hey siri, call my mother"),
            ("hey siri", "hey siri, play some music"),
            ("llama", "llama, tell me a joke"),
            ("llama", "llama, what is the weather"),
            ("llama", "llama, stop the music"),
        ],
        "near_misses": [
            "hey, seriously",
            "the series was good",
            "a bowl of cereal",
            "hey, see you later",
            "hey Sarah, come here",
            "my mama is here",
            "the lemon is sour",
            "a lamb in the field",
            "the drama club meets today",
            "what a lovely day",
        ],
    },
}
ESPEAK_VOICES = ("en-us", "en-gb-scotland", "en-us+f2", "en-us-nyc", "en-gb-x-gbcwmd", "en+f4")
ESPEAK_RATES = (150, 185)


def espeak(text: str, voice: str, rate: int) -> np.ndarray:
    """``text`` in an espeak-ng voice: trimmed, 16 kHz int16, padded, with a faint noise floor."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "said.wav"
        subprocess.run(
            ["espeak-ng", "-v", voice, "-s", str(rate), "-w", str(path), text],
            check=True,
            capture_output=True,
        )
        sr, pcm = read_wav(path, mono=True)
    audio = soxr.resample(pcm.astype(np.float32), sr, RATE)
    loud = np.flatnonzero(np.abs(audio) > 300)
    audio = audio[loud[0] : loud[-1] + 1] * 0.5
    padded = np.concatenate([np.zeros(int(0.3 * RATE)), audio, np.zeros(int(1.3 * RATE))])
    rng = np.random.default_rng(len(text) * 1000 + rate)
    noisy = padded + rng.normal(0.0, 20.0, padded.size)
    return np.clip(np.round(noisy), -32768, 32767).astype(np.int16)


def said(name: str, reps: int) -> list[tuple[str | None, str]]:
    """``(phrase or None, sentence)``: each request ``reps`` times, each near-miss twice."""
    spec = SETS[name]
    out: list[tuple[str | None, str]] = [(p, t) for p, t in spec["requests"] for _ in range(reps)]
    return out + [(None, t) for t in spec["near_misses"] for _ in range(2)]


def piper_clips(name: str, seed: int, reps: int, keep: Path | None) -> list[np.ndarray]:
    """Piper renditions of :func:`said`, from ``keep`` if it holds them."""
    sentences = said(name, reps)
    stored = keep / f"{name}_{seed}_{reps}.npz" if keep is not None else None
    if stored is not None and stored.exists():
        with np.load(stored) as kept:
            return [kept[f"clip{i}"] for i in range(len(sentences))]
    voice = Voice(np.random.default_rng(seed))
    audio = [voice.say(text) for _, text in sentences]
    if stored is not None:
        stored.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(stored, **{f"clip{i}": a for i, a in enumerate(audio)})
    return audio


def shifted(pcm: np.ndarray, shift: float) -> np.ndarray:
    """``pcm`` played ``shift`` times faster and heard at 16 kHz (another, rougher speaker)."""
    if shift == 1.0:
        return pcm
    out = soxr.resample(pcm.astype(np.float32), round(RATE * shift), RATE)
    return np.clip(np.round(out), -32768, 32767).astype(np.int16)


def measure(name: str, clips: list[tuple[str | None, str, np.ndarray]]) -> dict[str, object]:
    """Recall and false triggers of the default two-stage detector over ``clips``."""
    stream = ConfirmedDetector([StopPhrase(p) for p in SETS[name]["phrases"]]).start_stream()
    heard = positives = 0
    false: list[str] = []
    missed: list[str] = []
    for (phrase, text, _pcm), (hits, right) in zip(clips, listen(stream, clips), strict=True):
        if phrase is not None:
            positives += 1
            heard += bool(right)
            if not right:
                missed.append(text)
        false += [f"{text!r} -> {h.phrase!r}" for h in hits if h not in right]
    return {
        "recall": round(heard / max(1, positives), 4),
        "heard": f"{heard}/{positives}",
        "false_triggers": len(false),
        "false_trigger_sentences": false,
        "missed": missed,
        "transcriptions": stream.transcriptions,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seed", type=int, default=51)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--sets", nargs="+", choices=sorted(SETS), default=sorted(SETS))
    parser.add_argument("--voices", nargs="+", choices=("piper", "espeak"), default=["piper"])
    parser.add_argument("--audio", type=Path, default=None, help="piper renditions kept here")
    parser.add_argument("--voice-shift", type=float, default=1.0, help="piper played this fast")
    args = parser.parse_args()
    if not 0.5 <= args.voice_shift <= 2.0:
        parser.error("--voice-shift must be in [0.5, 2]")
    logging.basicConfig(level=logging.WARNING)
    if "espeak" in args.voices and shutil.which("espeak-ng") is None:
        parser.error("--voices espeak needs espeak-ng on the PATH")
    results: dict[str, object] = {}
    for name in args.sets:
        if "piper" in args.voices:
            audio = piper_clips(name, args.seed, args.reps, args.audio)
            clips = [
                (p, t, shifted(a, args.voice_shift))
                for (p, t), a in zip(said(name, args.reps), audio, strict=True)
            ]
            results[f"{name}_piper"] = measure(name, clips)
        if "espeak" in args.voices:
            clips = [
                (p, t, espeak(t, voice, rate))
                for voice in ESPEAK_VOICES
                for rate in ESPEAK_RATES
                for p, t in said(name, 1)
            ]
            results[f"{name}_espeak"] = measure(name, clips)
    print(
        json.dumps(
            {
                "benchmark": "stopwords_new_phrases",
                "seed": args.seed,
                "voice_shift": args.voice_shift,
                "reps": args.reps,
                "sets": {name: SETS[name]["phrases"] for name in args.sets},
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
