"""concurrency_limit bookkeeping: places per key, phantom reservations expire."""

from __future__ import annotations

import threading

from streamlit_rtc.session.concurrency import ConcurrencyRegistry


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
