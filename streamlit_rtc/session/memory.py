"""Give the memory that ended sessions freed back to the operating system (glibc only).

Every session starts worker threads, and aiortc, PyAV and numpy allocate in
them. glibc's malloc gives threads their own *arenas* (up to 8 per core) and
keeps what a thread frees cached in its arena instead of returning it: a
server's RSS climbs over many connect/disconnect cycles although nothing
leaks (``bench/soak.py``: +18 MB, up to +45 MB, over 200 cycles; no object
type grows). Two remedies, both best effort and silent where they do not
apply (musl, macOS, Windows: the functions do nothing):

* :func:`release_freed_memory`: ``malloc_trim(0)`` (every arena since glibc
  2.8), called by a session once its worker threads are joined
  (:meth:`..lifecycle.SessionLifecycle.stop`), never on an event loop
  thread (it walks every arena: a millisecond or more), at most once every
  :data:`TRIM_INTERVAL_S` per process.
* :func:`limit_malloc_arenas`: ``mallopt(M_ARENA_MAX, 2)``, once, when
  :mod:`.lifecycle` is imported (before sessions, models and the media loop
  start threads). Trimming alone only returns whole free
  pages; pages that still hold one live allocation stay, and with an arena
  per thread (16 on 2 cores, 256 on 32) those remnants are spread over many
  arenas. With two arenas, threads reuse the same heaps and the soak's RSS
  stays flat. The cost: the setting is process-wide, so it also applies to
  the application's own threads (models, numpy, the Streamlit server);
  threads that allocate at the same moment share an arena's lock.
  glibc's per-thread cache (tcache) serves most small allocations without
  that lock, and CPU-heavy native libraries (onnxruntime, torch) mostly use
  their own allocators, so in practice the contention is small; Heroku and
  others recommend ``MALLOC_ARENA_MAX=2`` for the same reason. It is skipped
  when the operator chose already (``MALLOC_ARENA_MAX`` or a
  ``glibc.malloc.arena_max`` tunable in the environment) and can be turned
  off with ``STREAMLIT_RTC_MALLOC_ARENA_MAX=0`` (any other number sets the
  limit). Arenas that exist already stay in use (the limit only stops new
  ones), and glibc fixes the limit for good once a process holds more than
  8 arenas: called later (e.g. at the first session, after models and the
  media loop started threads), it may no longer bound anything. Best effort.

The state here (a timestamp, a lock, a flag) is per process on purpose: it
guards a process-wide resource (the C heap) and holds no session data, so
sessions of different users only share "when was the heap last trimmed".
"""

from __future__ import annotations

import asyncio
import ctypes
import ctypes.util
import logging
import os
import threading
import time
from typing import Any

__all__ = [
    "ARENA_MAX_ENV",
    "DEFAULT_ARENA_MAX",
    "TRIM_INTERVAL_S",
    "limit_malloc_arenas",
    "release_freed_memory",
]

logger = logging.getLogger(__name__)

TRIM_INTERVAL_S = 5.0
"""At most one ``malloc_trim`` per this many seconds per process (sessions end in bursts)."""
ARENA_MAX_ENV = "STREAMLIT_RTC_MALLOC_ARENA_MAX"
DEFAULT_ARENA_MAX = 2
"""Arenas when neither the operator nor ``STREAMLIT_RTC_MALLOC_ARENA_MAX`` says otherwise."""
_M_ARENA_MAX = -8  # <malloc.h>

_UNRESOLVED: Any = object()
_libc: Any = _UNRESOLVED
_resolve_lock = threading.Lock()
_trim_lock = threading.Lock()
_last_trim = float("-inf")
_arenas_done = False


def _glibc() -> Any:
    """The process's C library when it is glibc (else None); resolved once, never raises."""
    global _libc
    if _libc is not _UNRESOLVED:
        return _libc
    with _resolve_lock:
        if _libc is _UNRESOLVED:
            _libc = _load_glibc()
    return _libc


def _load_glibc() -> Any:
    try:
        if not os.confstr("CS_GNU_LIBC_VERSION"):  # musl: ValueError/OSError; Windows: no confstr
            return None
    except (AttributeError, ValueError, OSError):
        return None
    candidates: list[str | None] = [None]  # the symbols already loaded into this process
    found = ctypes.util.find_library("c")
    if found:
        candidates.append(found)
    for name in candidates:
        try:
            lib = ctypes.CDLL(name)
            trim, mallopt = lib.malloc_trim, lib.mallopt
        except (OSError, AttributeError):
            continue
        trim.argtypes, trim.restype = [ctypes.c_size_t], ctypes.c_int
        mallopt.argtypes, mallopt.restype = [ctypes.c_int, ctypes.c_int], ctypes.c_int
        return lib
    return None


def _rss_bytes() -> int | None:
    """Resident set size from ``/proc/self/statm`` (None where there is none)."""
    try:
        with open("/proc/self/statm", "rb") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError, AttributeError):
        return None


def _on_event_loop() -> bool:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return False
    return True


def release_freed_memory() -> bool:
    """Return freed C-heap memory to the OS (``malloc_trim(0)``); True if it ran.

    Does nothing (False) without glibc, on a thread running an event loop,
    within :data:`TRIM_INTERVAL_S` of the last trim, or while another thread
    trims. Never raises. Logs what it released at debug level.
    """
    global _last_trim
    try:
        libc = _glibc()
        if libc is None or _on_event_loop():
            return False
        if not _trim_lock.acquire(blocking=False):
            return False  # another thread is trimming right now
        try:
            now = time.monotonic()
            if now - _last_trim < TRIM_INTERVAL_S:
                return False
            _last_trim = now
            debug = logger.isEnabledFor(logging.DEBUG)
            before = _rss_bytes() if debug else None
            libc.malloc_trim(0)
            if debug:
                after = _rss_bytes()
                took_ms = (time.monotonic() - now) * 1000
                if before is not None and after is not None:
                    logger.debug(
                        "malloc_trim: RSS %.1f -> %.1f MB (%.1f ms)",
                        before / 2**20,
                        after / 2**20,
                        took_ms,
                    )
            return True
        finally:
            _trim_lock.release()
    except Exception:  # memory housekeeping must never break a stop
        logger.debug("malloc_trim failed", exc_info=True)
        return False


def _arena_max_wanted() -> int | None:
    """The arena limit to set, or None (the operator chose, or turned it off)."""
    if "MALLOC_ARENA_MAX" in os.environ:
        return None
    if "glibc.malloc.arena_max" in os.environ.get("GLIBC_TUNABLES", ""):
        return None
    raw = os.environ.get(ARENA_MAX_ENV, "").strip()
    if not raw:
        return DEFAULT_ARENA_MAX
    try:
        wanted = int(raw)
    except ValueError:
        logger.warning("%s=%r is not a number: malloc arenas left alone", ARENA_MAX_ENV, raw)
        return None
    return wanted if wanted > 0 else None


def limit_malloc_arenas() -> bool:
    """Cap glibc's malloc arenas (``mallopt(M_ARENA_MAX, n)``) once per process; True if set.

    See the module docstring for why and what it costs. Does nothing without
    glibc, when ``MALLOC_ARENA_MAX``/``GLIBC_TUNABLES`` set it already, or
    with ``STREAMLIT_RTC_MALLOC_ARENA_MAX=0``. Never raises.
    """
    global _arenas_done
    if _arenas_done:
        return False
    _arenas_done = True
    try:
        wanted = _arena_max_wanted()
        libc = _glibc() if wanted is not None else None
        if libc is None:
            return False
        done = bool(libc.mallopt(_M_ARENA_MAX, wanted))
        logger.debug("mallopt(M_ARENA_MAX, %d): %s", wanted, "set" if done else "refused")
        return done
    except Exception:  # best effort, never breaks a start
        logger.debug("mallopt(M_ARENA_MAX) failed", exc_info=True)
        return False
