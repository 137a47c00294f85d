"""Turn-end analyzers on sentences no fixture holds: are they asked the right question?

``bench/turn_end.py`` replays its fixtures through ``ReplyOnPause`` in real
time.  This asks the analyzers directly, once per utterance, what
``ReplyOnPause`` asks them when the silence begins (the turn so far plus
0.1 s of silence), on 20 requests cut where people hesitate ("Set an alarm
for", "Let's meet at") and 10 complete ones (``--sentences requests``), or
40 more cut-off requests and 70 short commands and replies (``commands``),
or 20 requests cut after a content word and 20 complete ones ending the same
way (``verbs``; ``bench/_turn_end_sentences.py``), spoken by piper (the ``tts`` extra) at
two speeds.  A hesitation the analyzer calls complete (at or
above ``PauseOptions.complete_threshold``) is a speaker cut off; a complete
sentence under it waits ``incomplete_pause_s``.

The cut-off requests are synthesized alone, as a speaker who stops there
says them (the fixtures' ``separate`` cut); ``--cut aligned`` (``verbs``)
voices each whole sentence and cuts it where a forced alignment
(pocketsphinx) ends the first part, as a speaker pausing mid-thought sounds
(the fixtures' ``aligned`` cut; ``--cut-audio FILE.npz`` keeps those cuts).

Prints ONE JSON object: per analyzer and speed, the hesitations called
complete (with their transcripts for ``WordAwareTurnEnd``) and the complete
sentences called complete.  ``--voice-shift F`` moves pitch and formants by
F at the same tempo (:func:`streamlit_rtc.testing.pitch_shifted`; 0.88: two
semitones deeper); ``--no-lift`` reads a deep voice's words as they are
(``WordAwareTurnEnd(lift_deep_voices_to_hz=None)``), ``--no-lower`` a high
voice's (``lower_high_voices_to_hz=None``), ``--no-rival`` trusts the
written last word even with an unfinished word close behind it
(``unfinished_rival=None``). piper's sampling is not seeded:
``--reps N`` voices each sentence N times per speed, and ``--audio FILE.npz``
keeps the renditions (written on the first run, read on later ones) to
compare two settings on the same audio.
Usage: ``python bench/turn_end_unseen.py [--sentences requests|commands|verbs]
[--cut separate|aligned] [--voice-shift F] [--no-lift] [--no-lower] [--no-rival] [--reps N]
[--audio FILE.npz] [--cut-audio FILE.npz]`` (the ``turn``,
``stt`` and ``tts`` extras; ``sox`` for ``--voice-shift``).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

import numpy as np
import soxr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._turn_end_sentences import (
    COMMANDS,
    COMMANDS_CUT,
    REQUESTS,
    REQUESTS_CUT,
    VERBS,
    VERBS_CUT,
    VERBS_WHOLE,
)
from streamlit_rtc import PauseOptions, SmartTurn, WordAwareTurnEnd, get_tts_model
from streamlit_rtc.audio.speech import PiperTTSOptions
from streamlit_rtc.testing import pitch_shifted

RATE = 16000
SPEEDS = (1.0, 1.15)
SENTENCES = {
    "requests": (REQUESTS_CUT, REQUESTS),
    "commands": (COMMANDS_CUT, COMMANDS),
    "verbs": (VERBS_CUT, VERBS),
}
WHOLE = {"verbs": dict(VERBS_WHOLE)}  # the rest of each cut request, for --cut aligned
FADE_S = 0.01


def renditions(
    sentences: list[str], reps: int, keep: Path | None
) -> dict[tuple[str, float, int], np.ndarray]:
    """Every sentence voiced ``reps`` times per speed, trimmed, at 16 kHz (float32);
    read from ``keep`` if it exists, else made (and written there)."""
    keys = [(t, speed, r) for t in sentences for speed in SPEEDS for r in range(reps)]
    if keep is not None and keep.exists():
        with np.load(keep) as stored:
            return {key: stored[f"clip{i}"] for i, key in enumerate(keys)}
    tts = get_tts_model()
    made: dict[tuple[str, float, int], np.ndarray] = {}
    for text, speed, r in keys:
        rate, audio = tts.tts(text, PiperTTSOptions(speed=speed))
        audio = soxr.resample(np.asarray(audio, np.float32), rate, RATE)
        loud = np.flatnonzero(np.abs(audio) > 0.01)
        made[(text, speed, r)] = audio[loud[0] : loud[-1] + 1]
    if keep is not None:
        np.savez_compressed(keep, **{f"clip{i}": made[key] for i, key in enumerate(keys)})
    return made


def aligned_cuts(
    whole: dict[str, str], reps: int, keep: Path | None
) -> dict[tuple[str, float, int], np.ndarray]:
    """Each cut request as a speaker pausing mid-thought says it: the whole sentence voiced
    at once and cut where a forced alignment ends its first part (faded, trimmed, 16 kHz);
    read from ``keep`` if it exists, else made (and written there). A rendition that does
    not align is left out (logged)."""
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests/fixtures/turn_end"))
    from make_turn_end_fixtures import Aligner, quietest_cut

    keys = [(first, speed, r) for first in whole for speed in SPEEDS for r in range(reps)]
    if keep is not None and keep.exists():
        with np.load(keep) as stored:
            return {key: stored[f"clip{i}"] for i, key in enumerate(keys) if f"clip{i}" in stored}
    tts, aligner = get_tts_model(), Aligner()
    made: dict[tuple[str, float, int], np.ndarray] = {}
    for first, speed, r in keys:
        sentence = f"{first} {whole[first]}"
        rate, audio = tts.tts(sentence, PiperTTSOptions(speed=speed))
        audio = soxr.resample(np.asarray(audio, np.float32), rate, RATE)
        end = aligner.word_end_s(audio * 32767, sentence, len(first.split()))
        if end is None:
            logging.warning("no alignment for %r: rendition left out", sentence)
            continue
        cut = audio[: quietest_cut(audio, end)].copy()
        fade = round(FADE_S * RATE)
        cut[-fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
        loud = np.flatnonzero(np.abs(cut) > 0.01)
        made[(first, speed, r)] = cut[loud[0] :]
    if keep is not None:
        np.savez_compressed(
            keep, **{f"clip{i}": made[key] for i, key in enumerate(keys) if key in made}
        )
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--voice-shift", type=float, default=1.0)
    parser.add_argument("--no-lift", action="store_true")
    parser.add_argument("--no-lower", action="store_true")
    parser.add_argument(
        "--no-rival", action="store_true", help="WordAwareTurnEnd(unfinished_rival=None)"
    )
    parser.add_argument("--sentences", choices=sorted(SENTENCES), default="requests")
    parser.add_argument(
        "--cut",
        choices=["separate", "aligned"],
        default="separate",
        help="cut requests voiced alone, or cut out of the whole sentence (verbs only)",
    )
    parser.add_argument(
        "--cut-audio", type=Path, default=None, help="aligned cuts kept here (.npz)"
    )
    parser.add_argument("--reps", type=int, default=1)
    parser.add_argument("--audio", type=Path, default=None, help="renditions kept here (.npz)")
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    acoustic = SmartTurn.shared()
    hesitations, complete = SENTENCES[args.sentences]
    band: dict[str, float | None] = {}
    if args.no_lift:
        band["lift_deep_voices_to_hz"] = None
    if args.no_lower:
        band["lower_high_voices_to_hz"] = None
    if args.no_rival:
        band["unfinished_rival"] = None
    words = WordAwareTurnEnd(acoustic, alongside=False, **band)
    threshold = PauseOptions().complete_threshold
    rng = np.random.default_rng(0)
    if args.cut == "aligned" and args.sentences not in WHOLE:
        parser.error(f"--cut aligned needs sentences with their rest: {sorted(WHOLE)}")
    voiced = renditions(hesitations + complete, args.reps, args.audio)
    if args.cut == "aligned":
        cut_out = aligned_cuts(WHOLE[args.sentences], args.reps, args.cut_audio)
        voiced = {key: a for key, a in voiced.items() if key[0] not in hesitations} | cut_out

    def turn(text: str, speed: float, rep: int) -> np.ndarray:
        """``text`` as a turn so far: 0.15 s of floor, the speech, 0.1 s of silence."""
        speech = voiced[(text, speed, rep)]
        if args.voice_shift != 1.0:
            pcm = np.clip(np.round(speech * 32767), -32768, 32767).astype(np.int16)
            speech = pitch_shifted(pcm, RATE, args.voice_shift).astype(np.float32) / 32768
        padded = np.concatenate([np.zeros(2400, np.float32), speech, np.zeros(1600, np.float32)])
        return padded + rng.normal(0.0, 3e-4, padded.size).astype(np.float32)

    results: dict[str, object] = {}
    for speed in SPEEDS:
        cut: dict[str, list[str]] = {"smart_turn": [], "word_aware": []}
        heard: dict[str, int] = {"smart_turn": 0, "word_aware": 0}
        asked = 0
        for text in hesitations:
            for rep in range(args.reps):
                if (text, speed, rep) not in voiced:
                    continue  # an aligned cut that did not align
                asked += 1
                audio = turn(text, speed, rep)
                if acoustic.probability(audio) >= threshold:
                    cut["smart_turn"].append(text)
                if words.probability(audio) >= threshold:
                    read = words.read_last_words(audio)
                    cut["word_aware"].append(f"{text!r} read as ending on {read.last_word!r}")
        for text in complete:
            for rep in range(args.reps):
                audio = turn(text, speed, rep)
                heard["smart_turn"] += acoustic.probability(audio) >= threshold
                heard["word_aware"] += words.probability(audio) >= threshold
        results[f"speed_{speed}"] = {
            name: {
                "hesitations_cut": f"{len(cut[name])}/{asked}",
                "complete_heard_complete": f"{heard[name]}/{len(complete) * args.reps}",
                "cut": cut[name],
            }
            for name in cut
        }
    print(
        json.dumps(
            {
                "benchmark": "turn_end_unseen",
                "voice_shift": args.voice_shift,
                "lift": not args.no_lift,
                "lower": not args.no_lower,
                "rival": not args.no_rival,
                "sentences": args.sentences,
                "cut": args.cut,
                "reps": args.reps,
                "complete_threshold": threshold,
                "results": results,
            }
        )
    )


if __name__ == "__main__":
    main()
