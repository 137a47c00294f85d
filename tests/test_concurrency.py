"""concurrency_limit bookkeeping: places per key, phantom reservations expire."""

from __future__ import annotations

import threading

import pytest

from streamlit_rtc.session.concurrency import (
    CAP_HEADROOM,
    CORE_PER_SESSION,
    MAX_SESSIONS_ENV,
    ConcurrencyRegistry,
    server_session_cap,
)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_the_limit_is_per_key_and_released_places_are_reused() -> None:
    reg = ConcurrencyRegistry()
    assert reg.reserve("chat", "a", limit=2)
    assert reg.reserve("chat", "b", limit=2)
    assert not reg.reserve("chat", "c", limit=2)
    assert reg.reserve("other", "c", limit=2)  # another stream key counts apart
    assert reg.reserve("chat", "a", limit=2)  # a holder keeps its place
    reg.release("chat", "a")
    assert reg.reserve("chat", "c", limit=2)
    assert reg.count("chat") == 2


def test_no_limit_counts_but_never_refuses() -> None:
    reg = ConcurrencyRegistry()
    for i in range(50):
        assert reg.reserve("k", str(i), limit=None)
    assert reg.count("k") == 50


def test_a_reservation_that_never_connects_stops_counting() -> None:
    clock = Clock()
    reg = ConcurrencyRegistry(connect_timeout_s=10, clock=clock)
    assert reg.reserve("k", "phantom", limit=1)
    assert not reg.reserve("k", "late", limit=1)
    clock.now = 10.5
    assert reg.reserve("k", "late", limit=1)
    assert not reg.holds("k", "phantom")


def test_active_places_do_not_expire() -> None:
    clock = Clock()
    reg = ConcurrencyRegistry(connect_timeout_s=10, clock=clock)
    reg.reserve("k", "live", limit=1)
    assert reg.activate("k", "live", limit=1)
    clock.now = 1000
    assert not reg.reserve("k", "other", limit=1)


def test_activate_without_reservation_respects_the_limit() -> None:
    reg = ConcurrencyRegistry()
    assert reg.activate("k", "a", limit=1)
    assert not reg.activate("k", "b", limit=1)


def test_concurrent_reservations_never_exceed_the_limit() -> None:
    reg = ConcurrencyRegistry()
    won: list[str] = []
    lock = threading.Lock()

    def grab(name: str) -> None:
        if reg.reserve("k", name, limit=3):
            with lock:
                won.append(name)

    threads = [threading.Thread(target=grab, args=(str(i),)) for i in range(40)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(won) == 3 and reg.count("k") == 3


# -- the server-wide cap (admission control) ------------------------------------------


def test_the_server_cap_counts_every_stream_key() -> None:
    registry = ConcurrencyRegistry(server_limit=2)
    assert registry.admit("echo", "a", None) is None
    assert registry.admit("chat", "b", 5) is None
    assert registry.admit("video", "c", None) == "server"
    assert registry.admit("echo", "a", None) is None  # a holder keeps its place
    registry.release("chat", "b")
    assert registry.admit("video", "c", None) is None
    assert registry.total() == 2


def test_the_stream_limit_is_reported_before_the_server_cap() -> None:
    registry = ConcurrencyRegistry(server_limit=1)
    assert registry.admit("echo", "a", 1) is None
    assert registry.admit("echo", "b", 1) == "stream"
    assert registry.admit("chat", "b", 1) == "server"


def test_a_session_that_starts_late_still_respects_the_server_cap() -> None:
    now = [0.0]
    registry = ConcurrencyRegistry(connect_timeout_s=5, clock=lambda: now[0], server_limit=1)
    assert registry.reserve("echo", "a", None)
    now[0] = 10.0  # a's reservation expired (never connected); b took the place
    assert registry.reserve("chat", "b", None)
    assert not registry.activate("echo", "a", None)


DEFAULT_ON_TWO_CORES = int(2 * CAP_HEADROOM / CORE_PER_SESSION)


@pytest.mark.parametrize(
    ("value", "cap"),
    [("3", 3), (" 12 ", 12), ("none", None), ("None", None), ("", DEFAULT_ON_TWO_CORES)],
)
def test_the_cap_comes_from_the_environment(value: str, cap: int | None) -> None:
    assert server_session_cap({MAX_SESSIONS_ENV: value}, cores=2) == cap


@pytest.mark.parametrize("value", ["0", "-1", "two", "1.5"])
def test_a_bad_cap_in_the_environment_names_the_variable(value: str) -> None:
    with pytest.raises(ValueError, match=MAX_SESSIONS_ENV):
        server_session_cap({MAX_SESSIONS_ENV: value}, cores=2)


def test_the_default_cap_follows_the_cores_and_the_measured_cost() -> None:
    assert server_session_cap({}, cores=2) == int(2 * CAP_HEADROOM / CORE_PER_SESSION)
    assert server_session_cap({}, cores=16) > server_session_cap({}, cores=2)  # type: ignore[operator]
