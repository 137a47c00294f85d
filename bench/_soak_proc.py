"""The soak's resource figures of a process, from ``/proc``, and the helpers around them.

Threads (count and names), open file descriptors (count and kinds), RSS;
``malloc_trim`` and the arena limit for this process; waiting on a
condition; the summaries, growths and differences the reports print.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import gc
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

import numpy as np

from bench._proc_cpu import group_name


def proc_figures(pid: int | str = "self") -> dict[str, Any]:
    """OS threads, open fds and RSS (MB) of a process, from /proc."""
    base = f"/proc/{pid}"
    rss_kb = 0
    with open(f"{base}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
    return {
        "os_threads": len(os.listdir(f"{base}/task")),
        "fds": len(os.listdir(f"{base}/fd")),
        "rss_mb": round(rss_kb / 1024, 2),
    }


def thread_names(pid: int) -> dict[str, int]:
    """Threads of a process by name (``comm``; digits grouped as N)."""
    names: collections.Counter[str] = collections.Counter()
    with contextlib.suppress(OSError):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with contextlib.suppress(OSError), open(f"/proc/{pid}/task/{tid}/comm") as f:
                names[group_name(f.read().strip())] += 1
    return dict(sorted(names.items()))


def fd_kinds(pid: int) -> dict[str, int]:
    """Open fds of a process by kind: udp, tcp, unix, eventpoll, eventfd, pipe, file, other."""
    inodes: dict[str, str] = {}
    for proto in ("udp", "udp6", "tcp", "tcp6", "unix"):
        with contextlib.suppress(OSError), open(f"/proc/{pid}/net/{proto}") as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                inode = parts[6] if proto == "unix" else parts[9]
                inodes[inode] = proto.rstrip("6")
    kinds: collections.Counter[str] = collections.Counter()
    with contextlib.suppress(OSError):
        for fd in os.listdir(f"/proc/{pid}/fd"):
            try:
                target = os.readlink(f"/proc/{pid}/fd/{fd}")
            except OSError:
                continue
            if target.startswith("socket:["):
                kinds[inodes.get(target[8:-1], "socket")] += 1
            elif target.startswith("anon_inode:"):
                kinds[target[11:].strip("[]")] += 1
            elif target.startswith("pipe:"):
                kinds["pipe"] += 1
            elif target.startswith("/"):
                kinds["file"] += 1
            else:
                kinds["other"] += 1
    return dict(sorted(kinds.items()))


def malloc_trim() -> None:
    """glibc ``malloc_trim(0)`` in this process (nothing elsewhere)."""
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL("libc.so.6").malloc_trim(0)


def trimmed_rss() -> float:
    """RSS (MB) of this process after ``gc.collect()`` and ``malloc_trim(0)``."""
    gc.collect()
    malloc_trim()
    return float(proc_figures()["rss_mb"])


def set_malloc_arena_max(arenas: int) -> bool:
    """glibc ``mallopt(M_ARENA_MAX, arenas)`` for this process (before threads allocate)."""
    m_arena_max = -8
    try:
        return bool(ctypes.CDLL("libc.so.6").mallopt(m_arena_max, arenas))
    except (OSError, AttributeError):
        return False


def wait_for(condition: Callable[[], bool], timeout: float, interval: float = 0.05) -> bool:
    """Poll ``condition`` until true or ``timeout`` (True if met)."""
    deadline = time.monotonic() + timeout
    while True:
        if condition():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def summary(values: list[float]) -> dict[str, float] | None:
    """n, median and max of ``values`` (None when there are none)."""
    if not values:
        return None
    return {
        "n": len(values),
        "median": round(statistics.median(values), 3),
        "max": round(max(values), 3),
    }


def slope(samples: list[tuple[int, float]]) -> float | None:
    """Least-squares RSS slope (MB per 100 cycles) over the second half of ``samples``."""
    half = samples[len(samples) // 2 :]
    if len(half) < 2 or half[-1][0] == half[0][0]:
        return None
    x = np.array([c for c, _ in half], float)
    y = np.array([r for _, r in half], float)
    return round(float(np.polyfit(x, y, 1)[0]) * 100, 2)


GROWTH_KEYS = ("threads", "os_threads", "fds", "tasks", "relay_entries", "rss_mb")


def growth(baseline: dict[str, Any], end: dict[str, Any]) -> dict[str, Any]:
    """``end - baseline`` of the counts and RSS both have."""
    out = {k: round(end[k] - baseline[k], 2) for k in GROWTH_KEYS if k in baseline and k in end}
    if "rss_untrimmed_mb" in baseline:
        out["rss_untrimmed_mb"] = round(end["rss_untrimmed_mb"] - baseline["rss_untrimmed_mb"], 2)
    return out


def name_diff(baseline: dict[str, int], end: dict[str, int]) -> dict[str, int]:
    """Counts by name that differ (``end - baseline``)."""
    keys = set(baseline) | set(end)
    return {
        k: end.get(k, 0) - baseline.get(k, 0)
        for k in sorted(keys)
        if end.get(k, 0) != baseline.get(k, 0)
    }


def types_grown(before: dict[str, int], after: dict[str, int], top: int = 12) -> dict[str, int]:
    """The types whose instance count grew most from ``before`` to ``after``."""
    grown = [(n - before.get(k, 0), k) for k, n in after.items() if n > before.get(k, 0)]
    return {k: d for d, k in sorted(grown, reverse=True)[:top]}


def failure(cycle: Any) -> dict[str, Any]:
    """A failed cycle as the reports list it (``kind`` only where the cycle has one)."""
    out: dict[str, Any] = {"cycle": cycle.index}
    if getattr(cycle, "kind", None) is not None:
        out["kind"] = cycle.kind
    out["style"] = cycle.style
    out["reason"] = cycle.error
    return out
