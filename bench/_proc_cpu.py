"""CPU seconds of processes and threads, read from ``/proc/<pid>/stat`` (user + system).

The benchmarks sample these before and after a measured window; this is the one
parser of the stat line they share (``comm`` may hold spaces and parentheses).
"""

from __future__ import annotations

import contextlib
import os
import re
import threading
from pathlib import Path

_TICK = 1.0 / os.sysconf("SC_CLK_TCK")
_DIGITS = re.compile(r"\d+")


def parse_stat(raw: str) -> tuple[str, list[str]]:
    """``(comm, fields after comm)`` of a stat line: [0] state, [1] ppid, [2] pgrp,
    [11] utime, [12] stime (clock ticks)."""
    return raw[raw.index("(") + 1 : raw.rindex(")")], raw[raw.rindex(")") + 2 :].split()


def _cpu_s(fields: list[str]) -> float:
    return (int(fields[11]) + int(fields[12])) * _TICK


def process_cpu_s(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (all its threads, dead ones included)."""
    with open(f"/proc/{pid}/stat") as f:
        return _cpu_s(parse_stat(f.read())[1])


def proc_table() -> dict[int, tuple[str, int, int, float]]:
    """pid -> (comm, ppid, pgrp, cpu seconds) for every readable process."""
    out: dict[int, tuple[str, int, int, float]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        comm, fields = parse_stat(raw)
        out[int(entry)] = (comm, int(fields[1]), int(fields[2]), _cpu_s(fields))
    return out


def descendants_cpu_s(comm_prefix: str) -> float:
    """CPU seconds of this process's descendants whose name starts with ``comm_prefix``."""
    table = proc_table()
    mine: set[int] = {os.getpid()}
    changed = True
    while changed:
        changed = False
        for pid, (_, ppid, _, _) in table.items():
            if ppid in mine and pid not in mine:
                mine.add(pid)
                changed = True
    return sum(
        cpu
        for pid, (comm, _, _, cpu) in table.items()
        if pid in mine and comm.startswith(comm_prefix)
    )


def group_cpu_s(pgid: int | None) -> float:
    """CPU seconds of a process group (e.g. a ``StreamlitServer``'s processes); 0 for None."""
    if pgid is None:
        return 0.0
    return sum(cpu for (_, _, pgrp, cpu) in proc_table().values() if pgrp == pgid)


def thread_cpu() -> dict[int, tuple[str, float]]:
    """CPU seconds (user + system) of every OS thread of this process, by tid."""
    names = {t.native_id: t.name for t in threading.enumerate() if t.native_id is not None}
    result: dict[int, tuple[str, float]] = {}
    for entry in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError, ValueError, IndexError):
            with open(f"/proc/self/task/{entry}/stat") as f:
                comm, fields = parse_stat(f.read())
            tid = int(entry)
            name = names.get(tid) or f"native:{comm}"
            result[tid] = (name, _cpu_s(fields))
    return result


def group_name(name: str) -> str:
    """A thread name with its numbers as ``N``: threads of one pool add up under one key."""
    return _DIGITS.sub("N", name)
