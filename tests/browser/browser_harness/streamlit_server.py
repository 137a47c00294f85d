"""A Streamlit server process for a test: ``streamlit run APP`` on a free loopback port.

:class:`StreamlitServer` waits for ``/_stcore/health``, logs to a file and
always kills the whole process group on :meth:`StreamlitServer.stop`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .paths import LOOPBACK_SITE_DIR, REPO_ROOT

LOGGER = logging.getLogger(__name__)


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class StreamlitStartError(RuntimeError):
    """The Streamlit server exited or never became healthy."""


@dataclass
class StreamlitServer:
    """One ``streamlit run`` child process bound to 127.0.0.1.

    Use as a context manager, or call :meth:`start` / :meth:`stop` yourself.
    ``stop`` is idempotent and kills the process group (children included).
    """

    app_path: Path
    log_path: Path
    port: int = field(default_factory=free_port)
    extra_args: Sequence[str] = ()
    env: dict[str, str] | None = None
    startup_timeout: float = 30.0
    _proc: subprocess.Popen[bytes] | None = field(default=None, init=False, repr=False)
    _log_file: Any = field(default=None, init=False, repr=False)

    @property
    def url(self) -> str:
        """Base URL of the app."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def pid(self) -> int | None:
        """PID of the server process (also its process-group id), if started."""
        return self._proc.pid if self._proc else None

    def command(self) -> list[str]:
        """The full command line used to start the server."""
        return [
            sys.executable,
            "-m",
            "streamlit",
            "run",
            str(self.app_path),
            "--server.address",
            "127.0.0.1",
            "--server.port",
            str(self.port),
            "--server.headless",
            "true",
            "--browser.gatherUsageStats",
            "false",
            "--server.fileWatcherType",
            "none",
            "--global.developmentMode",
            "false",
            "--server.runOnSave",
            "false",
            *self.extra_args,
        ]

    def start(self) -> StreamlitServer:
        """Start the process and block until the health endpoint answers."""
        if self._proc is not None:
            raise RuntimeError("server already started")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log_file = open(self.log_path, "wb")  # noqa: SIM115 - closed in stop()
        env = {**os.environ, **(self.env or {})}
        env.setdefault("PYTHONUNBUFFERED", "1")
        # Apps import streamlit_rtc from this checkout (it may not be installed).
        env["PYTHONPATH"] = os.pathsep.join(
            p for p in (str(REPO_ROOT), env.get("PYTHONPATH", "")) if p
        )
        LOGGER.info("starting streamlit: %s", " ".join(self.command()))
        self._proc = subprocess.Popen(
            self.command(),
            cwd=str(REPO_ROOT),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=self._log_file,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: stop() kills children too
        )
        try:
            self._wait_healthy()
        except BaseException:
            self.stop()
            raise
        return self

    def _wait_healthy(self) -> None:
        deadline = time.monotonic() + self.startup_timeout
        health = f"{self.url}_stcore/health"
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise StreamlitStartError(
                    f"streamlit exited with code {self._proc.returncode}\n{self.log_tail()}"
                )
            with (
                contextlib.suppress(OSError, urllib.error.URLError),
                urllib.request.urlopen(health, timeout=1.0) as resp,
            ):
                if resp.status == 200:
                    LOGGER.info("streamlit healthy at %s", self.url)
                    return
            time.sleep(0.1)
        raise StreamlitStartError(
            f"streamlit not healthy after {self.startup_timeout}s\n{self.log_tail()}"
        )

    def stop(self, timeout: float = 5.0) -> None:
        """Terminate the process group (SIGTERM, then SIGKILL). Idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None and proc.poll() is None:
            _signal_group(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                LOGGER.warning("streamlit pid %s ignored SIGTERM; killing", proc.pid)
                _signal_group(proc.pid, signal.SIGKILL)
                proc.wait(timeout=timeout)
        if proc is not None:
            # Children left in the group after the leader exited.
            _signal_group(proc.pid, signal.SIGKILL)
        if self._log_file is not None:
            self._log_file.close()
            self._log_file = None

    def log_tail(self, lines: int = 60) -> str:
        """Last ``lines`` lines of the server log."""
        try:
            text = self.log_path.read_text(errors="replace")
        except OSError:
            return "<no log>"
        return "\n".join(text.splitlines()[-lines:])

    def __enter__(self) -> StreamlitServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


StreamlitAppFactory = Callable[..., StreamlitServer]
"""Type of the ``streamlit_app`` fixtures: ``(app, env=None, extra_args=()) -> server``."""


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


#: Environment for a StreamlitServer whose WebRTC must stay on 127.0.0.1
#: (``loopback_site/sitecustomize.py`` confines aioice to loopback).
LOOPBACK_ENV = {
    "STREAMLIT_RTC_TEST_LOOPBACK_ICE": "1",
    "PYTHONPATH": str(LOOPBACK_SITE_DIR),
}
