"""Limits shared across replicas through a real redis-server (started by these tests on 127.0.0.1).

Each "replica" is a :class:`SharedConcurrencyRegistry` of its own (its own
client, heartbeat thread and per-process mirror), as in separate server
processes.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import socket
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from streamlit_rtc.session.concurrency import ConcurrencyRegistry
from streamlit_rtc.session.shared_registry import (
    REDIS_LEASE_ENV,
    REDIS_URL_ENV,
    SharedConcurrencyRegistry,
    make_registry,
    redact_url,
)

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
LOGGER_NAME = "streamlit_rtc.session.shared_registry"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _pong(port: int) -> bool:
    with (
        contextlib.suppress(OSError),
        socket.create_connection(("127.0.0.1", port), timeout=0.5) as sock,
    ):
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")
    return False


def wait_until(condition: Callable[[], bool], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.05)
    raise AssertionError(f"not within {timeout}s: {what}")


class RedisServer:
    """One redis-server child on 127.0.0.1 (no persistence); stop() is idempotent."""

    def __init__(self, port: int, folder: Path) -> None:
        self.port = port
        self.folder = folder
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> RedisServer:
        if not Path(REDIS_SERVER).exists():
            pytest.fail("redis-server is not installed: run scripts/bootstrap.sh")
        self.proc = subprocess.Popen(
            [
                REDIS_SERVER,
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        wait_until(lambda: _pong(self.port), 10, "redis-server answers PING")
        return self

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)


@pytest.fixture
def redis_factory(tmp_path: Path) -> Iterator[Callable[[int | None], RedisServer]]:
    servers: list[RedisServer] = []

    def make(port: int | None = None) -> RedisServer:
        server = RedisServer(port or _free_port(), tmp_path)
        servers.append(server)
        return server

    try:
        yield make
    finally:
        for server in servers:
            server.stop()


@pytest.fixture
def redis_server(redis_factory: Callable[[int | None], RedisServer]) -> RedisServer:
    return redis_factory(None).start()


@pytest.fixture
def replicas() -> Iterator[Callable[..., SharedConcurrencyRegistry]]:
    """Factory of registries (one per pretend replica); all closed at the end."""
    made: list[SharedConcurrencyRegistry] = []

    def make(url: str, **options: object) -> SharedConcurrencyRegistry:
        options.setdefault("retry_s", 0.3)
        registry = SharedConcurrencyRegistry(url, **options)  # type: ignore[arg-type]
        made.append(registry)
        return registry

    try:
        yield make
    finally:
        for registry in made:
            registry.close(release=False)


def test_concurrency_limit_and_server_cap_hold_across_replicas(
    redis_server: RedisServer, replicas: Callable[..., SharedConcurrencyRegistry]
) -> None:
    a = replicas(redis_server.url, server_limit=3)
    b = replicas(redis_server.url, server_limit=3)
    assert a.shared and b.shared
    assert a.admit("talk", "alice", limit=1) is None
    assert b.admit("talk", "bob", limit=1) == "stream"  # on the other replica
    assert b.count("talk") == 1 and a.holds("talk", "alice") and not b.holds("talk", "bob")
    assert b.admit("other", "bob", limit=None) is None
    assert a.admit("third", "carol", limit=None) is None
    assert b.admit("fourth", "dave", limit=None) == "server"  # 3 live sessions in all
    assert a.total() == b.total() == 3
    a.release("talk", "alice")  # seen at once by the other replica
    assert b.count("talk") == 0
    assert b.admit("talk", "bob", limit=1) is None
    assert b.activate("talk", "bob", limit=1)
    assert not a.activate("talk", "erin", limit=1)


def test_the_same_holder_keeps_one_place_on_reconnect(
    redis_server: RedisServer, replicas: Callable[..., SharedConcurrencyRegistry]
) -> None:
    a = replicas(redis_server.url)
    b = replicas(redis_server.url)
    for _ in range(3):
        assert a.admit("talk", "alice", limit=1) is None
        assert a.activate("talk", "alice", limit=1)
    assert a.reserve("talk", "alice", limit=1)  # reserving again (a reconnect) keeps it
    assert b.admit("talk", "alice", limit=1) is None  # the same holder, seen from elsewhere
    assert a.count("talk") == 1 and a.total() == 1
    # A re-reservation never shortens an active place's lease.
    assert b.admit("talk", "bob", limit=1) == "stream"


def test_a_replica_that_stops_renewing_loses_its_places_after_the_lease(
    redis_server: RedisServer, replicas: Callable[..., SharedConcurrencyRegistry]
) -> None:
    dying = replicas(redis_server.url, lease_s=2.0, heartbeat_s=0.3)
    other = replicas(redis_server.url, lease_s=2.0, heartbeat_s=0.3)
    assert dying.admit("talk", "alice", limit=1) is None
    assert dying.activate("talk", "alice", limit=1)
    # The heartbeat keeps an active place past its lease while the replica lives.
    started = time.monotonic()
    while time.monotonic() - started < 3.0:
        assert other.admit("talk", "bob", limit=1) == "stream"
        time.sleep(0.1)
    dying.close(release=False)  # the replica dies: no release, no heartbeat
    assert other.count("talk") == 1  # not released...
    wait_until(lambda: other.count("talk") == 0, 6, "the dead replica's place expired")
    assert other.admit("talk", "bob", limit=1) is None


def test_a_reservation_that_never_connects_expires_everywhere(
    redis_server: RedisServer, replicas: Callable[..., SharedConcurrencyRegistry]
) -> None:
    a = replicas(redis_server.url, connect_timeout_s=2.0)
    b = replicas(redis_server.url, connect_timeout_s=2.0)
    assert a.admit("talk", "phantom", limit=1) is None
    assert b.admit("talk", "bob", limit=1) == "stream"
    wait_until(lambda: b.admit("talk", "bob", limit=1) is None, 10, "the phantom expired")
    assert b.count("talk") == 1


def _race(
    regs: list[SharedConcurrencyRegistry],
    key_of: Callable[[int], str],
    limit: int | None,
    n: int = 40,
) -> list[int]:
    """``n`` threads over the replicas ask for a place at once; the indexes that got one."""
    granted: list[int] = []
    lock = threading.Lock()
    barrier = threading.Barrier(n)

    def ask(index: int) -> None:
        reg, key, holder = regs[index % len(regs)], key_of(index), f"h{index}"
        barrier.wait()
        if reg.admit(key, holder, limit) is None and reg.activate(key, holder, limit):
            with lock:
                granted.append(index)

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(n)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return granted


def test_concurrent_reservations_from_many_replicas_never_exceed_the_limits(
    redis_server: RedisServer, replicas: Callable[..., SharedConcurrencyRegistry]
) -> None:
    regs = [replicas(redis_server.url, server_limit=10) for _ in range(4)]
    assert len(_race(regs, lambda i: "talk", limit=3)) == 3  # concurrency_limit=3
    assert regs[1].count("talk") == 3
    # Every one on a key of its own: the cap of 10 live sessions (3 taken) is what binds.
    assert len(_race(regs, lambda i: f"solo-{i}", limit=1)) == 7
    assert regs[2].total() == 10


def test_redis_unavailable_at_start_falls_back_to_this_process_then_shares_again(
    redis_factory: Callable[[int | None], RedisServer],
    replicas: Callable[..., SharedConcurrencyRegistry],
    caplog: pytest.LogCaptureFixture,
) -> None:
    later = redis_factory(None)  # its port is closed for now
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    a = replicas(later.url, heartbeat_s=0.1)
    assert not a.shared
    # Per-process limits meanwhile, and nothing raises.
    assert a.admit("talk", "alice", limit=1) is None
    assert a.activate("talk", "alice", limit=1)
    assert a.admit("talk", "bob", limit=1) == "stream"
    assert a.total() == 1 and a.count("talk") == 1
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]
    assert "unavailable" in warnings[0].getMessage()
    assert "this server process only" in warnings[0].getMessage()

    later.start()
    wait_until(lambda: a.shared, 10, "the registry uses Redis again")
    b = replicas(later.url)
    assert b.count("talk") == 1  # alice's live place was written back
    assert b.admit("talk", "bob", limit=1) == "stream"
    assert any("answers again" in r.getMessage() for r in caplog.records)


def test_redis_lost_mid_run_logs_once_and_keeps_per_process_limits(
    redis_factory: Callable[[int | None], RedisServer],
    replicas: Callable[..., SharedConcurrencyRegistry],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = redis_factory(None).start()
    a = replicas(server.url, heartbeat_s=0.1)
    assert a.admit("talk", "alice", limit=2) is None and a.activate("talk", "alice", limit=2)
    caplog.set_level(logging.INFO, logger=LOGGER_NAME)
    server.stop()
    for i in range(20):  # many calls while Redis is away: one warning, no exception
        a.admit("other", f"x{i}", limit=None)
        a.total()
    assert not a.shared
    assert a.admit("talk", "bob", limit=2) is None  # alice + bob: this process's view
    assert a.admit("talk", "carol", limit=2) == "stream"
    a.release("talk", "bob")
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1, [r.getMessage() for r in warnings]

    restarted = RedisServer(server.port, server.folder).start()
    try:
        wait_until(lambda: a.shared, 10, "the registry uses Redis again")
        b = replicas(server.url)
        wait_until(lambda: b.holds("talk", "alice"), 5, "alice's place is back in Redis")
        assert b.admit("talk", "bob", limit=1) == "stream"
    finally:
        restarted.stop()


def test_the_password_of_the_redis_url_is_never_logged(
    replicas: Callable[..., SharedConcurrencyRegistry], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    url = f"redis://user:hunter2-secret@127.0.0.1:{_free_port()}/0"
    registry = replicas(url)
    assert not registry.shared
    assert "hunter2-secret" not in caplog.text
    assert "user:***@127.0.0.1" in caplog.text
    assert redact_url("redis://127.0.0.1:6379/0") == "redis://127.0.0.1:6379/0"


def test_make_registry_picks_redis_only_when_a_url_is_set(redis_server: RedisServer) -> None:
    local = make_registry(server_limit=4, environ={})
    assert type(local) is ConcurrencyRegistry and local.server_limit == 4
    shared = make_registry(
        server_limit=4, environ={REDIS_URL_ENV: redis_server.url, REDIS_LEASE_ENV: "2.5"}
    )
    try:
        assert isinstance(shared, SharedConcurrencyRegistry)
        assert shared.server_limit == 4 and shared.lease_s == 2.5 and shared.shared
        assert shared.process_limit is not None and shared.process_limit <= 4
    finally:
        shared.close()
    by_argument = make_registry(redis_url=redis_server.url, environ={})
    try:
        assert isinstance(by_argument, SharedConcurrencyRegistry)
    finally:
        by_argument.close()
    with pytest.raises(ValueError, match=REDIS_LEASE_ENV):
        make_registry(environ={REDIS_URL_ENV: redis_server.url, REDIS_LEASE_ENV: "soon"})
    with pytest.raises(ValueError, match=REDIS_URL_ENV):
        make_registry(environ={REDIS_URL_ENV: "http://127.0.0.1:6379"})


def test_each_replica_keeps_its_own_cap_shared_or_not(
    redis_factory: Callable[[int | None], RedisServer],
    replicas: Callable[..., SharedConcurrencyRegistry],
) -> None:
    server = redis_factory(None).start()
    a = replicas(server.url, server_limit=10, process_limit=2)
    b = replicas(server.url, server_limit=10, process_limit=2)
    assert a.admit("k1", "h1", None) is None and a.admit("k2", "h2", None) is None
    assert a.admit("k3", "h3", None) == "server"  # this replica is full...
    assert not a.activate("k3", "h3", None)
    assert a.admit("k1", "h1", None) is None  # ...but its holders keep their places
    assert b.admit("k3", "h3", None) is None  # the deployment is not
    assert a.local_count() == 2 and b.local_count() == 1 and a.total() == 3
    server.stop()  # Redis away: the replica's own cap still holds
    assert a.admit("k4", "h4", None) == "server"
    assert b.admit("k4", "h4", None) is None
    assert b.admit("k5", "h5", None) == "server"


def test_the_per_replica_cap_comes_from_the_environment_or_the_cores() -> None:
    from streamlit_rtc.session.concurrency import server_session_cap
    from streamlit_rtc.session.shared_registry import PER_REPLICA_ENV, replica_session_cap

    cores_cap = server_session_cap(environ={})
    assert replica_session_cap({}, server_limit=10_000) == cores_cap
    assert replica_session_cap({}, server_limit=3) == min(3, cores_cap)
    assert replica_session_cap({}, server_limit=None) is None  # every cap turned off
    assert replica_session_cap({PER_REPLICA_ENV: "40"}, server_limit=10) == 40
    assert replica_session_cap({PER_REPLICA_ENV: "none"}, server_limit=10) is None
    with pytest.raises(ValueError, match=PER_REPLICA_ENV):
        replica_session_cap({PER_REPLICA_ENV: "0"}, server_limit=10)
