"""The real ``apps/echo.py``, plus a line listing the server's threads for the tests."""

import runpy
import sys
import threading
from pathlib import Path

import streamlit as st

APPS = Path(__file__).resolve().parents[3] / "apps"
sys.path.insert(0, str(APPS))
runpy.run_path(str(APPS / "echo.py"), run_name="__main__")


@st.fragment(run_every=0.5)
def probe() -> None:
    """The server's threads now (a fragment: refreshed without rerunning the app)."""
    names = sorted(t.name for t in threading.enumerate())
    st.text(f"PROBE threads={len(names)} names={','.join(names)}")


probe()
