"""Real-browser test harness: a Streamlit server process and headless Chromium.

Pieces (all usable without pytest, e.g. from a measurement script), one
module a concept:

* ``streamlit_server`` - :class:`StreamlitServer` runs ``python -m streamlit
  run APP`` on a free loopback port, waits for ``/_stcore/health``, logs to a
  file and always kills the whole process group on :meth:`StreamlitServer.stop`;
  :data:`LOOPBACK_ENV` keeps its WebRTC on 127.0.0.1.
* ``chromium`` - :func:`launch_chromium` / :func:`launch_loopback_chromium`:
  Debian's ``/usr/bin/chromium`` through Playwright's sync API with a fake
  microphone fed from a WAV file; :func:`new_context` adds
  :data:`RTC_INIT_SCRIPT`, which wraps ``RTCPeerConnection`` (and turns browser
  audio processing off in ``getUserMedia``) so Python can read ``getStats()``.
* ``component`` - the component in a page: :func:`open_app`,
  :func:`find_component_frame`, :func:`component_state`, :func:`click_start`,
  :func:`click_stop`, :func:`wait_for_start_button`, ...
* ``rtc_stats`` - :func:`read_stats`, :func:`sample_stats`,
  :func:`wait_for_inbound_audio`, :func:`wait_for_connected`.
* ``connect`` - :func:`connect_once`: START, audio arrives and keeps flowing
  (:func:`audio_keeps_flowing`), STOP.
* ``streamlit_page`` - Streamlit's own elements: :func:`chat_messages`.
* ``waiting`` - :func:`wait_until`, :func:`wait_for_text`: polling inside
  Playwright.
* ``paths`` - the repository, the test apps, the fake-microphone WAVs.

Import the names from here (``import browser_harness as bh``).
"""

from __future__ import annotations

from .chromium import (
    RTC_INIT_SCRIPT,
    chromium_args,
    launch_chromium,
    launch_loopback_chromium,
    new_context,
)
from .component import (
    COMPONENT_ROOT,
    click_start,
    click_stop,
    component_state,
    find_component_frame,
    is_component_frame,
    open_app,
    wait_for_component_start,
    wait_for_no_component_frame,
    wait_for_start_button,
    wait_for_stop_button,
)
from .connect import ConnectResult, audio_keeps_flowing, connect_once
from .paths import APPS_DIR, CHROMIUM_PATH, DEFAULT_FAKE_MIC_WAV, FIXTURES_DIR, REPO_ROOT
from .rtc_stats import (
    RtcSample,
    iter_stats,
    read_stats,
    sample_stats,
    wait_for_connected,
    wait_for_inbound_audio,
)
from .streamlit_page import CHAT_MESSAGE, chat_messages
from .streamlit_server import (
    LOOPBACK_ENV,
    StreamlitAppFactory,
    StreamlitServer,
    StreamlitStartError,
    free_port,
)
from .waiting import poll, wait_for_text, wait_until

__all__ = [
    "APPS_DIR",
    "CHAT_MESSAGE",
    "CHROMIUM_PATH",
    "COMPONENT_ROOT",
    "DEFAULT_FAKE_MIC_WAV",
    "FIXTURES_DIR",
    "LOOPBACK_ENV",
    "REPO_ROOT",
    "RTC_INIT_SCRIPT",
    "ConnectResult",
    "RtcSample",
    "StreamlitAppFactory",
    "StreamlitServer",
    "StreamlitStartError",
    "audio_keeps_flowing",
    "chat_messages",
    "chromium_args",
    "click_start",
    "click_stop",
    "component_state",
    "connect_once",
    "find_component_frame",
    "free_port",
    "is_component_frame",
    "iter_stats",
    "launch_chromium",
    "launch_loopback_chromium",
    "new_context",
    "open_app",
    "poll",
    "read_stats",
    "sample_stats",
    "wait_for_component_start",
    "wait_for_connected",
    "wait_for_inbound_audio",
    "wait_for_no_component_frame",
    "wait_for_start_button",
    "wait_for_stop_button",
    "wait_for_text",
    "wait_until",
]
