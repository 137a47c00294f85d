"""Probe app: a ReplyOnPause whose reply plays for a minute, recording its life in files.

Into ``$RTC_TEST_FAULT_DIR``:

* ``reply.started`` / ``reply.closed``: wall time when the reply generator
  started / when its ``finally`` ran (closed, for whatever reason);
* ``threads.json``: every 0.1 s, the server's threads that belong to the
  stream (named ``reply-end@...``), so a test sees them end.

``can_interrupt=False``: the fake microphone loops its speech, which must not
end the reply by a barge-in; only the end of the session may.
"""

from __future__ import annotations

import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import streamlit as st

from streamlit_rtc import ReplyOnPause, webrtc

OUT = Path(os.environ["RTC_TEST_FAULT_DIR"])
KEY = "reply-end"


@st.cache_resource
def thread_monitor() -> threading.Thread:
    """Once per server: write the stream's thread names to ``threads.json`` every 0.1 s."""

    def run() -> None:
        while True:
            every = sorted(t.name for t in threading.enumerate())
            names = [name for name in every if name.startswith(f"{KEY}@")]
            tmp = OUT / "threads.json.tmp"
            tmp.write_text(json.dumps({"wall": time.time(), "names": names, "all": every}))
            tmp.replace(OUT / "threads.json")
            time.sleep(0.1)

    thread = threading.Thread(target=run, name="probe-thread-monitor", daemon=True)
    thread.start()
    return thread


def long_reply(audio: tuple[int, np.ndarray]) -> Iterator[tuple[int, np.ndarray]]:
    (OUT / "reply.started").write_text(str(time.time()))
    t = np.arange(2400) / 24000
    chunk = (0.3 * 32767 * np.sin(2 * np.pi * 330 * t)).astype(np.int16)[None, :]
    try:
        for _ in range(600):  # a minute of audio, 0.1 s at a time
            yield (24000, chunk)
    finally:
        (OUT / "reply.closed").write_text(str(time.time()))


thread_monitor()
st.write("reply end probe")
webrtc(KEY, ReplyOnPause(long_reply, can_interrupt=False), rtc_configuration={"iceServers": []})
