"""Benchmark: semantic end of turn (Smart Turn v3) against silence alone, in one run.

Every clip of ``tests/fixtures/turn_end`` (complete questions and statements,
and sentences cut mid-thought by a 0.4-1.0 s pause; piper and espeak voices,
tune and held-out settings) goes through ``ReplyOnPause`` twice:

* **silence alone** (``PauseOptions()`` defaults, no analyzer), replayed as
  fast as it runs: the detector's decisions are exact in stream time;
* **with** ``turn_end=SmartTurn()``, replayed in real time (20 ms frames on a
  wall-clock schedule, four streams at once), so each verdict arrives as late
  as the model really is;
* **with** ``turn_end=WordAwareTurnEnd()`` (Smart Turn, and Whisper tiny.en
  reading the last words of every turn it hears as complete; needs the
  ``stt`` extra too), replayed the same way.

Figures: end of speech → ``pause_detected`` on complete utterances (median,
p95); cuts (a ``pause_detected`` before the speaker finished) on the
hesitation clips, by pause length; CPU per decision (thread time of the
analyzer call: the judging thread only; ``machine`` has one decision's whole
CPU and latency on the idle machine) and per second of audio, over the clips and over a 2-minute
neural-voice monologue (``stopwords_neural/conversation.wav``, a sentence
every 3 s) and over the same monologue made one side of a dialogue (after
each sentence the user is silent as long as they spoke: the bot's reply).
``process_cpu_per_audio_s`` counts the whole process's CPU (every
thread, so nothing the model wakes is missed) over the same real-time replay
with Smart Turn and with a stand-in analyzer that answers at once: the
difference is what the model costs.
Goals (issue 15): median ≤ 0.25 s, 0 cuts at pauses ≤ 0.8 s, ≤ 0.02 core.

Run: ``python bench/turn_end.py [--lanes smart_turn word_aware] [--threads N]
[--words auto|alongside|after]`` (needs the ``turn`` extra; ``--words``
sets ``WordAwareTurnEnd(alongside=None|True|False)``). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import queue
import statistics
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from streamlit_rtc import (
    PauseOptions,
    ReplyOnPause,
    SmartTurn,
    StatusEvent,
    WordAwareTurnEnd,
    get_stt_model,
)
from streamlit_rtc.audio.cpu_features import int8_dot_product_flags
from streamlit_rtc.testing import read_wav

ROOT = Path(__file__).resolve().parent.parent / "tests" / "fixtures"
CLIPS = ROOT / "turn_end"
CONVERSATION = ROOT / "stopwords_neural" / "conversation.wav"
RATE = 16000
FRAME = RATE // 50
LANES = 4
GOAL_MEDIAN_S, GOAL_MAX_HESITATION_S, GOAL_CORE = 0.25, 0.8, 0.02
LANE_NAMES = ("smart_turn", "word_aware")


class InstantAnalyzer:
    """A stand-in that answers at once: the replay's own cost, without the model's."""

    sample_rate = RATE
    max_audio_s = 8.0

    def probability(self, audio: np.ndarray) -> float:
        return 0.5


@dataclass
class Run:
    """One clip through one handler: when turns ended, what the analyzer cost."""

    entry: dict[str, Any]
    pauses: list[float] = field(default_factory=list)
    verdicts: list[Any] = field(default_factory=list)
    audio_s: float = 0.0


def replay(entry: dict[str, Any], audio: np.ndarray, turn_end: Any) -> Run:
    """Feed ``audio`` in 20 ms frames; in real time when an analyzer judges (its latency counts)."""
    run = Run(entry, audio_s=audio.size / RATE)
    handler = ReplyOnPause(lambda _audio: iter(()), input_sample_rate=RATE, turn_end=turn_end)
    handler.status.add_listener(
        lambda s: (
            run.pauses.append(s.stream_time_s) if s.event is StatusEvent.PAUSE_DETECTED else None
        )
    )
    start = time.perf_counter()
    for i in range(0, audio.size - FRAME + 1, FRAME):
        if turn_end is not None:
            delay = start + i / RATE - time.perf_counter()
            if delay > 0:
                time.sleep(delay)
        handler.receive((RATE, audio[i : i + FRAME].reshape(1, -1)))
        while handler.emit() is not None:
            pass
    run.verdicts = handler.turn_end_verdicts
    handler.shutdown()
    return run


def as_dialogue(audio: np.ndarray, gap_s: float = 0.3) -> np.ndarray:
    """``audio`` as the user's side of a dialogue: each sentence followed by as long a silence.

    Sentences are the stretches between gaps of at least ``gap_s`` below
    -40 dBFS; the added silence is the recording's own quietest noise, so the
    VAD hears a room, not digital zeros.
    """
    frames = audio[: audio.size - audio.size % FRAME].reshape(-1, FRAME).astype(np.float64)
    loud = np.sqrt(np.mean(frames**2, axis=1)) > 32768 * 10 ** (-40 / 20)
    quiet = frames[~loud].reshape(-1)
    room = (
        quiet[: max(FRAME, quiet.size)].astype(np.int16)
        if quiet.size
        else np.zeros(FRAME, np.int16)
    )
    min_gap = round(gap_s * RATE / FRAME)
    parts: list[np.ndarray] = []
    start, silent = 0, 0
    for i, is_loud in enumerate(loud):
        silent = 0 if is_loud else silent + 1
        if silent == min_gap or i == loud.size - 1:
            end = (i + 1) * FRAME
            sentence = audio[start:end]
            parts.append(sentence)
            reps = -(-sentence.size // room.size)
            parts.append(np.tile(room, reps)[: sentence.size])
            start = end
    return np.concatenate(parts)


def replay_all(jobs: list[tuple[dict[str, Any], np.ndarray]], turn_end: Any) -> list[Run]:
    todo: queue.Queue[tuple[dict[str, Any], np.ndarray]] = queue.Queue()
    for job in jobs:
        todo.put(job)
    runs: list[Run] = []
    lock = threading.Lock()

    def lane() -> None:
        while True:
            try:
                entry, audio = todo.get_nowait()
            except queue.Empty:
                return
            run = replay(entry, audio, turn_end)
            with lock:
                runs.append(run)

    threads = [threading.Thread(target=lane, name=f"lane-{i}") for i in range(LANES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return runs


def percentile(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def summarise(runs: list[Run]) -> dict[str, Any]:
    complete = [r for r in runs if r.entry.get("kind") == "complete"]
    hesitations = [r for r in runs if r.entry.get("kind") == "hesitation"]
    delays = []
    early = 0
    for run in complete:
        end = run.entry["speech_end_s"]
        early += sum(1 for t in run.pauses if t < end)
        after = [t - end for t in run.pauses if t >= end]
        if after:
            delays.append(after[0])
    cuts: dict[str, list[int]] = {}
    cut_files = []
    for run in hesitations:
        key = f"{run.entry['pause_s']:.1f}"
        cut = any(t < run.entry["speech_end_s"] for t in run.pauses)
        cuts.setdefault(key, [0, 0])
        cuts[key][0] += int(cut)
        cuts[key][1] += 1
        if cut:
            cut_files.append(run.entry["file"])
    short = [r for r in hesitations if r.entry["pause_s"] <= GOAL_MAX_HESITATION_S + 1e-9]
    return {
        "complete_clips": len(complete),
        "complete_to_pause_detected_s": {
            "median": round(statistics.median(delays), 3) if delays else None,
            "p95": percentile(delays, 95),
            "missed": len(complete) - len(delays),
        },
        "complete_cut_before_end": early,
        "hesitation_clips": len(hesitations),
        "hesitation_cuts": sum(v[0] for v in cuts.values()),
        "hesitation_cuts_at_pauses_le_0_8_s": sum(
            int(any(t < r.entry["speech_end_s"] for t in r.pauses)) for r in short
        ),
        "hesitation_cuts_by_pause_s": {k: f"{v[0]}/{v[1]}" for k, v in sorted(cuts.items())},
        "cut_files": sorted(cut_files),
    }


def by_group(runs: list[Run]) -> dict[str, Any]:
    groups: dict[str, list[Run]] = {}
    for run in runs:
        name = f"{run.entry['engine']}-{run.entry['split']}"
        groups.setdefault(name, []).append(run)
    return {name: summarise(rs) for name, rs in sorted(groups.items())}


def cost(runs: list[Run]) -> dict[str, Any]:
    verdicts = [v for r in runs for v in r.verdicts]
    audio_s = sum(r.audio_s for r in runs)
    cpu = [v.cpu_s for v in verdicts]
    latency = [v.latency_s for v in verdicts]
    return {
        "decisions": len(verdicts),
        "audio_s": round(audio_s, 1),
        "decisions_per_audio_s": round(len(verdicts) / audio_s, 3) if audio_s else None,
        "cpu_per_decision_s": {"median": percentile(cpu, 50), "p95": percentile(cpu, 95)},
        "decision_latency_s": {"median": percentile(latency, 50), "p95": percentile(latency, 95)},
        "core_per_stream": round(sum(cpu) / audio_s, 4) if audio_s else None,
    }


def judged_with_model_cost(
    jobs: list[tuple[dict[str, Any], np.ndarray]], model: Any, name: str = "smart_turn"
) -> tuple[list[Run], dict[str, float]]:
    """Replay ``jobs`` with the stand-in, then with ``model``: the runs, process CPU per audio s."""
    start = time.process_time()
    replay_all(jobs, InstantAnalyzer())
    instant_cpu = time.process_time() - start
    start = time.process_time()
    runs = replay_all(jobs, model)
    judged_cpu = time.process_time() - start
    audio_s = sum(r.audio_s for r in runs)
    return runs, {
        "instant_analyzer": round(instant_cpu / audio_s, 4),
        name: round(judged_cpu / audio_s, 4),
        f"{name}_model": round((judged_cpu - instant_cpu) / audio_s, 4),
    }


def lane_figures(
    name: str,
    model: Any,
    jobs: list[tuple[dict[str, Any], np.ndarray]],
    conversation_job: tuple[dict[str, Any], np.ndarray],
    dialogue_job: tuple[dict[str, Any], np.ndarray],
) -> dict[str, Any]:
    """One analyzer through the clips, the monologue and the dialogue: turn-taking and cost."""
    judged, model_cpu = judged_with_model_cost([conversation_job, *jobs], model, name)
    dialogue, dialogue_cpu = judged_with_model_cost([dialogue_job], model, name)
    talk = [r for r in judged if r.entry["kind"] == "conversation"]
    clips = [r for r in judged if r.entry["kind"] != "conversation"]
    return {
        name: summarise(clips),
        f"{name}_by_voice": by_group(clips),
        f"{name}_cost_clips": cost(clips),
        f"{name}_cost_conversation": cost(talk),
        f"{name}_cost_dialogue": cost(dialogue),
        f"{name}_process_cpu_per_audio_s": {
            "clips_and_monologue": model_cpu,
            "dialogue": dialogue_cpu,
        },
    }


WORD_READING: dict[str, bool | None] = {"auto": None, "alongside": True, "after": False}
"""``--words``: when ``WordAwareTurnEnd`` reads the words (its ``alongside``)."""


def word_aware_analyzer(smart_turn: SmartTurn, alongside: bool | None) -> tuple[Any, str | None]:
    """``WordAwareTurnEnd`` on Smart Turn and Whisper tiny.en, or why it cannot run here."""
    try:
        stt = get_stt_model()
    except ImportError as err:
        return None, f"skipped: {err}"
    return WordAwareTurnEnd(smart_turn, stt, alongside=alongside), None


def machine() -> dict[str, Any]:
    """The CPU the figures were measured on: Smart Turn's int8 model is ~4x faster with
    int8 dot-product instructions (VNNI) than with AVX2 alone."""
    info: dict[str, Any] = {"cores": os.cpu_count()}
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return info
    fields = dict(
        line.split(":", 1) for line in text.splitlines() if ":" in line and line[0] != " "
    )
    info["cpu"] = fields.get("model name\t", "").strip()
    info["int8_dot_product"] = list(int8_dot_product_flags())
    return info


def idle_decision_cost(model: SmartTurn, calls: int = 5) -> dict[str, float]:
    """One decision's CPU and wall time on the idle machine, every thread counted.

    The lanes' ``cpu_per_decision_s`` is the judging thread's time alone: with
    ``threads=2`` onnxruntime's second thread does about half the work.
    """
    audio = np.zeros(8 * RATE, dtype=np.float32)
    cpu, wall = time.process_time(), time.perf_counter()
    for _ in range(calls):
        model.probability(audio)
    return {
        "smart_turn_idle_cpu_per_decision_s": round((time.process_time() - cpu) / calls, 3),
        "smart_turn_idle_latency_s": round((time.perf_counter() - wall) / calls, 3),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--lanes",
        nargs="+",
        choices=LANE_NAMES,
        default=list(LANE_NAMES),
        help="which analyzers to measure against silence alone (default: all)",
    )
    parser.add_argument(
        "--threads", type=int, default=None, help="SmartTurn(threads=...); default its own"
    )
    parser.add_argument(
        "--words",
        choices=list(WORD_READING),
        default="auto",
        help="WordAwareTurnEnd(alongside=...): None (auto, the default), True or False",
    )
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    entries = json.loads((CLIPS / "manifest.json").read_text())
    jobs = [(e, read_wav(CLIPS / e["file"], mono=True)[1]) for e in entries]
    conversation = {"file": CONVERSATION.name, "kind": "conversation"}
    monologue = read_wav(CONVERSATION, mono=True)[1]
    conversation_job = (conversation, monologue)
    dialogue_job = ({"file": CONVERSATION.name, "kind": "dialogue"}, as_dialogue(monologue))
    model = SmartTurn.shared() if args.threads is None else SmartTurn(threads=args.threads)
    model.probability(np.zeros(RATE, dtype=np.float32))  # load and warm up outside the figures
    idle = idle_decision_cost(model)

    baseline = [replay(e, a, None) for e, a in jobs]
    options = PauseOptions()
    result: dict[str, Any] = {
        "benchmark": "turn_end",
        "options": {
            "pause_s": options.pause_s,
            "complete_pause_s": options.complete_pause_s,
            "incomplete_pause_s": options.incomplete_pause_s,
            "complete_threshold": options.complete_threshold,
            "verdict_wait_s": options.verdict_wait_s,
            "smart_turn_threads": model.threads,
            "word_aware_alongside": WORD_READING[args.words],
        },
        "machine": machine() | idle,
        "silence_alone": summarise(baseline),
    }
    lanes = set(args.lanes)
    if "smart_turn" in lanes:
        result |= lane_figures("smart_turn", model, jobs, conversation_job, dialogue_job)
    if "word_aware" in lanes:
        word_aware, why_not = word_aware_analyzer(model, alongside=WORD_READING[args.words])
        if word_aware is None:
            result["word_aware"] = why_not
        else:
            result |= lane_figures("word_aware", word_aware, jobs, conversation_job, dialogue_job)
    result |= {
        "goals": {
            "complete_median_s": GOAL_MEDIAN_S,
            "hesitation_cuts_le_0_8_s": 0,
            "core_per_stream": GOAL_CORE,
        },
    }
    print(json.dumps(result, indent=1))


if __name__ == "__main__":
    main()
