"""fastrtc's ``Warning`` and ``get_current_context``, with a real connection context."""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from streamlit_rtc import utils
from streamlit_rtc.core.context import Connection, Context, current_connection
from streamlit_rtc.core.messages import Warning


@pytest.fixture
def posted() -> Iterator[list[tuple[str, Any]]]:
    """Run the test as handler code of connection ``conn-1``; collect what it posts."""
    calls: list[tuple[str, Any]] = []
    connection = Connection(
        Context("conn-1"), post=lambda kind, payload: calls.append((kind, payload))
    )
    token = current_connection.set(connection)
    try:
        yield calls
    finally:
        current_connection.reset(token)


def test_warning_inside_handler_code_posts_to_its_page(posted: list[tuple[str, Any]]) -> None:
    assert Warning("Speak louder") is None
    Warning()
    assert posted == [("warning", "Speak louder"), ("warning", "Warning issued.")]


def test_get_current_context_inside_handler_code(posted: list[tuple[str, Any]]) -> None:
    context = utils.get_current_context()
    assert context == Context("conn-1")
    assert context.webrtc_id == "conn-1"
    assert context.websocket is None


def test_handler_context_reaches_async_tasks(posted: list[tuple[str, Any]]) -> None:
    async def reply() -> str:
        Warning("from a task")
        return utils.get_current_context().webrtc_id

    assert asyncio.run(reply()) == "conn-1"
    assert posted == [("warning", "from a task")]


def test_warning_outside_handler_code_is_logged(caplog: pytest.LogCaptureFixture) -> None:
    assert current_connection.get() is None
    with caplog.at_level(logging.WARNING):
        assert Warning("nobody to show this to") is None
    assert "nobody to show this to" in caplog.text
    assert [r.levelno for r in caplog.records] == [logging.WARNING]


def test_get_current_context_outside_handler_code_raises() -> None:
    with pytest.raises(RuntimeError, match="No context found"):
        utils.get_current_context()


def test_connections_do_not_see_each_other() -> None:
    seen: dict[str, list[tuple[str, Any]]] = {"a": [], "b": []}

    def handler_code(name: str) -> str:
        connection = Connection(Context(name), post=lambda k, p: seen[name].append((k, p)))
        current_connection.set(connection)
        Warning(f"for {name}")
        return utils.get_current_context().webrtc_id

    assert contextvars.copy_context().run(handler_code, "a") == "a"
    assert contextvars.copy_context().run(handler_code, "b") == "b"
    assert seen == {"a": [("warning", "for a")], "b": [("warning", "for b")]}
    assert current_connection.get() is None


def test_warning_needs_a_string(posted: list[tuple[str, Any]]) -> None:
    with pytest.raises(TypeError, match="str"):
        Warning(42)  # type: ignore[arg-type]
    assert posted == []
