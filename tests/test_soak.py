"""Soak at a small count: connect/disconnect cycles over real WebRTC leave nothing behind.

Runs ``bench/soak.py``'s aiortc soak in this process: every handler kind
once (7 cycles, after a warm-up of one cycle per kind), each disconnect
style in turn (the browser hangs up, the server stops, the browser vanishes
without a goodbye, the time limit). Threads, file descriptors, tasks on the
media loop and the shared relay's entries must come back to the baseline and
no session, peer or peer connection may stay alive. RSS is only reported:
glibc's heap moves by ~15 MB from round to round while vanished connections
linger (the library caps malloc arenas and trims the heap after each
session, :mod:`streamlit_rtc.session.memory`), so at this count it says
little and a bound would be flaky; ``python -m bench.soak`` runs 200 cycles
and reports its trajectory against the 5 MB goal.

A stopped connection must not keep its weight: Streamlit keeps a closed
tab's ``st.session_state`` (our slot, with the stopped session and its
closed peer) for ``server.disconnectedSessionTTL``, so the peer lets go of
its peer connection once closed and the session of its handler copy,
workers, buffers and tracks once stopped (``SessionLifecycle.release``).
"""

from __future__ import annotations

import contextlib
import gc
import json
import logging
import sys
import weakref
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import soak  # noqa: E402
from streamlit_rtc.session.concurrency import ConcurrencyRegistry  # noqa: E402
from streamlit_rtc.session.mailbox import StreamState  # noqa: E402
from streamlit_rtc.session.modes import Mode  # noqa: E402
from streamlit_rtc.signalling.protocol import Offer  # noqa: E402
from streamlit_rtc.streamlit.peer import ServerPeer  # noqa: E402
from streamlit_rtc.streamlit.slot import StreamSlot  # noqa: E402

pytestmark = pytest.mark.rtc

LOGGER = logging.getLogger(__name__)

CYCLES = len(soak.KINDS)  # every kind once, every disconnect style at least once


class _TracebackAsText(logging.Filter):
    """Renders a record's traceback into its text and drops the exception.

    pytest keeps the test's log records; a record's exception holds its
    traceback's frames, and their locals (aiortc's SCTP transport, whose
    ``_transmit`` task can fail with "protocol is shutdown" while a peer
    connection closes under load, and through it the peer connection). The
    census would count those as leaked.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.exc_info:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
            record.exc_info = None
        return True


@contextlib.contextmanager
def _log_records_keep_no_frames() -> Iterator[None]:
    handlers = list(logging.getLogger().handlers)
    keep_text = _TracebackAsText()
    for handler in handlers:
        handler.addFilter(keep_text)
    try:
        yield
    finally:
        for handler in handlers:
            handler.removeFilter(keep_text)


@pytest.mark.timeout(1200)
def test_every_kind_and_disconnect_style_leaves_nothing_behind() -> None:
    with _log_records_keep_no_frames():
        report = soak.aiortc_soak(cycles=CYCLES)
    LOGGER.info("soak report: %s", json.dumps(report, indent=1))
    summary = {k: report[k] for k in ("baseline", "end", "growth", "failures")}
    assert report["cycles"] == CYCLES
    assert set(report["kinds"]) == set(soak.KINDS)
    assert set(report["styles"]) == set(soak.STYLES)
    # Every cycle connected, saw media both ways and was torn down in time.
    assert not report["warmup_failures"], report["warmup_failures"]
    assert not report["failures"], report["failures"]
    # Back to the baseline (the script waited for it, bounded, before measuring).
    goals = report["goals"]
    assert goals["threads_back"], (report["thread_names_diff"], summary)
    assert goals["fds_back"], summary
    assert goals["tasks_back"], (report["end"]["task_names"], summary)
    # Regression: every closed peer ended its relay proxies (issue: one pending
    # MediaRelay reader task per connection on the shared relay, forever).
    assert goals["relay_back"] and report["end"]["relay_entries"] == 0, summary
    assert not report["leaked_objects"], report["leaked_objects"]
    LOGGER.warning(
        "RSS %.1f -> %.1f MB (by round: %s); gc-tracked types grown: %s",
        report["baseline"]["rss_mb"],
        report["end"]["rss_mb"],
        report["rss_mb_by_round"],
        report["object_types_grown"],
    )


def test_a_closed_peer_leaves_no_reader_on_the_shared_relay() -> None:
    """The relay leak alone, fast: three connections on one shared relay, each ended differently.

    Before the fix each connection left the relay reading a stopped proxy of
    the session's output track forever (a pending ``MediaRelay.__run_track``).
    """
    soak.restrict_ice_to_loopback()
    protos = soak.Prototypes(("stream_handler",))
    with soak.MediaLoop() as media:
        run = soak.AiortcSoak(
            media, protos, ("stream_handler",), ("server_close", "client_close", "time_limit")
        )
        for i in range(3):
            cycle = run.run_cycle(i)
            assert cycle.error is None, cycle
        assert soak.wait_for(
            lambda: media.relay_entries() == 0 and not media.tasks(), timeout=20, interval=0.1
        ), (media.relay_entries(), media.tasks())


HEAVY = ("handler", "workers", "output", "lane", "video_lane", "video_track", "video_sink")
"""A session's parts that only the live connection needs."""


@pytest.mark.parametrize("kind", ["stream_handler", "audio_video"])
def test_a_stopped_connection_kept_like_a_closed_tab_holds_nothing_heavy(kind: str) -> None:
    """The session and peer stay referenced (as by a slot in ``st.session_state``), yet the
    peer connection, handler copy, workers, output buffer, tracks and frames are freed."""
    soak.restrict_ice_to_loopback()
    protos = soak.Prototypes((kind,))
    with soak.MediaLoop() as media:
        # What StreamSlot.new_session does: release the session once it stopped.
        session = protos.session(kind, "kept", None, on_stopped=lambda s: s.release())
        peer = ServerPeer(session, {"iceServers": []}, loop=media.loop, relay=media.relay)
        client = soak.FakeBrowser(media.loop, soak.SPECS[kind], protos)
        try:
            answer = peer.answer(Offer(media.call(client.offer())))
            media.call(client.accept(answer))
            assert soak.wait_for(client.flowing, 30), client.describe()
            assert peer.worker is not None
            parts: dict[str, Any] = {"pc": peer.worker.pc, "worker": peer.worker}
            parts.update({k: getattr(session, k) for k in HEAVY if getattr(session, k, None)})
            refs = {name: weakref.ref(obj) for name, obj in parts.items()}
            del parts
            media.call(client.close())  # the browser hangs up, like a closed tab
            assert soak.wait_for(lambda: session.released and peer.worker is None, 30)
        finally:
            peer.close()
            media.call(client.close())

        def alive() -> list[str]:
            gc.collect()
            return [name for name, ref in refs.items() if ref() is not None]

        # The media loop lets go of the closed peer connection's last tasks on its own time.
        assert soak.wait_for(lambda: not alive(), 20, 0.2), alive()
    assert peer.connection_state == "closed"
    assert all(getattr(session, k, None) is None for k in HEAVY)
    # What the page and a restart read is still there.
    assert session.stopped and session.started and not session.refused
    assert session.mailbox.snapshot().state is StreamState.STOPPED
    session.set_inputs(["ignored"])  # a stopped session takes inputs and does nothing


def test_the_slot_releases_the_sessions_it_stops() -> None:
    """``StreamSlot.new_session`` wires the release: a stopped session keeps its outcome."""
    protos = soak.Prototypes(("stream_handler",))
    slot = StreamSlot(key="k", holder="h:k")
    first = slot.new_session(
        protos.by_kind["stream_handler"], Mode.SEND_RECEIVE, None, ConcurrencyRegistry(), None
    )
    assert not first.released
    first.stop("ended here")
    assert first.released and first.handler is None and first.output is None
    assert first.mailbox.snapshot().end_message == "ended here"
    second = slot.new_session(
        protos.by_kind["stream_handler"], Mode.SEND_RECEIVE, None, ConcurrencyRegistry(), None
    )
    assert slot.session is second and second.handler is not None
    assert slot.last_end is not None and slot.last_end.end_message == "ended here"
    second.stop(None)
    assert second.released
