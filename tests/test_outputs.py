"""AdditionalOutputs to page state: order, coalescing, fn(*current, *new), isolation, bounds."""

from __future__ import annotations

import threading

import pytest

from streamlit_rtc import AdditionalOutputs
from streamlit_rtc.core.status import Status, StatusEvent
from streamlit_rtc.session.mailbox import SessionMailbox, StreamState
from streamlit_rtc.session.outputs import OutputsFolder


def test_keys_take_the_latest_values() -> None:
    state: dict[str, object] = {}
    folder = OutputsFolder(["score", "label"])
    n = folder.apply(state, [AdditionalOutputs(1, "a"), AdditionalOutputs(2, "b")])
    assert n == 2 and state == {"score": 2, "label": "b"}


def test_fn_sees_current_values_then_new_ones_for_every_output_in_order() -> None:
    state: dict[str, object] = {"history": []}
    calls: list[tuple[object, ...]] = []

    def append(history: list[str], *new: str) -> list[str]:
        calls.append((list(history), *new))
        return [*history, *new]

    folder = OutputsFolder(["history"], append)
    folder.apply(state, [AdditionalOutputs("hi"), AdditionalOutputs("there", "!")])
    assert state["history"] == ["hi", "there", "!"]
    assert calls == [([], "hi"), (["hi"], "there", "!")]


def test_fn_with_several_keys_returns_a_tuple() -> None:
    state: dict[str, object] = {"a": 1, "b": 10}
    OutputsFolder(["a", "b"], lambda a, b, x: (a + x, b - x)).apply(state, [AdditionalOutputs(2)])
    assert state == {"a": 3, "b": 8}


def test_fn_without_keys_is_a_callback() -> None:
    seen: list[object] = []
    OutputsFolder([], lambda *new: seen.extend(new)).apply({}, [AdditionalOutputs(1, 2)])
    assert seen == [1, 2]


def test_a_wrong_number_of_values_names_the_keys() -> None:
    with pytest.raises(ValueError, match=r"2 output key\(s\) \['a', 'b'\]"):
        OutputsFolder(["a", "b"]).apply({}, [AdditionalOutputs(1)])
    with pytest.raises(TypeError, match=r"outputs=\['history'\]"):
        OutputsFolder("history")  # type: ignore[arg-type]


def test_the_mailbox_keeps_order_across_threads_and_is_bounded() -> None:
    box = SessionMailbox(max_outputs=100)

    def produce(base: int) -> None:
        for i in range(50):
            box.put_outputs(AdditionalOutputs(base, i))

    threads = [threading.Thread(target=produce, args=(b,)) for b in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    items = box.take_outputs()
    assert len(items) == 100
    for base in range(2):
        assert [i.args[1] for i in items if i.args[0] == base] == list(range(50))
    for i in range(150):
        box.put_outputs(AdditionalOutputs(i))
    kept = box.take_outputs()
    assert len(kept) == 100 and kept[0].args == (50,)  # bounded: the oldest were dropped
    assert box.outputs_dropped == 50
    assert any("fell behind" in e for e in box.snapshot().errors)


def test_each_mailbox_is_private() -> None:
    a, b = SessionMailbox(), SessionMailbox()
    a.put_outputs(AdditionalOutputs("for a"))
    assert b.take_outputs() == [] and len(a.take_outputs()) == 1


def test_status_events_drive_the_stream_state() -> None:
    box = SessionMailbox()
    assert box.snapshot().state is StreamState.CONNECTING
    box.connected()
    steps = [
        (StatusEvent.STARTED_TALKING, StreamState.USER_SPEAKING),
        (StatusEvent.PAUSE_DETECTED, StreamState.THINKING),
        (StatusEvent.RESPONSE_STARTING, StreamState.RESPONDING),
        (StatusEvent.INTERRUPTED, StreamState.USER_SPEAKING),
        (StatusEvent.RESPONSE_DONE, StreamState.LISTENING),
    ]
    for event, state in steps:
        box.on_status(Status(event, 0.0))
        assert box.snapshot().state is state
        assert box.snapshot().last_status == Status(event, 0.0)
    box.stopped("bye")
    box.on_status(Status(StatusEvent.STARTED_TALKING, 1.0))
    snap = box.snapshot()
    assert snap.state is StreamState.STOPPED and snap.end_message == "bye"
