"""Smoke test of ``bench/component.py --quick``: it runs and prints the JSON it promises.

No timing is asserted (the machine may be loaded); only the shape of the
figures and that our component connected every time.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

BENCH = Path(__file__).resolve().parents[2] / "bench" / "component.py"
SUMMARY_KEYS = {"n", "p50", "p95", "min", "max"}


@pytest.mark.timeout(900)
def test_component_bench_quick() -> None:
    """``--quick`` prints one JSON object; ours connected 3/3."""
    proc = subprocess.run(
        [sys.executable, str(BENCH), "--quick"],
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-4000:]
    result = json.loads(proc.stdout)

    assert result["connects"] == 3
    assert set(result["goals"]) >= {
        "ours_reruns_per_connect_le_2",
        "ours_status_to_dom_p50_le_50ms",
        "ours_no_failed_connects",
    }
    for side in ("ours", "streamlit_webrtc"):
        figures = result[side]
        for metric in ("click_to_connected_ms", "click_to_first_audio_ms", "reruns_per_connect"):
            assert set(figures[metric]) >= SUMMARY_KEYS, (side, metric)
        assert figures["connected"] + figures["failed_connects"] == 3
        assert "page_task_fraction" in figures["idle_live_cpu"]
    status = result["ours"]["status_to_dom"]
    assert set(status["status_to_dom_ms"]) >= SUMMARY_KEYS

    ours = result["ours"]
    assert ours["connected"] == 3, ours["failures"]
    assert ours["failed_connects"] == 0
    assert ours["click_to_connected_ms"]["n"] == 3
