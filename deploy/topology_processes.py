"""The topology's processes: each started in a process group of its own, recorded, and stopped.

:class:`ProcessGroups` spawns servers from a run directory, records each one in
``topology.json`` (pid and kernel start time, so a recycled pid is never
signalled), waits for it to be ready (the probes below) and ends its whole
process group. Standard library only.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from topology_configs import HOST

__all__ = [
    "STATE_FILE",
    "ProcessGroups",
    "TopologyError",
    "find_binary",
    "group_members",
    "http_ok",
    "redis_ok",
    "start_time",
    "stun_ok",
]

STATE_FILE = "topology.json"


class TopologyError(RuntimeError):
    """A server of the topology did not start (the message has its log's tail)."""


def find_binary(name: str) -> str:
    """The path of server binary ``name`` (also in the sbin folders a user's PATH may lack)."""
    found = shutil.which(name)
    if found:
        return found
    for folder in ("/usr/sbin", "/usr/bin", "/sbin"):
        candidate = Path(folder) / name
        if candidate.is_file() and os.access(candidate, os.X_OK):
            return str(candidate)
    raise TopologyError(
        f"{name} is not installed: run scripts/bootstrap.sh "
        "(apt-get install nginx coturn redis-server)"
    )


def start_time(pid: int) -> int | None:
    """The kernel's start time of ``pid`` (clock ticks since boot), None if it is gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = raw[raw.rindex(")") + 2 :].split()
    if fields[0] == "Z":  # a zombie is gone for our purposes
        return None
    return int(fields[19])


def group_members(pgid: int, not_before: int) -> list[int]:
    """Processes of process group ``pgid`` started at or after ``not_before``."""
    members = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError, ValueError, IndexError):
            raw = (entry / "stat").read_text()
            fields = raw[raw.rindex(")") + 2 :].split()
            if fields[0] != "Z" and int(fields[2]) == pgid and int(fields[19]) >= not_before:
                members.append(int(entry.name))
    return members


# -- readiness checks ----------------------------------------------------------


def http_ok(url: str, timeout: float = 1.0) -> bool:
    with (
        contextlib.suppress(OSError, urllib.error.URLError),
        urllib.request.urlopen(url, timeout=timeout) as resp,
    ):
        return resp.status == 200
    return False


def redis_ok(port: int, timeout: float = 0.5) -> bool:
    with (
        contextlib.suppress(OSError),
        socket.create_connection((HOST, port), timeout=timeout) as sock,
    ):
        sock.sendall(b"PING\r\n")
        return sock.recv(64).startswith(b"+PONG")
    return False


def stun_ok(port: int, timeout: float = 0.5) -> bool:
    """A STUN Binding request to the TURN server's port gets its success response."""
    transaction = secrets.token_bytes(12)
    request = struct.pack("!HHI", 0x0001, 0, 0x2112A442) + transaction
    with contextlib.suppress(OSError), socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(timeout)
        sock.sendto(request, (HOST, port))
        data, _ = sock.recvfrom(2048)
        return len(data) >= 20 and data[:2] == b"\x01\x01" and data[8:20] == transaction
    return False


class ProcessGroups:
    """Servers started from ``run_dir``, each in its own process group, recorded in its state."""

    def __init__(self, run_dir: Path) -> None:
        self.run_dir = Path(run_dir).resolve()
        self._procs: dict[str, subprocess.Popen[bytes]] = {}
        self._state: dict[str, Any] = self._load_state()

    @property
    def startup_timeout_s(self) -> float:
        """How long :meth:`_wait` waits for a server to be ready by default (seconds)."""
        return 60.0

    # -- state -------------------------------------------------------------

    def _load_state(self) -> dict[str, Any]:
        path = self.run_dir / STATE_FILE
        if path.exists():
            return json.loads(path.read_text())
        return {"processes": {}}

    def _save_state(self) -> None:
        path = self.run_dir / STATE_FILE
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self._state, indent=2))
        tmp.replace(path)

    def _record(self, name: str) -> dict[str, Any] | None:
        return self._state["processes"].get(name)

    def alive(self, name: str) -> bool:
        """The process recorded as ``name`` is running (and is the one we started)."""
        record = self._record(name)
        if record is None:
            return False
        proc = self._procs.get(name)
        if proc is not None and proc.poll() is not None:
            return False
        return start_time(record["pid"]) == record["start_time"]

    def log_path(self, name: str) -> Path:
        return self.run_dir / "logs" / f"{name}.log"

    def log_tail(self, name: str, lines: int = 40) -> str:
        paths = [self.log_path(name)]
        extra = {"nginx": "nginx-error.log", "coturn": "turnserver.log", "redis": "redis.log"}
        if name in extra:
            paths.append(self.run_dir / extra[name])
        out = []
        for path in paths:
            with contextlib.suppress(OSError):
                text = path.read_text(errors="replace").splitlines()[-lines:]
                out.append(f"--- {path.name}\n" + "\n".join(text))
        return "\n".join(out) or "<no log>"

    # -- processes -----------------------------------------------------------

    def _spawn(self, name: str, cmd: list[str], env: Mapping[str, str] | None = None) -> None:
        if self.alive(name):
            raise TopologyError(f"{name} is already running (pid {self._record(name)['pid']})")
        log = open(self.log_path(name), "ab")  # noqa: SIM115 - the child keeps it
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=str(self.run_dir),
                env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # its own process group: stop() ends all of it
            )
        finally:
            log.close()
        start = None
        for _ in range(100):
            start = start_time(proc.pid)
            if start is not None or proc.poll() is not None:
                break
        self._procs[name] = proc
        self._state["processes"][name] = {
            "pid": proc.pid,
            "start_time": start if start is not None else -1,
            "cmd": cmd[:6],
        }
        self._save_state()

    def _wait(self, name: str, ready: Callable[[], bool], timeout: float | None = None) -> None:
        timeout = timeout or self.startup_timeout_s
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if ready():
                return
            if not self.alive(name):
                raise TopologyError(f"{name} exited while starting\n{self.log_tail(name)}")
            time.sleep(0.1)
        raise TopologyError(f"{name} not ready after {timeout:g} s\n{self.log_tail(name)}")

    def stop_process(self, name: str, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        """End ``name``'s process group (``sig``, then SIGKILL); forget it. Idempotent."""
        record = self._record(name)
        if record is None:
            return
        pid, started = record["pid"], record["start_time"]
        proc = self._procs.pop(name, None)
        leader_ours = start_time(pid) == started
        if leader_ours:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, sig)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(timeout=0.05)
            if not group_members(pid, started):
                break
            time.sleep(0.05)
        for member in group_members(pid, started):  # ignored sig, or left by the leader
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(member, signal.SIGKILL)
        if proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
        del self._state["processes"][name]
        self._save_state()

    def kill(self, name: str) -> None:
        """SIGKILL ``name`` at once (a crash, as a test plays it)."""
        self.stop_process(name, sig=signal.SIGKILL)

    def status(self) -> dict[str, dict[str, Any]]:
        out = {}
        for name, record in self._state["processes"].items():
            alive = self.alive(name)
            out[name] = {"pid": record["pid"], "alive": alive, "port": record.get("port")}
        return out
