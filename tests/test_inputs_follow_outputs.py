"""Inputs that *are* an output key's value follow that key (the adapter's slot, no browser).

The seed's conversation pattern: ``webrtc(..., inputs=[st.session_state["chatbot"]],
outputs=["chatbot"], on_additional_outputs=fn)``. Whenever the slot applies
outputs to the page state (``drain``, from a full run or a live-view rerun)
such an input is re-read from its key and pushed to the running handler, so
the next turn gets the current history. Here the page state is a plain dict
and the session is a real, unconnected ``AudioStreamSession`` made by the
slot itself; the last test drives its ``ReplyOnPause`` with three spoken
turns and drains between them as the live view would.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from streamlit_rtc import WEBRTC_VALUE, AdditionalOutputs, ReplyOnPause
from streamlit_rtc.session.audio_session import AudioStreamSession
from streamlit_rtc.session.concurrency import ConcurrencyRegistry
from streamlit_rtc.session.modes import Mode
from streamlit_rtc.session.outputs import OutputsFolder
from streamlit_rtc.streamlit.slot import StreamSlot
from streamlit_rtc.testing import read_wav

THREE_TURNS = Path(__file__).parent / "fixtures" / "browser" / "three_turns.wav"


def silent_reply(audio: tuple[int, np.ndarray], chatbot: list[Any], *rest: Any) -> Iterator[Any]:
    yield None


def newest(old: Any, new: Any) -> Any:
    return new


@pytest.fixture
def make_slot() -> Iterator[Callable[..., tuple[StreamSlot, AudioStreamSession]]]:
    """``(keys, fn, reply) -> (slot, session)``: a slot with a real session it made itself."""
    sessions: list[AudioStreamSession] = []

    def make(
        keys: list[str],
        fn: Callable[..., Any] | None = newest,
        reply: Callable[..., Any] = silent_reply,
    ) -> tuple[StreamSlot, AudioStreamSession]:
        slot = StreamSlot(key="chat", holder="test-session:chat")
        slot.folder = OutputsFolder(keys, fn)
        session = slot.new_session(
            ReplyOnPause(reply), Mode.SEND_RECEIVE, None, ConcurrencyRegistry(), None
        )
        assert isinstance(session, AudioStreamSession)
        sessions.append(session)
        return slot, session

    yield make
    for session in sessions:
        session.stop(None)


def test_an_input_that_is_an_output_value_follows_its_key(make_slot: Any) -> None:
    slot, session = make_slot(["chatbot"])
    state: dict[str, Any] = {"chatbot": []}
    slot.set_inputs([state["chatbot"], "x"], state)
    assert slot.input_keys == {0: "chatbot"}
    slot.push_inputs()
    assert session.handler.latest_args == [WEBRTC_VALUE, [], "x"]

    history = [{"role": "user", "content": "hi"}, {"role": "assistant", "content": "hello"}]
    session.mailbox.put_outputs(AdditionalOutputs(history))
    assert slot.drain(state) == 1

    assert state["chatbot"] is history
    latest = session.handler.latest_args
    assert latest[1] is history  # pushed at once, without another set_inputs (a full run)
    assert latest[2] == "x"  # the input that follows nothing kept its value
    assert slot.inputs[0] is history

    # The next output is folded from the current value and pushed again.
    later = [*history, {"role": "user", "content": "again"}]
    session.mailbox.put_outputs(AdditionalOutputs(later))
    assert slot.drain(state) == 1
    assert session.handler.latest_args == [WEBRTC_VALUE, later, "x"]


def test_outputs_folded_by_a_function_reach_the_handler_in_order(make_slot: Any) -> None:
    slot, session = make_slot(["chatbot"], lambda chatbot, message: [*chatbot, message])
    state: dict[str, Any] = {"chatbot": []}
    slot.set_inputs([state["chatbot"]], state)
    slot.push_inputs()
    for n in range(3):
        session.mailbox.put_outputs(AdditionalOutputs(f"message {n}"))
    assert slot.drain(state) == 3
    assert state["chatbot"] == ["message 0", "message 1", "message 2"]
    assert session.handler.latest_args[1] is state["chatbot"]


def test_each_input_follows_the_key_whose_value_it_is(make_slot: Any) -> None:
    slot, session = make_slot(["a", "b"], lambda a, b, new_a, new_b: (new_a, new_b))
    state: dict[str, Any] = {"a": [], "b": {}}
    slot.set_inputs([state["b"], "x", state["a"]], state)
    assert slot.input_keys == {0: "b", 2: "a"}
    new_a, new_b = ["A"], {"B": 1}
    session.mailbox.put_outputs(AdditionalOutputs(new_a, new_b))
    slot.drain(state)
    latest = session.handler.latest_args
    assert latest[1] is new_b and latest[2] == "x" and latest[3] is new_a


@pytest.mark.parametrize(
    ("value", "replacement"),
    [("alice", "bob"), (5, 6), (None, "set"), ((1, 2), (3, 4))],
    ids=["str", "int", "None", "tuple"],
)
def test_an_immutable_input_is_not_bound_even_when_identical(
    make_slot: Any, value: Any, replacement: Any
) -> None:
    slot, session = make_slot(["name"])
    state: dict[str, Any] = {"name": value}
    assert state["name"] is value  # the same object: identity alone would bind it
    slot.set_inputs([state["name"]], state)
    assert slot.input_keys == {}
    slot.push_inputs()
    session.mailbox.put_outputs(AdditionalOutputs(replacement))
    assert slot.drain(state) == 1
    assert state["name"] == replacement  # the output was applied...
    assert session.handler.latest_args == [WEBRTC_VALUE, value]  # ...the input kept its value
    assert slot.inputs == [value]


def test_an_equal_copy_does_not_follow_the_key(make_slot: Any) -> None:
    slot, session = make_slot(["chatbot"])
    state: dict[str, Any] = {"chatbot": ["old"]}
    copy = list(state["chatbot"])
    slot.set_inputs([copy], state)
    assert slot.input_keys == {}
    slot.push_inputs()
    session.mailbox.put_outputs(AdditionalOutputs(["new"]))
    slot.drain(state)
    assert state["chatbot"] == ["new"]
    assert session.handler.latest_args[1] is copy


def test_a_drain_without_outputs_pushes_nothing(make_slot: Any) -> None:
    slot, session = make_slot(["chatbot"])
    state: dict[str, Any] = {"chatbot": []}
    slot.set_inputs([state["chatbot"]], state)
    slot.push_inputs()
    before = session.handler.latest_args
    state["chatbot"] = ["changed by the page"]  # not an output: the next full run passes it
    assert slot.drain(state) == 0
    assert session.handler.latest_args == before


def test_three_spoken_turns_each_get_the_history_the_page_holds(make_slot: Any) -> None:
    """ReplyOnPause fed three utterances by hand; the "live view" drains between turns.

    The handler is driven without a connection, so the test queues what it
    emits in the session's mailbox, as the session's output does.
    """
    seen: list[int] = []

    def reply(audio: tuple[int, np.ndarray], chatbot: list[dict[str, str]]) -> Iterator[Any]:
        earlier = len(chatbot) // 2
        seen.append(earlier)
        yield AdditionalOutputs(
            [
                *chatbot,
                {"role": "user", "content": f"turn {earlier + 1}"},
                {"role": "assistant", "content": f"I have seen {earlier} earlier turns"},
            ]
        )

    slot, session = make_slot(["chatbot"], newest, reply)
    state: dict[str, Any] = {"chatbot": []}
    slot.set_inputs([state["chatbot"]], state)  # the one full run, before START
    slot.push_inputs()

    rate, samples = read_wav(THREE_TURNS, mono=True, sample_rate=48000)
    handler = session.handler
    frame = rate // 50
    silence = np.zeros(rate * 2, dtype=np.int16)  # let the last pause be heard
    audio = np.concatenate([samples, silence])
    for start in range(0, audio.size - frame + 1, frame):
        handler.receive((rate, audio[start : start + frame].reshape(1, -1)))
        while (out := handler.emit()) is not None:
            # What the session's output does with a reply's outputs: queue them for the page.
            if isinstance(out, AdditionalOutputs):
                session.mailbox.put_outputs(out)
        slot.drain(state)  # what the live view does when the stream has news

    assert seen == [0, 1, 2]
    assert [m["content"] for m in state["chatbot"] if m["role"] == "assistant"] == [
        "I have seen 0 earlier turns",
        "I have seen 1 earlier turns",
        "I have seen 2 earlier turns",
    ]
