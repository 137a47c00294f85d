"""Fixtures of the fastrtc-style tests: the browser harness on sys.path, asyncio leak checks."""

from __future__ import annotations

import gc
import logging
import sys
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parents[1]
# The real-browser harness lives with the browser tests (not a package).
sys.path.insert(0, str(TESTS / "browser"))

LEAK_MARKERS = ("Task was destroyed but it is pending", "was never awaited")


class AsyncHygiene:
    """What asyncio said about tasks and coroutines left behind (after a garbage collection)."""

    def __init__(self, caplog: pytest.LogCaptureFixture, caught: list[warnings.WarningMessage]):
        self._caplog = caplog
        self._caught = caught

    def leaks(self) -> list[str]:
        gc.collect()  # a pending task or unawaited coroutine speaks when it is collected
        logged = [r.getMessage() for r in self._caplog.records]
        warned = [str(w.message) for w in self._caught]
        return [m for m in [*logged, *warned] if any(k in m for k in LEAK_MARKERS)]


@pytest.fixture
def async_hygiene(caplog: pytest.LogCaptureFixture) -> Iterator[AsyncHygiene]:
    """Call ``.leaks()`` at the end of a test: destroyed pending tasks, never-awaited coroutines."""
    caplog.set_level(logging.WARNING)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield AsyncHygiene(caplog, caught)
