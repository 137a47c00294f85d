"""Benchmark: how many live voice sessions one server process holds, and the CPU of each.

Prints one JSON object on stdout (logs go to stderr). Everything runs on
127.0.0.1.

* Servers: ``bench/capacity_server.py`` in its own process per side, with an
  HTTP signaller (``POST /offer`` → answer). ``ours`` is what the component
  runs per connection (``AudioStreamSession(ReplyOnPause(echo))`` behind
  ``ServerPeer``, ``tune_aiortc()``); ``bare`` is streamlit-webrtc's
  ``WebRtcWorker`` with ``audio_frame_callback=identity`` (an echo), aiortc
  as shipped. Server CPU is read from ``/proc/<pid>/stat`` (every thread of
  the server process, nothing else).
* Clients: aiortc peers in separate client processes (2 sessions each), so
  their CPU is not the server's. Each behaves like our component in a
  browser: the ``streamlit-rtc`` data channel, a 48 kHz stereo microphone
  paced by the wall clock playing ``three_turns.wav`` in a loop (three
  questions, 2.5 s of silence after each; every session starts at another
  point of the loop), and a receiver that decodes after one packet (as a
  browser on loopback does) and records when each frame arrived and how loud it was.
* Ramp (per side, one side after the other): +``--step`` sessions, settle,
  then a ``--window`` of measurement. A step is *good* when, over its window,
  - late output frames (inter-arrival gap > 60 ms at the client) are at most 1 %,
  - missing output frames (fewer than 50 per second per session arrived) at most 2 %,
  - turn latency p95 <= 1 s and no turn missed (``ours``: end of speech in the
    fixture → first reply audio at the client; ``bare``: speech onset sent →
    its echo heard),
  - dropped input (frames the server's handler never saw, of those sent) at most 1 %.
  A bad window is measured again at the same count (other jobs share the
  machine); the ramp stops when that one is bad too (or at ``--max-sessions``).
  Sessions per core = sessions at the last good step / server cores used then.
* Fixed: ``--fixed-sessions`` × ``--fixed-window`` s per side, back to back
  (less sensitive to other jobs on the machine than the breaking point).
  One ``ours`` session keeps the reply audio it received, compared with what
  it said (normalised cross-correlation per reply): "no audible change" is
  the same figure before and after a change.

The machine has 2 cores and may run other jobs: the load average is
recorded at each step.

Run: ``python bench/capacity.py`` (``--skip-ramp`` for the fixed runs only).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import threading
import time
import urllib.request
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _logs  # noqa: E402

logger = logging.getLogger("bench.capacity")

FIXTURE = ROOT / "tests" / "fixtures" / "browser" / "three_turns.wav"
RATE = 48000
FRAME = 960
FRAME_S = FRAME / RATE
LATE_GAP_S = 0.06
LOUD_RMS = 0.01  # -40 dBFS: reply audio (the idle reply track is digital silence)
ONSET_RMS = 0.05  # speech onsets matched across the network
MAX_LATE = 0.01
MAX_MISSING = 0.02
MAX_DROPPED = 0.01
MAX_TURN_P95_S = 1.0
SIDES = ("ours", "bare")
TICK = 1.0 / os.sysconf("SC_CLK_TCK")


# -- the fixture ----------------------------------------------------------------------


def load_fixture() -> tuple[np.ndarray, list[tuple[int, int, int]]]:
    """The looped microphone signal (48 kHz mono int16) and its utterances.

    Utterances are ``(start, onset, end)`` sample indexes: first and last
    sample of 10 ms blocks above -40 dBFS (joined across gaps < 0.3 s), and
    the first 20 ms frame (from ``start``) louder than ``ONSET_RMS``.
    """
    from streamlit_rtc.testing import read_wav

    _, samples = read_wav(FIXTURE, sample_rate=RATE, mono=True)
    samples = np.asarray(samples, np.int16).reshape(-1)
    block = RATE // 100
    n = samples.size // block
    x = samples[: n * block].astype(np.float64).reshape(n, block) / 32768.0
    loud = np.flatnonzero(np.sqrt(np.mean(x * x, axis=1)) > LOUD_RMS)
    spans: list[list[int]] = []
    for b in loud:
        if spans and b - spans[-1][1] <= 30:
            spans[-1][1] = int(b)
        else:
            spans.append([int(b), int(b)])
    utterances = []
    for first, last in spans:
        start, end = first * block, (last + 1) * block - 1
        onset = start
        for i in range(start, end, FRAME):
            f = samples[i : i + FRAME].astype(np.float64) / 32768.0
            if np.sqrt(np.mean(f * f)) > ONSET_RMS:
                onset = i
                break
        utterances.append((start, onset, end))
    return samples, utterances


# -- client process -----------------------------------------------------------------


def _post(port: int, path: str, body: dict[str, Any], timeout: float = 30.0) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def _get(port: int, path: str, timeout: float = 30.0) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
        return json.loads(response.read())


class _LoopedMic:
    """``next_frame`` over the looped fixture (stereo), recording when each frame was pulled."""

    def __init__(self, samples: np.ndarray, offset: int) -> None:
        stereo = np.repeat(samples[None, :], 2, axis=0)
        self.planar = np.concatenate([stereo, stereo[:, :FRAME]], axis=1)  # wrap-around slack
        self.size = samples.size
        self.offset = offset
        self.times: list[float] = []

    def next_frame(self) -> np.ndarray:
        k = len(self.times)
        self.times.append(time.monotonic())
        pos = (self.offset + k * FRAME) % self.size
        if pos + FRAME <= self.size:
            return self.planar[:, pos : pos + FRAME]
        head = self.planar[:, pos : self.size]
        return np.concatenate([head, self.planar[:, : FRAME - head.shape[1]]], axis=1)

    def send_time(self, loop_index: int, sample: int) -> float | None:
        """Wall time the mic captured ``sample`` of loop pass ``loop_index``; None: not yet."""
        g = loop_index * self.size + sample - self.offset  # index in the stream sent
        if g < 0:
            return None
        k = g // FRAME
        if k >= len(self.times):
            return None
        return self.times[k] + (g - (k + 1) * FRAME) / RATE


class _ClientSession:
    def __init__(
        self, sid: str, samples: np.ndarray, offset: int, keep_audio: bool, with_channel: bool
    ) -> None:
        from aiortc import RTCConfiguration, RTCPeerConnection

        from streamlit_rtc.rtc.audio_sink import MicrophoneSink
        from streamlit_rtc.rtc.audio_source import PacedAudioSourceTrack

        self.sid = sid
        self.source = _LoopedMic(samples, offset)
        self.mic = PacedAudioSourceTrack(
            self.source.next_frame, sample_rate=RATE, channels=2, frame_size=FRAME, grid=False
        )
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.with_channel = with_channel
        self.arrivals: list[float] = []
        self.rms: list[float] = []
        self.keep_audio = keep_audio
        self.audio: list[np.ndarray] = []
        self.sink = MicrophoneSink(self._on_frame)

    def _on_frame(self, samples: np.ndarray, rate: int, layout: str, pts_s: float) -> None:
        self.arrivals.append(time.monotonic())
        x = samples.astype(np.float32) * np.float32(1 / 32768)
        self.rms.append(float(np.sqrt(np.dot(x.reshape(-1), x.reshape(-1)) / x.size)))
        if self.keep_audio:
            self.audio.append(samples.reshape(-1, 2 if layout == "stereo" else 1)[:, 0].copy())

    async def connect(self, port: int) -> float:
        from aiortc import RTCSessionDescription

        @self.pc.on("track")
        def on_track(track: Any) -> None:
            if track.kind == "audio":
                self.sink.addTrack(track)
                self.sink.start()

        started = time.monotonic()
        if self.with_channel:
            self.pc.createDataChannel("streamlit-rtc")
        self.pc.addTransceiver(self.mic, direction="sendrecv")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = self.pc.localDescription
        answer = await asyncio.to_thread(
            _post, port, "/offer", {"sid": self.sid, "sdp": offer.sdp, "type": offer.type}
        )
        await self.pc.setRemoteDescription(RTCSessionDescription(**answer))
        while self.pc.connectionState != "connected":
            if self.pc.connectionState in ("failed", "closed"):
                raise ConnectionError(f"{self.sid}: {self.pc.connectionState}")
            if time.monotonic() - started > 20:
                raise ConnectionError(f"{self.sid}: not connected after 20 s")
            await asyncio.sleep(0.01)
        return time.monotonic() - started

    async def close(self) -> None:
        self.mic.stop()
        self.sink.stop()
        with contextlib.suppress(Exception):
            await self.pc.close()


def _client_main(
    pipe: Connection, port: int, side: str, sids: list[str], offsets: list[int], keep: list[bool]
) -> None:
    """Client process: connect ``sids`` to the server, answer ``report`` / ``audio`` / ``stop``."""
    logging.basicConfig(stream=sys.stderr, level=logging.WARNING, format="[client] %(message)s")
    from streamlit_rtc.rtc.aiortc_patches import (
        install_fast_audio_level,
        install_prompt_audio_receive,
    )
    from streamlit_rtc.testing.ice import restrict_ice_to_loopback

    restrict_ice_to_loopback()
    # A browser-like client, and the same one whatever the server runs: these
    # two patches only (not tune_aiortc(), which may grow).
    install_fast_audio_level()
    install_prompt_audio_receive()
    samples, _ = load_fixture()
    loop = asyncio.new_event_loop()
    threading.Thread(target=loop.run_forever, name="client-loop", daemon=True).start()

    def run(coro: Any, timeout: float = 60.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, loop).result(timeout)

    sessions = [
        _ClientSession(sid, samples, off, k, side == "ours")
        for sid, off, k in zip(sids, offsets, keep, strict=True)
    ]

    async def connect_all() -> list[float]:
        return list(await asyncio.gather(*(s.connect(port) for s in sessions)))

    try:
        pipe.send(("ok", run(connect_all())))
    except Exception as exc:
        pipe.send(("error", repr(exc)))
    while True:
        try:
            name, _ = pipe.recv()
        except EOFError:
            name = "stop"
        if name == "stop":
            with contextlib.suppress(Exception):
                run(asyncio.gather(*(s.close() for s in sessions)), 15.0)
            pipe.send(("ok", None))
            break
        if name == "report":

            async def snapshot() -> list[dict[str, Any]]:
                return [
                    {
                        "sid": s.sid,
                        "arrivals": list(s.arrivals),
                        "rms": list(s.rms),
                        "pulls": list(s.source.times),
                        "offset": s.source.offset,
                    }
                    for s in sessions
                ]

            pipe.send(("ok", run(snapshot())))
        elif name == "audio":

            async def audio() -> list[Any]:
                return [
                    (s.sid, list(s.arrivals), np.concatenate(s.audio) if s.audio else None)
                    for s in sessions
                    if s.keep_audio
                ]

            pipe.send(("ok", run(audio())))
    loop.call_soon_threadsafe(loop.stop)


class ClientGroup:
    """One client process holding a few sessions."""

    def __init__(
        self, port: int, side: str, sids: list[str], offsets: list[int], keep: list[bool]
    ) -> None:
        ctx = mp.get_context("spawn")
        self.pipe, child = ctx.Pipe()
        self.process = ctx.Process(
            target=_client_main, args=(child, port, side, sids, offsets, keep), daemon=True
        )
        self.process.start()
        child.close()
        self.sids = sids

    def receive(self, timeout: float = 90.0) -> Any:
        if not self.pipe.poll(timeout):
            raise TimeoutError("client process did not answer")
        status, value = self.pipe.recv()
        if status != "ok":
            raise RuntimeError(value)
        return value

    def call(self, name: str, timeout: float = 90.0) -> Any:
        self.pipe.send((name, {}))
        return self.receive(timeout)

    def stop(self) -> None:
        with contextlib.suppress(Exception):
            if self.process.is_alive():
                self.call("stop", 30.0)
        self.process.join(10.0)
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(5.0)


# -- server process -----------------------------------------------------------------


class ServerProcess:
    def __init__(self, side: str) -> None:
        self.side = side
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "capacity_server.py"), "--kind", side],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"server {side} did not start")
        info = json.loads(line)
        self.port, self.pid = int(info["port"]), int(info["pid"])

    def cpu_s(self) -> float:
        """User + system CPU seconds of every thread of the server process so far."""
        with open(f"/proc/{self.pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) * TICK

    def stats(self) -> Any:
        return _get(self.port, "/stats")

    def close(self, sid: str) -> None:
        with contextlib.suppress(Exception):
            _post(self.port, "/close", {"sid": sid}, timeout=20.0)

    def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            _post(self.port, "/exit", {}, timeout=5.0)
        try:
            self.process.wait(20.0)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(5.0)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# -- measuring ------------------------------------------------------------------------


def pct(values: list[float], q: float) -> float | None:
    return round(float(np.percentile(values, q)), 3) if values else None


def session_quality(
    snap: dict[str, Any],
    side: str,
    utterances: list[tuple[int, int, int]],
    size: int,
    t0: float,
    t1: float,
) -> dict[str, Any]:
    """Late/missing frames and turn latencies of one session over ``[t0, t1)``."""
    arrivals = np.array(snap["arrivals"])
    rms = np.array(snap["rms"])
    pulls = np.array(snap["pulls"])
    in_window = (arrivals >= t0) & (arrivals < t1)
    got = arrivals[in_window]
    gaps = np.diff(got) if got.size > 1 else np.zeros(0)
    expected = (t1 - t0) / FRAME_S
    sent = int(np.count_nonzero((pulls >= t0) & (pulls < t1)))
    mic = _LoopedMic.__new__(_LoopedMic)
    mic.size, mic.offset, mic.times = size, snap["offset"], list(pulls)
    loud = arrivals[rms > LOUD_RMS]
    onset_loud = arrivals[rms > ONSET_RMS]
    latencies, missed = [], 0
    for loop_index in range(int(len(pulls) * FRAME / size) + 2):
        for n, (_, onset, end) in enumerate(utterances):
            if side == "ours":
                at = mic.send_time(loop_index, end)
                nxt = (
                    mic.send_time(loop_index, utterances[n + 1][0])
                    if n + 1 < len(utterances)
                    else mic.send_time(loop_index + 1, utterances[0][0])
                )
                limit = nxt if nxt is not None else (at or 0) + 2.5
                heard = loud
            else:
                # The onset frame is delivered whole: its last sample is the one sent.
                at = mic.send_time(loop_index, onset + FRAME - 1)
                limit = (at or 0) + 2.0
                heard = onset_loud
            if at is None or not (t0 <= at < t1 - 2.5):
                continue
            later = heard[(heard >= at - (FRAME_S if side == "bare" else 0.0)) & (heard < limit)]
            if later.size:
                latencies.append(float(later[0] - at))
            else:
                missed += 1
    return {
        "received": int(got.size),
        "expected": expected,
        "sent": sent,
        "late": int(np.count_nonzero(gaps > LATE_GAP_S)),
        "max_gap_s": float(gaps.max()) if gaps.size else None,
        "latencies": latencies,
        "missed_turns": missed,
    }


def summarize(
    side: str,
    sessions: int,
    snaps: list[dict[str, Any]],
    stats0: dict[str, Any],
    stats1: dict[str, Any],
    cpu0: float,
    cpu1: float,
    t0: float,
    t1: float,
    utterances: list[tuple[int, int, int]],
    size: int,
) -> dict[str, Any]:
    wall = t1 - t0
    q = [session_quality(s, side, utterances, size, t0, t1) for s in snaps]
    received = sum(x["received"] for x in q)
    expected = sum(x["expected"] for x in q)
    late = sum(x["late"] for x in q)
    lat = [v for x in q for v in x["latencies"]]
    missed = sum(x["missed_turns"] for x in q)
    sent = sum(x["sent"] for x in q)
    s0, s1 = stats0["sessions"], stats1["sessions"]
    frames_in = sum(s1[k]["frames_in"] - s0[k]["frames_in"] for k in s1 if k in s0)
    dropped = sum(
        s1[k].get("dropped_input_frames", 0) - s0[k].get("dropped_input_frames", 0)
        for k in s1
        if k in s0
    )
    handled = frames_in - dropped
    underruns = sum(
        s1[k].get("out_underruns", 0) - s0[k].get("out_underruns", 0) for k in s1 if k in s0
    )
    resyncs = sum(s1[k].get("out_resyncs", 0) - s0[k].get("out_resyncs", 0) for k in s1 if k in s0)
    cpu = (cpu1 - cpu0) / wall
    threads = {
        k: round((v - stats0["threads"].get(k, 0.0)) / wall / sessions, 4)
        for k, v in stats1["threads"].items()
    }
    late_frac = late / max(1, received)
    missing_frac = max(0.0, 1 - received / max(1.0, expected))
    dropped_frac = max(0.0, 1 - handled / max(1, sent))
    p95 = pct(lat, 95)
    problems = []
    if late_frac > MAX_LATE:
        problems.append(f"late output frames {late_frac:.1%}")
    if missing_frac > MAX_MISSING:
        problems.append(f"missing output frames {missing_frac:.1%}")
    if p95 is None or p95 > MAX_TURN_P95_S or missed:
        problems.append(f"turn latency p95 {p95} s, {missed} missed")
    if dropped_frac > MAX_DROPPED:
        problems.append(f"dropped input {dropped_frac:.1%}")
    return {
        "sessions": sessions,
        "window_s": round(wall, 2),
        "server_cores": round(cpu, 3),
        "cpu_per_session_core": round(cpu / sessions, 4),
        "cpu_per_session_by_thread_core": {
            k: v for k, v in sorted(threads.items(), key=lambda kv: -kv[1]) if abs(v) >= 0.0005
        },
        "late_output_frames": round(late_frac, 4),
        "missing_output_frames": round(missing_frac, 4),
        "max_gap_s": round(max((x["max_gap_s"] or 0.0) for x in q), 3),
        "turn_latency_s": {"p50": pct(lat, 50), "p95": p95, "n": len(lat), "missed": missed},
        "dropped_input": round(dropped_frac, 4),
        "handler_dropped_frames": dropped,
        "out_underruns_per_s": round(underruns / wall / sessions, 2) if side == "ours" else None,
        "out_resyncs": resyncs if side == "ours" else None,
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "good": not problems,
        "problems": problems,
    }


class Side:
    """One server process and the client groups connected to it."""

    def __init__(self, side: str) -> None:
        self.side = side
        self.server = ServerProcess(side)
        self.groups: list[ClientGroup] = []
        self.count = 0
        self.samples, self.utterances = load_fixture()
        self.connect_s: list[float] = []

    def add(self, n: int, keep_first: bool = False) -> None:
        sids = [f"{self.side}-{self.count + i}" for i in range(n)]
        # Spread the sessions over the loop: turns do not all end at once.
        offsets = [
            (((self.count + i) * 7919 * FRAME) % self.samples.size) // FRAME * FRAME
            for i in range(n)
        ]
        keep = [keep_first and self.count == 0 and i == 0 for i in range(n)]
        group = ClientGroup(self.server.port, self.side, sids, offsets, keep)
        self.groups.append(group)
        self.count += n
        self.connect_s += group.receive()

    def measure(self, settle_s: float, window_s: float) -> dict[str, Any]:
        time.sleep(settle_s)
        stats0, cpu0, t0 = self.server.stats(), self.server.cpu_s(), time.monotonic()
        time.sleep(window_s)
        stats1, cpu1, t1 = self.server.stats(), self.server.cpu_s(), time.monotonic()
        time.sleep(2.6)  # let the last turns of the window be answered
        snaps = [s for g in self.groups for s in g.call("report")]
        return summarize(
            self.side,
            self.count,
            snaps,
            stats0,
            stats1,
            cpu0,
            cpu1,
            t0,
            t1,
            self.utterances,
            self.samples.size,
        )

    def reply_audio(self) -> list[Any]:
        return [a for g in self.groups for a in g.call("audio")]

    def close(self) -> None:
        for group in self.groups:
            group.stop()
        self.server.shutdown()


def warm_up(side: Side) -> None:
    side.add(1)
    time.sleep(1.0)
    for group in side.groups:
        group.stop()
        for sid in group.sids:
            side.server.close(sid)
    side.groups, side.count = [], 0
    side.connect_s = []


def ramp(side_name: str, args: argparse.Namespace) -> dict[str, Any]:
    side = Side(side_name)
    steps: list[dict[str, Any]] = []
    try:
        warm_up(side)
        while side.count < args.max_sessions:
            side.add(args.step)
            step = side.measure(args.settle, args.window)
            logger.info("%s: %s", side_name, json.dumps(step))
            if not step["good"]:
                # Other jobs share the 2 cores: a bad window counts only if the next
                # window at the same count is bad too.
                step["retried"] = True
                steps.append(step)
                step = side.measure(0.0, args.window)
                logger.info("%s (again): %s", side_name, json.dumps(step))
            steps.append(step)
            if not step["good"]:
                break
    finally:
        side.close()
    good = [s for s in steps if s["good"]]
    last = good[-1] if good else None
    final = [s for s in steps if not s.get("retried")]
    return {
        "last_good_sessions": last["sessions"] if last else 0,
        "first_bad": next(
            (
                {"sessions": s["sessions"], "problems": s["problems"]}
                for s in final
                if not s["good"]
            ),
            None,
        ),
        "cpu_per_session_core_at_last_good": last["cpu_per_session_core"] if last else None,
        "sessions_per_core_at_last_good": (
            round(last["sessions"] / last["server_cores"], 1) if last else None
        ),
        "steps": steps,
    }


def reply_similarity(
    samples: np.ndarray, utterances: list[tuple[int, int, int]], received: np.ndarray
) -> list[float]:
    """Per utterance found in the received audio: peak normalised cross-correlation with it."""
    out = []
    rx = received.astype(np.float64)
    for start, _, end in utterances:
        u = samples[start : end + 1].astype(np.float64)
        if u.size < FRAME or rx.size < u.size:
            continue
        # Cross-correlation by FFT; normalise by the energies of u and of each rx window.
        n = 1 << int(np.ceil(np.log2(rx.size + u.size)))
        corr = np.fft.irfft(np.fft.rfft(rx, n) * np.conj(np.fft.rfft(u, n)), n)[: rx.size - u.size]
        c2 = np.concatenate([[0.0], np.cumsum(rx * rx)])
        win = c2[u.size : u.size + corr.size] - c2[: corr.size]
        norm = np.sqrt(np.maximum(win, 1e-9) * float(np.dot(u, u)))
        score = corr / norm
        score[win < 1e-3 * float(np.dot(u, u))] = 0.0
        out.append(round(float(score.max()), 4))
    return out


def fixed(side_name: str, args: argparse.Namespace) -> dict[str, Any]:
    side = Side(side_name)
    try:
        warm_up(side)
        for i in range(0, args.fixed_sessions, 2):
            side.add(min(2, args.fixed_sessions - i), keep_first=(i == 0))
        result = side.measure(args.settle, args.fixed_window)
        result["connect_s_p50"] = pct(side.connect_s, 50)
        if side_name == "ours":
            sims = []
            for _, _, audio in side.reply_audio():
                if audio is not None:
                    sims += reply_similarity(side.samples, side.utterances, audio)
            result["reply_vs_spoken_correlation"] = {
                "min": min(sims) if sims else None,
                "median": round(statistics.median(sims), 4) if sims else None,
                "n": len(sims),
            }
    finally:
        side.close()
    return result


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=2, help="sessions added per step")
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--window", type=float, default=12.0, help="measured seconds per step")
    parser.add_argument("--max-sessions", type=int, default=40)
    parser.add_argument("--fixed-sessions", type=int, default=4)
    parser.add_argument("--fixed-window", type=float, default=20.0)
    parser.add_argument("--skip-ramp", action="store_true")
    parser.add_argument("--skip-fixed", action="store_true")
    parser.add_argument("--sides", default="ours,bare")
    parser.add_argument(
        "--server-root",
        help="serve the streamlit_rtc of this checkout (before/after comparisons)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    _logs.configure(args.verbose)
    if args.server_root:
        os.environ["CAPACITY_SERVER_ROOT"] = str(Path(args.server_root).resolve())
    sides = [s for s in args.sides.split(",") if s]
    started = time.monotonic()
    load_start = os.getloadavg()
    out: dict[str, Any] = {
        "benchmark": "capacity",
        "transport": "aiortc clients (separate processes) <-> one server process, 127.0.0.1",
        "cpus": os.cpu_count(),
        "server_root": os.environ.get("CAPACITY_SERVER_ROOT") or str(ROOT),
        "loadavg_start": [round(x, 2) for x in load_start],
        "criteria": {
            "late_output_frames_le": MAX_LATE,
            "late_gap_s": LATE_GAP_S,
            "missing_output_frames_le": MAX_MISSING,
            "turn_latency_p95_le_s": MAX_TURN_P95_S,
            "dropped_input_le": MAX_DROPPED,
        },
    }
    if not args.skip_fixed:
        out["fixed"] = {s: fixed(s, args) for s in sides}
        if {"ours", "bare"} <= set(sides):
            ours = out["fixed"]["ours"]["cpu_per_session_core"]
            bare = out["fixed"]["bare"]["cpu_per_session_core"]
            out["fixed"]["bare_over_ours_cpu"] = round(bare / ours, 2)
    if not args.skip_ramp:
        out["ramp"] = {s: ramp(s, args) for s in sides}
    out["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    out["runtime_s"] = round(time.monotonic() - started, 1)
    return out


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
