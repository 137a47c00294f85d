"""The server process of ``bench/capacity.py``: live voice sessions behind a tiny HTTP signaller.

Run as ``python bench/capacity_server.py --kind ours|bare``; it prints one
JSON line ``{"port": N, "pid": N}`` on stdout once it listens on
127.0.0.1, then serves until ``POST /exit`` (or its stdin closes: the
parent died).

* ``ours``: what the Streamlit component runs per connection, minus the
  Streamlit script: an ``AudioStreamSession(ReplyOnPause(trimmed_echo))``
  behind :class:`streamlit_rtc.streamlit.peer.ServerPeer` (streamlit-webrtc's
  ``WebRtcWorker`` with our tracks and the status data channel), after
  ``tune_aiortc()`` as ``webrtc()`` runs it. One media loop thread stands in
  for Streamlit's server loop (``ServerPeer(loop=...)``).
* ``bare``: streamlit-webrtc's ``WebRtcWorker`` in SENDRECV with
  ``audio_frame_callback=identity`` (what ``webrtc_streamer`` runs for an echo),
  on the same kind of loop thread with one shared ``MediaRelay``; aiortc as shipped.

Endpoints (JSON bodies): ``POST /offer {sid, sdp, type}`` → ``{sdp, type}``;
``POST /close {sid}``; ``GET /stats`` → per-session counters, per-thread CPU;
``POST /exit``.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import logging
import os
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

# CAPACITY_SERVER_ROOT: serve another checkout's streamlit_rtc (e.g. the commit
# before a change) with this same server, for before/after figures.
sys.path.insert(
    0, os.environ.get("CAPACITY_SERVER_ROOT") or str(Path(__file__).resolve().parent.parent)
)

from bench._rtc_bench import group_name, identity, thread_cpu, trimmed_echo
from streamlit_rtc.testing.ice import restrict_ice_to_loopback

logger = logging.getLogger("bench.capacity.server")


class _Counted:
    """The bare echo's callback, counting the frames it sees (its input)."""

    def __init__(self) -> None:
        self.frames = 0

    def __call__(self, frame: Any) -> Any:
        self.frames += 1
        return identity(frame)


class Host:
    """Sessions by id on one media loop thread."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="media-loop", daemon=True)
        self.thread.start()
        self.conns: dict[str, dict[str, Any]] = {}
        self.lock = threading.Lock()
        self.prototype: Any = None
        self.relay: Any = None
        if kind == "ours":
            from streamlit_rtc import ReplyOnPause
            from streamlit_rtc.rtc import tune_aiortc

            tune_aiortc()
            self.prototype = ReplyOnPause(trimmed_echo)  # loads Silero once, here
        else:

            async def make_relay() -> Any:
                from aiortc.contrib.media import MediaRelay

                return MediaRelay()

            self.relay = asyncio.run_coroutine_threadsafe(make_relay(), self.loop).result()

    def offer(self, sid: str, sdp: str, type: str) -> dict[str, str]:
        if self.kind == "ours":
            from streamlit_rtc.session.audio_session import AudioStreamSession
            from streamlit_rtc.session.modes import Mode
            from streamlit_rtc.signalling.protocol import Offer
            from streamlit_rtc.streamlit.peer import ServerPeer

            session = AudioStreamSession(self.prototype, Mode.SEND_RECEIVE, name=sid)
            peer = ServerPeer(session, {"iceServers": []}, loop=self.loop)
            with self.lock:
                self.conns[sid] = {"peer": peer, "session": session}
            return {"sdp": peer.answer(Offer(sdp, type)), "type": "answer"}
        from aiortc import RTCConfiguration
        from streamlit_webrtc.webrtc import WebRtcMode, WebRtcWorker

        counted = _Counted()
        worker = WebRtcWorker(
            mode=WebRtcMode.SENDRECV,
            rtc_configuration=RTCConfiguration(iceServers=[]),
            source_video_track=None,
            source_audio_track=None,
            sink_video_track=None,
            sink_audio_track=None,
            player_factory=None,
            in_recorder_factory=None,
            out_recorder_factory=None,
            video_frame_callback=None,
            audio_frame_callback=counted,
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
        )
        with self.lock:
            self.conns[sid] = {"worker": worker, "counted": counted}
        answer = worker.process_offer(sdp, type, timeout=10.0)
        return {"sdp": answer.sdp, "type": answer.type}

    def close(self, sid: str) -> None:
        with self.lock:
            conn = self.conns.pop(sid, None)
        if conn is None:
            return
        if "peer" in conn:
            conn["peer"].close()
        else:
            conn["worker"].stop(timeout=2.0)

    def stats(self) -> dict[str, Any]:
        sessions: dict[str, Any] = {}
        with self.lock:
            conns = dict(self.conns)
        for sid, conn in conns.items():
            if "session" in conn:
                s = conn["session"]
                src = s.source_track.stats
                sessions[sid] = {
                    "frames_in": s.sink.stats.frames,
                    "dropped_input_frames": s.workers.dropped_frames,
                    "out_frames": src.frames,
                    "out_underruns": src.underruns,
                    "out_resyncs": src.resyncs,
                    "out_skipped_s": src.skipped_s,
                    "slow_pulls": src.slow_pulls,
                }
            else:
                sessions[sid] = {"frames_in": conn["counted"].frames}
        threads: dict[str, float] = {}
        for name, seconds in thread_cpu().values():
            key = group_name(name)
            threads[key] = threads.get(key, 0.0) + seconds
        return {
            "t": time.monotonic(),
            "cpu_s": time.process_time(),
            "threads": threads,
            "thread_count": threading.active_count(),
            "sessions": sessions,
        }

    def shutdown(self) -> None:
        for sid in list(self.conns):
            with contextlib.suppress(Exception):
                self.close(sid)

        async def cancel_rest() -> None:
            await asyncio.sleep(0.3)
            me = asyncio.current_task()
            tasks = [t for t in asyncio.all_tasks() if t is not me]
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)

        with contextlib.suppress(Exception):
            asyncio.run_coroutine_threadsafe(cancel_rest(), self.loop).result(10.0)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(5.0)


def make_handler(host: Host, done: threading.Event) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: Any) -> None:
            logger.debug(format, *args)

        def _reply(self, status: int, body: Any) -> None:
            data = json.dumps(body).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def _body(self) -> dict[str, Any]:
            size = int(self.headers.get("Content-Length") or 0)
            return json.loads(self.rfile.read(size) or b"{}")

        def do_GET(self) -> None:
            if self.path == "/stats":
                self._reply(200, host.stats())
            else:
                self._reply(404, {"error": self.path})

        def do_POST(self) -> None:
            try:
                body = self._body()
                if self.path == "/offer":
                    self._reply(200, host.offer(body["sid"], body["sdp"], body["type"]))
                elif self.path == "/close":
                    host.close(body["sid"])
                    self._reply(200, {})
                elif self.path == "/exit":
                    self._reply(200, {})
                    done.set()
                else:
                    self._reply(404, {"error": self.path})
            except Exception as exc:
                logger.exception("%s failed", self.path)
                self._reply(500, {"error": repr(exc)})

    return Handler


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kind", choices=("ours", "bare"), required=True)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format=f"[server {args.kind}] %(levelname)s %(name)s: %(message)s",
    )
    restrict_ice_to_loopback()
    host = Host(args.kind)
    done = threading.Event()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), make_handler(host, done))
    httpd.daemon_threads = True
    serving = threading.Thread(target=httpd.serve_forever, name="signalling", daemon=True)
    serving.start()

    def watch_stdin() -> None:  # the parent died: stop
        with contextlib.suppress(Exception):
            sys.stdin.read()
        done.set()

    threading.Thread(target=watch_stdin, name="stdin-watch", daemon=True).start()
    print(json.dumps({"port": httpd.server_address[1], "pid": os.getpid()}), flush=True)
    done.wait()
    httpd.shutdown()
    host.shutdown()


if __name__ == "__main__":
    main()
