"""Soak: many connect/disconnect cycles, then threads, fds, tasks and memory back where they were.

Prints ONE JSON object on stdout (progress and logs go to stderr).

**aiortc mode** (default, ``--cycles 200``): in this process, one long-lived
media loop thread stands in for Streamlit's server loop. Each cycle takes the
next handler kind (round-robin over :data:`KINDS`: ReplyOnPause echo, a sync
StreamHandler echo, an AsyncStreamHandler echo, ReplyOnStopWords, a
receive-mode generator, a video function, an AudioVideoStreamHandler) and the
next disconnect style (:data:`STYLES`), creates the session and its
:class:`~streamlit_rtc.streamlit.peer.ServerPeer`, connects an aiortc client
that behaves like our component (fixture WAV as the microphone, a synthetic
camera, the ``streamlit-rtc`` data channel), waits until media flows both ways
(a condition, with a timeout), then disconnects:

* ``client_close``: the browser hangs up (the client closes its peer connection);
* ``server_close``: the server ends it (``ServerPeer.close()``, what STOP does);
* ``client_vanish``: the browser disappears without a goodbye: its UDP sockets
  go silent both ways (no DTLS close_notify, no SCTP ABORT), so the server only learns
  it from silence: a session's own watchdog (no microphone audio for a few
  seconds) or ICE consent freshness (aioice: 6 failed checks ~5 s apart,
  about 30 s). Those connections are left to be noticed while the next
  cycles run (at most ``MAX_LINGERING`` at a time, each capped at
  ``VANISH_CAP_S``); how long the server took is reported per kind
  (``vanish_notice_s_by_kind``);
* ``time_limit``: the session stops itself (``time_limit``), the server hangs up.

After each cycle it waits (bounded) until the session is stopped, its peer
closed and the session's threads gone. Figures are taken after a warm-up
(lazy one-time loads: models, executor threads) and after the last cycle:
threads (count and names), OS threads, open fds, asyncio tasks on the media
loop, RSS, and live objects of the classes in :data:`WATCHED` (``gc``).
RSS is read after ``gc.collect()`` and glibc's ``malloc_trim(0)`` (memory
freed but cached by the allocator is not a leak); the untrimmed figure is
reported next to it.

**browser mode** (``--browser N``): one ``streamlit run
tests/browser/apps/component_echo.py`` server (loopback ICE) and headless
Chromium; each cycle opens a new context and page, clicks Start, waits for
``data-state`` ``listening`` and inbound audio, then clicks Stop (even
cycles) or closes the page without Stop (odd cycles), and lets the server's
thread count come back (up to ``BROWSER_SETTLE_S``). Server figures
(``/proc/<pid>``): threads, fds (by kind), RSS, at a quiet baseline after the
warm-up and at the end (bounded wait until back). A ``sitecustomize`` in a
temporary directory names the server's threads in ``/proc`` (``comm``), so
the report says which threads grew; worker pools (executors keep their
threads) are told apart from a leak (``threads_back_except_pools``).
Streamlit keeps every closed tab's session, with an event loop of its own
(3 fds), for about 2 minutes: the fds goal leaves those out
(:func:`streamlit_session_loops`); UDP/TCP sockets and everything else must
be back.

Run: ``flock /tmp/rtc-heavy.lock python -m bench.soak`` (200 aiortc cycles),
``--cycles 0 --browser 30`` for the browser soak only, ``--cycles 28 --browser 5``
for a quick run. ``tests/test_soak.py`` and ``tests/browser/test_soak_browser.py``
run the same functions at a smaller count.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import concurrent.futures
import contextlib
import ctypes
import gc
import json
import logging
import os
import queue
import re
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiortc import RTCConfiguration, RTCPeerConnection, RTCSessionDescription  # noqa: E402
from aiortc.contrib.media import MediaRelay  # noqa: E402
from aiortc.mediastreams import MediaStreamTrack  # noqa: E402

from streamlit_rtc import (  # noqa: E402
    AsyncStreamHandler,
    AudioVideoStreamHandler,
    ReplyOnPause,
    ReplyOnStopWords,
    StreamHandler,
)
from streamlit_rtc.core.handler import StreamHandlerBase  # noqa: E402
from streamlit_rtc.core.video_handlers import VideoFunctionHandler  # noqa: E402
from streamlit_rtc.reply.generator import GeneratorHandler  # noqa: E402
from streamlit_rtc.rtc import tune_aiortc  # noqa: E402
from streamlit_rtc.rtc.audio_sink import MicrophoneSink  # noqa: E402
from streamlit_rtc.rtc.video_sink import RawVideoSink  # noqa: E402
from streamlit_rtc.rtc.video_source import PacedVideoSourceTrack  # noqa: E402
from streamlit_rtc.session.audio_session import AudioStreamSession  # noqa: E402
from streamlit_rtc.session.modes import Modality, Mode  # noqa: E402
from streamlit_rtc.session.video_session import VideoStreamSession  # noqa: E402
from streamlit_rtc.signalling.protocol import Offer  # noqa: E402
from streamlit_rtc.streamlit.peer import ServerPeer  # noqa: E402
from streamlit_rtc.testing import fake_microphone, read_wav, restrict_ice_to_loopback  # noqa: E402

logger = logging.getLogger("bench.soak")

FIXTURES = ROOT / "tests" / "fixtures" / "browser"
SPEECH_WAV = FIXTURES / "speech_pause.wav"
STOPWORD_WAV = FIXTURES / "stopword_lead2s.wav"
BROWSER_APP = ROOT / "tests" / "browser" / "apps" / "component_echo.py"

KINDS = (
    "reply_on_pause",
    "stream_handler",
    "async_stream_handler",
    "reply_on_stopwords",
    "receive_generator",
    "video_function",
    "audio_video",
)
STYLES = ("client_close", "server_close", "client_vanish", "time_limit")

LOUD = 1000
"""A received audio frame with a sample above this (int16) carries the echo / reply / tone."""
VIDEO_W, VIDEO_H, VIDEO_FPS = 320, 240, 15
CAMERA_RGB = (200, 40, 40)
"""The client's camera colour; the server's functions invert it to (55, 215, 215)."""

FLOW_TIMEOUT_S = 30.0
"""Connect + media both ways; generous: the machine may be busy with other work."""
REPLY_TIMEOUT_S = 25.0
"""A reply kind's answer to the fixture's speech (best effort: counted, not a failure)."""
TIME_LIMIT_S = 4.0
STOP_TIMEOUT_S = 30.0
"""From the disconnect until the session is stopped, its peer closed and its threads gone."""
VANISH_CAP_S = 90.0
"""How long a vanished browser may take to be noticed (aioice consent: ~30 s)."""
MAX_LINGERING = 4
CLIENT_CLOSE_S = 10.0
"""Each step of the client's hang-up (a bound: a stuck aiortc close must not stall the soak)."""
BROWSER_SETTLE_S = 15.0
"""After a browser cycle, how long to let the server's thread count come back (not an error)."""
SETTLE_TIMEOUT_S = 60.0
"""How long the final figures may take to come back to the baseline."""

WATCHED = (
    "AudioStreamSession",
    "VideoStreamSession",
    "ServerPeer",
    "WebRtcWorker",
    "RTCPeerConnection",
    "RTCDtlsTransport",
    "RTCIceTransport",
    "RTCSctpTransport",
    "RTCRtpReceiver",
    "RTCRtpSender",
    "HandlerWorkers",
    "CodeBridge",
    "StatusFeed",
    "StatusChannel",
    "SessionMailbox",
    "AudioOutput",
    "MediaRelay",
)
"""Classes whose live instances must be gone once every cycle ended (plus tracks, handlers)."""


# -- handlers ---------------------------------------------------------------------------


def echo_reply(audio: tuple[int, np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
    """ReplyOnPause / ReplyOnStopWords: answer with what was said."""
    yield audio


class EchoHandler(StreamHandler):
    """Sync echo, frame by frame."""

    def __init__(self) -> None:
        super().__init__(output_sample_rate=48000, input_sample_rate=48000)
        self.frames: queue.Queue[tuple[int, np.ndarray]] = queue.Queue(maxsize=50)

    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        with contextlib.suppress(queue.Full):
            self.frames.put_nowait(frame)

    def emit(self) -> tuple[int, np.ndarray] | None:
        try:
            return self.frames.get_nowait()
        except queue.Empty:
            return None

    def copy(self) -> EchoHandler:
        return EchoHandler()


class AsyncEchoHandler(AsyncStreamHandler):
    """Async echo: receive() queues, emit() hands the oldest frame back."""

    def __init__(self) -> None:
        super().__init__(output_sample_rate=48000, input_sample_rate=48000)
        self.frames: collections.deque[tuple[int, np.ndarray]] = collections.deque(maxlen=50)

    async def receive(self, frame: tuple[int, np.ndarray]) -> None:
        self.frames.append(frame)

    async def emit(self) -> tuple[int, np.ndarray] | None:
        if self.frames:
            return self.frames.popleft()
        await asyncio.sleep(0.01)
        return None

    def copy(self) -> AsyncEchoHandler:
        return AsyncEchoHandler()


class AVEchoHandler(AudioVideoStreamHandler):
    """Audio echo and the newest webcam frame inverted."""

    def __init__(self) -> None:
        super().__init__(output_sample_rate=48000, input_sample_rate=48000, fps=VIDEO_FPS)
        self.frames: queue.Queue[tuple[int, np.ndarray]] = queue.Queue(maxsize=50)
        self.latest: np.ndarray | None = None

    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        with contextlib.suppress(queue.Full):
            self.frames.put_nowait(frame)

    def emit(self) -> tuple[int, np.ndarray] | None:
        try:
            return self.frames.get_nowait()
        except queue.Empty:
            return None

    def video_receive(self, frame: np.ndarray) -> None:
        self.latest = frame

    def video_emit(self) -> np.ndarray | None:
        return None if self.latest is None else 255 - self.latest

    def copy(self) -> AVEchoHandler:
        return AVEchoHandler()


def tone(seconds: float = 120.0) -> Iterator[tuple[int, np.ndarray]]:
    """The receive-mode generator: a 440 Hz tone in 0.2 s chunks (outlives any cycle)."""
    rate, chunk = 24000, 4800
    t = np.arange(chunk) / rate
    block = (0.3 * 32767 * np.sin(2 * np.pi * 440 * t)).astype(np.int16)[None, :]
    for _ in range(int(seconds * rate / chunk)):
        yield rate, block


def invert(frame: np.ndarray) -> np.ndarray:
    """The video function."""
    return 255 - frame


@dataclass(frozen=True)
class KindSpec:
    """How one handler kind is served and what the client sends and expects."""

    name: str
    mic: Path | None
    camera: bool
    expect: str
    """``echo`` | ``reply`` | ``tone`` | ``video`` | ``av``: what proves media flows both ways."""
    receive_only: bool = False


SPECS = {
    "reply_on_pause": KindSpec("reply_on_pause", SPEECH_WAV, False, "reply"),
    "stream_handler": KindSpec("stream_handler", SPEECH_WAV, False, "echo"),
    "async_stream_handler": KindSpec("async_stream_handler", SPEECH_WAV, False, "echo"),
    "reply_on_stopwords": KindSpec("reply_on_stopwords", STOPWORD_WAV, False, "reply"),
    "receive_generator": KindSpec("receive_generator", None, False, "tone", receive_only=True),
    "video_function": KindSpec("video_function", None, True, "video"),
    "audio_video": KindSpec("audio_video", SPEECH_WAV, True, "av"),
}


class Prototypes:
    """One prototype per kind, built once (models load here, shared by every copy)."""

    def __init__(self, kinds: tuple[str, ...] = KINDS) -> None:
        self.by_kind: dict[str, StreamHandlerBase] = {}
        for kind in kinds:
            self.by_kind[kind] = self._build(kind)
        self.mics: dict[Path, np.ndarray] = {}
        for spec in (SPECS[k] for k in kinds):
            if spec.mic is not None and spec.mic not in self.mics:
                self.mics[spec.mic] = read_wav(spec.mic, sample_rate=48000)[1]
        self.camera_frame = np.empty((VIDEO_H, VIDEO_W, 3), np.uint8)
        self.camera_frame[:] = CAMERA_RGB

    @staticmethod
    def _build(kind: str) -> StreamHandlerBase:
        if kind == "reply_on_pause":
            return ReplyOnPause(echo_reply)
        if kind == "stream_handler":
            return EchoHandler()
        if kind == "async_stream_handler":
            return AsyncEchoHandler()
        if kind == "reply_on_stopwords":
            return ReplyOnStopWords(echo_reply, ["computer"], input_sample_rate=16000)
        if kind == "receive_generator":
            return GeneratorHandler(tone)
        if kind == "video_function":
            return VideoFunctionHandler(invert)
        if kind == "audio_video":
            return AVEchoHandler()
        raise ValueError(f"unknown kind {kind!r}")

    def session(
        self,
        kind: str,
        name: str,
        time_limit: float | None,
        on_stopped: Callable[[Any], None] | None = None,
    ) -> Any:
        proto = self.by_kind[kind]
        options: dict[str, Any] = {"name": name, "on_stopped": on_stopped}
        if kind == "video_function":
            assert isinstance(proto, VideoFunctionHandler)
            return VideoStreamSession(
                proto, Mode.SEND_RECEIVE, time_limit, width=VIDEO_W, height=VIDEO_H, **options
            )
        if kind == "receive_generator":
            return AudioStreamSession(proto, Mode.RECEIVE, time_limit, **options)
        modality = Modality.AUDIO_VIDEO if kind == "audio_video" else Modality.AUDIO
        return AudioStreamSession(
            proto, Mode.SEND_RECEIVE, time_limit, modality=modality, **options
        )


# -- the media loop and the browser-like client --------------------------------------------


class MediaLoop:
    """One event loop thread for every peer (Streamlit's server loop in a real app).

    Its default executor is created at full size up front (every thread
    started), so executor threads started lazily by later cycles cannot look
    like a leak: they are part of the baseline. ``relay`` is one
    ``MediaRelay`` shared by every peer, like streamlit-webrtc's global relay
    on a Streamlit server (a relay per peer would hide what it keeps).
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        workers = min(32, (os.cpu_count() or 1) + 4)  # asyncio's default size
        self.executor = concurrent.futures.ThreadPoolExecutor(workers, "soak-media-executor")
        self.loop.set_default_executor(self.executor)
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="soak-media-loop", daemon=True
        )
        self.thread.start()
        try:
            barrier = threading.Barrier(workers + 1)
            futures = [self.executor.submit(barrier.wait, 30) for _ in range(workers)]
            barrier.wait(30)
            concurrent.futures.wait(futures, 30)

            async def make_relay() -> MediaRelay:
                return MediaRelay()

            self.relay: MediaRelay = self.call(make_relay())
        except BaseException:
            self.close()
            raise

    def relay_entries(self) -> int:
        """Tracks the shared relay still reads or keeps proxies for (0 when all ended)."""

        async def count() -> int:
            tasks = getattr(self.relay, "_MediaRelay__tasks", {})
            proxies = getattr(self.relay, "_MediaRelay__proxies", {})
            return len(tasks) + len(proxies)

        result: int = self.call(count(), 10)
        return result

    def call(self, coro: Any, timeout: float = 30.0) -> Any:
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def tasks(self) -> list[str]:
        """Names (coroutine qualnames) of the tasks pending on the loop."""

        async def collect() -> list[str]:
            me = asyncio.current_task()
            return sorted(
                _task_name(t) for t in asyncio.all_tasks() if t is not me and not t.done()
            )

        result: list[str] = self.call(collect(), 10)
        return result

    def close(self) -> None:
        """Cancel what is left, stop the loop, join its thread and the executor (idempotent)."""
        if self.loop.is_closed():
            return
        if self.loop.is_running():

            async def cancel_all() -> None:
                me = asyncio.current_task()
                tasks = [t for t in asyncio.all_tasks() if t is not me]
                for task in tasks:
                    task.cancel()
                if tasks:
                    await asyncio.wait(tasks, timeout=5)

            with contextlib.suppress(Exception):
                self.call(cancel_all(), 10)
            self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        # Idle workers exit at shutdown; one stuck in a job must not hang us (bounded joins).
        self.executor.shutdown(wait=False, cancel_futures=True)
        for worker in list(getattr(self.executor, "_threads", ())):
            worker.join(10)
        if not self.thread.is_alive():
            self.loop.close()

    def __enter__(self) -> MediaLoop:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _drop(data: Any, addr: Any = None) -> None:
    """A vanished client's ``sendto``: the packet is lost."""


def _task_name(task: asyncio.Task[Any]) -> str:
    coro = task.get_coro()
    return getattr(coro, "__qualname__", None) or task.get_name()


class FakeBrowser:
    """An aiortc peer that behaves like our component (on the media loop)."""

    def __init__(self, loop: asyncio.AbstractEventLoop, spec: KindSpec, protos: Prototypes):
        self.loop = loop
        self.spec = spec
        self.protos = protos
        self.pc: RTCPeerConnection | None = None
        self.events: set[str] = set()
        self.end: dict[str, Any] | None = None
        self.audio_frames = 0
        self.loud_frames = 0
        self.video_frames = 0
        self.video_ok = False
        self._tracks: list[MediaStreamTrack] = []
        self._audio_sink = MicrophoneSink(self._on_audio)
        self._video_sink = RawVideoSink(self._on_video)

    # loop thread ----------------------------------------------------------------------
    def _on_audio(self, samples: np.ndarray, rate: int, layout: str, pts_s: float) -> None:
        self.audio_frames += 1
        if samples.size and int(np.abs(samples).max()) > LOUD:
            self.loud_frames += 1

    def _on_video(self, frame: Any) -> None:
        self.video_frames += 1
        if not self.video_ok and self.video_frames % 3 == 0:
            mean = frame.to_ndarray(format="rgb24").reshape(-1, 3).mean(axis=0)
            self.video_ok = bool(mean[0] < 110 and mean[1] > 150 and mean[2] > 150)

    def _on_message(self, text: str) -> None:
        message = json.loads(text)
        if message.get("type") == "event":
            self.events.add(str(message.get("event")))
        elif message.get("type") == "end":
            self.end = message

    def _on_track(self, track: MediaStreamTrack) -> None:
        sink = self._audio_sink if track.kind == "audio" else self._video_sink
        if not sink.hasTrack():
            sink.addTrack(track)
            sink.start()

    async def offer(self) -> str:
        pc = self.pc = RTCPeerConnection(RTCConfiguration(iceServers=[]))
        spec = self.spec
        if spec.mic is not None:
            mic = fake_microphone(self.protos.mics[spec.mic], loop=True)
            self._tracks.append(mic)
            pc.addTrack(mic)
        elif spec.receive_only:
            pc.addTransceiver("audio", direction="recvonly")
        if spec.camera:
            frame = self.protos.camera_frame
            camera = PacedVideoSourceTrack(
                lambda: frame, fps=VIDEO_FPS, width=VIDEO_W, height=VIDEO_H
            )
            self._tracks.append(camera)
            pc.addTrack(camera)
        channel = pc.createDataChannel("streamlit-rtc")
        channel.on("message", self._on_message)
        pc.on("track", self._on_track)
        await pc.setLocalDescription(await pc.createOffer())
        return str(pc.localDescription.sdp)

    async def accept(self, sdp: str) -> None:
        assert self.pc is not None
        await self.pc.setRemoteDescription(RTCSessionDescription(sdp, "answer"))

    async def close(self) -> None:
        """Hang up: stop our tracks and sinks, close the peer connection (idempotent)."""
        for track in self._tracks:
            track.stop()
        if self.pc is not None:
            await asyncio.wait_for(self.pc.close(), CLIENT_CLOSE_S)
        await asyncio.wait_for(self._audio_sink.aclose(), CLIENT_CLOSE_S)
        await asyncio.wait_for(self._video_sink.aclose(), CLIENT_CLOSE_S)

    async def vanish(self) -> int:
        """Disappear like a killed browser: from now on no packet leaves or is read.

        Every UDP socket of the client stops reading and drops what is sent
        (no DTLS close_notify, no SCTP ABORT, no ICE consent answer reaches
        the server). Returns how many sockets went quiet; :meth:`close` then
        cleans up this side without the server hearing of it.
        """
        quiet = 0
        for ice in self._ice_transports():
            connection = getattr(ice, "_connection", None)
            for protocol in list(getattr(connection, "_protocols", [])):
                transport = getattr(protocol, "transport", None)
                if transport is None or transport.is_closing():
                    continue
                transport.pause_reading()
                transport.sendto = _drop  # the instance's sendto: every packet is lost
                quiet += 1
        return quiet

    def _ice_transports(self) -> list[Any]:
        assert self.pc is not None
        found: list[Any] = []
        for transceiver in self.pc.getTransceivers():
            ice = transceiver.receiver.transport.transport
            if ice not in found:
                found.append(ice)
        if self.pc.sctp is not None and self.pc.sctp.transport.transport not in found:
            found.append(self.pc.sctp.transport.transport)
        return found

    # any thread -------------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self.pc.connectionState if self.pc is not None else "new"

    def flowing(self) -> bool:
        """Media flows both ways (one way for a receive-only stream)."""
        expect = self.spec.expect
        if expect == "echo":
            return self.loud_frames >= 5  # our speech came back
        if expect == "reply":  # the server heard speech, and its output track plays
            return self.audio_frames >= 25 and "started_talking" in self.events
        if expect == "tone":
            return self.loud_frames >= 5
        if expect == "video":
            return self.video_ok
        if expect == "av":
            return self.loud_frames >= 5 and self.video_ok
        raise ValueError(expect)

    def describe(self) -> str:
        return (
            f"pc={self.state} audio={self.audio_frames} loud={self.loud_frames} "
            f"video={self.video_frames} video_ok={self.video_ok} events={sorted(self.events)}"
        )


# -- figures --------------------------------------------------------------------------------

_DIGITS = re.compile(r"\d+")


def _group(name: str) -> str:
    return _DIGITS.sub("N", name)


def proc_figures(pid: int | str = "self") -> dict[str, Any]:
    """OS threads, open fds and RSS (MB) of a process, from /proc."""
    base = f"/proc/{pid}"
    rss_kb = 0
    with open(f"{base}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
    return {
        "os_threads": len(os.listdir(f"{base}/task")),
        "fds": len(os.listdir(f"{base}/fd")),
        "rss_mb": round(rss_kb / 1024, 2),
    }


def _malloc_trim() -> None:
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def trimmed_rss() -> float:
    """RSS (MB) after ``gc.collect()`` and ``malloc_trim(0)``."""
    gc.collect()
    _malloc_trim()
    return float(proc_figures()["rss_mb"])


def set_malloc_arena_max(arenas: int) -> bool:
    """glibc ``mallopt(M_ARENA_MAX, arenas)`` for this process (before threads allocate)."""
    m_arena_max = -8
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(m_arena_max, arenas))
    except (OSError, AttributeError):
        return False


def _slope(samples: list[tuple[int, float]]) -> float | None:
    """Least-squares RSS slope (MB per 100 cycles) over the second half of ``samples``."""
    half = samples[len(samples) // 2 :]
    if len(half) < 2 or half[-1][0] == half[0][0]:
        return None
    x = np.array([c for c, _ in half], float)
    y = np.array([r for _, r in half], float)
    return round(float(np.polyfit(x, y, 1)[0]) * 100, 2)


def live_objects(exclude: Collection[int] = ()) -> tuple[dict[str, int], dict[str, int]]:
    """Live instances of :data:`WATCHED`, tracks and handlers not in ``exclude`` (by id);
    and every gc-tracked object counted by type (for the types that grew)."""
    gc.collect()
    counts = dict.fromkeys((*WATCHED, "MediaStreamTrack", "handlers"), 0)
    types: collections.Counter[str] = collections.Counter()
    for obj in gc.get_objects():
        # type() and __mro__, never isinstance(): an ABC's isinstance() caches a
        # weakref per type it has seen, which the next census would count as growth.
        cls = type(obj)
        name = cls.__name__
        types[f"{cls.__module__}.{cls.__qualname__}"] += 1
        if name in WATCHED:
            counts[name] += 1
        mro = cls.__mro__
        if MediaStreamTrack in mro:
            counts["MediaStreamTrack"] += 1
        elif StreamHandlerBase in mro and id(obj) not in exclude:
            counts["handlers"] += 1
    return counts, dict(types)


def types_grown(baseline: dict[str, Any], end: dict[str, Any], top: int = 12) -> dict[str, int]:
    """The gc-tracked types whose instance count grew most since the baseline."""
    before, after = baseline.get("types", {}), end.get("types", {})
    grown = [(n - before.get(k, 0), k) for k, n in after.items() if n > before.get(k, 0)]
    return {k: d for d, k in sorted(grown, reverse=True)[:top]}


def self_figures(media: MediaLoop | None, exclude: Collection[int]) -> dict[str, Any]:
    """Everything measured in this process (gc + malloc_trim first)."""
    raw = proc_figures()["rss_mb"]
    gc.collect()
    _malloc_trim()
    figures = proc_figures()
    names = collections.Counter(_group(t.name) for t in threading.enumerate())
    tasks = media.tasks() if media is not None else []
    objects, types = live_objects(exclude)
    return {
        "threads": threading.active_count(),
        "os_threads": figures["os_threads"],
        "fds": figures["fds"],
        "fd_kinds": fd_kinds(os.getpid()),
        "tasks": len(tasks),
        "relay_entries": media.relay_entries() if media is not None else 0,
        "rss_mb": figures["rss_mb"],
        "rss_untrimmed_mb": raw,
        "thread_names": dict(sorted(names.items())),
        "task_names": dict(collections.Counter(tasks)),
        "objects": objects,
        "types": types,
    }


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``condition`` until true or ``timeout`` (True if met)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def _summary(values: list[float]) -> dict[str, float] | None:
    if not values:
        return None
    return {
        "n": len(values),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


# -- aiortc soak ---------------------------------------------------------------------------------


@dataclass
class Cycle:
    index: int
    kind: str
    style: str
    seconds: float = 0.0
    stop_s: float | None = None
    """Disconnect -> session stopped, peer closed, threads gone (a vanished client's: an
    upper bound, checked between cycles)."""
    disconnect_at: float | None = None
    stopped_at: float | None = None
    """When the session reported it stopped (``on_stopped``), monotonic."""
    reply_heard: bool | None = None
    error: str | None = None

    @property
    def notice_s(self) -> float | None:
        """Disconnect -> the server's session stopped (how soon the server noticed)."""
        if self.disconnect_at is None or self.stopped_at is None:
            return None
        return max(0.0, self.stopped_at - self.disconnect_at)


@dataclass
class Lingering:
    """A vanished client's server side, waiting to notice."""

    cycle: Cycle
    session: Any
    peer: ServerPeer
    since: float


def _session_threads(name: str) -> list[str]:
    prefix = f"{name}-"
    return [t.name for t in threading.enumerate() if t.name == name or t.name.startswith(prefix)]


def server_done(session: Any, peer: ServerPeer) -> bool:
    """The session stopped, the peer fully closed and none of the session's threads alive."""
    return (
        session.stopped
        and not peer.feed.attached
        and peer.channel.closed
        and peer.worker.pc.connectionState == "closed"
        and not _session_threads(session.name)
    )


def _server_state(session: Any, peer: ServerPeer) -> str:
    return (
        f"stopped={session.stopped} feed_attached={peer.feed.attached} "
        f"channel_closed={peer.channel.closed} pc={peer.worker.pc.connectionState} "
        f"threads={_session_threads(session.name)}"
    )


@dataclass
class AiortcSoak:
    """The aiortc soak's state: call :meth:`run`, or drive it cycle by cycle."""

    media: MediaLoop
    protos: Prototypes
    kinds: tuple[str, ...] = KINDS
    styles: tuple[str, ...] = STYLES
    cycles: list[Cycle] = field(default_factory=list)
    lingering: list[Lingering] = field(default_factory=list)

    @property
    def prototype_ids(self) -> set[int]:
        return {id(p) for p in self.protos.by_kind.values()}

    def run_cycle(self, index: int) -> Cycle:
        kind = self.kinds[index % len(self.kinds)]
        style = self.styles[index % len(self.styles)]
        cycle = Cycle(index, kind, style)
        started = time.monotonic()
        name = f"soak{index:04d}"
        time_limit = TIME_LIMIT_S if style == "time_limit" else None

        def on_stopped(_: Any) -> None:
            cycle.stopped_at = time.monotonic()

        session = self.protos.session(kind, name, time_limit, on_stopped)
        peer = ServerPeer(session, {"iceServers": []}, loop=self.media.loop, relay=self.media.relay)
        client = FakeBrowser(self.media.loop, SPECS[kind], self.protos)
        handed_over = False
        try:
            answer = peer.answer(Offer(self.media.call(client.offer())))
            self.media.call(client.accept(answer))
            if not wait_for(lambda: client.flowing() or session.stopped, FLOW_TIMEOUT_S):
                raise RuntimeError(f"no media flow in {FLOW_TIMEOUT_S:g} s: {client.describe()}")
            if not client.flowing():
                raise RuntimeError(f"stopped before media flowed: {client.describe()}")
            if SPECS[kind].expect == "reply" and style != "time_limit":
                cycle.reply_heard = wait_for(lambda: client.loud_frames > 0, REPLY_TIMEOUT_S)
            t0 = cycle.disconnect_at = time.monotonic()
            if style == "client_close":
                self.media.call(client.close())
            elif style == "server_close":
                peer.close()
                self.media.call(client.close())
            elif style == "client_vanish":
                if not self.media.call(client.vanish()):
                    raise RuntimeError("no client socket to silence")
                self.media.call(client.close())
                self.lingering.append(Lingering(cycle, session, peer, t0))
                handed_over = True
                return cycle
            elif style == "time_limit":
                if not wait_for(lambda: client.end is not None, TIME_LIMIT_S + STOP_TIMEOUT_S):
                    raise RuntimeError(f"no 'end' after the time limit: {client.describe()}")
                # The server hangs up by itself END_GRACE_S after "end".
                if not wait_for(lambda: client.state in ("closed", "failed"), STOP_TIMEOUT_S):
                    raise RuntimeError(f"the server did not hang up: {client.describe()}")
                self.media.call(client.close())
            if not wait_for(lambda: server_done(session, peer), STOP_TIMEOUT_S):
                raise RuntimeError(f"server side not done: {_server_state(session, peer)}")
            cycle.stop_s = time.monotonic() - t0
            return cycle
        except Exception as exc:
            cycle.error = f"{type(exc).__name__}: {exc}"
            logger.warning("cycle %d (%s, %s) failed: %s", index, kind, style, cycle.error)
            return cycle
        finally:
            if not handed_over:
                # Safety net (what the next script run's end_connection would do).
                peer.close()
                with contextlib.suppress(Exception):
                    self.media.call(client.close())
            cycle.seconds = time.monotonic() - started
            self.cycles.append(cycle)
            self.reap(block=len(self.lingering) > MAX_LINGERING)

    def reap(self, block: bool = False, timeout: float = VANISH_CAP_S) -> None:
        """Finish lingering vanished connections the server has noticed (or given up on)."""
        if block and self.lingering:
            oldest = self.lingering[0]
            left = oldest.since + timeout - time.monotonic()
            wait_for(lambda: server_done(oldest.session, oldest.peer), max(0.0, left), 0.2)
        now = time.monotonic()
        keep: list[Lingering] = []
        for item in self.lingering:
            if server_done(item.session, item.peer):
                item.cycle.stop_s = now - item.since
            elif now - item.since > timeout:
                item.cycle.error = (
                    f"vanished client not noticed in {timeout:g} s: "
                    f"{_server_state(item.session, item.peer)}"
                )
                logger.warning("cycle %d: %s", item.cycle.index, item.cycle.error)
                item.peer.close()
            else:
                keep.append(item)
        self.lingering = keep

    def drain(self, timeout: float = VANISH_CAP_S) -> None:
        """Wait until every vanished connection is noticed (or given up on)."""
        while self.lingering:
            self.reap(block=True, timeout=timeout)

    def close(self) -> None:
        """Close whatever is still lingering (error paths)."""
        for item in self.lingering:
            item.peer.close()
        self.lingering = []


BACK_KEYS = ("threads", "os_threads", "fds", "tasks", "relay_entries")


def figures_back(baseline: dict[str, Any], now: dict[str, Any]) -> bool:
    """Counts and live watched objects at most the baseline's."""
    if any(now.get(k, 0) > baseline.get(k, 0) for k in BACK_KEYS):
        return False
    return not leaked_objects(baseline, now)


def leaked_objects(baseline: dict[str, Any], end: dict[str, Any]) -> dict[str, int]:
    """Watched objects alive at the end beyond those alive at the baseline."""
    before, after = baseline.get("objects", {}), end.get("objects", {})
    return {k: n - before.get(k, 0) for k, n in after.items() if n > before.get(k, 0)}


def settle(
    measure: Callable[[], dict[str, Any]], baseline: dict[str, Any], timeout: float
) -> dict[str, Any]:
    """Measure until the figures are back to ``baseline`` (or ``timeout``); the last figures."""
    deadline = time.monotonic() + timeout
    while True:
        now = measure()
        if figures_back(baseline, now) or time.monotonic() >= deadline:
            return now
        time.sleep(0.5)


def _growth(baseline: dict[str, Any], end: dict[str, Any]) -> dict[str, Any]:
    keys = ("threads", "os_threads", "fds", "tasks", "relay_entries", "rss_mb")
    growth = {k: round(end[k] - baseline[k], 2) for k in keys if k in baseline and k in end}
    if "rss_untrimmed_mb" in baseline:
        growth["rss_untrimmed_mb"] = round(
            end["rss_untrimmed_mb"] - baseline["rss_untrimmed_mb"], 2
        )
    return growth


def _name_diff(baseline: dict[str, int], end: dict[str, int]) -> dict[str, int]:
    keys = set(baseline) | set(end)
    return {
        k: end.get(k, 0) - baseline.get(k, 0)
        for k in sorted(keys)
        if end.get(k, 0) != baseline.get(k, 0)
    }


@contextlib.contextmanager
def aiortc_tuned() -> Iterator[None]:
    """``tune_aiortc()`` (what ``webrtc()`` does in the server), then aiortc as it was.

    The patches are process-wide; a test that runs the soak shares its
    process with other tests, so whatever they replaced is put back.
    """
    from aiortc import rtcrtpreceiver, rtcrtpsender, rtp
    from aiortc.codecs import opus

    targets: list[Any] = [
        rtp,
        rtcrtpreceiver,
        rtcrtpsender,
        rtcrtpreceiver.RTCRtpReceiver,
        rtcrtpsender.RTCRtpSender,
        opus.OpusEncoder,
        opus.OpusDecoder,
    ]
    saved = [(target, dict(vars(target))) for target in targets]
    tune_aiortc()
    try:
        yield
    finally:
        for target, before in saved:
            for name, value in list(vars(target).items()):
                if name in before and value is not before[name]:
                    setattr(target, name, before[name])


def aiortc_soak(
    cycles: int = 200,
    warmup: int | None = None,
    kinds: tuple[str, ...] = KINDS,
    styles: tuple[str, ...] = STYLES,
    rss_goal_mb: float = 5.0,
    progress: Callable[[Cycle], None] | None = None,
) -> dict[str, Any]:
    """Run the aiortc soak in this process; the report (a JSON-able dict).

    ``warmup`` cycles (default: one per kind) run first and are not counted;
    the baseline is measured after them, once every vanished connection of
    the warm-up was noticed. RSS is also sampled after every round (one cycle
    per kind) for ``rss_mb_by_round`` and the slope over the second half:
    a leak grows linearly, allocator fragmentation levels off. Everything
    started here is stopped, also on error.
    """
    restrict_ice_to_loopback()
    warmup = len(kinds) if warmup is None else warmup
    rss_by_round: list[tuple[int, float]] = []
    protos = Prototypes(kinds)
    with aiortc_tuned(), MediaLoop() as media:
        soak = AiortcSoak(media, protos, kinds, styles)
        try:
            for i in range(warmup):
                cycle = soak.run_cycle(i)
                if progress is not None:
                    progress(cycle)
            soak.drain()
            exclude = soak.prototype_ids

            def measure() -> dict[str, Any]:
                return self_figures(media, exclude)

            baseline = measure()
            counted_from = len(soak.cycles)
            rss_by_round.append((0, baseline["rss_mb"]))
            for i in range(warmup, warmup + cycles):
                cycle = soak.run_cycle(i)
                if progress is not None:
                    progress(cycle)
                done = i + 1 - warmup
                if done % len(kinds) == 0 or done == cycles:
                    rss_by_round.append((done, trimmed_rss()))
            soak.drain()
            end = settle(measure, baseline, SETTLE_TIMEOUT_S)
        finally:
            soak.close()
    counted = soak.cycles[counted_from:]
    warm_failures = [c for c in soak.cycles[:counted_from] if c.error]
    leaked = leaked_objects(baseline, end)
    growth = _growth(baseline, end)
    by_style: dict[str, list[float]] = collections.defaultdict(list)
    by_kind: dict[str, list[float]] = collections.defaultdict(list)
    notice_by_style: dict[str, list[float]] = collections.defaultdict(list)
    vanish_by_kind: dict[str, list[float]] = collections.defaultdict(list)
    for c in counted:
        by_kind[c.kind].append(c.seconds)
        if c.stop_s is not None:
            by_style[c.style].append(c.stop_s)
        if c.notice_s is not None and c.style != "time_limit":
            notice_by_style[c.style].append(c.notice_s)
            if c.style == "client_vanish":
                vanish_by_kind[c.kind].append(c.notice_s)
    replies = [c.reply_heard for c in counted if c.reply_heard is not None]
    failures = [
        {"cycle": c.index, "kind": c.kind, "style": c.style, "reason": c.error}
        for c in counted
        if c.error
    ]
    goals = {
        "threads_back": end["threads"] <= baseline["threads"]
        and end["os_threads"] <= baseline["os_threads"],
        "fds_back": end["fds"] <= baseline["fds"],
        "tasks_back": end["tasks"] <= baseline["tasks"],
        "relay_back": end["relay_entries"] <= baseline["relay_entries"],
        "rss_growth_le_5mb": growth["rss_mb"] <= rss_goal_mb,
        "no_leaked_objects": not leaked,
    }
    goals["met"] = all(goals.values())
    goals["all_cycles_ok"] = not failures
    return {
        "cycles": len(counted),
        "warmup": warmup,
        "warmup_failures": [
            {"cycle": c.index, "kind": c.kind, "style": c.style, "reason": c.error}
            for c in warm_failures
        ],
        "kinds": dict(collections.Counter(c.kind for c in counted)),
        "styles": dict(collections.Counter(c.style for c in counted)),
        "baseline": {k: v for k, v in baseline.items() if k not in ("objects", "types")},
        "end": {k: v for k, v in end.items() if k not in ("objects", "types")},
        "growth": growth,
        "thread_names_diff": _name_diff(baseline["thread_names"], end["thread_names"]),
        "objects_baseline": {k: v for k, v in baseline["objects"].items() if v},
        "objects_end": {k: v for k, v in end["objects"].items() if v},
        "leaked_objects": leaked,
        "object_types_grown": types_grown(baseline, end),
        "rss_mb_by_round": [rss for _, rss in rss_by_round],
        "rss_slope_mb_per_100_cycles_second_half": _slope(rss_by_round),
        "cycle_s": _summary([c.seconds for c in counted]),
        "cycle_s_by_kind": {k: _summary(v) for k, v in sorted(by_kind.items())},
        "stop_s_by_style": {k: _summary(v) for k, v in sorted(by_style.items())},
        "notice_s_by_style": {k: _summary(v) for k, v in sorted(notice_by_style.items())},
        "vanish_notice_s_by_kind": {k: _summary(v) for k, v in sorted(vanish_by_kind.items())},
        "replies_heard": f"{sum(replies)}/{len(replies)}",
        "failures": failures,
        "goals": goals,
    }


# -- browser soak --------------------------------------------------------------------------------


def _browser_harness() -> Any:
    path = str(ROOT / "tests" / "browser")
    if path not in sys.path:
        sys.path.insert(0, path)
    import browser_harness

    return browser_harness


THREAD_NAMES_SITE = """\
# Written by bench/soak.py for the Streamlit server it measures: names every Python
# thread in /proc (comm, 15 bytes) so the soak can tell which threads a cycle left.
import ctypes as _ctypes
import re as _re
import runpy as _runpy
import threading as _threading

_runpy.run_path({loopback_site!r})  # the harness's loopback sitecustomize, which this shadows
_prctl = _ctypes.CDLL("libc.so.6").prctl
_bootstrap = _threading.Thread._bootstrap_inner


def _short(name):
    match = _re.fullmatch(r"Thread-\\d+ \\((.*)\\)", name)
    name = match.group(1) if match else name
    return name.replace("ThreadPoolExecutor", "TPE").replace("ScriptRunner.", "")[:15]


def _named(self):
    try:
        _prctl(15, _short(self.name).encode(), 0, 0, 0)  # PR_SET_NAME
    except Exception:
        pass
    _bootstrap(self)


_threading.Thread._bootstrap_inner = _named
"""


def thread_names_site(directory: Path, bh: Any) -> str:
    """Write the thread-naming ``sitecustomize.py`` into ``directory``; its PYTHONPATH entry."""
    loopback = Path(bh.LOOPBACK_ENV["PYTHONPATH"]) / "sitecustomize.py"
    (directory / "sitecustomize.py").write_text(
        THREAD_NAMES_SITE.format(loopback_site=str(loopback))
    )
    return str(directory)


def thread_names(pid: int) -> dict[str, int]:
    """Threads of a process by name (``comm``; digits grouped as N)."""
    names: collections.Counter[str] = collections.Counter()
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{tid}/comm") as f:
                names[_group(f.read().strip())] += 1
    return dict(sorted(names.items()))


SESSION_LOOP_FDS = 3
"""An asyncio event loop's fds: its epoll and its self-pipe (a unix socket pair)."""


def fd_kinds(pid: int) -> dict[str, int]:
    """Open fds of a process by kind: udp, tcp, unix, eventpoll, eventfd, pipe, file, other."""
    inodes: dict[str, str] = {}
    for proto in ("udp", "udp6", "tcp", "tcp6", "unix"):
        with contextlib.suppress(OSError), open(f"/proc/{pid}/net/{proto}") as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                inode = parts[6] if proto == "unix" else parts[9]
                inodes[inode] = proto.rstrip("6")
    kinds: collections.Counter[str] = collections.Counter()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                kinds[inodes.get(target[8:-1], "socket")] += 1
            elif target.startswith("anon_inode:"):
                kinds[target[11:].strip("[]")] += 1
            elif target.startswith("pipe:"):
                kinds["pipe"] += 1
            elif target.startswith("/"):
                kinds["file"] += 1
            else:
                kinds["other"] += 1
    return dict(sorted(kinds.items()))


def server_figures(pid: int) -> dict[str, Any]:
    """The server process's threads, fds (with kinds) and RSS."""
    figures = proc_figures(pid)
    return {
        "threads": figures["os_threads"],
        "fds": figures["fds"],
        "rss_mb": figures["rss_mb"],
        "fd_kinds": fd_kinds(pid),
        "thread_names": thread_names(pid),
    }


def streamlit_session_loops(baseline: dict[str, Any], now: dict[str, Any]) -> int:
    """Event loops opened since the baseline (epoll fds): Streamlit's disconnected sessions.

    Streamlit (1.67) gives every browser session an event loop of its own,
    closed when the session shuts down; a closed tab's session is kept about
    2 minutes for a reconnect and is then dropped without shutdown, so its 3
    fds stay until the next disconnect reaps it and the garbage collector
    finds it (a page load without Start adds the same 3 fds);
    the fds goal leaves those loops out.
    """
    before = baseline["fd_kinds"].get("eventpoll", 0)
    return max(0, now["fd_kinds"].get("eventpoll", 0) - before)


POOL_THREADS = ("TPE-N_N", "asyncio_N", "AnyIO worker th")
"""Server thread names (as :data:`THREAD_NAMES_SITE` sets them) of worker pools:
``ThreadPoolExecutor`` workers (the server loop's default executor among them)
start on demand up to the pool's size and stay; AnyIO's idle workers exit
after 10 s. A pool that grew is capacity, not a leak: ``threads_back_except_pools``
leaves them out, ``threads_back`` (reported) does not."""


STAYING_POOL_THREADS = ("TPE-N_N", "asyncio_N")
"""The pools of :data:`POOL_THREADS` whose workers never exit."""


def non_pool_threads(figures: dict[str, Any], pools: tuple[str, ...] = POOL_THREADS) -> int:
    names = figures["thread_names"]
    return int(figures["threads"]) - sum(names.get(k, 0) for k in pools)


def server_back(baseline: dict[str, Any], now: dict[str, Any]) -> bool:
    """Threads (less idle pool workers that stay), fds (less Streamlit's session loops)
    and sockets at most the baseline's."""
    fds = now["fds"] - SESSION_LOOP_FDS * streamlit_session_loops(baseline, now)
    kinds, base_kinds = now["fd_kinds"], baseline["fd_kinds"]
    staying = STAYING_POOL_THREADS
    return (
        non_pool_threads(now, staying) <= non_pool_threads(baseline, staying)
        and fds <= baseline["fds"]
        and all(kinds.get(k, 0) <= base_kinds.get(k, 0) for k in ("udp", "tcp"))
    )


def quiet_server_figures(pid: int, stable_s: float = 5.0, timeout: float = 60.0) -> dict[str, Any]:
    """The server's figures once its thread count has not changed for ``stable_s``."""
    deadline = time.monotonic() + timeout
    figures = server_figures(pid)
    since = time.monotonic()
    while time.monotonic() < deadline:
        time.sleep(0.25)
        now = server_figures(pid)
        if now["threads"] != figures["threads"]:
            figures, since = now, time.monotonic()
        elif time.monotonic() - since >= stable_s:
            return now
    return server_figures(pid)


def _wait_state(bh: Any, frame: Any, states: tuple[str, ...], timeout: float) -> str | None:
    deadline = time.monotonic() + timeout
    state = None
    while time.monotonic() < deadline:
        with contextlib.suppress(Exception):
            state = bh.component_state(frame)
            if state in states:
                return str(state)
        frame.page.wait_for_timeout(100)
    return state


@dataclass
class BrowserCycle:
    index: int
    style: str
    seconds: float = 0.0
    settle_s: float | None = None
    error: str | None = None


def browser_cycle(bh: Any, chromium: Any, url: str, index: int, pid: int) -> BrowserCycle:
    """One real-browser connection; waits until the server's threads are back."""
    style = "stop_button" if index % 2 == 0 else "close_page"
    cycle = BrowserCycle(index, style)
    before = server_figures(pid)["threads"]
    started = time.monotonic()
    context = bh.new_context(chromium)
    try:
        page = context.new_page()
        frame = bh.open_app(page, url, timeout=60)
        bh.click_start(frame, timeout=30)
        state = _wait_state(bh, frame, ("listening", "user-speaking", "responding"), 30)
        if state not in ("listening", "user-speaking", "responding"):
            raise RuntimeError(f"data-state stayed {state!r}")
        if bh.wait_for_inbound_audio(frame, timeout=20) is None:
            raise RuntimeError("no inbound audio")
        if style == "stop_button":
            bh.click_stop(frame, timeout=15)
            bh.wait_for_start_button(frame, timeout=15)
        else:
            page.close()
    except Exception as exc:
        cycle.error = f"{type(exc).__name__}: {exc}"
        logger.warning("browser cycle %d (%s) failed: %s", index, style, cycle.error)
    finally:
        with contextlib.suppress(Exception):
            context.close()
    # Let the server wind the connection down before the next one (its thread
    # pools shrink on their own schedule: not an error when they are slower).
    t0 = time.monotonic()
    if wait_for(lambda: server_figures(pid)["threads"] <= before, BROWSER_SETTLE_S, 0.2):
        cycle.settle_s = time.monotonic() - t0
    cycle.seconds = time.monotonic() - started
    return cycle


def browser_soak(
    cycles: int = 30,
    warmup: int = 2,
    rss_goal_mb: float = 5.0,
    log_dir: Path | None = None,
    server_env: dict[str, str] | None = None,
    progress: Callable[[BrowserCycle], None] | None = None,
) -> dict[str, Any]:
    """Real-browser cycles against one Streamlit server; server figures at baseline and end."""
    bh = _browser_harness()
    from playwright.sync_api import sync_playwright

    with contextlib.ExitStack() as stack:
        if log_dir is None:
            log_dir = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="soak-")))
        site = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="soak-site-")))
        env = {**bh.LOOPBACK_ENV, **(server_env or {})}
        env["PYTHONPATH"] = thread_names_site(site, bh)
        server = bh.StreamlitServer(
            app_path=BROWSER_APP, log_path=log_dir / "component_echo.log", env=env
        )
        stack.enter_context(server)
        pid = server.pid
        assert pid is not None
        playwright = stack.enter_context(sync_playwright())
        chromium = bh.launch_loopback_chromium(playwright, bh.DEFAULT_FAKE_MIC_WAV)
        stack.callback(chromium.close)
        done: list[BrowserCycle] = []
        for i in range(warmup):
            done.append(browser_cycle(bh, chromium, server.url, i, pid))
            if progress is not None:
                progress(done[-1])
        baseline = quiet_server_figures(pid)
        for i in range(warmup, warmup + cycles):
            done.append(browser_cycle(bh, chromium, server.url, i, pid))
            if progress is not None:
                progress(done[-1])
        deadline = time.monotonic() + SETTLE_TIMEOUT_S
        end = server_figures(pid)
        while not server_back(baseline, end) and time.monotonic() < deadline:
            time.sleep(0.5)
            end = server_figures(pid)
        if any(c.error for c in done):
            logger.warning("streamlit log tail:\n%s", server.log_tail(40))
    counted = done[warmup:]
    growth = _growth(baseline, end)
    loops = streamlit_session_loops(baseline, end)
    fds_less_loops = end["fds"] - SESSION_LOOP_FDS * loops
    failures = [{"cycle": c.index, "style": c.style, "reason": c.error} for c in counted if c.error]
    names_diff = _name_diff(baseline["thread_names"], end["thread_names"])
    goals = {
        "threads_back": end["threads"] <= baseline["threads"],
        "threads_back_except_pools": non_pool_threads(end) <= non_pool_threads(baseline),
        "fds_back": fds_less_loops <= baseline["fds"]
        and all(
            end["fd_kinds"].get(k, 0) <= baseline["fd_kinds"].get(k, 0) for k in ("udp", "tcp")
        ),
        "rss_growth_le_5mb": growth["rss_mb"] <= rss_goal_mb,
    }
    goals["met"] = all(v for k, v in goals.items() if k != "threads_back")
    goals["all_cycles_ok"] = not failures
    return {
        "cycles": len(counted),
        "warmup": warmup,
        "warmup_failures": [
            {"cycle": c.index, "style": c.style, "reason": c.error}
            for c in done[:warmup]
            if c.error
        ],
        "styles": dict(collections.Counter(c.style for c in counted)),
        "server_baseline": baseline,
        "server_end": end,
        "growth": growth,
        "thread_names_diff": names_diff,
        "streamlit_session_loops": loops,
        "fds_less_streamlit_session_loops": fds_less_loops,
        "cycle_s": _summary([c.seconds for c in counted]),
        "settle_s": _summary([c.settle_s for c in counted if c.settle_s is not None]),
        "settled_within_s": BROWSER_SETTLE_S,
        "failures": failures,
        "goals": goals,
    }


# -- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cycles", type=int, default=200, help="aiortc cycles (0: skip)")
    parser.add_argument("--warmup", type=int, default=None, help="aiortc warm-up cycles")
    parser.add_argument("--browser", type=int, default=0, help="real-browser cycles (0: skip)")
    parser.add_argument("--browser-warmup", type=int, default=2)
    parser.add_argument(
        "--malloc-arena-max",
        type=int,
        default=None,
        help="glibc malloc arenas (mallopt here, MALLOC_ARENA_MAX for the browser server); "
        "default: streamlit_rtc's cap (2; STREAMLIT_RTC_MALLOC_ARENA_MAX=0 for glibc's 8 per core)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args(argv)
    from bench import _logs

    _logs.configure(args.verbose)
    logger.setLevel(logging.INFO)
    result: dict[str, Any] = {}
    started = time.monotonic()
    server_env: dict[str, str] = {}
    if args.malloc_arena_max is not None:
        set_malloc_arena_max(args.malloc_arena_max)
        server_env["MALLOC_ARENA_MAX"] = str(args.malloc_arena_max)

    def show(cycle: Any) -> None:
        ended = getattr(cycle, "stop_s", None) or getattr(cycle, "settle_s", None)
        print(
            f"cycle {cycle.index}: {getattr(cycle, 'kind', 'browser')} {cycle.style} "
            f"{cycle.seconds:.1f}s end={ended if ended is None else round(ended, 2)}"
            f"{' ERROR ' + cycle.error if cycle.error else ''}",
            file=sys.stderr,
            flush=True,
        )

    if args.cycles > 0:
        result["aiortc"] = aiortc_soak(args.cycles, args.warmup, progress=show)
    if args.browser > 0:
        result["browser"] = browser_soak(
            args.browser, args.browser_warmup, server_env=server_env, progress=show
        )
    result["malloc_arena_max"] = args.malloc_arena_max
    result["wall_s"] = round(time.monotonic() - started, 1)
    result["goals_met"] = all(
        part["goals"]["met"] for part in result.values() if isinstance(part, dict)
    )
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
