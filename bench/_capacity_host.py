"""The parent's handle on a ``bench/capacity_server.py`` process, and its JSON-over-HTTP calls.

The server prints its port and pid, then answers ``/offer``, ``/close``, ``/stats``
and ``/exit``; its CPU is read from ``/proc/<pid>/stat`` (every thread, nothing else).
"""

from __future__ import annotations

import contextlib
import json
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any

from bench._proc_cpu import process_cpu_s

SERVER_SCRIPT = Path(__file__).resolve().parent / "capacity_server.py"


def post_json(port: int, path: str, body: dict[str, Any], timeout: float = 30.0) -> Any:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}{path}",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return json.loads(response.read())


def get_json(port: int, path: str, timeout: float = 30.0) -> Any:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=timeout) as response:
        return json.loads(response.read())


class ServerProcess:
    """``capacity_server.py --kind side`` as a subprocess; its port and pid once it listens."""

    def __init__(self, side: str) -> None:
        self.side = side
        self.process = subprocess.Popen(
            [sys.executable, str(SERVER_SCRIPT), "--kind", side],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.process.stdout is not None
        line = self.process.stdout.readline()
        if not line:
            raise RuntimeError(f"server {side} did not start")
        info = json.loads(line)
        self.port, self.pid = int(info["port"]), int(info["pid"])

    def cpu_s(self) -> float:
        """User + system CPU seconds of every thread of the server process so far."""
        return process_cpu_s(self.pid)

    def stats(self) -> Any:
        return get_json(self.port, "/stats")

    def close(self, sid: str) -> None:
        with contextlib.suppress(Exception):
            post_json(self.port, "/close", {"sid": sid}, timeout=20.0)

    def shutdown(self) -> None:
        with contextlib.suppress(Exception):
            post_json(self.port, "/exit", {}, timeout=5.0)
        try:
            self.process.wait(20.0)
        except subprocess.TimeoutExpired:
            self.process.terminate()
            try:
                self.process.wait(5.0)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
