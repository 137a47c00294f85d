"""The server side of one browser connection: streamlit-webrtc's ``WebRtcWorker`` with our tracks.

:class:`ServerPeer` answers one offer with the session's tracks (our
microphone sink and paced output), opens the status data channel the
browser created (:mod:`streamlit_rtc.rtc.status_channel`) and feeds it from
the session's mailbox (:mod:`streamlit_rtc.session.status_feed`), and stops
the session when the peer connection fails or closes. One per connection;
:meth:`close` stops everything it started.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from typing import Any

from aiortc import RTCConfiguration as AiortcConfiguration
from aiortc.contrib.media import MediaRelay
from streamlit_webrtc import WebRtcMode
from streamlit_webrtc.config import compile_rtc_configuration
from streamlit_webrtc.eventloop import get_global_event_loop
from streamlit_webrtc.webrtc import WebRtcWorker

from ..rtc.status_channel import StatusChannel, watch_data_channel
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


class ServerPeer:
    """One connection's peer: answer, status channel, and the session's end when the peer ends."""

    def __init__(
        self,
        session: Session,
        server_configuration: dict[str, Any] | None = None,
        loop: asyncio.AbstractEventLoop | None = None,
    ) -> None:
        self.session = session
        # Streamlit's server loop and relay; a test or tool may bring a loop of its own.
        relay = MediaRelay() if loop is not None else None
        loop = loop or get_global_event_loop()
        config = (
            compile_rtc_configuration(server_configuration)
            if server_configuration
            else AiortcConfiguration()
        )
        self.worker = WebRtcWorker(
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
            relay=relay,
        )
        self._closing = threading.Lock()
        self._closed = False
        self.feed = StatusFeed(session.mailbox, self._send, remaining=session.remaining_s)
        self.channel = StatusChannel(loop, on_open=self.feed.refresh)
        pc = self.worker.pc
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
            timer = threading.Timer(END_GRACE_S, self._close_peer)
            timer.daemon = True
            timer.start()

    def answer(self, offer: Offer) -> str:
        """Process the browser's offer; the answer's SDP (blocks this thread up to 10 s)."""
        self.feed.attach()
        description = self.worker.process_offer(offer.sdp, offer.type, timeout=ANSWER_TIMEOUT_S)
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
        self.feed.detach()
        self.channel.close()
        self.worker.stop()
