"""Benchmark the offline speech models: Whisper tiny.en STT and piper TTS.

Prints ONE JSON object:

* ``stt`` -- for windows of 1, 2, 4 and 8 s (piper-voiced sentences, padded
  with silence to the length), the median process CPU seconds and wall
  seconds per call, and the word error rate, for:
  ``short`` (``WhisperSTT.stt``: encoder input sized to the audio, 1 thread),
  ``short_2_threads`` (the same with ``cpu_threads=2``),
  ``standard`` (faster-whisper's ``transcribe()``, library defaults: 30 s
  padding, beam 5) and ``standard_greedy`` (``transcribe(beam_size=1)``),
  all on the same model files in the same run.
* ``tts`` -- piper (joe voice, 1 thread): time to first audio of
  ``stream_tts`` for a three-sentence reply, and the real-time factor
  (synthesis wall time / audio duration) of ``tts()``; medians.
* ``install_mb`` -- disk size of the distributions each extra adds on top of
  the base install, summed from the installed files' records.

Usage: ``python bench/speech.py [--repeats 3] [-v]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import re
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import soxr

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._logs import configure
from streamlit_rtc.audio.speech import PiperTTS, WhisperSTT

RATE = 16000
LENGTHS = (1, 2, 4, 8)
SENTENCES = [
    "Computer.",
    "Okay computer.",
    "Computer, what time is it?",
    "Please turn off the lights in the kitchen.",
    "The weather tomorrow will be sunny and warm.",
    "Could you remind me to call my sister this evening?",
    "Where did you put the keys to the red car?",
]
REPLY = (
    "Sure, I can help with that. The train leaves at the second platform in a few minutes. "
    "Would you like me to remind you before it departs?"
)


def words(text: str) -> list[str]:
    return re.sub(r"[^\w' ]+", " ", text.lower()).split()


def wer(reference: str, hypothesis: str) -> float:
    ref, hyp = words(reference), words(hypothesis)
    row = list(range(len(hyp) + 1))
    for i, r in enumerate(ref, 1):
        prev, row[0] = row[0], i
        for j, h in enumerate(hyp, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (r != h))
    return row[len(hyp)] / max(1, len(ref))


def windows(tts: PiperTTS) -> dict[int, tuple[str, np.ndarray]]:
    """For each length, whole voiced sentences that fit, padded with silence to the length."""
    voiced = []
    for text in SENTENCES:
        rate, audio = tts.tts(text)
        voiced.append((text, soxr.resample(audio, rate, RATE).astype(np.float32)))
    out: dict[int, tuple[str, np.ndarray]] = {}
    gap = np.zeros(int(0.2 * RATE), np.float32)
    for length in LENGTHS:
        texts, parts, used = [], [], 0
        for text, audio in sorted(voiced, key=lambda v: -len(v[1])):
            if used + len(audio) <= (length - 0.05) * RATE:
                texts.append(text)
                parts += [audio, gap]
                used += len(audio) + len(gap)
        if not parts:
            raise RuntimeError(f"no benchmark sentence fits in {length} s; add a shorter one")
        window = np.zeros(length * RATE, np.float32)
        speech = np.concatenate(parts)[: len(window)]
        window[: len(speech)] = speech
        out[length] = (" ".join(texts), window)
    return out


def timed(fn: Any, repeats: int) -> tuple[float, float, str]:
    """Median (CPU s, wall s) over ``repeats`` calls, and the last result."""
    cpu, wall, result = [], [], ""
    for _ in range(repeats):
        c0, w0 = time.process_time(), time.perf_counter()
        result = fn()
        cpu.append(time.process_time() - c0)
        wall.append(time.perf_counter() - w0)
    return statistics.median(cpu), statistics.median(wall), result


def bench_stt(tts: PiperTTS, repeats: int) -> dict[str, Any]:
    one = WhisperSTT("tiny.en", cpu_threads=1)
    two = WhisperSTT("tiny.en", cpu_threads=2)
    for model in (one, two):
        model.warmup()

    def standard(samples: np.ndarray, beam: int) -> str:
        segments, _ = one.model.transcribe(samples, language="en", beam_size=beam)
        return " ".join(s.text.strip() for s in segments)

    paths = {
        "short": lambda a: one.stt((RATE, a)),
        "short_2_threads": lambda a: two.stt((RATE, a)),
        "standard": lambda a: standard(a, 5),
        "standard_greedy": lambda a: standard(a, 1),
    }
    results: dict[str, Any] = {}
    for length, (text, audio) in windows(tts).items():
        row: dict[str, Any] = {"reference": text}
        for name, path in paths.items():
            cpu, wall, heard = timed(lambda p=path, a=audio: p(a), repeats)
            row[name] = {
                "cpu_s": round(cpu, 3),
                "wall_s": round(wall, 3),
                "wer": round(wer(text, heard), 3),
            }
            logging.info("%d s %s: %r", length, name, heard)
        results[f"{length}s"] = row
    return results


def bench_tts(tts: PiperTTS, repeats: int) -> dict[str, Any]:
    async def first_audio() -> tuple[float, int]:
        started = time.perf_counter()
        first, chunks = 0.0, 0
        async for _rate, _chunk in tts.stream_tts(REPLY):
            chunks += 1
            if chunks == 1:
                first = time.perf_counter() - started
        return first, chunks

    firsts, rtf, cpu_rtf = [], [], []
    chunks = 0
    for _ in range(repeats):
        first, chunks = asyncio.run(first_audio())
        firsts.append(first)
        c0, w0 = time.process_time(), time.perf_counter()
        rate, audio = tts.tts(REPLY)
        seconds = len(audio) / rate
        rtf.append((time.perf_counter() - w0) / seconds)
        cpu_rtf.append((time.process_time() - c0) / seconds)
    return {
        "voice": tts.path.name,
        "sample_rate": tts.sample_rate,
        "reply_audio_s": round(seconds, 2),
        "stream_chunks": chunks,
        "time_to_first_audio_s": round(statistics.median(firsts), 3),
        "real_time_factor": round(statistics.median(rtf), 3),
        "cpu_s_per_audio_s": round(statistics.median(cpu_rtf), 3),
    }


def install_mb() -> dict[str, float] | str:
    """MB of the distributions each extra adds beyond what the base install needs."""
    from importlib import metadata

    from packaging.requirements import Requirement

    def closure(names: list[str]) -> set[str]:
        seen: set[str] = set()
        todo = list(names)
        while todo:
            name = todo.pop().lower().replace("_", "-")
            if name in seen:
                continue
            try:
                dist = metadata.distribution(name)
            except metadata.PackageNotFoundError:
                continue
            seen.add(name)
            for spec in dist.requires or []:
                req = Requirement(spec)
                if req.marker is None or req.marker.evaluate({"extra": ""}):
                    todo.append(req.name)
        return seen

    def size(name: str) -> int:
        dist = metadata.distribution(name)
        return sum((p.size or 0) for p in dist.files or [] if p.size)

    try:
        project = metadata.distribution("streamlit-rtc")
        base_reqs, extras = [], {"stt": [], "tts": []}
        for spec in project.requires or []:
            req = Requirement(spec)
            for extra in extras:
                if req.marker is not None and req.marker.evaluate({"extra": extra}):
                    extras[extra].append(req.name)
                    break
            else:
                if req.marker is None:
                    base_reqs.append(req.name)
        base = closure(base_reqs)
        return {
            extra: round(sum(size(n) for n in closure(names) - base) / 1e6, 1)
            for extra, names in extras.items()
        }
    except Exception as err:  # a figure we cannot get is reported, not fatal
        return f"unavailable: {err}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    configure(args.verbose)
    tts = PiperTTS(threads=1)
    tts.warmup()
    result = {
        "load_average_1min": round(os.getloadavg()[0], 2),
        "stt": bench_stt(tts, args.repeats),
        "tts": bench_tts(tts, args.repeats),
        "install_mb": install_mb(),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
