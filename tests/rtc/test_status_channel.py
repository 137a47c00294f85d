"""StatusChannel over two real aiortc peers: the browser's data channel gets JSON in order."""

from __future__ import annotations

import asyncio
import json
import logging
import threading
from collections.abc import Callable
from typing import Any

import pytest
from aiortc import RTCDataChannel

from streamlit_rtc.rtc.status_channel import CHANNEL_LABEL, StatusChannel, watch_data_channel
from streamlit_rtc.session.mailbox import SessionMailbox
from streamlit_rtc.session.status_feed import StatusFeed
from streamlit_rtc.testing import LoopbackPeers

pytestmark = pytest.mark.rtc


class Browser:
    """The browser's end: records what arrives and wakes waiters when enough did."""

    def __init__(self, channel: RTCDataChannel) -> None:
        self.channel = channel
        self.received: list[dict[str, Any]] = []
        self._waiters: list[tuple[int, asyncio.Future[None]]] = []
        channel.on("message", self._on_message)

    def _on_message(self, data: str | bytes) -> None:
        assert isinstance(data, str)  # text frames, JSON
        self.received.append(json.loads(data))
        for count, fut in self._waiters:
            if len(self.received) >= count and not fut.done():
                fut.set_result(None)

    async def wait_for(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        if len(self.received) < count:
            fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            self._waiters.append((count, fut))
            await asyncio.wait_for(fut, timeout)
        return self.received


def from_thread(fn: Callable[[], None]) -> None:
    """Run ``fn`` on another thread, as a session worker would, and wait for it."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            fn()
        except BaseException as exc:  # re-raised in the test
            errors.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(10)
    assert not thread.is_alive()
    if errors:
        raise errors[0]


def error(i: int) -> dict[str, Any]:
    return {"type": "error", "message": f"e{i}", "t": 1.0}


def test_messages_before_and_after_open_arrive_in_order(arun, caplog) -> None:
    caplog.set_level(logging.INFO, logger="streamlit_rtc.rtc.status_channel")

    async def scenario() -> list[dict[str, Any]]:
        peers = LoopbackPeers()
        try:
            browser = Browser(peers.client.createDataChannel(CHANNEL_LABEL))
            other = peers.client.createDataChannel("chat")
            status = StatusChannel(asyncio.get_running_loop())
            watch_data_channel(peers.server, status)
            # Before the offer is even processed: buffered until the channel opens.
            from_thread(lambda: [status.send(error(i)) for i in range(5)])
            await peers.connect()
            await browser.wait_for(5)
            assert status.is_open
            from_thread(lambda: [status.send(error(i)) for i in range(5, 40)])
            status.send(error(40))  # the loop thread itself may send too
            got = await browser.wait_for(41)
            assert other.readyState == "open"  # the other channel works, it is just not ours
            return got
        finally:
            await peers.close()

    got = arun(scenario)
    assert [m["message"] for m in got] == [f"e{i}" for i in range(41)]
    assert "ignoring data channel 'chat'" in caplog.text


def test_a_status_feed_reaches_the_browser_with_state_first(arun) -> None:
    async def scenario() -> list[dict[str, Any]]:
        peers = LoopbackPeers()
        try:
            browser = Browser(peers.client.createDataChannel(CHANNEL_LABEL))
            box = SessionMailbox()
            feed_ref: list[StatusFeed] = []
            status = StatusChannel(
                asyncio.get_running_loop(), on_open=lambda: feed_ref[0].refresh()
            )
            feed = StatusFeed(box, status.send, remaining=lambda: 20.0)
            feed_ref.append(feed)
            watch_data_channel(peers.server, status)
            from_thread(feed.attach)
            from_thread(box.connected)
            await peers.connect()
            await browser.wait_for(5)
            from_thread(lambda: box.stopped("Stream closed"))
            return await browser.wait_for(7)
        finally:
            await peers.close()

    got = [{k: v for k, v in m.items() if k != "t"} for m in arun(scenario)]
    assert got == [
        {"type": "state", "state": "connecting"},
        {"type": "state", "state": "listening"},
        {"type": "deadline", "remaining_s": 20.0},
        # on open (after the buffered ones): the state again and a fresh deadline
        {"type": "state", "state": "listening"},
        {"type": "deadline", "remaining_s": 20.0},
        {"type": "state", "state": "stopped"},
        {"type": "end", "message": "Stream closed", "error": False},
    ]


def test_a_full_buffer_drops_the_oldest_but_keeps_the_newest_state(arun) -> None:
    async def scenario() -> tuple[list[dict[str, Any]], int]:
        peers = LoopbackPeers()
        try:
            browser = Browser(peers.client.createDataChannel(CHANNEL_LABEL))
            status = StatusChannel(asyncio.get_running_loop(), max_buffered=8)
            watch_data_channel(peers.server, status)

            def burst() -> None:
                status.send({"type": "state", "state": "connecting"})
                status.send({"type": "state", "state": "listening"})
                for i in range(20):
                    status.send(error(i))

            from_thread(burst)
            await peers.connect()
            got = await browser.wait_for(8)
            return got, status.dropped
        finally:
            await peers.close()

    got, dropped = arun(scenario)
    assert got[0] == {"type": "state", "state": "listening"}
    assert [m["message"] for m in got[1:]] == [f"e{i}" for i in range(13, 20)]
    assert dropped == 14


def test_sends_after_close_are_dropped_silently(arun) -> None:
    async def scenario() -> StatusChannel:
        peers = LoopbackPeers()
        browser = Browser(peers.client.createDataChannel(CHANNEL_LABEL))
        status = StatusChannel(asyncio.get_running_loop())
        watch_data_channel(peers.server, status)
        await peers.connect()
        status.send(error(0))
        await browser.wait_for(1)
        closed = asyncio.Event()
        loop = asyncio.get_running_loop()
        browser.channel.on("close", closed.set)
        await peers.close()
        await asyncio.wait_for(closed.wait(), 10)
        from_thread(lambda: [status.send(error(i)) for i in range(1, 5)])
        ended = loop.create_future()
        loop.call_soon(ended.set_result, None)  # after the callbacks scheduled above
        await ended
        assert status.closed and not status.is_open
        status.close()
        return status

    status = arun(scenario)
    from_thread(lambda: status.send(error(9)))  # the loop itself is gone now
    status.close()


def test_an_explicit_close_drops_the_buffer(arun) -> None:
    async def scenario() -> list[dict[str, Any]]:
        peers = LoopbackPeers()
        try:
            browser = Browser(peers.client.createDataChannel(CHANNEL_LABEL))
            marker = peers.client.createDataChannel("marker")
            status = StatusChannel(asyncio.get_running_loop())
            watch_data_channel(peers.server, status)
            from_thread(lambda: status.send(error(0)))
            from_thread(status.close)
            status.send(error(1))
            server_marker: asyncio.Future[RTCDataChannel] = (
                asyncio.get_running_loop().create_future()
            )
            peers.server.on(
                "datachannel", lambda ch: ch.label == "marker" and server_marker.set_result(ch)
            )
            await peers.connect()
            pong = asyncio.get_running_loop().create_future()
            marker.on("message", pong.set_result)
            (await asyncio.wait_for(server_marker, 10)).send("ping")
            assert await asyncio.wait_for(pong, 10) == "ping"  # the association carried data
            assert browser.channel.readyState == "open" and status.closed
            return browser.received
        finally:
            await peers.close()

    assert arun(scenario) == []
