"""What the browser soak reads inside the Streamlit server (run by :mod:`bench._soak_probe`).

* :func:`sessions`: Streamlit's browser sessions: connected, kept for a
  reconnect, and still held in memory. Streamlit 1.67 moves a closed tab's
  ``AppSession`` (with its ``st.session_state``, so our ``StreamSlot``) into
  its ``MemorySessionStorage``, a TTL cache of ``server.disconnectedSessionTTL``
  seconds (default 120) and at most 128 entries, without shutting it down.
  An expired entry no longer counts (``list_sessions()``) but stays in the
  cache until the cache's next write, i.e. the next disconnect; :func:`reap`
  does now what that write would do. A dropped ``AppSession`` shuts down when
  the garbage collector frees it (``__del__``).
* :func:`memory`: RSS before and after ``gc.collect()`` and ``malloc_trim(0)``,
  and where the heap is: glibc's bytes in use and free (``mallinfo2``),
  pymalloc's arenas, bytes in use and free. Growth that is free memory the
  allocators keep (fragmentation) is not a leak; growth in use is.
* :func:`census`: live objects of one connection's heavy classes and of
  Streamlit's per-session classes; :func:`types`: every gc-tracked type.
* :func:`retained`: what the sessions Streamlit keeps hold of ours, exclusively.

All of it reads Streamlit's private attributes (``Runtime._session_mgr``,
``_session_storage._cache``): a bench tool, written against 1.67.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import ctypes
import gc
import os
import re
import sys
import tempfile
from collections.abc import Callable
from typing import Any

SESSION_TYPES = ("AppSession", "ScriptRunner", "StreamSlot", "AudioStreamSession", "ServerPeer")
"""Streamlit's and our per-browser-session objects (a released session is one of these)."""
HEAVY_TYPES = (
    "WebRtcWorker",
    "RTCPeerConnection",
    "RTCRtpReceiver",
    "RTCRtpSender",
    "RTCDtlsTransport",
    "HandlerWorkers",
    "CodeBridge",
    "AudioOutput",
    "MicrophoneSink",
    "PacedAudioSourceTrack",
    "PushedVideoTrack",
    "RawVideoSink",
)
"""One connection's heavy objects: gone once its session stopped and its peer closed."""


def _runtime() -> Any:
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        raise RuntimeError("no Streamlit runtime")
    return Runtime.instance()


def _on_server_loop(fn: Callable[[], Any], timeout: float = 30.0) -> Any:
    """``fn()`` on Streamlit's event loop thread (its session manager's only thread)."""

    async def call() -> Any:
        return fn()

    loop = _runtime()._get_async_objs().eventloop
    return asyncio.run_coroutine_threadsafe(call(), loop).result(timeout)


def sessions() -> dict[str, Any]:
    """``active`` (a websocket attached), ``stored`` (kept for a reconnect and not expired:
    what ``list_sessions()`` counts besides the active ones), ``held`` (stored entries in
    memory, expired ones included), the TTL and the held sessions' ids."""

    def read() -> dict[str, Any]:
        manager = _runtime()._session_mgr
        storage = manager._session_storage
        return {
            "active": len(manager.list_active_sessions()),
            "stored": len(storage.list()),
            "held": len(storage._cache._data),
            "ttl_s": storage._cache.ttl,
            "held_ids": sorted(storage._cache._data),
        }

    result: dict[str, Any] = _on_server_loop(read)
    return result


def reap() -> dict[str, Any]:
    """Remove the expired stored sessions now, as Streamlit's next disconnect would."""

    def expire() -> int:
        return len(_runtime()._session_mgr._session_storage._cache.expire())

    return {"reaped": _on_server_loop(expire)}


def _rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return round(int(line.split()[1]) / 1024, 2)
    return 0.0


class _MallInfo2(ctypes.Structure):
    _fields_ = [
        (name, ctypes.c_size_t)
        for name in (
            "arena",
            "ordblks",
            "smblks",
            "hblks",
            "hblkhd",
            "usmblks",
            "fsmblks",
            "uordblks",
            "fordblks",
            "keepcost",
        )
    ]


def _mb(value: float) -> float:
    return round(value / 2**20, 2)


def _glibc_heap() -> dict[str, float]:
    """glibc's heap (``mallinfo2``, all arenas): bytes in use, free, and mmapped chunks."""
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.mallinfo2.restype = _MallInfo2
        info = libc.mallinfo2()
    except (OSError, AttributeError):
        return {}
    return {
        "in_use_mb": _mb(info.uordblks),
        "free_mb": _mb(info.fordblks),
        "mmapped_mb": _mb(info.hblkhd),
    }


_PYMALLOC = {
    "arenas": r"# arenas allocated current\s*=\s*([\d,]+)",
    "in_use_mb": r"# bytes in allocated blocks\s*=\s*([\d,]+)",
    "free_mb": r"# bytes in available blocks\s*=\s*([\d,]+)",
}


def _pymalloc() -> dict[str, float]:
    """pymalloc's arenas and bytes in use and free (``sys._debugmallocstats``, to fd 2)."""
    with tempfile.TemporaryFile() as out:
        saved = os.dup(2)
        try:
            sys.stderr.flush()
            os.dup2(out.fileno(), 2)
            sys._debugmallocstats()
        finally:
            os.dup2(saved, 2)
            os.close(saved)
        out.seek(0)
        text = out.read().decode(errors="replace")
    stats: dict[str, float] = {}
    for key, pattern in _PYMALLOC.items():
        match = re.search(pattern, text)
        if match:
            value = float(match.group(1).replace(",", ""))
            stats[key] = value if key == "arenas" else _mb(value)
    return stats


def memory() -> dict[str, Any]:
    """RSS as it is, then after ``gc.collect()`` and ``malloc_trim(0)``, and the heaps."""
    raw = _rss_mb()
    collected = gc.collect()
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    return {
        "rss_mb_raw": raw,
        "rss_mb": _rss_mb(),
        "gc_collected": collected,
        "glibc": _glibc_heap(),
        "pymalloc": _pymalloc(),
    }


def _module(cls: type) -> str:
    module = cls.__dict__.get("__module__") or getattr(cls, "__module__", "")
    return module if isinstance(module, str) else ""


def _type_name(cls: type) -> str:
    return f"{_module(cls)}.{getattr(cls, '__qualname__', cls.__name__)}"


def census() -> dict[str, Any]:
    """Live instances (after ``gc.collect()``) of :data:`SESSION_TYPES` and
    :data:`HEAVY_TYPES`, by class name."""
    gc.collect()
    names = (*SESSION_TYPES, *HEAVY_TYPES)
    counts = dict.fromkeys(names, 0)
    for obj in gc.get_objects():
        name = type(obj).__name__
        if name in counts:
            counts[name] += 1
    return {"counts": counts}


def types() -> dict[str, Any]:
    """Every gc-tracked object counted by type (after ``gc.collect()``)."""
    gc.collect()
    counts: collections.Counter[str] = collections.Counter()
    for obj in gc.get_objects():
        counts[_type_name(type(obj))] += 1
    return {"types": dict(counts)}


# -- what a retained session holds of ours ---------------------------------------------------

_SHARED = (type(sys), type)
"""Never walked into from a slot: modules and classes belong to everyone."""


def _walk(
    starts: list[Any],
    blocked: set[int],
    seen: set[int],
    stop: tuple[type, ...] = (),
    keep: bool = True,
) -> list[Any]:
    """Objects reachable from ``starts`` (``gc.get_referents``, and a numpy view's base,
    which numpy does not tell gc about), not through ``blocked`` ids nor ``stop`` types;
    adds their ids to ``seen`` and skips those already in it. Returns them if ``keep``."""
    found: list[Any] = []
    stack = list(starts)
    while stack:
        obj = stack.pop()
        oid = id(obj)
        if oid in seen or oid in blocked or isinstance(obj, stop):
            continue
        seen.add(oid)
        if keep:
            found.append(obj)
        stack.extend(gc.get_referents(obj))
        if type(obj).__name__ == "ndarray" and getattr(obj, "base", None) is not None:
            stack.append(obj.base)
    return found


def _size(obj: Any) -> int:
    """``sys.getsizeof``, or the bytes a buffer exposes when more (av planes)."""
    size = sys.getsizeof(obj, 0)
    if type(obj).__name__ != "ndarray":
        with contextlib.suppress(TypeError, ValueError, BufferError):
            size = max(size, memoryview(obj).nbytes)
    return size


def retained(top: int = 12) -> dict[str, Any]:
    """What the sessions Streamlit holds for a reconnect keep of ours, exclusively.

    The objects reachable from those sessions' ``StreamSlot`` objects and not
    from anything else (modules, the threads' stacks, other sessions), sized
    with ``sys.getsizeof`` (an array counts the data it owns, an av plane its
    buffer). Native memory behind an object (codec state, OpenSSL) is not
    seen: :data:`HEAVY_TYPES` among them say whether a peer connection,
    workers, buffers or tracks were kept. Walks the whole heap (seconds):
    call it when no connection is live.
    """
    from streamlit_rtc.streamlit.slot import StreamSlot

    ids = set(sessions()["held_ids"])
    gc.collect()
    slots = [
        o for o in gc.get_objects() if type(o) is StreamSlot and o.holder.split(":", 1)[0] in ids
    ]
    shared: set[int] = set()
    blocked = {id(s) for s in slots}
    blocked |= {id(blocked), id(shared)}  # the walk's own bookkeeping, on this frame
    roots: list[Any] = [sys.modules, *gc.garbage]
    for frame in sys._current_frames().values():
        while frame is not None:
            roots.append(frame)
            frame = frame.f_back
    _walk(roots, blocked, shared, keep=False)
    del roots
    exclusive = _walk(slots, set(), shared, _SHARED)
    sizes: collections.Counter[str] = collections.Counter()
    counts: collections.Counter[str] = collections.Counter()
    for obj in exclusive:
        name = _type_name(type(obj))
        sizes[name] += _size(obj)
        counts[name] += 1
    heavy = {k: n for k, n in counts.items() if k.rsplit(".", 1)[-1] in HEAVY_TYPES}
    stopped = sum(1 for s in slots if s.session is not None and s.session.stopped)
    released = sum(1 for s in slots if getattr(s.session, "released", False))
    del exclusive, shared
    total = sum(sizes.values())
    return {
        "sessions": len(ids),
        "slots": len(slots),
        "stopped_sessions": stopped,
        "released_sessions": released,
        "exclusive_kb": round(total / 1024, 1),
        "exclusive_kb_per_session": round(total / 1024 / len(slots), 1) if slots else None,
        "exclusive_objects": sum(counts.values()),
        "heavy_objects": heavy,
        "top_types_kb": {k: round(v / 1024, 1) for k, v in sizes.most_common(top)},
    }


COMMANDS: dict[str, Callable[..., dict[str, Any]]] = {
    "sessions": sessions,
    "reap": reap,
    "memory": memory,
    "census": census,
    "types": types,
    "retained": retained,
}
