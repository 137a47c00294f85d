"""The server's side of the ``streamlit-rtc`` data channel: status messages to the browser.

The browser creates the channel before its offer (docs/component-protocol.md);
aiortc announces it with ``pc.on("datachannel")``. Status changes happen on
worker threads while aiortc lives on the server's event loop, so ``send``
only encodes and hands the text to the loop; everything touching the channel
or the buffer runs on the loop thread, which keeps messages in order.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from aiortc import RTCDataChannel, RTCPeerConnection

__all__ = ["CHANNEL_LABEL", "MAX_BUFFERED", "StatusChannel", "watch_data_channel"]

logger = logging.getLogger(__name__)

CHANNEL_LABEL = "streamlit-rtc"
MAX_BUFFERED = 64
"""Messages kept until the channel opens; the oldest go first, the newest state never."""

MAX_IN_FLIGHT_BYTES = 256 * 1024
"""Past this much unsent data on the channel (a handler flooding ``send_message``, a
stalled browser), messages other than state/deadline/end are dropped: aiortc's
outgoing queue has no bound of its own."""

_STICKY = frozenset({"state", "deadline", "end"})
"""Message types whose newest copy survives a full buffer: they say where the stream is."""


class StatusChannel:
    """Sends JSON messages on the data channel from any thread; buffers until it opens.

    ``loop`` is the event loop aiortc runs on (Streamlit's server loop). After
    the channel closes (or ``close()``), messages are dropped silently: the
    stream is over. ``on_open`` (optional) runs on the loop once the channel
    is open and the buffer flushed, e.g. ``StatusFeed.refresh`` for a fresh deadline.
    """

    def __init__(
        self,
        loop: asyncio.AbstractEventLoop,
        *,
        max_buffered: int = MAX_BUFFERED,
        on_open: Callable[[], None] | None = None,
    ) -> None:
        if max_buffered < len(_STICKY) + 1:
            raise ValueError(f"max_buffered must be at least {len(_STICKY) + 1}")
        self._loop = loop
        self._max_buffered = max_buffered
        self._on_open = on_open
        # Loop thread only:
        self._channel: RTCDataChannel | None = None
        self._buffer: deque[tuple[str, str]] = deque()  # (type, JSON text)
        self._open = False
        self.dropped = 0
        """Messages dropped: from a full buffer before the channel opened, or while the
        channel had more than ``MAX_IN_FLIGHT_BYTES`` unsent."""
        # Written on the loop, read anywhere (a bool: a stale read costs one no-op callback).
        self._closed = False

    @property
    def is_open(self) -> bool:
        return self._open and not self._closed

    @property
    def closed(self) -> bool:
        return self._closed

    # -- any thread ----------------------------------------------------------------------
    def send(self, message: dict[str, Any]) -> None:
        """Queue ``message`` (a dict with ``type``) for the browser; never blocks.

        Encoding errors raise here, in the caller; a closed channel or loop drops the message.
        """
        text = json.dumps(message, allow_nan=False, separators=(",", ":"))
        if self._closed:
            return
        try:
            self._loop.call_soon_threadsafe(self._deliver, str(message.get("type")), text)
        except RuntimeError:  # the loop is closed: the server is going away
            logger.debug("status channel: loop closed, %s message dropped", message.get("type"))

    def close(self) -> None:
        """Stop sending (any thread); buffered and later messages are dropped."""
        self._closed = True  # later sends stop here; the buffer is cleared on the loop
        with contextlib.suppress(RuntimeError):  # a closed loop took the buffer with it
            self._loop.call_soon_threadsafe(self._mark_closed)

    # -- loop thread ---------------------------------------------------------------------
    def attach(self, channel: RTCDataChannel) -> bool:
        """Use ``channel`` if it is ours (label ``streamlit-rtc``); call on the loop thread.

        aiortc hands over a browser-created channel already open, so an open
        channel is flushed at once; otherwise on its ``open`` event.
        """
        if channel.label != CHANNEL_LABEL:
            logger.info("status channel: ignoring data channel %r", channel.label)
            return False
        if self._closed:
            return False  # closed before the browser's channel arrived: nothing to send
        if self._channel is not None:
            logger.warning("status channel: a second %r data channel, ignored", channel.label)
            return False
        self._channel = channel
        channel.on("open", self._opened)
        channel.on("close", self._mark_closed)
        if channel.readyState == "open":
            self._opened()
        elif channel.readyState == "closed":
            self._mark_closed()
        return True

    def _opened(self) -> None:
        if self._open or self._closed:
            return
        self._open = True
        while self._buffer:
            self._write(self._buffer.popleft()[1])
        if self._on_open is not None:
            try:
                self._on_open()
            except Exception:
                logger.exception("status channel: on_open failed")

    def _mark_closed(self) -> None:
        if not self._closed:
            logger.debug("status channel: closed (%d buffered dropped)", len(self._buffer))
        self._closed = True
        self._buffer.clear()
        # The data channel holds its SCTP and DTLS transports, and through them the
        # whole closed peer connection: whoever keeps this object must not keep that.
        self._channel = None

    def _deliver(self, kind: str, text: str) -> None:
        if self._closed:
            return
        if self._open:
            channel = self._channel
            if (
                kind not in _STICKY
                and channel is not None
                and channel.bufferedAmount > MAX_IN_FLIGHT_BYTES
            ):
                self.dropped += 1
                if self.dropped == 1:
                    logger.warning(
                        "status channel: the browser is not keeping up; dropping %s messages",
                        kind,
                    )
                return
            self._write(text)
            return
        self._buffer.append((kind, text))
        if len(self._buffer) > self._max_buffered:
            self._drop_one()

    def _drop_one(self) -> None:
        """Drop the oldest message that is not the newest of a sticky type."""
        newest: dict[str, int] = {}
        for index, (kind, _) in enumerate(self._buffer):
            if kind in _STICKY:
                newest[kind] = index
        keep = set(newest.values())
        for index in range(len(self._buffer)):
            if index not in keep:
                del self._buffer[index]
                self.dropped += 1
                return

    def _write(self, text: str) -> None:
        channel = self._channel
        if channel is None or channel.readyState != "open" or not _transport_connected(channel):
            self._mark_closed()
            return
        try:
            channel.send(text)
        except Exception:  # closed between the check and the send: the stream is over
            logger.debug("status channel: send failed, channel closing", exc_info=True)
            self._mark_closed()


def _transport_connected(channel: RTCDataChannel) -> bool:
    """False once DTLS is down: aiortc would queue the message and its flush task would raise."""
    dtls = getattr(getattr(channel, "transport", None), "transport", None)
    return getattr(dtls, "state", "connected") == "connected"


def watch_data_channel(pc: RTCPeerConnection, status_channel: StatusChannel) -> None:
    """Hand ``pc``'s ``streamlit-rtc`` data channel to ``status_channel``.

    Call before the offer is processed (``setRemoteDescription``), so the
    channel the browser opens is never missed.
    """

    def on_datachannel(channel: RTCDataChannel) -> None:
        status_channel.attach(channel)

    pc.on("datachannel", on_datachannel)
