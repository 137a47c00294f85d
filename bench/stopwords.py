"""Benchmark: ReplyOnStopWords on every stop-phrase voice set, with and without the ``stt`` extra.

Prints one JSON object.  Voice sets (each played as ONE live connection, 20 ms
browser frames at 48 kHz stereo, simulated clock, detection inline so each
hit is attributed to the frame that produced it):

* ``espeak`` -- ``tests/fixtures/stopwords`` (101 espeak-ng clips, 1 s of the
  fixtures' noise floor between clips);
* ``neural_tune`` / ``neural_heldout`` -- ``tests/fixtures/stopwords_neural``
  (piper voice), the settings the detector was tuned on and the held-out ones
  (other speeds, prosody, requests and near-misses: never tuned on);
* ``conversation`` -- two minutes of ordinary sentences with three phrases
  embedded (the CPU a live stream costs while people talk).

Detectors: ``pocketsphinx`` (the default without the ``stt`` extra) and
``confirmed`` (the default with it: pocketsphinx candidates confirmed by
Whisper tiny.en).  Per set and detector:

* ``recall``: phrases said that led to a ``stopword`` event for that phrase
  (or its last words: "computer" for "ok computer" cuts the request at the
  same place); ``wrong_phrase``: another configured phrase was reported there.
* ``false_triggers``: ``stopword`` events where no phrase was said, and per
  minute of speech without a phrase.
* ``delay_ms``: true end of the phrase -> ``stopword`` event (the end of the
  frame that carried the hit plus the wall time ``receive`` took on it).
* ``detection_cpu``: process CPU seconds per audio second of ReplyOnStopWords
  minus plain ReplyOnPause on the same audio in the same run (what listening
  for the phrase costs); ``transcriptions``: Whisper calls.

Run: ``python bench/stopwords.py [--detectors confirmed pocketsphinx] [--sets ...]``
(about 4 minutes for everything on a 2-core machine).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar

import numpy as np
import soxr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit_rtc import ReplyOnPause, ReplyOnStopWords, StatusEvent, StopPhrase
from streamlit_rtc.audio.input import InputAdapter
from streamlit_rtc.audio.keywords import KeywordDetector, default_detector
from streamlit_rtc.audio.speech import ScoredTranscript
from streamlit_rtc.audio.speech.protocols import ReadingScorer, ScoredSTTModel
from streamlit_rtc.core.handler import StreamHandler
from streamlit_rtc.testing import read_wav

T = TypeVar("T")
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
RATE = 16000
GAP_S = 1.0
FRAME = 960  # 20 ms at 48 kHz
NOISE_FLOOR = 16.0  # int16 RMS between clips (~ -66 dBFS)
SETS = ("espeak", "neural_tune", "neural_heldout", "conversation")
GOALS = {
    "recall": 0.95,
    "false_triggers": 0,
    "median_delay_ms": 450,
    "detection_cpu_conversation": 0.03,
}


def phrases() -> list[StopPhrase]:
    return [
        StopPhrase("computer"),
        StopPhrase("ok computer", alternatives=("okay computer",)),
        StopPhrase("hello iris"),
    ]


@dataclass(frozen=True)
class Said:
    """A phrase said in the program: its canonical text and stream times."""

    phrase: str
    start_s: float
    end_s: float


@dataclass
class Program:
    """One voice set as a single recording, with where each phrase was said."""

    audio: np.ndarray
    said: list[Said]
    speech_without_phrase_s: float


def build(voice_set: str) -> Program:
    """Concatenate a voice set's clips (16 kHz) with a noise floor between them."""
    folder = FIXTURES / ("stopwords" if voice_set == "espeak" else "stopwords_neural")
    manifest: list[dict[str, Any]] = json.loads((folder / "manifest.json").read_text())
    if voice_set == "conversation":
        items = [m for m in manifest if m["kind"] == "conversation"]
    elif voice_set == "espeak":
        items = manifest
    else:
        split = voice_set.removeprefix("neural_")
        items = [m for m in manifest if m.get("split") == split]
    rng = np.random.default_rng(7)
    gap = (rng.standard_normal(int(GAP_S * RATE)) * NOISE_FLOOR).astype(np.int16)
    parts: list[np.ndarray] = []
    said: list[Said] = []
    t = speech = 0.0
    for item in items:
        audio = read_wav(folder / item["file"], mono=True)[1]
        truths = item["phrases"] if item["kind"] == "conversation" else [item]
        for truth in truths:
            if truth.get("phrase"):
                said.append(
                    Said(truth["phrase"], t + truth["phrase_start_s"], t + truth["phrase_end_s"])
                )
                speech -= truth["phrase_end_s"] - truth["phrase_start_s"]
        speech += audio.size / RATE
        parts += [audio, gap]
        t += (audio.size + gap.size) / RATE
    return Program(np.concatenate(parts), said, speech)


def quiet_reply(audio: tuple[int, np.ndarray]) -> Iterator[Any]:
    yield (24000, np.zeros(2400, dtype=np.int16))


def drive(handler: StreamHandler, audio16: np.ndarray) -> tuple[list[tuple[float, Any]], float]:
    """Feed browser frames in real-time order; return (event time incl. work, status) and CPU."""
    up = soxr.resample(audio16, RATE, 48000)
    usable = up.size - up.size % FRAME
    adapter = InputAdapter(handler.input_sample_rate, handler.expected_layout)
    events: list[tuple[float, Any]] = []
    clock = {"frame_end": 0.0, "t0": 0.0}

    def on_status(status: Any) -> None:
        spent = time.perf_counter() - clock["t0"]
        events.append((clock["frame_end"] + spent, status))

    handler.status.add_listener(on_status)
    cpu0 = time.process_time()
    for i in range(0, usable, FRAME):
        frame = np.repeat(up[i : i + FRAME], 2).reshape(1, -1)
        clock["frame_end"] = (i + FRAME) / 48000
        clock["t0"] = time.perf_counter()
        handler.receive(adapter.convert(frame, 48000, 2))
        while handler.emit() is not None:  # replies are empty: keep the output side drained
            pass
    cpu = time.process_time() - cpu0
    handler.shutdown()
    return events, cpu


def score(program: Program, events: list[tuple[float, Any]]) -> dict[str, Any]:
    hits = [(t, s) for t, s in events if s.event is StatusEvent.STOPWORD]
    used: set[int] = set()
    delays: list[float] = []
    missed: list[tuple[str, float]] = []
    wrong: list[tuple[str, str]] = []
    for said in program.said:
        lo, hi = said.start_s, said.end_s + 2.0
        here = [i for i, (_, s) in enumerate(hits) if lo <= s.stream_time_s <= hi and i not in used]
        match = [i for i in here if said.phrase.endswith(str(hits[i][1].detail))]
        if match:
            used.add(match[0])
            delays.append(hits[match[0]][0] - said.end_s)
        else:
            missed.append((said.phrase, round(said.end_s, 2)))
            if here:
                used.add(here[0])
                wrong.append((said.phrase, str(hits[here[0]][1].detail)))
    false = [
        (round(s.stream_time_s, 2), s.detail) for i, (_, s) in enumerate(hits) if i not in used
    ]
    d = np.array(delays or [np.nan]) * 1000
    minutes = program.speech_without_phrase_s / 60
    return {
        "phrases_said": len(program.said),
        "recall": round(len(delays) / max(1, len(program.said)), 4),
        "wrong_phrase": wrong,
        "false_triggers": len(false),
        "false_triggers_per_min": round(len(false) / minutes, 3),
        "delay_ms": {
            "median": round(float(np.nanmedian(d)), 1),
            "p95": round(float(np.nanpercentile(d, 95)), 1),
        },
        "missed": missed,
        "false_trigger_times_s": false,
    }


class CountingSTT:
    """Wraps Whisper to count and time stage-2 calls, passing on all it can do.

    The two-stage detector asks a model that also scores its words
    (``stt_scored``) and readings (``reading_logprobs``) more than a plain
    ``stt``: a wrapper that hid them would measure a lesser detector.
    """

    def __init__(self, inner: Any) -> None:
        if not isinstance(inner, ScoredSTTModel) or not isinstance(inner, ReadingScorer):
            raise TypeError(f"{type(inner).__name__} does not score words and readings")
        self.inner, self.calls, self.cpu_s = inner, 0, 0.0
        self.name = getattr(inner, "name", type(inner).__name__)

    def _timed(self, call: Callable[[], T]) -> T:
        self.calls += 1
        t0 = time.process_time()
        try:
            return call()
        finally:
            self.cpu_s += time.process_time() - t0

    def stt(self, audio: tuple[int, np.ndarray]) -> str:
        return self._timed(lambda: str(self.inner.stt(audio)))

    def stt_scored(self, audio: tuple[int, np.ndarray]) -> ScoredTranscript:
        return self._timed(lambda: self.inner.stt_scored(audio))

    def reading_logprobs(self, audio: tuple[int, np.ndarray], texts: Sequence[str]) -> list[float]:
        return self._timed(lambda: self.inner.reading_logprobs(audio, texts))


def make_detector(name: str) -> tuple[KeywordDetector, CountingSTT | None]:
    if name == "pocketsphinx":
        return default_detector(phrases(), use_stt=False), None
    from streamlit_rtc.audio.keywords import ConfirmedDetector
    from streamlit_rtc.audio.speech import get_stt_model

    counting = CountingSTT(get_stt_model())
    return ConfirmedDetector(phrases(), stt=counting), counting


def run_set(voice_set: str, detectors: list[str], built: dict[str, Any]) -> dict[str, Any]:
    program = build(voice_set)
    audio_s = program.audio.size / RATE
    _, cpu_pause = drive(ReplyOnPause(quiet_reply).copy(), program.audio)
    out: dict[str, Any] = {
        "audio_s": round(audio_s, 1),
        "cpu_reply_on_pause": round(cpu_pause / audio_s, 4),
    }
    for name in detectors:
        detector, counting = built[name]
        calls0, stt0 = (counting.calls, counting.cpu_s) if counting else (0, 0.0)
        handler = ReplyOnStopWords(
            quiet_reply, phrases(), detector=detector, detect_in_thread=False
        ).copy()
        events, cpu = drive(handler, program.audio)
        result = score(program, events)
        result["detection_cpu"] = round((cpu - cpu_pause) / audio_s, 4)
        if counting is not None:
            result["transcriptions"] = counting.calls - calls0
            result["transcription_cpu"] = round((counting.cpu_s - stt0) / audio_s, 4)
        out[name] = result
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--detectors",
        nargs="+",
        default=["confirmed", "pocketsphinx"],
        choices=["confirmed", "pocketsphinx"],
    )
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=SETS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    built = {name: make_detector(name) for name in args.detectors}
    result: dict[str, Any] = {
        "benchmark": "stopwords",
        "goals_with_stt": GOALS,
        # ctranslate2's OpenMP threads spin ~0.05 CPU-s after each Whisper call unless this is 1
        "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
    }
    for voice_set in args.sets:
        result[voice_set] = run_set(voice_set, args.detectors, built)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
