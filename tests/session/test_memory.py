"""Freed C-heap memory back to the OS: glibc's malloc_trim and arena cap, bounded and safe."""

from __future__ import annotations

import asyncio
import ctypes
import os
import subprocess
import sys
import threading
import time
from typing import Any

import pytest

from streamlit_rtc.session import lifecycle, memory
from streamlit_rtc.session.lifecycle import SessionLifecycle
from streamlit_rtc.session.modes import Mode


class FakeLibc:
    """Stands in for glibc: counts the calls."""

    def __init__(self, fail: bool = False) -> None:
        self.trims: list[int] = []
        self.mallopts: list[tuple[int, int]] = []
        self.fail = fail

    def malloc_trim(self, pad: int) -> int:
        if self.fail:
            raise OSError("boom")
        time.sleep(0.01)  # long enough for concurrent callers to overlap
        self.trims.append(pad)
        return 1

    def mallopt(self, param: int, value: int) -> int:
        if self.fail:
            raise OSError("boom")
        self.mallopts.append((param, value))
        return 1


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> None:
    """Process-wide state as in a fresh process; glibc unresolved, no arena choice made."""
    monkeypatch.setattr(memory, "_libc", memory._UNRESOLVED)
    monkeypatch.setattr(memory, "_last_trim", float("-inf"))
    monkeypatch.setattr(memory, "_arenas_done", False)
    for name in ("MALLOC_ARENA_MAX", "GLIBC_TUNABLES", memory.ARENA_MAX_ENV):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def fake(fresh: None, monkeypatch: pytest.MonkeyPatch) -> FakeLibc:
    libc = FakeLibc()
    monkeypatch.setattr(memory, "_libc", libc)
    return libc


def test_real_trim_runs_where_glibc_is_and_never_raises(fresh: None) -> None:
    glibc = bool(getattr(os, "confstr", None) and _confstr_glibc())
    assert memory.release_freed_memory() is glibc
    assert (memory._glibc() is not None) is glibc
    assert memory.release_freed_memory() is False  # rate-limited


def _confstr_glibc() -> str:
    try:
        return os.confstr("CS_GNU_LIBC_VERSION") or ""
    except (ValueError, OSError):
        return ""


def test_at_most_one_trim_per_interval(fake: FakeLibc, monkeypatch: pytest.MonkeyPatch) -> None:
    assert memory.release_freed_memory() is True
    assert [memory.release_freed_memory() for _ in range(5)] == [False] * 5
    assert fake.trims == [0]
    # The interval passed: the next stop trims again.
    monkeypatch.setattr(memory, "_last_trim", time.monotonic() - memory.TRIM_INTERVAL_S - 0.1)
    assert memory.release_freed_memory() is True
    assert fake.trims == [0, 0]


def test_sessions_ending_together_trim_once(fake: FakeLibc) -> None:
    start = threading.Barrier(8)
    results: list[bool] = []

    def stop() -> None:
        start.wait()
        results.append(memory.release_freed_memory())

    threads = [threading.Thread(target=stop) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(5)
    assert sorted(results) == [False] * 7 + [True]
    assert fake.trims == [0]


def test_never_on_an_event_loop_thread(fake: FakeLibc) -> None:
    async def on_loop() -> bool:
        return memory.release_freed_memory()

    assert asyncio.run(on_loop()) is False
    assert fake.trims == []
    assert memory.release_freed_memory() is True  # the interval was not used up


def test_a_failing_trim_does_not_raise(fresh: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory, "_libc", FakeLibc(fail=True))
    assert memory.release_freed_memory() is False
    assert memory.limit_malloc_arenas() is False


@pytest.mark.parametrize("platform", ["musl", "windows", "no_symbols"])
def test_a_no_op_without_glibc(
    fresh: None, monkeypatch: pytest.MonkeyPatch, platform: str, caplog: Any
) -> None:
    loaded: list[Any] = []
    if platform == "musl":  # confstr exists but knows no glibc version
        monkeypatch.setattr(os, "confstr", _raises(ValueError("unrecognized configuration name")))
    elif platform == "windows":  # no confstr at all
        monkeypatch.delattr(os, "confstr", raising=False)
    else:  # says glibc, but the library has no malloc_trim/mallopt
        monkeypatch.setattr(os, "confstr", lambda name: "glibc 2.36")
    real = ctypes.CDLL
    monkeypatch.setattr(
        ctypes,
        "CDLL",
        lambda name: loaded.append(name) or (object() if platform == "no_symbols" else real(name)),
    )
    assert memory.release_freed_memory() is False
    assert memory.limit_malloc_arenas() is False
    assert memory._glibc() is None
    if platform != "no_symbols":
        assert loaded == []  # not even looked for
    else:
        assert loaded  # looked for, once: the answer is kept
        tries = len(loaded)
        memory._glibc()
        assert len(loaded) == tries


def _raises(exc: BaseException) -> Any:
    def f(*_: Any) -> Any:
        raise exc

    return f


def test_arena_cap_is_set_once(fake: FakeLibc) -> None:
    assert memory.limit_malloc_arenas() is True
    assert memory.limit_malloc_arenas() is False
    assert fake.mallopts == [(memory._M_ARENA_MAX, memory.DEFAULT_ARENA_MAX)]


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({"MALLOC_ARENA_MAX": "4"}, []),  # the operator chose
        ({"GLIBC_TUNABLES": "glibc.malloc.arena_max=3"}, []),
        ({memory.ARENA_MAX_ENV: "0"}, []),  # turned off
        ({memory.ARENA_MAX_ENV: "nope"}, []),
        ({memory.ARENA_MAX_ENV: "4"}, [(memory._M_ARENA_MAX, 4)]),
        ({"GLIBC_TUNABLES": "glibc.malloc.tcache_count=0"}, [(memory._M_ARENA_MAX, 2)]),
    ],
)
def test_arena_cap_respects_the_operator(
    fake: FakeLibc, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], expected: list[Any]
) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    assert memory.limit_malloc_arenas() is bool(expected)
    assert fake.mallopts == expected


class RecordingSession(SessionLifecycle):
    def __init__(self, events: list[str]) -> None:
        self.events = events
        super().__init__(Mode.SEND_RECEIVE, None, None, "test", self._stopped_cb, None, "busy")

    def _stopped_cb(self, _: Any) -> None:
        self.events.append("on_stopped")

    def _start_work(self) -> None:
        self.events.append("start_work")

    def _stop_work(self) -> None:
        self.events.append("threads_joined")


def test_a_session_trims_after_its_threads_are_joined(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    events: list[str] = []
    monkeypatch.setattr(lifecycle, "release_freed_memory", lambda: events.append("trim"))
    session = RecordingSession(events)
    session.ensure_started()
    session.stop(None)
    session.stop(None)  # idempotent: no second trim
    assert events == ["start_work", "threads_joined", "on_stopped", "trim"]


ARENA_PROBE = """
import ctypes, os, sys, tempfile, threading
import streamlit_rtc.session.lifecycle  # sets the cap, as a server importing the library does

def arenas():  # glibc's malloc_stats() prints "Arena N:" for each arena to stderr
    with tempfile.TemporaryFile() as tmp:
        saved = os.dup(2)
        os.dup2(tmp.fileno(), 2)
        try:
            ctypes.CDLL(None).malloc_stats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        tmp.seek(0)
        return tmp.read().decode().count("Arena ")

together = threading.Barrier(13)
kept = []
def work():
    kept.append(bytearray(100_000))  # malloc in this thread's arena
    together.wait()
    together.wait()
threads = [threading.Thread(target=work) for _ in range(12)]
for t in threads:
    t.start()
together.wait()
print(arenas())
together.wait()
"""


@pytest.mark.skipif(not _confstr_glibc(), reason="glibc only")
@pytest.mark.parametrize(("setting", "most"), [("", 2), ("0", None)])
def test_importing_the_sessions_caps_arenas_for_threads_started_later(
    setting: str, most: int | None
) -> None:
    """12 threads allocating at once share 2 arenas, not one each (16 on 2 cores by default)."""
    env = {k: v for k, v in os.environ.items() if k not in ("MALLOC_ARENA_MAX", "GLIBC_TUNABLES")}
    env[memory.ARENA_MAX_ENV] = setting
    out = subprocess.run(
        [sys.executable, "-c", ARENA_PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert out.returncode == 0, out.stderr[-2000:]
    arenas = int(out.stdout.split()[-1])
    if most is not None:
        assert arenas <= most
    else:  # turned off: glibc's default gives threads arenas of their own
        assert arenas > 2
