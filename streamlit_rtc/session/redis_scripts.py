"""The Redis side of shared places: key layout, atomic Lua scripts, URL redaction, error types.

Every change to the places is one script, so concurrent reservations from
any number of replicas never exceed a limit; times come from Redis's own
clock (``TIME``), so replicas' clocks need not agree.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

__all__ = [
    "ADMIT_SCRIPT",
    "COUNT_SCRIPT",
    "RENEW_SCRIPT",
    "PlaceKeys",
    "milliseconds",
    "redact_url",
    "redis_errors",
]

_SEP = "\x1f"  # between stream key and holder in the all-keys set


@dataclass(frozen=True)
class PlaceKeys:
    """Names in Redis: one sorted set per stream key, one for all keys (the total).

    They share one hash tag (the prefix, ``{streamlit-rtc}``), so the scripts
    also work on a Redis Cluster shard.
    """

    prefix: str

    def places(self, key: str) -> str:
        """The set of ``key``'s places (member: the holder)."""
        return f"{self.prefix}:places:{key}"

    @property
    def all(self) -> str:
        """The set of every key's places (member: :meth:`member`)."""
        return f"{self.prefix}:all"

    @staticmethod
    def member(key: str, holder: str) -> str:
        """``holder``'s member in the all-keys set."""
        return f"{key}{_SEP}{holder}"


def milliseconds(seconds: float) -> int:
    """A time-to-live for the scripts: whole milliseconds, at least 1."""
    return max(1, round(seconds * 1000))


# Takes (or keeps) a place. KEYS: the key's set, the all-keys set.
# ARGV: holder, all-keys member, limit (-1: none), cap (-1: none), ttl ms,
# "keep" (a holder already in keeps the later of its expiry and now+ttl) or
# "set" (its expiry becomes now+ttl). Returns "ok", "stream" or "server".
ADMIT_SCRIPT = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
redis.call('ZREMRANGEBYSCORE', KEYS[2], '-inf', now)
local expires = now + tonumber(ARGV[5])
local current = redis.call('ZSCORE', KEYS[1], ARGV[1])
if not current then
  local limit = tonumber(ARGV[3])
  if limit >= 0 and redis.call('ZCARD', KEYS[1]) >= limit then return 'stream' end
  local cap = tonumber(ARGV[4])
  if cap >= 0 and redis.call('ZCARD', KEYS[2]) >= cap then return 'server' end
elseif ARGV[6] == 'keep' and tonumber(current) >= expires then
  return 'ok'
end
redis.call('ZADD', KEYS[1], expires, ARGV[1])
redis.call('ZADD', KEYS[2], expires, ARGV[2])
local ttl = tonumber(ARGV[5]) + 60000
for i = 1, 2 do
  if redis.call('PTTL', KEYS[i]) < ttl then redis.call('PEXPIRE', KEYS[i], ttl) end
end
return 'ok'
"""

# Renews (re-adds) places this replica holds. KEYS: the all-keys set, then one
# key set per place. ARGV: ttl ms, then holder and all-keys member per place.
RENEW_SCRIPT = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[1])
for i = 2, #KEYS do
  local j = (i - 2) * 2 + 2
  redis.call('ZADD', KEYS[i], now + ttl, ARGV[j])
  redis.call('ZADD', KEYS[1], now + ttl, ARGV[j + 1])
  if redis.call('PTTL', KEYS[i]) < ttl + 60000 then redis.call('PEXPIRE', KEYS[i], ttl + 60000) end
end
if redis.call('PTTL', KEYS[1]) < ttl + 60000 then redis.call('PEXPIRE', KEYS[1], ttl + 60000) end
return #KEYS - 1
"""

# Live places in one set (expired ones removed first). KEYS: the set.
COUNT_SCRIPT = """
if redis.replicate_commands then pcall(redis.replicate_commands) end
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if ARGV[1] and ARGV[1] ~= '' then
  if redis.call('ZSCORE', KEYS[1], ARGV[1]) then return 1 else return 0 end
end
return redis.call('ZCARD', KEYS[1])
"""


def redact_url(url: str) -> str:
    """``url`` without its password, for log lines."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "<unparsable Redis URL>"
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return urlunsplit((parts.scheme, f"{user}:***@{host}", parts.path, parts.query, ""))


def redis_errors() -> tuple[type[BaseException], ...]:
    import redis

    return (redis.exceptions.RedisError, OSError)
