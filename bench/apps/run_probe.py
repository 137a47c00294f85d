"""Runs the app named by ``BENCH_APP`` and logs every full script run to stdout.

Used by ``bench/component.py``: each full run of the wrapped app prints
``BENCHRUN begin <session id> <n> <epoch ms>`` before it and
``BENCHRUN end <session id> <n> <epoch ms>`` after it (also when the run is
cut short by a rerun), so the server log shows how many reruns a click cost.
Fragment reruns do not execute this file and are not counted.

``BENCH_APP=apps/echo.py streamlit run bench/apps/run_probe.py``
"""

from __future__ import annotations

import os
import runpy
import sys
import time
from pathlib import Path

import streamlit as st
from streamlit.runtime.scriptrunner import get_script_run_ctx

_target = Path(os.environ["BENCH_APP"]).resolve()
if str(_target.parent) not in sys.path:
    sys.path.insert(0, str(_target.parent))  # the app's sibling helpers (_local, _loop_load)

_ctx = get_script_run_ctx()
_session = _ctx.session_id if _ctx is not None else "-"
_run = int(st.session_state.get("_bench_runs", 0)) + 1
st.session_state["_bench_runs"] = _run
print(f"BENCHRUN begin {_session} {_run} {time.time() * 1000:.1f}", flush=True)
try:
    runpy.run_path(str(_target), run_name="__main__")
finally:
    print(f"BENCHRUN end {_session} {_run} {time.time() * 1000:.1f}", flush=True)
