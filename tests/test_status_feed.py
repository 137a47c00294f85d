"""StatusFeed: a real SessionMailbox's changes become the data channel's messages, exactly."""

from __future__ import annotations

import itertools
import json
import math
import threading
import time
from typing import Any

import pytest

from streamlit_rtc.core.status import Status, StatusEvent, StreamState
from streamlit_rtc.session.mailbox import MAX_LISTENERS, SessionMailbox
from streamlit_rtc.session.status_feed import (
    MAX_TEXT_CHARS,
    StatusFeed,
    wire_state,
)


class Recorder:
    """A sink that keeps every message; ``wait_for`` blocks on a condition, not a sleep."""

    def __init__(self) -> None:
        self.messages: list[dict[str, Any]] = []
        self._cond = threading.Condition()

    def __call__(self, message: dict[str, Any]) -> None:
        json.dumps(message, allow_nan=False)  # everything on the wire is strict JSON
        with self._cond:
            self.messages.append(message)
            self._cond.notify_all()

    def bare(self) -> list[dict[str, Any]]:
        """The messages without their timestamps."""
        return [{k: v for k, v in m.items() if k != "t"} for m in self.messages]

    def take(self) -> list[dict[str, Any]]:
        got = self.bare()
        self.messages.clear()
        return got

    def of(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.bare() if m["type"] == kind]


def _feed(
    box: SessionMailbox, remaining: float | None = 30.0, **kw: Any
) -> tuple[StatusFeed, Recorder]:
    rec = Recorder()
    feed = StatusFeed(box, rec, remaining=(lambda: remaining), **kw)
    feed.attach()
    return feed, rec


def _status(event: StatusEvent, t: float, detail: str | None = None) -> Status:
    return Status(event, t, detail)


def test_a_spoken_turn_becomes_the_exact_message_sequence() -> None:
    box = SessionMailbox()
    _, rec = _feed(box)
    assert rec.take() == [{"type": "state", "state": "connecting"}]

    box.connected()
    assert rec.take() == [
        {"type": "state", "state": "listening"},
        {"type": "deadline", "remaining_s": 30.0},
    ]
    box.on_status(_status(StatusEvent.STARTED_TALKING, 1.0))
    box.on_status(_status(StatusEvent.PAUSE_DETECTED, 2.0))
    box.on_status(_status(StatusEvent.RESPONSE_STARTING, 2.5))
    box.message("message", {"text": "hello", "n": (1, 2)})
    box.message("warning", "speak up")
    box.on_status(_status(StatusEvent.RESPONSE_DONE, 4.0))
    assert rec.take() == [
        {"type": "state", "state": "user-speaking"},
        {"type": "event", "event": "started_talking", "detail": None},
        {"type": "state", "state": "thinking"},
        {"type": "event", "event": "pause_detected", "detail": None},
        {"type": "state", "state": "responding"},
        {"type": "event", "event": "response_starting", "detail": None},
        {"type": "message", "kind": "message", "payload": {"text": "hello", "n": [1, 2]}},
        {"type": "message", "kind": "warning", "payload": "speak up"},
        {"type": "state", "state": "listening"},
        {"type": "event", "event": "response_done", "detail": None},
    ]
    box.on_status(_status(StatusEvent.ERROR, 5.0, "reply failed"))  # state stays listening
    box.error("bad yield")
    box.stopped("Time limit of 30 s reached")
    box.message("message", "after the end")  # still delivered; the end is sent once only
    box.stopped("again")
    assert rec.take() == [
        {"type": "event", "event": "error", "detail": "reply failed"},
        {"type": "error", "message": "reply failed"},
        {"type": "error", "message": "bad yield"},
        {"type": "state", "state": "stopped"},
        {"type": "end", "message": "Time limit of 30 s reached", "error": False},
        {"type": "message", "kind": "message", "payload": "after the end"},
    ]


def test_every_message_has_a_wall_clock_timestamp_in_ms() -> None:
    box = SessionMailbox()
    rec = Recorder()
    before = time.time() * 1000
    StatusFeed(box, rec).attach()
    box.connected()
    box.stopped()
    after = time.time() * 1000
    stamps = [m["t"] for m in rec.messages]
    assert all(before <= t <= after for t in stamps)
    assert stamps == sorted(stamps)
    assert [m["type"] for m in rec.messages] == ["state", "state", "state", "end"]  # no deadline
    assert rec.messages[-1]["message"] is None and rec.messages[-1]["error"] is False


def test_an_end_caused_by_an_error_says_so() -> None:
    box = SessionMailbox()
    _, rec = _feed(box)
    box.connected()
    box.error("Your handler raised ValueError")
    box.stopped("Your handler raised ValueError")
    assert rec.of("end") == [
        {"type": "end", "message": "Your handler raised ValueError", "error": True}
    ]


def test_wire_states_use_dashes() -> None:
    wire = ["connecting", "listening", "user-speaking", "thinking", "responding", "stopped"]
    assert [wire_state(s) for s in StreamState] == wire


def test_payloads_are_strict_json_copies_or_their_text_and_capped() -> None:
    class Thing:
        def __str__(self) -> str:
            return "a thing"

    class Broken:
        def __str__(self) -> str:
            raise RuntimeError("no")

    box = SessionMailbox()
    _, rec = _feed(box, max_payload_chars=100)
    data = {"a": [1, 2]}
    payloads_in = (data, Thing(), {1, 2}, math.nan, b"\x00", "x" * 500, list(range(200)))
    for payload in (*payloads_in, Broken()):
        box.message("message", payload)
    data["a"].append(3)  # later changes by user code do not reach what was sent
    payloads = [m["payload"] for m in rec.of("message")]
    assert payloads[:5] == [{"a": [1, 2]}, "a thing", "{1, 2}", "nan", "b'\\x00'"]
    for capped in payloads[5:7]:
        assert len(capped) <= 100 + 20 and capped.endswith("(truncated)")
    assert payloads[6].startswith("[0, 1, 2")  # big JSON is cut as JSON text
    assert payloads[7] == "<unprintable Broken>"


def test_long_texts_are_capped() -> None:
    box = SessionMailbox()
    _, rec = _feed(box)
    box.on_status(_status(StatusEvent.ERROR, 0.0, "e" * 10_000))
    box.stopped("s" * 10_000)
    for m in rec.bare():
        for key in ("detail", "message"):
            if isinstance(m.get(key), str):
                assert len(m[key]) <= MAX_TEXT_CHARS + 20


def test_a_burst_beyond_the_mailbox_bounds_sends_only_the_newest_once() -> None:
    """While one change's messages are being sent, ten others pile up behind the lock."""
    box = SessionMailbox(max_errors=3)
    release = threading.Event()
    entered = threading.Event()
    rec = Recorder()

    def sink(message: dict[str, Any]) -> None:
        if message.get("message") == "first":
            entered.set()
            assert release.wait(10)
        rec(message)

    StatusFeed(box, sink).attach()
    first = threading.Thread(target=box.error, args=("first",))
    first.start()
    assert entered.wait(10)
    others = [threading.Thread(target=box.error, args=(f"e{i}",)) for i in range(10)]
    for t in others:
        t.start()
    deadline = time.monotonic() + 10
    while box.snapshot().error_count < 11:  # every thread made its change and now waits
        assert time.monotonic() < deadline
        threading.Event().wait(0.005)
    release.set()
    for t in [first, *others]:
        t.join(10)
    errors = [m["message"] for m in rec.of("error")]
    assert errors[0] == "first"
    assert errors[1:] == list(box.snapshot().errors)  # the 3 the mailbox kept, nothing twice
    assert len(errors) == 4


def test_a_late_attach_sends_where_the_stream_is_not_its_history() -> None:
    box = SessionMailbox()
    box.connected()
    box.on_status(_status(StatusEvent.STARTED_TALKING, 1.0))
    box.error("old error")
    box.message("message", "old message")
    feed, rec = _feed(box, remaining=12.5)
    assert rec.take() == [
        {"type": "state", "state": "user-speaking"},
        {"type": "deadline", "remaining_s": 12.5},
    ]
    feed.attach()  # idempotent
    box.on_status(_status(StatusEvent.PAUSE_DETECTED, 2.0))
    assert rec.take() == [
        {"type": "state", "state": "thinking"},
        {"type": "event", "event": "pause_detected", "detail": None},
    ]
    feed.refresh()  # e.g. when the channel opens: state again and a fresh deadline
    assert rec.take() == [
        {"type": "state", "state": "thinking"},
        {"type": "deadline", "remaining_s": 12.5},
    ]
    feed.detach()
    box.error("unheard")
    feed.sync()
    assert rec.take() == []


def test_a_late_attach_to_a_stopped_stream_sends_the_end() -> None:
    box = SessionMailbox()
    box.connected()
    box.stopped("Stream closed")
    _, rec = _feed(box)
    assert rec.take() == [
        {"type": "state", "state": "stopped"},
        {"type": "end", "message": "Stream closed", "error": False},
    ]


def test_no_time_limit_means_no_deadline_and_a_failing_sink_breaks_nothing() -> None:
    box = SessionMailbox()
    calls: list[str] = []

    def bad_sink(message: dict[str, Any]) -> None:
        calls.append(message["type"])
        raise OSError("gone")

    StatusFeed(box, bad_sink, remaining=lambda: None).attach()
    box.connected()
    box.on_status(_status(StatusEvent.STARTED_TALKING, 0.0))
    assert calls == ["state", "state", "state", "event"]


def test_mailbox_listeners_are_bounded_removable_and_keep_on_change() -> None:
    box = SessionMailbox()
    kicks: list[str] = []
    box.on_change = lambda: kicks.append("on_change")
    removers = [box.add_listener(lambda i=i: kicks.append(f"l{i}")) for i in range(MAX_LISTENERS)]
    with pytest.raises(RuntimeError):
        box.add_listener(lambda: None)
    box.connected()
    assert kicks == [*(f"l{i}" for i in range(MAX_LISTENERS)), "on_change"]
    for remove in removers[1:]:
        remove()
        remove()  # twice is harmless
    box.add_listener(lambda: 1 / 0)  # a failing listener is logged, the others still run
    kicks.clear()
    box.error("x")
    assert kicks == ["l0", "on_change"]
    assert box.snapshot().status_count == 0


def test_concurrent_changes_arrive_in_order_without_duplicates() -> None:
    box = SessionMailbox(max_errors=50, max_messages=50, message_rate_per_s=None)
    feed, rec = _feed(box)
    box.connected()
    turns = 30
    turn = (
        StatusEvent.STARTED_TALKING,
        StatusEvent.PAUSE_DETECTED,
        StatusEvent.RESPONSE_STARTING,
        StatusEvent.RESPONSE_DONE,
    )
    start = threading.Barrier(4)

    def talker(name: str) -> None:
        start.wait(10)
        for n in range(turns):
            for i, event in enumerate(turn):
                box.on_status(_status(event, n + i / 10, f"{name}-{n}-{i}"))
            box.error(f"{name}-err-{n}")
            box.message("message", {"from": name, "n": n})

    threads = [threading.Thread(target=talker, args=(f"w{k}",)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(t.is_alive() for t in threads)
    feed.sync()  # nothing left over

    events = [m["detail"] for m in rec.of("event")]
    errors = [m["message"] for m in rec.of("error")]
    payloads = [m["payload"] for m in rec.of("message")]
    assert len(events) == len(set(events)) == 4 * turns * 4
    assert len(errors) == len(set(errors)) == 4 * turns
    assert len(payloads) == 4 * turns
    for k in range(4):
        name = f"w{k}"
        assert [d for d in events if d.startswith(f"{name}-")] == [
            f"{name}-{n}-{i}" for n in range(turns) for i in range(4)
        ]
        assert [e for e in errors if e.startswith(f"{name}-")] == [
            f"{name}-err-{n}" for n in range(turns)
        ]
        assert [p["n"] for p in payloads if p["from"] == name] == list(range(turns))
    states = [m["state"] for m in rec.of("state")]
    assert all(a != b for a, b in itertools.pairwise(states))  # each a real change
    assert states[-1] == wire_state(box.snapshot().state)
    assert len(rec.of("deadline")) == 1


def test_messages_past_the_rate_are_dropped_with_one_error() -> None:
    box = SessionMailbox()
    for n in range(500):
        box.message("message", n)
    snap = box.snapshot()
    assert box.messages_dropped >= 500 - 60
    assert [e for e in snap.errors if "messages a second" in e] == [snap.errors[-1]]
    assert len(snap.errors) == 1
