"""Helpers for ``bench/e2e_latency.py``: a WebRTC server in a child process, aiortc clients.

The server child hosts connections exactly the way ``webrtc_streamer`` does
on a Streamlit server: each connection is a streamlit-webrtc
``WebRtcWorker`` (SENDRECV, the library's global-style ``MediaRelay``, one
event loop thread shared by every connection), given either

* ``streamlit_rtc``: an ``AudioStreamSession(ReplyOnPause(echo))`` passed as
  ``sink_audio_track=session.sink`` / ``source_audio_track=session.source_track``
  (what ``streamlit_rtc.webrtc`` passes), or
* ``bare``: ``audio_frame_callback=identity`` with the default
  ``async_processing=True`` (streamlit-webrtc's own process track echoing
  the microphone).

Only the Streamlit script runs (signalling through the component) are
missing: the parent hands the offer SDP over a pipe and gets the answer back.
The child measures its own CPU (``time.process_time``, all threads) and,
per thread, from ``/proc/self/task``. Both processes share CLOCK_MONOTONIC,
so event times (``time.monotonic()``) can be compared across them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterator
from typing import Any

import numpy as np
from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription
from aiortc.mediastreams import MediaStreamTrack

from bench._audio_levels import FRAME, RATE
from bench._audio_levels import LOUD_RMS as LOUD_RMS  # re-exported for the benches
from bench._audio_levels import ONSET_RMS as ONSET_RMS
from bench._child_server import ChildServer, LoopServer
from bench._proc_cpu import group_name, thread_cpu
from streamlit_rtc.rtc.audio_source import PacedAudioSourceTrack
from streamlit_rtc.testing import ArrayAudioSource, AudioRecorder

logger = logging.getLogger("bench.rtc")

KINDS = ("streamlit_rtc", "bare")
#: The echo reply starts at the first 10 ms block louder than this.
TRIM_RMS = 0.02


def trimmed_echo(audio: tuple[int, np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
    """Reply with the user's utterance, minus its quiet lead-in.

    ReplyOnPause hands over the utterance with ``pre_roll_s`` (0.3 s) of
    audio from before the detected onset, which on the fixtures is silence.
    Echoing it verbatim would add that silence to "first reply audio", so the
    reply starts at the first audible 10 ms block, like a TTS reply whose
    first sample is speech: the measured delay is the library's, not the
    reply function's.
    """
    rate, samples = audio
    flat = samples.reshape(-1).astype(np.float32) / 32768.0
    block = max(1, rate // 100)
    n = flat.size // block
    if n:
        rms = np.sqrt(np.mean(flat[: n * block].reshape(n, block) ** 2, axis=1))
        loud = np.flatnonzero(rms > TRIM_RMS)
        start = int(loud[0]) * block if loud.size else 0
    else:
        start = 0
    yield rate, samples[..., start:]


def identity(frame: Any) -> Any:
    """The bare streamlit-webrtc echo: ``audio_frame_callback=lambda f: f``."""
    return frame


# -- the server child -------------------------------------------------------------------


class _Conn:
    def __init__(self, worker: Any, session: Any) -> None:
        self.worker = worker
        self.session = session
        self.connected_at: float | None = None
        self.events: list[tuple[str, float]] = []
        self.mic_frames: list[tuple[float, float]] = []  # (arrival, RMS) with probe=True


def _probe_mic(conn: _Conn) -> None:
    """Record when each microphone frame reaches the handler's inbox, and its RMS.

    Wraps ``session.workers.push_frame`` (called on the event loop by the
    session's sink) for the latency session only; the CPU sessions are not probed.
    """
    workers = conn.session.workers
    push = workers.push_frame

    def probed(samples: np.ndarray, rate: int, channels: int) -> None:
        x = samples.astype(np.float32) / 32768.0
        conn.mic_frames.append((time.monotonic(), float(np.sqrt(np.mean(x * x)))))
        push(samples, rate, channels)

    workers.push_frame = probed


class Server(LoopServer[_Conn]):
    """Runs in the child (see ``bench._child_server``): connections made by WebRtcWorker."""

    kinds = KINDS
    log_format = "[server {kind}] %(levelname)s %(name)s: %(message)s"

    def __init__(self, kind: str) -> None:
        super().__init__(kind)
        self.prototype: Any = None
        if kind == "streamlit_rtc":
            from streamlit_rtc import ReplyOnPause
            from streamlit_rtc.rtc import tune_aiortc

            tune_aiortc()  # what webrtc() does in the Streamlit server process

            self.prototype = ReplyOnPause(trimmed_echo)  # loads Silero VAD once, here
        self._cpu0: tuple[float, float, dict[int, tuple[str, float]]] | None = None

    def ready_info(self) -> dict[str, Any]:
        info: dict[str, Any] = {"pid": os.getpid(), "kind": self.kind}
        if self.prototype is not None:
            info["pause_s"] = self.prototype.options.pause_s
        return info

    def cmd_offer(self, sid: str, sdp: str, type: str, probe: bool = False) -> dict[str, str]:
        from streamlit_webrtc.webrtc import WebRtcMode

        session = None
        if self.kind == "streamlit_rtc":
            from streamlit_rtc.session.audio_session import AudioStreamSession

            session = AudioStreamSession(self.prototype, name=sid)
            worker = self.make_worker(
                WebRtcMode.SENDRECV,
                source_audio_track=session.source_track,
                sink_audio_track=session.sink,
            )
        else:
            worker = self.make_worker(WebRtcMode.SENDRECV, audio_frame_callback=identity)
        conn = _Conn(worker, session)
        if session is not None and probe:
            _probe_mic(conn)
        if session is not None:
            session.handler.status.add_listener(
                lambda s: conn.events.append((s.event.value, time.monotonic()))
            )

        @worker.pc.on("connectionstatechange")
        def on_state() -> None:
            if worker.pc.connectionState == "connected" and conn.connected_at is None:
                conn.connected_at = time.monotonic()

        self.conns[sid] = conn
        answer = worker.process_offer(sdp, type, timeout=10.0)
        return {"sdp": answer.sdp, "type": answer.type}

    def cmd_connected_at(self, sid: str) -> float | None:
        return self.conns[sid].connected_at

    def cmd_events(self, sid: str) -> list[tuple[str, float]]:
        return list(self.conns[sid].events)

    def cmd_mic_frames(self, sid: str) -> list[tuple[float, float]]:
        return list(self.conns[sid].mic_frames)

    def cmd_cpu_start(self) -> None:
        self._cpu0 = (time.process_time(), time.monotonic(), thread_cpu())

    def cmd_cpu_stop(self) -> dict[str, Any]:
        if self._cpu0 is None:
            raise RuntimeError("cpu_start first")
        cpu1, wall1, threads1 = time.process_time(), time.monotonic(), thread_cpu()
        cpu0, wall0, threads0 = self._cpu0
        self._cpu0 = None
        groups: dict[str, float] = {}
        for tid, (name, seconds) in threads1.items():
            before = threads0.get(tid, (name, 0.0))[1]
            key = group_name(name)
            groups[key] = groups.get(key, 0.0) + seconds - before
        total = cpu1 - cpu0
        groups["(threads ended in the window)"] = total - sum(groups.values())
        return {
            "cpu_s": total,
            "wall_s": wall1 - wall0,
            "threads": threading.active_count(),
            "by_thread_s": {k: v for k, v in groups.items() if abs(v) >= 0.005},
        }

    def cmd_stats(self, sid: str) -> dict[str, Any]:
        conn = self.conns[sid]
        if conn.session is None:
            return {}
        session = conn.session
        return {
            "mic_frames": session.sink.stats.frames,
            "dropped_input_frames": session.workers.dropped_frames,
            "out_frames": session.source_track.stats.frames,
            "out_underruns": session.source_track.stats.underruns,
        }

    def cmd_close(self, sid: str) -> None:
        conn = self.conns.pop(sid)
        conn.worker.stop(timeout=2.0)
        if conn.session is not None:
            conn.session.stop()


# -- the client (parent) --------------------------------------------------------------


class TimedSource:
    """``ArrayAudioSource`` that records when each 20 ms frame was handed to the sender."""

    def __init__(self, samples: np.ndarray, loop: bool) -> None:
        self.source = ArrayAudioSource(samples, loop=loop)
        self.total = int(np.asarray(samples).shape[0])
        self.times: list[float] = []
        self.keep_times = not loop
        self.pulls = 0

    def next_frame(self) -> np.ndarray | None:
        self.pulls += 1
        if self.keep_times:
            self.times.append(time.monotonic())
        return self.source.next_frame()

    @property
    def exhausted(self) -> bool:
        return self.source.exhausted

    def sample_time(self, index: int) -> float:
        """Wall time at which sample ``index`` was captured by a browser-like mic.

        A real microphone delivers a 20 ms frame when its last sample has been
        captured, so frame ``k`` (pulled at ``times[k]``) ends at ``times[k]``.
        """
        k = index // FRAME
        return self.times[k] + (index - (k + 1) * FRAME) / RATE


class Client:
    """A browser-like aiortc peer: paced 48 kHz stereo mic, recorder for what comes back."""

    def __init__(self, samples48: np.ndarray, loop_mic: bool) -> None:
        self.source = TimedSource(samples48, loop_mic)
        self.mic = PacedAudioSourceTrack(
            self.source.next_frame, sample_rate=RATE, channels=2, frame_size=FRAME
        )
        self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        self.received = AudioRecorder()
        self.sid = ""
        self.connect_s = float("nan")
        self.server: ChildServer | None = None

    async def connect(
        self, server: ChildServer, sid: str, timeout: float = 10.0, probe: bool = False
    ) -> float:
        """Offer → answer through the child; returns offer creation → both peers connected."""
        self.sid, self.server = sid, server

        @self.pc.on("track")
        def on_track(track: MediaStreamTrack) -> None:
            if track.kind == "audio":
                self.received.sink.addTrack(track)
                self.received.sink.start()

        started = time.monotonic()
        self.pc.addTransceiver(self.mic, direction="sendrecv")
        await self.pc.setLocalDescription(await self.pc.createOffer())
        offer = self.pc.localDescription
        answer = await server.acall("offer", sid=sid, sdp=offer.sdp, type=offer.type, probe=probe)
        await self.pc.setRemoteDescription(RTCSessionDescription(**answer))
        deadline = started + timeout
        while self.pc.connectionState != "connected":
            if self.pc.connectionState in ("failed", "closed") or time.monotonic() > deadline:
                raise ConnectionError(f"{sid}: client {self.pc.connectionState}")
            await asyncio.sleep(0.005)
        client_at = time.monotonic()
        server_at = None
        while server_at is None:
            server_at = await server.acall("connected_at", sid=sid)
            if server_at is None:
                if time.monotonic() > deadline:
                    raise ConnectionError(f"{sid}: server never connected")
                await asyncio.sleep(0.01)
        self.connect_s = max(client_at, server_at) - started
        return self.connect_s

    def frame_rms(self) -> list[tuple[float, float]]:
        """(arrival time, RMS in [0, 1]) of every received frame."""
        return [
            (f.arrival_s, float(np.sqrt(np.mean((f.samples.astype(np.float64) / 32768.0) ** 2))))
            for f in self.received.frames
        ]

    async def close(self) -> None:
        if self.server is not None and self.sid:
            with contextlib.suppress(Exception):
                await self.server.acall("close", sid=self.sid)
        self.mic.stop()
        await self.pc.close()
        with contextlib.suppress(TimeoutError):
            self.received.sink.stop()
            await self.received.sink.wait_ended(timeout=5.0)
