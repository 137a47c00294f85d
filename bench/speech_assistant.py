"""Benchmark: the offline voice assistant, end of speech → first spoken reply audio over WebRTC.

Prints one JSON object (logs go to stderr). Everything runs on 127.0.0.1.

* The server runs in a child process (spawn), as in ``bench/e2e_latency.py``:
  each connection is streamlit-webrtc's ``WebRtcWorker`` (SENDRECV) with an
  ``AudioStreamSession`` around the handler ``apps/assistant.py`` streams:
  ``TranscribingReplyOnPause`` (partial transcripts on; the turn transcribed
  when the speech stops, while the pause is confirmed) around
  ``Assistant(stt, tts).respond_transcribed`` — Whisper tiny.en, the offline brain,
  piper's voice streamed per sentence — with ``input_sample_rate=16000``.
  The server runs ``tune_aiortc()`` as ``webrtc()`` does.
* A second child runs the same assistant behind plain ``ReplyOnPause`` (no
  partial transcripts; the reply transcribes the turn after the pause), in
  the same run, for comparison.
* The parent is the browser: an aiortc client decoding after one packet
  (Chromium on loopback holds ~30 ms, see ``bench/browser_playout.py``) sends
  a microphone at real-time pace, 48 kHz stereo 20 ms frames: questions
  voiced by piper, each after 1 s of a faint noise floor and followed by
  enough of it for the whole answer to play.
* Per question: end of speech (the wall time the microphone captured the
  last speech sample) → the first received frame louder than -40 dBFS. The
  child reports when the handler saw ``pause_detected`` and
  ``response_starting``, when the reply had the transcript, and when it
  yielded its first audio (CLOCK_MONOTONIC is shared by both processes).

Run: ``python bench/speech_assistant.py`` (about 2 minutes; ``--kinds partials``
for the app's configuration only).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import soxr

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "apps"))

from assistant_voice import Assistant  # noqa: E402 - the apps folder is not a package

from bench import _logs  # noqa: E402
from bench import _rtc_bench as rb  # noqa: E402
from bench._child_server import ChildServer, LoopServer  # noqa: E402
from streamlit_rtc import AdditionalOutputs, ReplyOnPause  # noqa: E402
from streamlit_rtc.rtc.aiortc_patches import (  # noqa: E402
    install_fast_audio_level,
    install_prompt_audio_receive,
    uninstall_prompt_audio_receive,
)
from streamlit_rtc.testing.ice import restrict_ice_to_loopback  # noqa: E402

logger = logging.getLogger("bench.speech_assistant")

QUESTIONS = (
    "What time is it?",
    "What is two plus three?",
    "What is twelve times seven?",
    "What's the date today?",
    "Repeat after me, good morning.",
    "What is one hundred divided by eight?",
)
KINDS = ("partials", "plain")
LEAD_S = 1.0
GAP_S = 6.0
TAIL_S = 1.0
NOISE_PEAK = 0.0009  # a faint floor (about -66 dBFS RMS): microphones never send digital zeros
GOAL_P50_S = 0.9


class TimedAssistant(Assistant):
    """The app's assistant, noting when each reply has its transcript and its first audio."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.marks: list[tuple[str, float, str]] = []

    def turn(self, audio: tuple[int, np.ndarray], transcript: str | None) -> Iterator[Any]:
        first_audio = True
        for item in super().turn(audio, transcript):
            if isinstance(item, AdditionalOutputs) and item.args[0].get("role") == "user":
                self.marks.append(("heard", time.monotonic(), item.args[0]["content"]))
            elif isinstance(item, AdditionalOutputs):
                self.marks.append(("answer", time.monotonic(), item.args[0]["content"]))
            elif first_audio:
                self.marks.append(("first_audio_yielded", time.monotonic(), ""))
                first_audio = False
            yield item


class _Conn:
    def __init__(self, worker: Any, session: Any) -> None:
        self.worker = worker
        self.session = session
        self.connected_at: float | None = None
        self.events: list[tuple[str, float]] = []
        self.partials: list[tuple[float, str]] = []


class Server(LoopServer[_Conn]):
    """Runs in the child: the assistant's handler behind WebRtcWorker connections."""

    kinds = KINDS
    log_format = "[assistant {kind}] %(levelname)s %(name)s: %(message)s"

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        from streamlit_rtc.audio.speech import get_stt_model, get_tts_model
        from streamlit_rtc.reply.transcribing import TranscribingReplyOnPause
        from streamlit_rtc.rtc import tune_aiortc

        tune_aiortc()  # what webrtc() does in the Streamlit server process
        stt, tts = get_stt_model(), get_tts_model()
        self.assistant = TimedAssistant(stt, tts)
        self.prototype: ReplyOnPause
        if kind == "partials":
            self.prototype = TranscribingReplyOnPause(
                self.assistant.respond_transcribed, stt=stt, input_sample_rate=16000
            )
        else:
            self.prototype = ReplyOnPause(self.assistant.respond, input_sample_rate=16000)
        self._cpu0 = (0.0, 0.0)

    def ready_info(self) -> dict[str, Any]:
        return {"pid": os.getpid(), "kind": self.kind, "pause_s": self.prototype.options.pause_s}

    def cmd_offer(self, sid: str, sdp: str, type: str, probe: bool = False) -> dict[str, str]:
        from streamlit_webrtc.webrtc import WebRtcMode

        from streamlit_rtc.reply.transcribing import PartialTranscript
        from streamlit_rtc.session.audio_session import AudioStreamSession

        del probe
        session = AudioStreamSession(self.prototype, name=sid)
        worker = self.make_worker(
            WebRtcMode.SENDRECV,
            source_audio_track=session.source_track,
            sink_audio_track=session.sink,
        )
        conn = _Conn(worker, session)
        session.handler.status.add_listener(
            lambda s: conn.events.append((s.event.value, time.monotonic()))
        )

        def on_change() -> None:  # what the page would read: note when partials arrive
            for outputs in session.mailbox.take_outputs():
                value = outputs.args[0]
                if isinstance(value, PartialTranscript) and not value.withdrawn:
                    conn.partials.append((time.monotonic(), value.text))

        session.mailbox.on_change = on_change

        @worker.pc.on("connectionstatechange")
        def on_state() -> None:
            if worker.pc.connectionState == "connected" and conn.connected_at is None:
                conn.connected_at = time.monotonic()

        self.conns[sid] = conn
        self.assistant.marks.clear()
        answer = worker.process_offer(sdp, type, timeout=10.0)
        return {"sdp": answer.sdp, "type": answer.type}

    def cmd_connected_at(self, sid: str) -> float | None:
        return self.conns[sid].connected_at

    def cmd_report(self, sid: str) -> dict[str, Any]:
        conn = self.conns[sid]
        return {
            "events": list(conn.events),
            "partials": list(conn.partials),
            "marks": list(self.assistant.marks),
            "dropped_input_frames": conn.session.workers.dropped_frames,
        }

    def cmd_cpu_start(self) -> None:
        self._cpu0 = (time.process_time(), time.monotonic())

    def cmd_cpu_stop(self) -> float:
        cpu0, wall0 = self._cpu0
        return (time.process_time() - cpu0) / (time.monotonic() - wall0)

    def cmd_close(self, sid: str) -> None:
        conn = self.conns.pop(sid)
        conn.worker.stop(timeout=2.0)
        conn.session.stop()


def voiced_questions() -> tuple[np.ndarray, list[dict[str, Any]]]:
    """The microphone program at 48 kHz int16, and each question's first/last speech sample."""
    from streamlit_rtc.audio.speech import get_tts_model

    tts = get_tts_model()
    rng = np.random.default_rng(7)
    parts: list[np.ndarray] = []
    questions: list[dict[str, Any]] = []
    offset = 0
    for text in QUESTIONS:
        rate, speech = tts.tts(text)
        loud = np.flatnonzero(np.abs(speech) > 0.005)
        speech = soxr.resample(speech[loud[0] : loud[-1] + 1], rate, rb.RATE)
        speech = speech * 10 ** (-3 / 20) / np.abs(speech).max()
        lead, gap = round(LEAD_S * rb.RATE), round(GAP_S * rb.RATE)
        chunk = rng.uniform(-NOISE_PEAK, NOISE_PEAK, lead + speech.size + gap)
        chunk[lead : lead + speech.size] += speech
        questions.append({"text": text, "start": offset + lead, "end": offset + lead + speech.size})
        parts.append(chunk)
        offset += chunk.size
    parts.append(rng.uniform(-NOISE_PEAK, NOISE_PEAK, round(TAIL_S * rb.RATE)))
    samples = (np.clip(np.concatenate(parts), -1, 1) * 32767).astype(np.int16)
    return samples, questions


def first_after(times: list[float], after: float, before: float = float("inf")) -> float | None:
    later = [t for t in times if after <= t < before]
    return min(later) if later else None


def since(t: float | None, start: float) -> float | None:
    return None if t is None else round(t - start, 3)


def pct(values: list[float | None], q: float) -> float | None:
    clean = [v for v in values if v is not None]
    return round(float(np.percentile(clean, q)), 3) if clean else None


async def measure(
    server: ChildServer, samples: np.ndarray, questions: list[dict[str, Any]]
) -> dict[str, Any]:
    """Ask every question once over one connection; per question: delays after end of speech."""
    sid = f"assistant-{server.kind}"
    install_prompt_audio_receive()  # browser-like: the client's receiver decodes after 1 packet
    client = rb.Client(samples, loop_mic=False)
    try:
        await client.connect(server, sid)
        uninstall_prompt_audio_receive()
        await server.acall("cpu_start")
        while not client.source.exhausted:
            await asyncio.sleep(0.1)
        cpu = await server.acall("cpu_stop")
        report = await server.acall("report", sid=sid)
    finally:
        uninstall_prompt_audio_receive()
        await client.close()
    loud = [t for t, rms in client.frame_rms() if rms > rb.LOUD_RMS]
    events, marks, partials = report["events"], report["marks"], report["partials"]
    rows = []
    for n, q in enumerate(questions):
        start_t = client.source.sample_time(q["start"])
        end_t = client.source.sample_time(q["end"])
        following = (
            client.source.sample_time(questions[n + 1]["start"])
            if n + 1 < len(questions)
            else float("inf")
        )

        def event(name: str, end_t: float = end_t, following: float = following) -> float | None:
            return first_after([t for e, t in events if e == name], end_t, following)

        def mark(name: str, end_t: float = end_t, following: float = following) -> Any:
            hits = [(t, text) for m, t, text in marks if m == name and end_t <= t < following]
            return hits[0] if hits else (None, None)

        heard_t, heard = mark("heard")
        _, answer = mark("answer")
        yielded_t, _ = mark("first_audio_yielded")
        during = [text for t, text in partials if start_t <= t < end_t]
        rows.append(
            {
                "question": q["text"],
                "heard": heard,
                "answer": answer,
                "speech_s": round((q["end"] - q["start"]) / rb.RATE, 2),
                "reply_audio_s": since(first_after(loud, end_t, following), end_t),
                "pause_detected_s": since(event("pause_detected"), end_t),
                "response_starting_s": since(event("response_starting"), end_t),
                "transcript_ready_s": since(heard_t, end_t),
                "first_audio_yielded_s": since(yielded_t, end_t),
                "partials_while_speaking": during,
            }
        )
    return {
        "connect_s": round(client.connect_s, 3),
        "rows": rows,
        "server_core_fraction": round(cpu, 3),
        "dropped_input_frames": report["dropped_input_frames"],
    }


def summary(result: dict[str, Any]) -> dict[str, Any]:
    rows = result["rows"]

    def p50(key: str) -> float | None:
        return pct([r[key] for r in rows], 50)

    replies = [r["reply_audio_s"] for r in rows]
    missed = sum(1 for r in replies if r is None)
    return {
        "end_of_speech_to_reply_audio_s": {
            "p50": p50("reply_audio_s"),
            "p95": pct(replies, 95),
            "max": max((r for r in replies if r is not None), default=None),
            "utterances": len(rows),
            "missed": missed,
        },
        "breakdown_p50_s": {
            "end_of_speech_to_pause_detected": p50("pause_detected_s"),
            "to_response_starting": p50("response_starting_s"),
            "to_transcript_ready (STT of the whole turn)": p50("transcript_ready_s"),
            "to_first_audio_yielded (brain + first sentence synthesized)": p50(
                "first_audio_yielded_s"
            ),
            "to_reply_audio_at_client": p50("reply_audio_s"),
        },
        "questions_with_partials_while_speaking": sum(
            1 for r in rows if r["partials_while_speaking"]
        ),
        "server_core_fraction_while_talking": result["server_core_fraction"],
        "dropped_input_frames": result["dropped_input_frames"],
        "connect_s": result["connect_s"],
        "utterances": rows,
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    started = time.monotonic()
    load_start = os.getloadavg()
    samples, questions = voiced_questions()
    level = logging.INFO if args.verbose else logging.WARNING
    results: dict[str, Any] = {}
    pause_s = None
    for kind in args.kinds:
        server = ChildServer(Server, kind, level)
        try:
            info = await asyncio.to_thread(server.wait_ready, 120.0)
            pause_s = info["pause_s"]
            results[kind] = summary(await measure(server, samples, questions))
        finally:
            await asyncio.to_thread(server.shutdown)
        logger.info("%s done at %.1f s", kind, time.monotonic() - started)
    main_kind = args.kinds[0]
    headline = results[main_kind]["end_of_speech_to_reply_audio_s"]
    return {
        "benchmark": "speech_assistant",
        "what": "end of speech -> first spoken reply audio at a WebRTC client (offline assistant)",
        "handler": {
            "partials": "TranscribingReplyOnPause(Assistant.respond_transcribed), as the app",
            "plain": "ReplyOnPause(Assistant.respond): STT after the pause, no partials",
        },
        "models": "Whisper tiny.en int8, offline brain, piper en_US joe medium; 1 thread each",
        "transport": "aiortc client (decodes after 1 packet) <-> WebRtcWorker SENDRECV, 127.0.0.1",
        "pause_s": pause_s,
        "headline": {
            "kind": main_kind,
            "p50_s": headline["p50"],
            "p95_s": headline["p95"],
            "utterances": headline["utterances"],
            "missed": headline["missed"],
            "goal_p50_le_s": GOAL_P50_S,
            "goal_met": headline["p50"] is not None
            and headline["p50"] <= GOAL_P50_S
            and headline["missed"] == 0,
        },
        "kinds": results,
        "loadavg": {
            "start": [round(x, 2) for x in load_start],
            "end": [round(x, 2) for x in os.getloadavg()],
        },
        "cpus": os.cpu_count(),
        "runtime_s": round(time.monotonic() - started, 1),
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--kinds", nargs="+", choices=KINDS, default=list(KINDS), help="handlers to measure"
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    _logs.configure(args.verbose)
    restrict_ice_to_loopback()  # before any peer connection in this process
    install_fast_audio_level()  # client side only (this process plays the browser)
    return asyncio.run(run(args))


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
