"""A probe inside the Streamlit server the browser soak measures: thread names and a socket.

The browser soak starts its server with a ``sitecustomize`` (:func:`write_site`)
that runs the harness's loopback ``sitecustomize`` and then :func:`install`:

* every Python thread started from then on gets its name in ``/proc``
  (``comm``, 15 bytes), so the soak can tell which threads a cycle left;
* a daemon thread (``soak-probe``) answers one JSON command per connection
  on a Unix socket in the soak's temporary directory (no network port): the
  figures ``/proc`` cannot give, computed inside the server by
  :mod:`bench._soak_server_figures`.

The parent calls :func:`ask` (one request, one answer). The probe's thread
and its listening socket exist from the server's start, so they are part of
every figure, the baseline's too. Imports only the standard library at
start-up.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import re
import socket
import threading
import time
from pathlib import Path
from typing import Any

SOCKET_NAME = "probe.sock"
SITE_TEMPLATE = """\
# Written by bench/_soak_probe.py for the Streamlit server the soak measures.
import runpy as _runpy

_runpy.run_path({loopback_site!r})  # the harness's loopback sitecustomize, which this shadows
from bench import _soak_probe as _probe  # noqa: E402

_probe.install({socket_path!r})
"""


# -- the parent's side ------------------------------------------------------------------------


def write_site(directory: Path, loopback_site: Path) -> tuple[str, str]:
    """Write the server's ``sitecustomize.py`` into ``directory``: (PYTHONPATH entry, socket)."""
    socket_path = str(directory / SOCKET_NAME)
    (directory / "sitecustomize.py").write_text(
        SITE_TEMPLATE.format(loopback_site=str(loopback_site), socket_path=socket_path)
    )
    return str(directory), socket_path


def ask(socket_path: str, command: str, timeout: float = 120.0, **args: Any) -> dict[str, Any]:
    """Send ``command`` to the server's probe; its answer (raises on an error answer)."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        sock.connect(socket_path)
        sock.sendall(json.dumps({"command": command, **args}).encode())
        sock.shutdown(socket.SHUT_WR)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    answer: dict[str, Any] = json.loads(b"".join(chunks))
    if "error" in answer:
        raise RuntimeError(f"probe {command}: {answer['error']}")
    return answer


def wait_for_probe(socket_path: str, timeout: float = 30.0) -> bool:
    """True once the probe answers (the server has run its ``sitecustomize``)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            ask(socket_path, "ping", timeout=5)
            return True
        time.sleep(0.1)
    return False


# -- the server's side -----------------------------------------------------------------------


def _short(name: str) -> str:
    match = re.fullmatch(r"Thread-\d+ \((.*)\)", name)
    name = match.group(1) if match else name
    return name.replace("ThreadPoolExecutor", "TPE").replace("ScriptRunner.", "")[:15]


def _name_threads() -> None:
    """Every Python thread started from now on sets its ``/proc`` name (``PR_SET_NAME``)."""
    prctl = ctypes.CDLL("libc.so.6").prctl
    bootstrap = threading.Thread._bootstrap_inner  # type: ignore[attr-defined]

    def named(self: threading.Thread) -> None:
        with contextlib.suppress(Exception):
            prctl(15, _short(self.name).encode(), 0, 0, 0)  # PR_SET_NAME
        bootstrap(self)

    threading.Thread._bootstrap_inner = named  # type: ignore[attr-defined]


def install(socket_path: str) -> None:
    """Name threads and start the probe's thread (server side, from ``sitecustomize``)."""
    _name_threads()
    with contextlib.suppress(FileNotFoundError):
        os.unlink(socket_path)
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(socket_path)
    server.listen(4)
    threading.Thread(target=_serve, args=(server,), name="soak-probe", daemon=True).start()


def _serve(server: socket.socket) -> None:
    while True:
        conn, _ = server.accept()
        with conn:
            try:
                raw = b""
                while chunk := conn.recv(65536):
                    raw += chunk
                request = json.loads(raw)
                answer = _run(request.pop("command"), request)
            except Exception as exc:  # answered, never kills the probe
                answer = {"error": f"{type(exc).__name__}: {exc}"}
            with contextlib.suppress(OSError):
                conn.sendall(json.dumps(answer).encode())


def _run(command: str, args: dict[str, Any]) -> dict[str, Any]:
    if command == "ping":
        return {"pid": os.getpid()}
    from bench import _soak_server_figures as figures  # Streamlit is loaded by now

    result: dict[str, Any] = figures.COMMANDS[command](**args)
    return result
