"""``concurrency_limit`` and the session cap across replicas: places kept in Redis.

:class:`SharedConcurrencyRegistry` has :class:`~.concurrency.ConcurrencyRegistry`'s
interface (``admit``, ``reserve``, ``activate``, ``release``, ``total``,
``count``, ``holds``, ``server_limit``) but counts the places of every server
process (replica) that shares one Redis, so ``concurrency_limit=1`` means one
live user of that stream key in the whole deployment, and ``server_limit``
(``STREAMLIT_RTC_MAX_SESSIONS``) caps the live sessions of all replicas
together. Each replica also keeps a cap of its own, ``process_limit``
(``STREAMLIT_RTC_MAX_SESSIONS_PER_REPLICA``, default: derived from its cores
as without Redis), so an uneven load balancer cannot overload one machine;
it is also what protects a replica while Redis is unreachable.

Places are members of Redis sorted sets scored by their expiry, changed by
one Lua script each (:mod:`.redis_scripts`), so concurrent reservations from
any number of replicas never exceed a limit. A reservation expires after
``connect_timeout_s`` unless media starts flowing; an active place expires
``lease_s`` after its replica last renewed it (:mod:`.heartbeat`), so the
places of a replica that died are free again a lease later. A holder that
reserves again keeps its one place. While Redis is unavailable the limits
count this process only (:mod:`.local_places`, :mod:`.redis_link`): one
warning in the log, nothing raises, and shared limits return with Redis.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from functools import partial
from typing import Any, TypeVar

from .concurrency import ConcurrencyRegistry, Refusal, server_session_cap
from .heartbeat import Heartbeat, renew_places
from .local_places import LocalPlaces
from .redis_link import RedisDown, RedisLink
from .redis_scripts import (
    ADMIT_SCRIPT,
    COUNT_SCRIPT,
    RENEW_SCRIPT,
    PlaceKeys,
    milliseconds,
    redact_url,
)

__all__ = [
    "DEFAULT_LEASE_S",
    "DEFAULT_PREFIX",
    "PER_REPLICA_ENV",
    "REDIS_LEASE_ENV",
    "REDIS_URL_ENV",
    "SharedConcurrencyRegistry",
    "make_registry",
    "redact_url",
    "replica_session_cap",
]

logger = logging.getLogger(__name__)

REDIS_URL_ENV = "STREAMLIT_RTC_REDIS_URL"
"""Set to ``redis://host:port/db`` to share limits across replicas (``make_registry``)."""
PER_REPLICA_ENV = "STREAMLIT_RTC_MAX_SESSIONS_PER_REPLICA"
"""With Redis: live sessions one replica takes at most (a number, or ``none``)."""
REDIS_LEASE_ENV = "STREAMLIT_RTC_REDIS_LEASE_S"
"""Seconds an active place outlives its replica's last heartbeat (default ``DEFAULT_LEASE_S``)."""
DEFAULT_LEASE_S = 15.0
DEFAULT_RETRY_S = 5.0
DEFAULT_PREFIX = "{streamlit-rtc}"

_T = TypeVar("_T")


class SharedConcurrencyRegistry(LocalPlaces):
    """Places per stream key counted in Redis, across every replica that shares it.

    The base class's state always mirrors this process's own places: it is
    what the heartbeat renews, what is written back when Redis returns, and
    the per-process registry used while Redis is unavailable.
    """

    def __init__(
        self,
        url: str,
        *,
        connect_timeout_s: float = 20.0,
        server_limit: int | None = None,
        process_limit: int | None = None,
        lease_s: float = DEFAULT_LEASE_S,
        heartbeat_s: float | None = None,
        retry_s: float = DEFAULT_RETRY_S,
        prefix: str = DEFAULT_PREFIX,
        socket_timeout_s: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        client: Any = None,
    ) -> None:
        super().__init__(
            connect_timeout_s=connect_timeout_s,
            clock=clock,
            server_limit=server_limit,
            process_limit=process_limit,
        )
        if lease_s <= 0:
            raise ValueError(f"lease_s must be positive, got {lease_s!r}")
        self.url = url
        self.lease_s = float(lease_s)
        self.heartbeat_s = float(heartbeat_s) if heartbeat_s else self.lease_s / 3
        self.retry_s = float(retry_s)
        self.prefix = prefix
        self.replica_id = uuid.uuid4().hex[:12]
        if client is None:
            client = _connect(url, socket_timeout_s)
        self._keys = PlaceKeys(prefix)
        self._link = RedisLink(client, url, self.retry_s)
        self._admit_script = client.register_script(ADMIT_SCRIPT)
        self._renew_script = client.register_script(RENEW_SCRIPT)
        self._count_script = client.register_script(COUNT_SCRIPT)
        self._sync_lock = threading.Lock()
        """Held while this process's places are written to Redis, and by ``release``."""
        self._heartbeat = Heartbeat(
            self._link,
            renew=self._sync,
            retry=self._check,
            interval_s=self.heartbeat_s,
            name=f"streamlit-rtc-redis-{self.replica_id}",
        )
        self._check()
        self._heartbeat.start()

    @property
    def shared(self) -> bool:
        """True while limits are counted in Redis (False: this process only, Redis is down)."""
        return self._link.up

    # -- the registry interface ----------------------------------------------

    def admit(self, key: str, holder: str, limit: int | None) -> Refusal | None:
        """Take (or keep) a place for ``holder`` in the whole deployment; None when taken."""
        if self._process_full(key, holder):
            return "server"

        def taken(result: str) -> Refusal | None:
            if result != "ok":
                return "server" if result == "server" else "stream"
            self._mirror(key, holder, active=False)
            return None

        local = partial(super().admit, key, holder, limit)
        return self._take(key, holder, limit, self.connect_timeout_s, "keep", local, taken)

    def activate(self, key: str, holder: str, limit: int | None) -> bool:
        """Media started flowing for ``holder``: its place lasts while this replica renews it."""
        if self._process_full(key, holder):
            return False

        def taken(result: str) -> bool:
            if result != "ok":
                return False
            self._mirror(key, holder, active=True)
            return True

        local = partial(super().activate, key, holder, limit)
        return self._take(key, holder, limit, self.lease_s, "set", local, taken)

    def release(self, key: str, holder: str) -> None:
        with self._sync_lock:
            super().release(key, holder)

            def remove() -> None:
                pipe = self._link.client.pipeline(transaction=True)
                pipe.zrem(self._keys.places(key), holder)
                pipe.zrem(self._keys.all, self._keys.member(key, holder))
                pipe.execute()

            # Redis away: not renewed any more, it expires there by itself.
            with contextlib.suppress(RedisDown):
                self._link.call(remove)

    def total(self) -> int:
        """Places taken across all stream keys and all replicas."""
        return self._run(self._count_script, [self._keys.all], [""], super().total, int)

    def count(self, key: str) -> int:
        local = partial(super().count, key)
        return self._run(self._count_script, [self._keys.places(key)], [""], local, int)

    def holds(self, key: str, holder: str) -> bool:
        local = partial(super().holds, key, holder)
        keys = [self._keys.places(key)]
        return self._run(self._count_script, keys, [holder], local, lambda found: bool(int(found)))

    def close(self, release: bool = True) -> None:
        """Stop the heartbeat; with ``release``, give this process's places back at once.

        ``release=False`` is what a dying replica does: its places expire
        ``lease_s`` later (tests use it to play a crash).
        """
        self._heartbeat.stop()
        if release:
            for key, holder, _ in self._own_places():
                self.release(key, holder)
        with contextlib.suppress(*self._link.errors):
            self._link.client.close()

    # -- Redis -----------------------------------------------------------------

    def _run(
        self,
        script: Any,
        keys: list[str],
        args: list[Any],
        local: Callable[[], _T],
        shared: Callable[[Any], _T],
    ) -> _T:
        """``shared(result)`` of one script run in Redis; ``local()`` while Redis is away."""
        try:
            result = self._link.call(lambda: script(keys=keys, args=args))
        except RedisDown:
            return local()
        return shared(result)

    def _take(
        self,
        key: str,
        holder: str,
        limit: int | None,
        ttl_s: float,
        mode: str,
        local: Callable[[], _T],
        taken: Callable[[str], _T],
    ) -> _T:
        """The admit script: a place for ``ttl_s`` (``keep``: a reservation; ``set``: active)."""
        args = [
            holder,
            self._keys.member(key, holder),
            -1 if limit is None else limit,
            -1 if self.server_limit is None else self.server_limit,
            milliseconds(ttl_s),
            mode,
        ]
        keys = [self._keys.places(key), self._keys.all]
        return self._run(self._admit_script, keys, args, local, taken)

    def _sync(self, initial: bool = False) -> None:
        """Renew this process's active places in Redis (and, on return, its reservations too)."""
        with self._sync_lock:
            places = self._own_places()
            renew_places(self._renew_script, self._keys, places, self.lease_s, initial=initial)

    def _check(self) -> None:
        """Ping Redis (at start and when a retry is due); write our places back when it returns."""
        self._link.check(partial(self._sync, initial=True))


def _connect(url: str, socket_timeout_s: float) -> Any:
    """A Redis client for ``url`` that fails fast (no retries) when Redis is away."""
    import redis
    from redis.backoff import NoBackoff
    from redis.retry import Retry

    try:
        return redis.Redis.from_url(
            url,
            socket_timeout=socket_timeout_s,
            socket_connect_timeout=socket_timeout_s,
            retry=Retry(NoBackoff(), 0),
            decode_responses=True,
        )
    except ValueError as exc:  # a malformed URL is a setting to fix, not an outage
        raise ValueError(f"{REDIS_URL_ENV}={redact_url(url)!r}: {exc}") from None


def replica_session_cap(
    environ: Mapping[str, str] = os.environ, server_limit: int | None = None
) -> int | None:
    """A replica's own cap when limits are shared: ``STREAMLIT_RTC_MAX_SESSIONS_PER_REPLICA``.

    Unset: what this machine's cores allow (the cap without Redis), and never
    more than the deployment-wide ``server_limit``; None when that is None
    (``STREAMLIT_RTC_MAX_SESSIONS=none`` turns every cap off).
    """
    raw = environ.get(PER_REPLICA_ENV, "").strip().lower()
    if raw:
        if raw in ("none", "unlimited", "off"):
            return None
        if not raw.isdigit() or int(raw) < 1:
            raise ValueError(
                f"{PER_REPLICA_ENV}={environ[PER_REPLICA_ENV]!r}: expected a positive whole "
                "number of live sessions per replica, or 'none' for no cap"
            )
        return int(raw)
    if server_limit is None:
        return None
    return min(server_limit, server_session_cap(environ={}))


def make_registry(
    server_limit: int | None = None,
    redis_url: str | None = None,
    environ: Mapping[str, str] = os.environ,
    **options: Any,
) -> ConcurrencyRegistry:
    """The registry for this server process: shared through Redis when a URL is configured.

    ``redis_url`` (else ``STREAMLIT_RTC_REDIS_URL``) selects
    :class:`SharedConcurrencyRegistry`, where ``server_limit`` counts all
    replicas together and each replica keeps :func:`replica_session_cap`;
    ``STREAMLIT_RTC_REDIS_LEASE_S`` sets its lease. Without a URL: the
    per-process :class:`ConcurrencyRegistry`, as before.
    """
    url = (redis_url or environ.get(REDIS_URL_ENV, "")).strip()
    if not url:
        return ConcurrencyRegistry(server_limit=server_limit)
    raw_lease = environ.get(REDIS_LEASE_ENV, "").strip()
    if raw_lease and "lease_s" not in options:
        try:
            lease = float(raw_lease)
        except ValueError:
            lease = -1.0
        if not lease > 0:
            raise ValueError(
                f"{REDIS_LEASE_ENV}={raw_lease!r}: expected a positive number of seconds"
            )
        options["lease_s"] = lease
    if "process_limit" not in options:
        options["process_limit"] = replica_session_cap(environ, server_limit)
    try:
        import redis  # noqa: F401
    except ImportError as exc:
        raise RuntimeError(
            f"{REDIS_URL_ENV} is set but the Redis client is not installed: "
            "pip install 'streamlit-rtc[redis]'"
        ) from exc
    registry = SharedConcurrencyRegistry(url, server_limit=server_limit, **options)
    if registry.shared:  # else the warning said it already
        logger.info(
            "streamlit-rtc: concurrency limits shared through Redis at %s (replica %s; "
            "session cap: %s in all, %s on this replica)",
            redact_url(url),
            registry.replica_id,
            "none" if server_limit is None else server_limit,
            "none" if registry.process_limit is None else registry.process_limit,
        )
    return registry
