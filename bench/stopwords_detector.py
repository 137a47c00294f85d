"""Benchmark a stop-phrase detector alone on a fixture set (espeak-ng by default).

Feeds every fixture into one live stream in 20 ms chunks (``reset()`` between
files, stream time keeps counting) and prints ONE JSON object:

* ``recall`` -- positives with a hit for the true phrase (a hit for a phrase
  that is a suffix of it, e.g. "computer" in "ok computer", counts: the
  handler cuts the audio at the same place).
* ``false_triggers_per_min`` -- wrong hits per minute of non-phrase speech
  (negatives, near-misses, noise, and the requests after the phrases).
* ``delay_ms`` -- median / p95 of (time the hit is returned - true phrase
  end), simulated real time: the end of the chunk that returned the hit plus
  the CPU time that ``feed()`` call took.
* ``cpu_s_per_audio_s`` -- process CPU seconds spent in ``feed()`` per second
  of audio.

Usage: ``python bench/stopwords_detector.py [--threshold-per-phone 3] [--no-verify]
[--min-margin 0] [--multiword-accept 20 | --always-verify] [--fixtures DIR]
[--confirmed] [--voice-shift 0.94]`` (``DIR`` holds WAVs and a ``manifest.json``, e.g.
``tests/fixtures/stopwords_neural``; its ``conversation`` entry is skipped).
``--confirmed`` measures the two-stage default (the ``stt`` extra) instead of
pocketsphinx alone; the pocketsphinx options then set its stage 1, and
``--warped-search deep_voices|always|off`` chooses when its search for deep
voices listens (default ``deep_voices``, as ``ConfirmedDetector``; ``off``:
the plain search alone, the baseline of the README's deep-voice figures).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from pathlib import Path
from typing import Any

import numpy as np
import soxr

from streamlit_rtc.audio.keywords import ConfirmedDetector, PocketSphinxDetector, StopPhrase
from streamlit_rtc.testing import pitch_shifted, read_wav

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "stopwords"
CHUNK = 320  # 20 ms at 16 kHz
TAIL_S = 1.2  # noise floor (-66 dBFS) after every clip: a detector may decide up to ~1 s late


VOICE_SHIFT = 1.0  # --voice-shift: play the fixtures this much faster (pitch and formants too)
KEEP_TEMPO = False  # --keep-tempo: shift pitch and formants by VOICE_SHIFT, not the tempo
NOISE_DBFS: float | None = None  # --noise-dbfs: white noise this loud under every clip


def load(name: str) -> np.ndarray:
    rate, audio = read_wav(FIXTURES / name, mono=True)
    if VOICE_SHIFT == 1.0:
        return audio
    if KEEP_TEMPO:
        return pitch_shifted(audio, rate, VOICE_SHIFT)
    # Played at rate * shift and heard at 16 kHz: every frequency (pitch, formants) and the
    # tempo scale by the shift, roughly another speaker (0.94: a voice ~1 semitone deeper).
    shifted = soxr.resample(audio.astype(np.float32), round(rate * VOICE_SHIFT), 16000)
    return np.clip(np.round(shifted), -32768, 32767).astype(np.int16)


def default_phrases() -> list[StopPhrase]:
    return [
        StopPhrase("computer"),
        StopPhrase("ok computer", alternatives=("okay computer",)),
        StopPhrase("hello iris"),
    ]


def run(detector: PocketSphinxDetector | ConfirmedDetector) -> dict[str, object]:
    manifest = json.loads((FIXTURES / "manifest.json").read_text())
    manifest = [m for m in manifest if m["kind"] != "conversation"]
    stage1 = detector.candidates if isinstance(detector, ConfirmedDetector) else detector
    stream = detector.start_stream()
    offset = 0.0
    cpu = 0.0
    audio_s = 0.0
    n_pos = tp = false = 0
    clean_s = 0.0
    delays: list[float] = []
    errors: list[float] = []
    missed: list[str] = []
    false_files: list[str] = []
    time_scale = 1.0 if KEEP_TEMPO else VOICE_SHIFT  # how much faster the clips are played
    rng = np.random.default_rng(7)
    noise_rng = np.random.default_rng(11)
    for item in manifest:
        # a faint noise floor after each clip, so looks that wait for later audio happen
        tail = (rng.standard_normal(int(TAIL_S * 16000)) * 16).astype(np.int16)
        audio = np.concatenate([load(item["file"]), tail])
        if NOISE_DBFS is not None:
            noise = noise_rng.standard_normal(audio.size) * 32768 * 10 ** (NOISE_DBFS / 20)
            audio = np.clip(audio + noise, -32768, 32767).astype(np.int16)
        stream.reset()
        hits = []
        for i in range(0, len(audio), CHUNK):
            t0 = time.process_time()
            got = stream.feed(audio[i : i + CHUNK])
            dt = time.process_time() - t0
            cpu += dt
            now = offset + min(len(audio), i + CHUNK) / 16000 + dt
            hits.extend((h, now) for h in got)
        dur = (len(audio) - tail.size) / 16000  # the clip without its tail
        audio_s += len(audio) / 16000
        truth = item["phrase"]
        if item["kind"] == "positive":
            n_pos += 1
            clean_s += dur - (item["phrase_end_s"] - item["phrase_start_s"]) / time_scale
            good = [(h, t) for h, t in hits if truth.endswith(h.phrase)]
            if good:
                tp += 1
                h, t = good[0]
                true_end = offset + item["phrase_end_s"] / time_scale
                delays.append(t - true_end)
                errors.append(h.end_s - true_end)
            else:
                missed.append(item["file"])
            extra = len(hits) - (1 if good else 0)
        else:
            clean_s += dur
            extra = len(hits)
        if extra:
            false += extra
            false_files.append(item["file"])
        offset += len(audio) / 16000
    d = np.array(delays) * 1000 if delays else np.zeros(1)
    e = np.array(errors) * 1000 if errors else np.zeros(1)
    return {
        "detector": type(detector).__name__,
        "fixtures": FIXTURES.name,
        "voice_shift": VOICE_SHIFT,
        "keep_tempo": KEEP_TEMPO,
        "threshold_per_phone": stage1.threshold_per_phone,
        "phone_loop_penalty": stage1.phone_loop_penalty,
        "config": stage1.config,
        "verify": stage1.verify,
        "min_margin": stage1.min_margin,
        "multiword_accept": stage1.multiword_accept,
        "files": len(manifest),
        "positives": n_pos,
        "recall": round(tp / max(1, n_pos), 4),
        "false_triggers": false,
        "false_triggers_per_min": round(false / (clean_s / 60), 4),
        "non_phrase_minutes": round(clean_s / 60, 3),
        "delay_ms": {
            "median": round(float(np.median(d)), 1),
            "p95": round(float(np.percentile(d, 95)), 1),
        },
        "end_error_ms": {
            "median": round(float(np.median(e)), 1),
            "min": round(float(e.min()), 1),
            "max": round(float(e.max()), 1),
        },
        "cpu_s_per_audio_s": round(cpu / audio_s, 4),
        "audio_s": round(audio_s, 1),
        "missed": missed,
        "false_trigger_files": false_files,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--threshold-per-phone", type=float, default=None)
    parser.add_argument("--phone-loop-penalty", type=float, default=None)
    parser.add_argument("--min-margin", type=float, default=None)
    parser.add_argument(
        "--multiword-accept",
        type=float,
        default=None,
        help="stage-1 margin (natural log) that reports a multi-word phrase without stage 2",
    )
    parser.add_argument("--always-verify", action="store_true", help="multiword_accept=None")
    parser.add_argument("--no-verify", action="store_true", help="stage 1 (keyphrase) only")
    parser.add_argument("--fixtures", type=Path, default=None, help="other fixture dir")
    parser.add_argument(
        "--confirmed", action="store_true", help="the two-stage default (needs the stt extra)"
    )
    parser.add_argument(
        "--voice-shift",
        type=float,
        default=1.0,
        help="play every clip this much faster, pitch and formants included (0.94: a deeper "
        "voice, 1.06: a higher one): how the detector does on voices unlike the fixtures'",
    )
    parser.add_argument(
        "--keep-tempo",
        action="store_true",
        help="with --voice-shift: scale pitch and formants only, at the clips' own tempo "
        "(sox's pitch effect), as a higher or deeper speaker who speaks as fast",
    )
    parser.add_argument(
        "--last-word-margin",
        type=float,
        default=None,
        help="--confirmed: how far a lone last word must beat the phone loop (default: the "
        "detector's)",
    )
    parser.add_argument(
        "--warped-search",
        choices=("deep_voices", "always", "off"),
        default="deep_voices",
        help="--confirmed: when the search warped for deep voices listens",
    )
    parser.add_argument(
        "--noise-dbfs",
        type=float,
        default=None,
        help="add white noise this loud (RMS, dBFS) under every clip and its tail; the "
        "fixtures' speech is about -23 dBFS RMS, so -40 is a 17 dB signal-to-noise ratio",
    )
    parser.add_argument(
        "--no-last-words",
        action="store_true",
        help="--confirmed without stage 1 listening for multi-word phrases' last words alone",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    kwargs: dict[str, object] = {}
    if args.threshold_per_phone is not None:
        kwargs["threshold_per_phone"] = args.threshold_per_phone
    if args.phone_loop_penalty is not None:
        kwargs["phone_loop_penalty"] = args.phone_loop_penalty
    if args.min_margin is not None:
        kwargs["min_margin"] = args.min_margin
    if args.multiword_accept is not None:
        kwargs["multiword_accept"] = args.multiword_accept
    if args.always_verify:
        kwargs["multiword_accept"] = None
    if args.no_verify:
        kwargs["verify"] = False
    global FIXTURES, VOICE_SHIFT, NOISE_DBFS, KEEP_TEMPO
    NOISE_DBFS = args.noise_dbfs
    if args.fixtures is not None:
        FIXTURES = args.fixtures
    if not 0.5 <= args.voice_shift <= 2.0:
        parser.error("--voice-shift must be in [0.5, 2]")
    VOICE_SHIFT = args.voice_shift
    KEEP_TEMPO = args.keep_tempo
    if args.confirmed:
        from streamlit_rtc.audio.keywords.candidates import LastWords, candidate_detector

        margin_args = {} if args.last_word_margin is None else {"margin": args.last_word_margin}
        last = None if args.no_last_words else LastWords.of(default_phrases(), **margin_args)
        stage1 = candidate_detector(default_phrases(), last, **kwargs)
        margin = None if last is None else last.margin
        warp: dict[str, Any] = (
            {"deeper_voices_warp": None}
            if args.warped_search == "off"
            else {"warped_search": args.warped_search}
        )
        confirmed = ConfirmedDetector(
            default_phrases(), candidates=stage1, last_word_margin=margin, **warp
        )
        result = {**run(confirmed), "warped_search": args.warped_search}
        print(json.dumps({**result, "noise_dbfs": NOISE_DBFS}))
        return
    detector = PocketSphinxDetector(default_phrases(), **kwargs)  # type: ignore[arg-type]
    if detector.verify:
        detector.verifier()  # build the shared stage-2 index before timing
    print(json.dumps({**run(detector), "noise_dbfs": NOISE_DBFS}))


if __name__ == "__main__":
    main()
