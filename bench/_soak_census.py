"""The aiortc soak's figures of this process: resources, tasks and live objects.

Threads (count and names), OS threads, open fds, asyncio tasks on the media
loop, the shared relay's entries, RSS (after ``gc.collect()`` and
``malloc_trim(0)``; the untrimmed figure next to it) and live objects of the
classes in :data:`WATCHED` (``gc``), plus every gc-tracked type counted, so
a report can say which types grew.
"""

from __future__ import annotations

import collections
import gc
import os
import threading
import time
from collections.abc import Callable, Collection
from typing import Any

from aiortc.mediastreams import MediaStreamTrack

from bench._proc_cpu import group_name
from bench._soak_client import MediaLoop
from bench._soak_proc import fd_kinds, malloc_trim, proc_figures, types_grown
from streamlit_rtc.core.handler import StreamHandlerBase

WATCHED = (
    "AudioStreamSession",
    "VideoStreamSession",
    "ServerPeer",
    "WebRtcWorker",
    "RTCPeerConnection",
    "RTCDtlsTransport",
    "RTCIceTransport",
    "RTCSctpTransport",
    "RTCRtpReceiver",
    "RTCRtpSender",
    "HandlerWorkers",
    "CodeBridge",
    "StatusFeed",
    "StatusChannel",
    "SessionMailbox",
    "AudioOutput",
    "MediaRelay",
)
"""Classes whose live instances must be gone once every cycle ended (plus tracks, handlers)."""

BACK_KEYS = ("threads", "os_threads", "fds", "tasks", "relay_entries")


def live_objects(exclude: Collection[int] = ()) -> tuple[dict[str, int], dict[str, int]]:
    """Live instances of :data:`WATCHED`, tracks and handlers not in ``exclude`` (by id);
    and every gc-tracked object counted by type (for the types that grew)."""
    gc.collect()
    counts = dict.fromkeys((*WATCHED, "MediaStreamTrack", "handlers"), 0)
    types: collections.Counter[str] = collections.Counter()
    for obj in gc.get_objects():
        # type() and __mro__, never isinstance(): an ABC's isinstance() caches a
        # weakref per type it has seen, which the next census would count as growth.
        cls = type(obj)
        name = cls.__name__
        types[f"{cls.__module__}.{cls.__qualname__}"] += 1
        if name in WATCHED:
            counts[name] += 1
        mro = cls.__mro__
        if MediaStreamTrack in mro:
            counts["MediaStreamTrack"] += 1
        elif StreamHandlerBase in mro and id(obj) not in exclude:
            counts["handlers"] += 1
    return counts, dict(types)


def self_figures(media: MediaLoop | None, exclude: Collection[int]) -> dict[str, Any]:
    """Everything measured in this process (gc + malloc_trim first)."""
    raw = proc_figures()["rss_mb"]
    gc.collect()
    malloc_trim()
    figures = proc_figures()
    names = collections.Counter(group_name(t.name) for t in threading.enumerate())
    tasks = media.tasks() if media is not None else []
    objects, types = live_objects(exclude)
    return {
        "threads": threading.active_count(),
        "os_threads": figures["os_threads"],
        "fds": figures["fds"],
        "fd_kinds": fd_kinds(os.getpid()),
        "tasks": len(tasks),
        "relay_entries": media.relay_entries() if media is not None else 0,
        "rss_mb": figures["rss_mb"],
        "rss_untrimmed_mb": raw,
        "thread_names": dict(sorted(names.items())),
        "task_names": dict(collections.Counter(tasks)),
        "objects": objects,
        "types": types,
    }


def leaked_objects(baseline: dict[str, Any], end: dict[str, Any]) -> dict[str, int]:
    """Watched objects alive at the end beyond those alive at the baseline."""
    before, after = baseline.get("objects", {}), end.get("objects", {})
    return {k: n - before.get(k, 0) for k, n in after.items() if n > before.get(k, 0)}


def object_types_grown(baseline: dict[str, Any], end: dict[str, Any]) -> dict[str, int]:
    """The gc-tracked types whose instance count grew most since the baseline."""
    return types_grown(baseline.get("types", {}), end.get("types", {}))


def figures_back(baseline: dict[str, Any], now: dict[str, Any]) -> bool:
    """Counts and live watched objects at most the baseline's."""
    if any(now.get(k, 0) > baseline.get(k, 0) for k in BACK_KEYS):
        return False
    return not leaked_objects(baseline, now)


def settle(
    measure: Callable[[], dict[str, Any]], baseline: dict[str, Any], timeout: float
) -> dict[str, Any]:
    """Measure until the figures are back to ``baseline`` (or ``timeout``); the last figures."""
    deadline = time.monotonic() + timeout
    while True:
        now = measure()
        if figures_back(baseline, now) or time.monotonic() >= deadline:
            return now
        time.sleep(0.5)
