"""One app under its own ``streamlit run`` server, and the log of its full script runs.

``bench/apps/run_probe.py`` wraps the app and logs a ``BENCHRUN`` line as each
script run begins and ends; :class:`Side` parses them, and :func:`open_and_settle`
loads a page and waits until the new session's runs have settled.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from pathlib import Path

from playwright.sync_api import Frame, Page

from bench._component_browser import ROOT, bh, now_ms, wait_until

logger = logging.getLogger("bench.component")

PROBE_APP = ROOT / "bench" / "apps" / "run_probe.py"
SETTLE_QUIET_S = 0.75
"""Script runs have settled when all ended and none began for this long."""


@dataclass
class RunEvent:
    kind: str  # "begin" | "end"
    session: str
    n: int
    t: float  # epoch ms (server clock)


@dataclass
class Side:
    """One app served by its own Streamlit server, with a parser of its run log."""

    name: str
    app: Path
    server: bh.StreamlitServer
    events: list[RunEvent] = field(default_factory=list)
    _offset: int = 0

    @classmethod
    def start(cls, name: str, app: Path, logs: Path) -> Side:
        server = bh.StreamlitServer(
            PROBE_APP, logs / f"{name}.log", env={"BENCH_APP": str(app)}
        ).start()
        logger.info("%s: %s on %s (pid %s)", name, app.name, server.url, server.pid)
        return cls(name, app, server)

    def poll_log(self) -> None:
        """Parse the new ``BENCHRUN`` lines of the server log."""
        try:
            with open(self.server.log_path, "rb") as fh:
                fh.seek(self._offset)
                data = fh.read()
        except OSError:
            return
        end = data.rfind(b"\n")
        if end < 0:
            return
        self._offset += end + 1
        for line in data[: end + 1].decode(errors="replace").splitlines():
            parts = line.split()
            if len(parts) == 5 and parts[0] == "BENCHRUN":
                self.events.append(RunEvent(parts[1], parts[2], int(parts[3]), float(parts[4])))

    def session_events(self, session: str) -> list[RunEvent]:
        return [e for e in self.events if e.session == session]


def open_and_settle(
    page: Page, side: Side, timeout_s: float = 30.0
) -> tuple[Frame, str, int, float]:
    """Load the app, find the component; return (frame, session id, runs on load, settle epoch ms).

    Settled: the session's runs all ended and none began for ``SETTLE_QUIET_S``.
    """
    side.poll_log()
    known = {e.session for e in side.events}
    page.goto(side.server.url, wait_until="domcontentloaded", timeout=timeout_s * 1000)
    frame = bh.find_component_frame(page, timeout=timeout_s)
    frame.evaluate("window.__bench && window.__bench.observe()")
    last_change = time.monotonic()
    seen = -1
    session: str | None = None

    def settled() -> bool:
        nonlocal last_change, seen, session
        side.poll_log()
        if session is None:
            session = next((e.session for e in side.events if e.session not in known), None)
            if session is None:
                return False
        events = side.session_events(session)
        if len(events) != seen:
            seen, last_change = len(events), time.monotonic()
            return False
        begins = sum(e.kind == "begin" for e in events)
        ends = len(events) - begins
        return begins > 0 and begins == ends and time.monotonic() - last_change >= SETTLE_QUIET_S

    if not wait_until(page, settled, timeout_s):
        raise TimeoutError(f"{side.name}: script runs did not settle within {timeout_s}s")
    assert session is not None
    runs = sum(e.kind == "begin" for e in side.session_events(session))
    return frame, session, runs, now_ms()
