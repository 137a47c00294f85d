"""Benchmark: ReplyOnStopWords over the whole stop-phrase fixture set, as one live stream.

Prints one JSON object. Every fixture of ``tests/fixtures/stopwords`` is
played, with 1 s of the fixtures' faint noise floor between files, into ONE connection of
``ReplyOnStopWords`` with the default offline detector (pocketsphinx), as
20 ms browser frames (48 kHz stereo) on a simulated clock, detection inline
so that each hit is attributed to the frame that produced it.

* ``recall``: positives whose phrase led to a ``stopword`` event (a hit of
  "computer" for "ok computer" counts: the request is cut at the same place).
* ``recall_any_phrase`` / ``wrong_phrase``: positives where a *different*
  configured phrase was reported at the phrase (e.g. "ok computer" when the
  speaker said "computer"): the request is still cut at the right place, but
  the event names the wrong phrase. Counted as misses in ``recall``.
* ``false_triggers`` / ``false_triggers_per_min``: ``stopword`` events where
  no stop phrase was said, per minute of speech that holds no stop phrase
  (negatives, near-misses, noise, and the requests after the phrases).
* ``delay_ms``: from the true end of the phrase to the ``stopword`` event:
  the end of the frame that carried the hit plus the wall time that
  ``receive`` took on it (median, p95).
* ``cpu``: process CPU seconds per audio second of the whole input path,
  for ReplyOnStopWords and, in the same run, plain ReplyOnPause (the
  baseline); ``detection_share_of_core`` is the difference: what listening
  for the phrase costs a live stream.

Run: ``python bench/stopwords.py``
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import soxr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit_rtc import ReplyOnPause, ReplyOnStopWords, StatusEvent, StopPhrase
from streamlit_rtc.audio.input import InputAdapter
from streamlit_rtc.core.handler import StreamHandler
from streamlit_rtc.testing import read_wav

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "stopwords"
RATE = 16000
GAP_S = 1.0
FRAME = 960  # 20 ms at 48 kHz
NOISE_FLOOR = 16.0  # int16 RMS, as in make_stopword_fixtures.py (~ -66 dBFS)


def phrases() -> list[StopPhrase]:
    return [
        StopPhrase("computer"),
        StopPhrase("ok computer", alternatives=("okay computer",)),
        StopPhrase("hello iris"),
    ]


def load(name: str) -> np.ndarray:
    return read_wav(FIXTURES / name, mono=True)[1]


def quiet_reply(audio: tuple[int, np.ndarray]) -> Iterator[Any]:
    yield (24000, np.zeros(2400, dtype=np.int16))


def program(manifest: list[dict[str, Any]]) -> tuple[np.ndarray, list[float]]:
    """All fixtures back to back (16 kHz) and each file's start time in the stream."""
    parts, starts, t = [], [], 0.0
    # The fixtures' own faint noise floor, not digital silence (no microphone delivers that).
    rng = np.random.default_rng(7)
    gap = (rng.standard_normal(int(GAP_S * RATE)) * NOISE_FLOOR).astype(np.int16)
    for item in manifest:
        audio = load(item["file"])
        starts.append(t)
        parts += [audio, gap]
        t += (audio.size + gap.size) / RATE
    return np.concatenate(parts), starts


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


def score(manifest: list[dict[str, Any]], starts: list[float], events: list[Any]) -> dict:
    hits = [(t, s) for t, s in events if s.event is StatusEvent.STOPWORD]
    used: set[int] = set()
    delays, missed = [], []
    wrong: list[tuple[str, str]] = []  # (file, phrase heard instead)
    positives = 0
    phrase_s = 0.0
    for item, start in zip(manifest, starts, strict=True):
        if item["kind"] != "positive":
            continue
        positives += 1
        phrase_s += item["phrase_end_s"] - item["phrase_start_s"]
        lo, hi = start + item["phrase_start_s"], start + item["duration_s"] + GAP_S
        here = [i for i, (t, s) in enumerate(hits) if lo <= s.stream_time_s <= hi]
        match = [i for i in here if item["phrase"].endswith(str(hits[i][1].detail))]
        if match:
            used.update(match)
            delays.append(hits[match[0]][0] - (start + item["phrase_end_s"]))
        else:
            missed.append(item["file"])
            if here:  # a phrase was said and one was heard, but not this one
                used.update(here)
                wrong.append((item["file"], str(hits[here[0]][1].detail)))
    # a trigger where no stop phrase was said at all
    false = [(s.stream_time_s, s.detail) for i, (_, s) in enumerate(hits) if i not in used]
    total_s = starts[-1] + manifest[-1]["duration_s"]
    gaps_s = GAP_S * len(manifest)
    speech_without_phrase_min = (total_s - gaps_s - phrase_s) / 60
    d = np.array(delays or [np.nan]) * 1000
    return {
        "files": len(manifest),
        "positives": positives,
        "recall": round(len(delays) / positives, 4),
        "recall_any_phrase": round((len(delays) + len(wrong)) / positives, 4),
        "wrong_phrase": wrong,
        "false_triggers": len(false),
        "false_triggers_per_min": round(len(false) / speech_without_phrase_min, 3),
        "minutes_without_phrase": round(speech_without_phrase_min, 2),
        "delay_ms": {
            "median": round(float(np.nanmedian(d)), 1),
            "p95": round(float(np.nanpercentile(d, 95)), 1),
        },
        "missed": missed,
        "false_trigger_times_s": [(round(t, 2), p) for t, p in false],
    }


def main() -> None:
    logging.basicConfig(level=logging.WARNING)
    manifest = json.loads((FIXTURES / "manifest.json").read_text())
    audio, starts = program(manifest)
    audio_s = audio.size / RATE

    stop = ReplyOnStopWords(quiet_reply, phrases(), detect_in_thread=False).copy()
    events, cpu_stop = drive(stop, audio)
    _, cpu_pause = drive(ReplyOnPause(quiet_reply).copy(), audio)

    result = {
        "benchmark": "stopwords",
        "detector": type(stop.detector).__name__,
        **score(manifest, starts, events),
        "audio_s": round(audio_s, 1),
        "cpu_s_per_audio_s": {
            "reply_on_stopwords": round(cpu_stop / audio_s, 4),
            "reply_on_pause_baseline": round(cpu_pause / audio_s, 4),
        },
        "detection_share_of_core": round((cpu_stop - cpu_pause) / audio_s, 4),
        "goals": {
            "recall": 0.9,
            "false_triggers": 0,
            "median_delay_ms": 300,
            "detection_share_of_core": 0.03,
        },
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
