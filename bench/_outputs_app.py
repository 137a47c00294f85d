"""The Streamlit page ``bench/outputs_latency.py`` drives (not a demo).

A :class:`Ticker` handler ignores the microphone and, every ``period``
seconds (uniformly jittered by +-``jitter``), returns
``AdditionalOutputs((seq, time.time()))`` from ``emit``: the wall-clock
moment of the yield travels with the value. The page shows the newest one
as ``TICK <seq> <time>`` in a ``st.text`` inside ``stream.live(...)``, so
the browser can time when it reaches the DOM.

Query parameters (one browser session each, so one server can hold all arms):

* ``period`` - seconds between outputs; ``0`` (default) never emits: an idle
  live session.
* ``jitter`` - fraction of ``period`` the gaps vary by (default 0.3).
* ``live`` - ``1`` (default): show the value in ``stream.live(...)``; ``0``:
  no live view (the component's own poll only).
* ``refresh`` - ``off`` turns the component's poll and the live view's
  refresh down to once per ``OFF_POLL_S``: the "stream connected, no
  refresh" CPU baseline; a number sets the component's poll period in
  seconds, with or without a live view (to time one run precisely);
  absent, the library defaults.
  Module-wide, so every page of one measurement arm must pass the same value.

Every run of the component's poll fragment and of the live view is counted,
process-wide, into the file named by ``STREAMLIT_RTC_BENCH_RUNS_FILE`` (when
set), so the benchmark knows the refresh rate without opening a page.
"""

from __future__ import annotations

import logging
import os
import random
import sys
import time
from typing import Any

import numpy as np
import streamlit as st

from streamlit_rtc import AdditionalOutputs, StreamHandler, webrtc
from streamlit_rtc.streamlit import live

OFF_POLL_S = 3600.0

_rtc_logger = logging.getLogger("streamlit_rtc")
if not _rtc_logger.handlers:  # session starts and stops go to the server log
    _rtc_logger.addHandler(logging.StreamHandler(sys.stderr))
    _rtc_logger.setLevel(logging.INFO)
_DEFAULT_IDLE_POLL_S = getattr(live, "_bench_default_idle_poll_s", live.IDLE_POLL_S)
live._bench_default_idle_poll_s = _DEFAULT_IDLE_POLL_S  # type: ignore[attr-defined]
_DEFAULT_ACTIVE_POLL_S = getattr(live, "_bench_default_active_poll_s", live.ACTIVE_POLL_S)
live._bench_default_active_poll_s = _DEFAULT_ACTIVE_POLL_S  # type: ignore[attr-defined]
_DEFAULT_SAFETY_POLL_S = getattr(live, "_bench_default_safety_poll_s", live.LIVE_VIEW_SAFETY_POLL_S)
live._bench_default_safety_poll_s = _DEFAULT_SAFETY_POLL_S  # type: ignore[attr-defined]
_DEFAULT_STATUS_POLL_S = getattr(live, "_bench_default_status_poll_s", live.STATUS_POLL_WITH_VIEW_S)
live._bench_default_status_poll_s = _DEFAULT_STATUS_POLL_S  # type: ignore[attr-defined]


class Ticker(StreamHandler):
    """Emits ``AdditionalOutputs((seq, time.time()))`` every ``period`` s; drops the audio."""

    def __init__(self, period: float, jitter: float) -> None:
        super().__init__()
        self.period = period
        self.jitter = jitter
        self.seq = 0
        self._rng = random.Random()
        self._next_at: float | None = None

    def _gap(self) -> float:
        return self.period * (1.0 + self.jitter * self._rng.uniform(-1.0, 1.0))

    def receive(self, frame: tuple[int, np.ndarray]) -> None:
        """The microphone is consumed and ignored."""

    def emit(self) -> AdditionalOutputs | None:
        if self.period <= 0:
            return None
        now = time.time()
        if self._next_at is None:
            self._next_at = now + self._gap()
        if now < self._next_at:
            return None
        self._next_at = now + self._gap()
        self.seq += 1
        return AdditionalOutputs((self.seq, time.time()))

    def copy(self) -> Ticker:
        return Ticker(self.period, self.jitter)


def _param(name: str, default: str) -> str:
    value = st.query_params.get(name, default)
    return value if isinstance(value, str) else default


RUNS_FILE = os.environ.get("STREAMLIT_RTC_BENCH_RUNS_FILE")


def _count_run() -> None:
    """Count one fragment run (process-wide, the GIL keeps += whole)."""
    live._bench_poll_runs += 1  # type: ignore[attr-defined]
    if RUNS_FILE:
        with open(RUNS_FILE, "w") as f:
            f.write(str(live._bench_poll_runs))  # type: ignore[attr-defined]


def _counted_poll(*args: Any, **kwargs: Any) -> None:
    """The component's poll fragment, counted."""
    _count_run()
    _REAL_POLL(*args, **kwargs)


if not hasattr(live, "_bench_poll_runs"):
    live._bench_poll_runs = 0  # type: ignore[attr-defined]
    live._bench_real_poll = live.live_poll  # type: ignore[attr-defined]
_REAL_POLL = live._bench_real_poll  # type: ignore[attr-defined]
_counted_poll.__qualname__ = _REAL_POLL.__qualname__
live.live_poll = _counted_poll

period = float(_param("period", "0"))
jitter = float(_param("jitter", "0.3"))
refresh = _param("refresh", "default")
live.IDLE_POLL_S = (
    OFF_POLL_S
    if refresh == "off"
    else _DEFAULT_IDLE_POLL_S
    if refresh == "default"
    else float(refresh)
)
live.ACTIVE_POLL_S = OFF_POLL_S if refresh == "off" else _DEFAULT_ACTIVE_POLL_S
live.LIVE_VIEW_SAFETY_POLL_S = OFF_POLL_S if refresh == "off" else _DEFAULT_SAFETY_POLL_S
live.STATUS_POLL_WITH_VIEW_S = _DEFAULT_STATUS_POLL_S if refresh == "default" else live.IDLE_POLL_S

st.session_state.setdefault("tick", None)
stream = webrtc(
    "bench",
    Ticker(period, jitter),
    mode="send",
    outputs=["tick"],
    rtc_configuration={"iceServers": []},
)


def show(status: Any) -> None:
    _count_run()  # the live view's runs count as refreshes too
    tick = st.session_state["tick"]
    st.caption(f"state: {status.state.value}")
    if tick is not None:
        st.text(f"TICK {tick[0]} {tick[1]:.6f}")


if _param("live", "1") == "1":
    stream.live(show)
