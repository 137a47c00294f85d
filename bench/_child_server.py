"""A benchmark's WebRTC server in a child process, driven over a pipe by the parent.

The server runs in its own process so that the CPU it measures
(``time.process_time``, ``/proc/self/task``) is the server's alone, not the
aiortc clients' that the parent runs in the browser's place. A server is a
:class:`LoopServer` subclass whose ``cmd_<name>`` methods are its commands;
the parent starts it with :class:`ChildServer` and calls them by name.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing as mp
import sys
import threading
import traceback
from collections.abc import Coroutine
from multiprocessing.connection import Connection
from typing import Any, ClassVar, Generic, TypeVar

from aiortc import RTCConfiguration

from streamlit_rtc.testing.ice import restrict_ice_to_loopback

logger = logging.getLogger("bench.child")

ConnT = TypeVar("ConnT")
T = TypeVar("T")


async def _make_relay() -> Any:
    from aiortc.contrib.media import MediaRelay

    return MediaRelay()  # made on the loop it will run on


async def _cancel_the_rest() -> None:
    # MediaRelay and sink tasks end once their tracks have stopped; give them
    # a moment, then cancel what is left so the loop stops clean.
    await asyncio.sleep(0.2)
    me = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not me]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class LoopServer(Generic[ConnT]):
    """Runs in the child: one event loop thread and one ``MediaRelay`` shared by every
    connection (as streamlit-webrtc has them on a Streamlit server), connections by id.

    Subclasses set ``kinds`` and ``log_format`` (``{kind}`` is filled in), add
    ``cmd_<name>`` commands and implement ``cmd_close(sid)``; ``cmd_exit``
    closes every connection and stops the loop.
    """

    kinds: ClassVar[tuple[str, ...]] = ()
    log_format: ClassVar[str] = "[{kind}] %(message)s"

    def __init__(self, kind: str) -> None:
        if kind not in self.kinds:
            raise ValueError(kind)
        self.kind = kind
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(
            target=self.loop.run_forever, name="server-loop", daemon=True
        )
        self.thread.start()
        self.relay = self.run(_make_relay())
        self.conns: dict[str, ConnT] = {}

    def run(self, coro: Coroutine[Any, Any, T], timeout: float | None = None) -> T:
        """Run ``coro`` on the server's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def make_worker(self, mode: Any, **tracks: Any) -> Any:
        """A streamlit-webrtc ``WebRtcWorker`` on this server's loop and relay.

        Its arguments are the ones ``webrtc_streamer`` passes by default, with
        ``iceServers=[]`` (no network); ``tracks`` sets the source/sink tracks
        and frame callbacks (all ``None`` unless given).
        """
        from streamlit_webrtc.webrtc import WebRtcWorker

        io: dict[str, Any] = {
            "source_video_track": None,
            "source_audio_track": None,
            "sink_video_track": None,
            "sink_audio_track": None,
            "video_frame_callback": None,
            "audio_frame_callback": None,
        }
        io.update(tracks)
        return WebRtcWorker(
            mode=mode,
            rtc_configuration=RTCConfiguration(iceServers=[]),
            player_factory=None,
            in_recorder_factory=None,
            out_recorder_factory=None,
            queued_video_frames_callback=None,
            queued_audio_frames_callback=None,
            on_video_ended=None,
            on_audio_ended=None,
            video_processor_factory=None,
            audio_processor_factory=None,
            async_processing=True,
            video_receiver_size=4,
            audio_receiver_size=4,
            sendback_video=True,
            sendback_audio=True,
            loop=self.loop,
            relay=self.relay,
            **io,
        )

    def ready_info(self) -> Any:
        """What the parent's :meth:`ChildServer.wait_ready` returns once the server is up."""
        return None

    def cmd_close(self, sid: str) -> None:
        raise NotImplementedError

    def cmd_exit(self) -> None:
        for sid in list(self.conns):
            with contextlib.suppress(Exception):
                self.cmd_close(sid)
        with contextlib.suppress(Exception):
            self.run(_cancel_the_rest(), 10.0)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5.0)


def serve(factory: type[LoopServer[Any]], kind: str, pipe: Connection, log_level: int) -> None:
    """Child process entry point: make the server, answer ``(name, kwargs)`` until ``exit``.

    Each command is answered with ``("ok", result)`` or ``("error", traceback)``;
    a closed pipe (the parent died) counts as ``exit``.
    """
    logging.basicConfig(
        stream=sys.stderr, level=log_level, format=factory.log_format.format(kind=kind)
    )
    restrict_ice_to_loopback()  # before any peer connection is created
    server = factory(kind)
    pipe.send(("ok", server.ready_info()))
    while True:
        try:
            name, kwargs = pipe.recv()
        except EOFError:
            name, kwargs = "exit", {}
        try:
            pipe.send(("ok", getattr(server, f"cmd_{name}")(**kwargs)))
        except Exception:
            pipe.send(("error", traceback.format_exc()))
        if name == "exit":
            break


class ChildServer:
    """Parent side: spawn a child serving ``factory(kind)``, call its commands.

    ``call`` is thread-safe (one command at a time on the pipe); ``acall``
    runs it off the event loop. The child is started with the ``spawn``
    method, so it shares nothing with the parent but the pipe.
    """

    def __init__(
        self, factory: type[LoopServer[Any]], kind: str, log_level: int = logging.WARNING
    ) -> None:
        ctx = mp.get_context("spawn")
        self.kind = kind
        self.pipe, child = ctx.Pipe()
        self.process = ctx.Process(
            target=serve,
            args=(factory, kind, child, log_level),
            name=f"server-{kind}",
            daemon=True,
        )
        self.process.start()
        child.close()
        self._lock = threading.Lock()
        self.info: Any = None

    def wait_ready(self, timeout: float = 60.0) -> Any:
        """Wait until the child has made its server; returns (and keeps) its ``ready_info``."""
        self.info = self._receive(timeout)
        return self.info

    def _receive(self, timeout: float) -> Any:
        if not self.pipe.poll(timeout):
            raise TimeoutError(f"server {self.kind} did not answer in {timeout} s")
        status, value = self.pipe.recv()
        if status != "ok":
            raise RuntimeError(f"server {self.kind}: {value}")
        return value

    def call(self, name: str, timeout: float = 30.0, **kwargs: Any) -> Any:
        with self._lock:
            self.pipe.send((name, kwargs))
            return self._receive(timeout)

    async def acall(self, name: str, **kwargs: Any) -> Any:
        return await asyncio.to_thread(self.call, name, **kwargs)

    def shutdown(self) -> None:
        """Ask the child to exit; terminate it if it does not."""
        with contextlib.suppress(Exception):
            if self.process.is_alive():
                self.call("exit", timeout=15.0)
        self.process.join(10.0)
        if self.process.is_alive():
            logger.warning("server %s did not exit; terminating it", self.kind)
            self.process.terminate()
            self.process.join(5.0)
        self.pipe.close()
