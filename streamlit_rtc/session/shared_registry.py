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

How places are kept: one sorted set per stream key (member: the holder,
score: when the place expires, in Redis's clock) and one for all keys (the
total). Every change is one Lua script, so concurrent reservations from any
number of replicas never exceed a limit, and expired places are removed on
each read. A reservation expires after ``connect_timeout_s`` unless media
starts flowing; an active place expires ``lease_s`` after its replica last
renewed it, and each replica renews its active places every ``heartbeat_s``
from a thread of its own, so the places of a replica that died (killed,
crashed, lost its network) are free again ``lease_s`` later. A holder that
reserves again keeps its one place (members are unique).

Redis unavailable (at start or mid-run): one warning in the log, and the
limits count this process only (the base class, which always mirrors this
process's own places) until Redis answers again; the heartbeat thread tries
again every ``retry_s`` and, once Redis answers, writes this process's places
back and logs that shared limits are in force again. Nothing here raises
because Redis is down.

Keys share one hash tag (``{streamlit-rtc}:...``), so the scripts also work
on a Redis Cluster shard.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

from .concurrency import ConcurrencyRegistry, Refusal, server_session_cap
from .redis_scripts import ADMIT_SCRIPT, COUNT_SCRIPT, RENEW_SCRIPT, redact_url, redis_errors

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
_SEP = "\x1f"  # between stream key and holder in the all-keys set


class _Down(Exception):
    """Redis did not answer (the caller falls back to this process's own counts)."""


class SharedConcurrencyRegistry(ConcurrencyRegistry):
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
            connect_timeout_s=connect_timeout_s, clock=clock, server_limit=server_limit
        )
        if lease_s <= 0:
            raise ValueError(f"lease_s must be positive, got {lease_s!r}")
        self.process_limit = process_limit
        """Live sessions this process takes at most, whatever the others hold (None: no cap)."""
        self.url = url
        self.lease_s = float(lease_s)
        self.heartbeat_s = float(heartbeat_s) if heartbeat_s else self.lease_s / 3
        self.retry_s = float(retry_s)
        self.prefix = prefix
        self.replica_id = uuid.uuid4().hex[:12]
        self._where = redact_url(url)
        if client is None:
            import redis
            from redis.backoff import NoBackoff
            from redis.retry import Retry

            try:
                client = redis.Redis.from_url(
                    url,
                    socket_timeout=socket_timeout_s,
                    socket_connect_timeout=socket_timeout_s,
                    retry=Retry(NoBackoff(), 0),
                    decode_responses=True,
                )
            except ValueError as exc:  # a malformed URL is a setting to fix, not an outage
                raise ValueError(f"{REDIS_URL_ENV}={self._where!r}: {exc}") from None
        self._client = client
        self._admit_script = client.register_script(ADMIT_SCRIPT)
        self._renew_script = client.register_script(RENEW_SCRIPT)
        self._count_script = client.register_script(COUNT_SCRIPT)
        self._errors = redis_errors()
        self._state_lock = threading.Lock()
        self._sync_lock = threading.Lock()
        """Held while this process's places are written to Redis, and by ``release``."""
        self._up = True
        self._retry_at = 0.0
        self._stop = threading.Event()
        self._check_now()
        self._thread = threading.Thread(
            target=self._heartbeat, name=f"streamlit-rtc-redis-{self.replica_id}", daemon=True
        )
        self._thread.start()

    # -- state ---------------------------------------------------------------

    @property
    def shared(self) -> bool:
        """True while limits are counted in Redis (False: this process only, Redis is down)."""
        with self._state_lock:
            return self._up

    def _set_down(self, exc: BaseException) -> None:
        with self._state_lock:
            was_up = self._up
            self._up = False
            self._retry_at = time.monotonic() + self.retry_s
        if was_up:
            logger.warning(
                "Redis at %s is unavailable (%s: %s): concurrency_limit and the session cap "
                "now count this server process only, until Redis answers again (retried every "
                "%g s)",
                self._where,
                type(exc).__name__,
                self._scrub(str(exc)),
                self.retry_s,
            )

    def _scrub(self, text: str) -> str:
        try:
            password = urlsplit(self.url).password
        except ValueError:
            password = None
        return text.replace(password, "***") if password else text

    def _call(self, fn: Callable[[], Any]) -> Any:
        """Run one Redis operation; raises :class:`_Down` (and logs once) when Redis is away."""
        with self._state_lock:
            up = self._up
        if not up:
            raise _Down
        try:
            return fn()
        except self._errors as exc:
            self._set_down(exc)
            raise _Down from exc

    def _check_now(self) -> None:
        """Ping Redis (at start and when a retry is due); write our places back when it returns."""
        try:
            self._client.ping()
            self._sync(initial=True)
        except self._errors as exc:
            self._set_down(exc)
            return
        with self._state_lock:
            was_up, self._up = self._up, True
        if not was_up:
            logger.warning(
                "Redis at %s answers again: concurrency_limit and the session cap are shared "
                "across replicas again",
                self._where,
            )

    # -- keys ----------------------------------------------------------------

    def _key_set(self, key: str) -> str:
        return f"{self.prefix}:places:{key}"

    @property
    def _all_set(self) -> str:
        return f"{self.prefix}:all"

    @staticmethod
    def _member(key: str, holder: str) -> str:
        return f"{key}{_SEP}{holder}"

    @staticmethod
    def _ms(seconds: float) -> int:
        return max(1, round(seconds * 1000))

    # -- the registry interface ----------------------------------------------

    def _process_full(self, key: str, holder: str) -> bool:
        """A new holder would take this process past ``process_limit``.

        Checked before Redis is asked, so two simultaneous first requests in one
        process may overshoot by one: the cap protects the CPU, not a contract.
        """
        if self.process_limit is None:
            return False
        with self._lock:
            return holder not in self._expire(key) and self._total() >= self.process_limit

    def admit(self, key: str, holder: str, limit: int | None) -> Refusal | None:
        """Take (or keep) a place for ``holder`` in the whole deployment; None when taken."""
        if self._process_full(key, holder):
            return "server"
        try:
            result = self._call(
                lambda: self._admit_script(
                    keys=[self._key_set(key), self._all_set],
                    args=[
                        holder,
                        self._member(key, holder),
                        -1 if limit is None else limit,
                        -1 if self.server_limit is None else self.server_limit,
                        self._ms(self.connect_timeout_s),
                        "keep",
                    ],
                )
            )
        except _Down:
            return super().admit(key, holder, limit)
        if result != "ok":
            return "server" if result == "server" else "stream"
        self._mirror(key, holder, active=False)
        return None

    def activate(self, key: str, holder: str, limit: int | None) -> bool:
        """Media started flowing for ``holder``: its place lasts while this replica renews it."""
        if self._process_full(key, holder):
            return False
        try:
            result = self._call(
                lambda: self._admit_script(
                    keys=[self._key_set(key), self._all_set],
                    args=[
                        holder,
                        self._member(key, holder),
                        -1 if limit is None else limit,
                        -1 if self.server_limit is None else self.server_limit,
                        self._ms(self.lease_s),
                        "set",
                    ],
                )
            )
        except _Down:
            return super().activate(key, holder, limit)
        if result != "ok":
            return False
        self._mirror(key, holder, active=True)
        return True

    def release(self, key: str, holder: str) -> None:
        with self._sync_lock:
            super().release(key, holder)

            def remove() -> None:
                pipe = self._client.pipeline(transaction=True)
                pipe.zrem(self._key_set(key), holder)
                pipe.zrem(self._all_set, self._member(key, holder))
                pipe.execute()

            # Redis away: not renewed any more, it expires there by itself.
            with contextlib.suppress(_Down):
                self._call(remove)

    def total(self) -> int:
        """Places taken across all stream keys and all replicas."""
        try:
            return int(self._call(lambda: self._count_script(keys=[self._all_set], args=[""])))
        except _Down:
            return super().total()

    def count(self, key: str) -> int:
        try:
            return int(self._call(lambda: self._count_script(keys=[self._key_set(key)], args=[""])))
        except _Down:
            return super().count(key)

    def holds(self, key: str, holder: str) -> bool:
        try:
            found = self._call(lambda: self._count_script(keys=[self._key_set(key)], args=[holder]))
        except _Down:
            return super().holds(key, holder)
        return bool(int(found))

    def local_count(self) -> int:
        """Places held by this process (what the fallback counts)."""
        return super().total()

    def close(self, release: bool = True) -> None:
        """Stop the heartbeat; with ``release``, give this process's places back at once.

        ``release=False`` is what a dying replica does: its places expire
        ``lease_s`` later (tests use it to play a crash).
        """
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=self.heartbeat_s + 2)
        if release:
            for key, holder, _ in self._own_places():
                self.release(key, holder)
        with contextlib.suppress(*self._errors):
            self._client.close()

    # -- this process's places -----------------------------------------------

    def _mirror(self, key: str, holder: str, active: bool) -> None:
        """Record a place Redis granted in the base class's (per-process) state."""
        from .concurrency import _Entry

        with self._lock:
            places = self._places.setdefault(key, {})
            entry = places.get(holder)
            if entry is None:
                entry = places[holder] = _Entry(self._clock())
            if active:
                entry.active = True

    def _own_places(self) -> list[tuple[str, str, float | None]]:
        """(key, holder, seconds left or None when active) of every place this process holds."""
        with self._lock:
            now = self._clock()
            out: list[tuple[str, str, float | None]] = []
            for key in list(self._places):
                for holder, entry in self._expire(key).items():
                    left = (
                        None if entry.active else self.connect_timeout_s - (now - entry.reserved_at)
                    )
                    out.append((key, holder, left))
            return out

    def _sync(self, initial: bool = False) -> None:
        """Renew this process's active places in Redis (and, on return, its reservations too)."""
        with self._sync_lock:
            places = self._own_places()
            active = [(k, h) for k, h, left in places if left is None]
            waiting = [(k, h, left) for k, h, left in places if left is not None and left > 0]
            if active:
                keys = [self._all_set, *(self._key_set(k) for k, _ in active)]
                args: list[Any] = [self._ms(self.lease_s)]
                for key, holder in active:
                    args += [holder, self._member(key, holder)]
                self._renew_script(keys=keys, args=args)
            if initial:
                for key, holder, left in waiting:
                    self._renew_script(
                        keys=[self._all_set, self._key_set(key)],
                        args=[self._ms(left), holder, self._member(key, holder)],
                    )

    def _heartbeat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            with self._state_lock:
                up, retry_at = self._up, self._retry_at
            if up:
                try:
                    self._sync()
                except self._errors as exc:
                    self._set_down(exc)
                except Exception:  # never let the heartbeat die
                    logger.exception("streamlit-rtc: renewing places in Redis failed")
            elif time.monotonic() >= retry_at:
                try:
                    self._check_now()
                except Exception:
                    logger.exception("streamlit-rtc: checking Redis failed")


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
