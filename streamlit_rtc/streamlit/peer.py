"""The server side of one browser connection: streamlit-webrtc's ``WebRtcWorker`` with our tracks.

:class:`ServerPeer` answers one offer with the session's tracks (our
microphone sink and paced output), opens the status data channel the
browser created (:mod:`streamlit_rtc.rtc.status_channel`) and feeds it from
the session's mailbox (:mod:`streamlit_rtc.session.status_feed`), and stops
the session when the peer connection fails or closes. One per connection;
:meth:`close` stops everything it started, including the relay proxies the
worker subscribed (see :class:`_PeerRelay`: left alone, each connection would
leave a pending reader task on the shared relay for the life of the server),
and then lets go of the worker and its peer connection: the slot in
``st.session_state`` keeps the closed peer for as long as Streamlit keeps the
browser session (a closed tab's too, ``server.disconnectedSessionTTL``), and
a closed ``RTCPeerConnection`` still holds its transports, jitter buffers and
codec state (~150 KB for an audio call).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import weakref
from typing import Any, cast

from aiortc import RTCConfiguration as AiortcConfiguration
from aiortc.contrib.media import MediaRelay
from aiortc.mediastreams import MediaStreamTrack
from streamlit_webrtc import WebRtcMode
from streamlit_webrtc.config import compile_rtc_configuration
from streamlit_webrtc.eventloop import get_global_event_loop
from streamlit_webrtc.relay import get_global_relay
from streamlit_webrtc.webrtc import WebRtcWorker

from ..rtc.status_channel import StatusChannel, watch_data_channel
from ..session.memory import release_freed_memory
from ..session.modes import Mode
from ..session.status_feed import StatusFeed
from ..signalling.protocol import Offer
from .slot import Session

__all__ = ["ServerPeer"]

logger = logging.getLogger(__name__)

ANSWER_TIMEOUT_S = 10.0
END_GRACE_S = 1.0
"""After the stream ends on the server, how long the browser has to read ``end`` and hang up."""

_WEBRTC_MODES = {
    Mode.SEND_RECEIVE: WebRtcMode.SENDRECV,
    Mode.SEND: WebRtcMode.SENDONLY,
    Mode.RECEIVE: WebRtcMode.RECVONLY,
}


class _PeerRelay:
    """The relay one peer's worker subscribes through; it remembers the proxies it made.

    streamlit-webrtc relays a source track twice (``relay.subscribe(source)``,
    and the sender reads ``relay.subscribe(that proxy)``) and, when the worker
    stops, stops the first proxy. aiortc's ``RelayStreamTrack.stop()`` does
    not wake a ``recv()`` in progress, so the relay's reader task for that
    proxy waits forever, and the relay keeps the task and the proxy: on
    Streamlit's global relay, one pending task per connection for the life of
    the server. :meth:`end` (on the loop, after the worker stopped) hands every
    proxy made here an end-of-stream, so the relay's own end-of-track path
    runs and forgets it.
    """

    def __init__(self, relay: MediaRelay) -> None:
        self.relay = relay
        self._proxies: list[MediaStreamTrack] = []

    def subscribe(self, track: MediaStreamTrack, buffered: bool = True) -> MediaStreamTrack:
        proxy = self.relay.subscribe(track, buffered=buffered)
        self._proxies.append(proxy)
        return proxy

    def end(self) -> None:
        """End every proxy's pending or next ``recv()`` (loop thread; idempotent)."""
        proxies, self._proxies = self._proxies, []
        for proxy in proxies:
            # aiortc's RelayStreamTrack: a None frame is its end-of-stream.
            queue = getattr(proxy, "_queue", None)
            event = getattr(proxy, "_new_frame_event", None)
            if queue is not None:
                queue.put_nowait(None)
            elif event is not None:
                proxy._frame = None  # type: ignore[attr-defined]
                event.set()


class ServerPeer:
    """One connection's peer: answer, status channel, and the session's end when the peer ends."""

    def __init__(
        self,
        session: Session,
        server_configuration: dict[str, Any] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
        *,
        relay: MediaRelay | None = None,
    ) -> None:
        self.session = session
        # Streamlit's server loop and global relay; a test or tool may bring its own
        # loop (then a relay of this peer's, or ``relay``, made for that loop).
        if relay is None:
            relay = MediaRelay() if loop is not None else get_global_relay()
        loop = loop or get_global_event_loop()
        self._loop = loop
        self._relay = _PeerRelay(relay)
        config = (
            compile_rtc_configuration(server_configuration)
            if server_configuration
            else AiortcConfiguration()
        )
        self.worker: WebRtcWorker | None = WebRtcWorker(
            mode=_WEBRTC_MODES[session.mode],
            rtc_configuration=config,
            source_video_track=session.video_track,
            source_audio_track=session.source_track,
            sink_video_track=session.video_sink,
            sink_audio_track=session.sink,
            player_factory=None,
            in_recorder_factory=None,
            out_recorder_factory=None,
            video_frame_callback=None,
            audio_frame_callback=None,
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
            loop=loop,
            relay=cast(MediaRelay, self._relay),
        )
        self._closing = threading.Lock()
        self._closed = False
        self._end_timer: threading.Timer | None = None
        self.feed = StatusFeed(session.mailbox, self._send, remaining=session.remaining_s)
        self.channel = StatusChannel(loop, on_open=self.feed.refresh)
        pc = self.worker.pc
        self._pc = weakref.ref(pc)
        watch_data_channel(pc, self.channel)

        @pc.on("connectionstatechange")
        def on_state_change() -> None:
            if pc.connectionState in ("failed", "closed"):
                logger.info("%s: peer connection %s", session.name, pc.connectionState)
                session.stop_soon(
                    "The connection to the browser was lost"
                    if pc.connectionState == "failed"
                    else None
                )

    def _send(self, message: dict[str, Any]) -> None:
        if message.get("type") == "state" and message.get("state") == "connecting":
            return  # the browser owns "connecting" until its peer connects
        self.channel.send(message)
        if message.get("type") == "end":  # the browser hangs up; if it does not, we do
            with self._closing:
                if self._closed or self._end_timer is not None:
                    return
                timer = self._end_timer = threading.Timer(END_GRACE_S, self._close_peer)
            timer.daemon = True
            timer.start()

    @property
    def connection_state(self) -> str:
        """The peer connection's ``connectionState`` (``"closed"`` once it is gone)."""
        pc = self._pc()
        return "closed" if pc is None else str(pc.connectionState)

    def answer(self, offer: Offer) -> str:
        """Process the browser's offer; the answer's SDP (blocks this thread up to 10 s)."""
        worker = self.worker
        if worker is None:
            raise RuntimeError("the peer is closed")
        self.feed.attach()
        description = worker.process_offer(offer.sdp, offer.type, timeout=ANSWER_TIMEOUT_S)
        return str(description.sdp)

    def close(self) -> None:
        """Stop the session, then the feed and the peer connection (idempotent, any thread)."""
        self.session.stop(None)  # the feed sends "end" first
        self._close_peer()

    def _close_peer(self) -> None:
        with self._closing:
            if self._closed:
                return
            self._closed = True
            timer = self._end_timer
        if timer is not None:
            timer.cancel()  # closed before the grace ended: no thread waits for it
        self.feed.detach()
        self.channel.close()
        worker, self.worker = self.worker, None  # the closed peer connection becomes garbage
        try:
            if worker is not None:
                worker.stop()
        finally:
            with contextlib.suppress(RuntimeError):  # a closed loop took the relay's tasks along
                self._loop.call_soon_threadsafe(self._relay.end)
        del worker
        release_freed_memory()  # never the loop's thread: worker.stop() waits for it
