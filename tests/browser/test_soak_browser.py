"""Soak at a small count in real Chromium: the Streamlit server ends as it started.

``bench/soak.py``'s browser soak: one ``streamlit run apps/component_echo.py``
server (loopback ICE) and its own headless Chromium; each cycle opens a fresh
page, clicks Start, waits for ``listening`` and echoed audio, then clicks Stop
or closes the page without it. The server process's threads and open file
descriptors (from ``/proc``) must come back to where they were after the
warm-up. Threads are named in the server (``bench/_soak_probe.py``) so worker
pools that grew (executors keep their threads) are told apart from a leak;
Streamlit's own per-session event loops (kept ~2 min after a tab closes) are
left out of the fds. RSS is only reported (``python -m bench.soak --cycles 0
--browser 30`` checks it against the 5 MB goal, also once Streamlit has
dropped the closed tabs' sessions, which takes its 2-minute TTL: too slow
here).

What those retained sessions hold of ours is checked, cheaply, from inside
the server (the soak's probe): once the last connection ended, no peer
connection, worker, audio buffer or track is alive anywhere in the server,
and the closed tabs' sessions Streamlit keeps hold only released sessions
(``SessionLifecycle.release``), not what their connection needed.
"""

from __future__ import annotations

import json
import logging
import sys
from pathlib import Path

import pytest
from browser_harness import CHROMIUM_PATH

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import soak  # noqa: E402

pytestmark = pytest.mark.browser

LOGGER = logging.getLogger(__name__)

CYCLES = 3  # both styles; bench/soak.py --browser N runs longer soaks


@pytest.mark.timeout(900)
def test_browser_cycles_leave_the_server_as_they_found_it(tmp_path: Path) -> None:
    if not CHROMIUM_PATH.exists():
        pytest.fail(f"{CHROMIUM_PATH} not installed: run scripts/bootstrap.sh (apt chromium)")
    report = soak.browser_soak(
        cycles=CYCLES, warmup=2, log_dir=tmp_path, drop_timeout=0, retained_report=True
    )
    LOGGER.info("browser soak report: %s", json.dumps(report, indent=1))
    summary = {k: report[k] for k in ("server_baseline", "server_end", "growth", "failures")}
    assert report["cycles"] == CYCLES
    assert set(report["styles"]) == {"stop_button", "close_page"}
    assert not report["warmup_failures"], report["warmup_failures"]
    assert not report["failures"], report["failures"]
    # Worker pools (executors) may have grown by a thread or two: capacity, not a leak.
    assert report["goals"]["threads_back_except_pools"], (report["thread_names_diff"], summary)
    assert report["goals"]["fds_back"], summary
    # Nothing of a connection outlives it, also in the sessions Streamlit keeps for closed tabs.
    assert report["goals"]["heavy_objects_gone"], report["server_inside"]["end"]["objects"]
    retained = report["retained_at_end"]
    assert report["retained_sessions_at_end"]["held"] >= 1, report["retained_sessions_at_end"]
    assert retained["slots"] >= 1, retained
    assert not retained["heavy_objects"], retained
    assert retained["released_sessions"] == retained["stopped_sessions"] == retained["slots"]
    LOGGER.warning(
        "server threads %d -> %d (%s), RSS %.1f -> %.1f MB (+%.1f MB after gc and trim); "
        "%d closed tabs kept by Streamlit hold %.0f KB of ours",
        report["server_baseline"]["threads"],
        report["server_end"]["threads"],
        report["thread_names_diff"],
        report["server_baseline"]["rss_mb"],
        report["server_end"]["rss_mb"],
        report["rss_growth_mb_trimmed"],
        retained["sessions"],
        retained["exclusive_kb"],
    )
