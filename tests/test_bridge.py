"""The one bridge that runs user code: naming, sync/async, concurrency with start_up, cleanup."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest

from streamlit_rtc import WebRTCError, get_current_context
from streamlit_rtc.core.bridge import CodeBridge, UserCodeError, user_message
from streamlit_rtc.core.context import Connection, Context, current_connection


def wait_until(condition, timeout: float = 5.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@pytest.fixture
def bridge():  # type: ignore[no-untyped-def]
    b = CodeBridge("test", Connection(Context("conn-1")))
    yield b
    assert b.close() == []


def test_sync_and_async_calls_return_their_value(bridge: CodeBridge) -> None:
    async def double(x: int) -> int:
        await asyncio.sleep(0)
        return 2 * x

    assert bridge.call("Handler.f()", lambda x: x + 1, 1) == 2
    assert bridge.call("Handler.g()", double, 21) == 42


def test_an_exception_names_the_method_and_the_exception(bridge: CodeBridge) -> None:
    def broken() -> None:
        raise KeyError("missing")

    with pytest.raises(UserCodeError) as info:
        bridge.call("GeminiHandler.receive()", broken)
    assert info.value.method == "GeminiHandler.receive()"
    assert user_message(info.value) == "GeminiHandler.receive() raised KeyError: 'missing'"


def test_a_webrtc_error_is_shown_as_written(bridge: CodeBridge) -> None:
    def refuse() -> None:
        raise WebRTCError("Please enter an API key")

    with pytest.raises(UserCodeError) as info:
        bridge.call("H.start_up()", refuse)
    assert info.value.user_message == "Please enter an API key"


def test_async_code_shares_one_private_loop_that_is_not_the_callers(bridge: CodeBridge) -> None:
    async def which_loop() -> asyncio.AbstractEventLoop:
        return asyncio.get_running_loop()

    first = bridge.call("a()", which_loop)
    second = bridge.call("b()", which_loop)
    assert first is second is bridge.loop
    assert bridge.call("c()", lambda: threading.current_thread().name) == "MainThread"


def test_async_start_up_runs_next_to_the_stream_and_is_cancelled_at_close() -> None:
    bridge = CodeBridge("realtime", Connection(Context("c")))
    running, cancelled = threading.Event(), threading.Event()

    async def session_loop() -> None:  # a realtime API's `async for event in conn`
        running.set()
        try:
            await asyncio.sleep(3600)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    errors: list[UserCodeError] = []
    bridge.start_concurrently("H.start_up()", session_loop, errors.append)
    assert running.wait(5)
    assert bridge.call("H.receive()", lambda: "still answering") == "still answering"
    assert bridge.close() == []
    assert cancelled.is_set() and errors == []


@pytest.mark.parametrize("kind", ["sync", "async"])
@pytest.mark.parametrize("delay", [0.0, 0.3])
def test_start_up_errors_reach_on_error_named(kind: str, delay: float) -> None:
    bridge = CodeBridge("s")

    def sync_start() -> None:
        time.sleep(delay)
        raise RuntimeError("no session")

    async def async_start() -> None:
        await asyncio.sleep(delay)
        raise RuntimeError("no session")

    errors: list[UserCodeError] = []
    fn = sync_start if kind == "sync" else async_start
    bridge.start_concurrently("Realtime.start_up()", fn, errors.append)
    assert wait_until(lambda: bool(errors))
    assert errors[0].user_message == "Realtime.start_up() raised RuntimeError: no session"
    assert bridge.close() == []


def test_tasks_user_code_started_itself_are_cancelled_without_warnings(
    caplog: pytest.LogCaptureFixture,
) -> None:
    bridge = CodeBridge("t")
    finished = threading.Event()
    started: list[asyncio.Task[None]] = []

    async def start_background() -> None:
        async def forever() -> None:
            try:
                await asyncio.sleep(3600)
            finally:
                finished.set()

        started.append(asyncio.create_task(forever()))

    bridge.call("H.start_up()", start_background)
    assert bridge.close() == []
    assert finished.is_set()
    assert "Task was destroyed" not in caplog.text


def test_code_that_never_returns_is_tracked_and_named_at_close() -> None:
    bridge = CodeBridge("stuck")
    release = threading.Event()

    def blocking_receive() -> None:
        release.wait(10)

    bridge.thread("input", lambda: bridge.call("Slow.receive()", blocking_receive))
    assert wait_until(lambda: bridge.stuck("Slow.receive()", 0.2) is not None)
    assert bridge.close(timeout=0.3) == ["Slow.receive()"]
    release.set()


def test_the_connection_is_current_only_inside_user_code(bridge: CodeBridge) -> None:
    assert current_connection.get() is None
    assert bridge.call("f()", lambda: get_current_context().webrtc_id) == "conn-1"

    async def async_id() -> str:
        return get_current_context().webrtc_id

    assert bridge.call("g()", async_id) == "conn-1"
    assert current_connection.get() is None
    with pytest.raises(RuntimeError):
        get_current_context()


def test_steps_runs_sync_and_async_generators_and_closes_them(bridge: CodeBridge) -> None:
    closed: list[str] = []

    def sync_gen():  # type: ignore[no-untyped-def]
        try:
            yield 1
            yield 2
        finally:
            closed.append("sync")

    async def async_gen():  # type: ignore[no-untyped-def]
        try:
            yield 1
            await asyncio.sleep(0)
            yield 2
        finally:
            closed.append("async")

    for produced in (sync_gen(), async_gen()):
        steps = bridge.steps("reply()", produced)
        assert steps.step() == 1
        steps.close()
    assert closed == ["sync", "async"]

    steps = bridge.steps("reply()", async_gen())
    assert [steps.step(), steps.step()] == [1, 2]
    with pytest.raises(StopIteration):
        steps.step()


def test_an_exception_inside_a_generator_names_it(bridge: CodeBridge) -> None:
    async def failing():  # type: ignore[no-untyped-def]
        yield 1
        raise ValueError("model down")

    steps = bridge.steps("ReplyOnPause reply function respond()", failing())
    steps.step()
    with pytest.raises(UserCodeError, match=r"respond\(\) raised ValueError: model down"):
        steps.step()
