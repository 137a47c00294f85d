"""Measure what one conversation costs through the TURN relay (figures for deploy/README.md).

Starts the topology with one replica (deploy/topology.py, free loopback
ports), opens ``relay_app.py`` in headless Chromium forced through coturn's
relay, and reads the selected candidate pair's counters over a window, for an
audio echo and a video echo. Prints JSON: payload kbit/s each way (what
WebRTC counts: SRTP packets, no headers) and on-the-wire kbit/s through the
relay (+ 4 bytes TURN ChannelData + 8 UDP + 20 IPv4 per packet).

Run: ``.venv/bin/python tests/deploy/measure_bandwidth.py [--window 20]``.
"""

from __future__ import annotations

import argparse
import json
import socket
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent / "browser")]

import browser_harness as bh  # noqa: E402
from deploy_harness import free_port, free_relay_range, topology_module  # noqa: E402
from playwright.sync_api import sync_playwright  # noqa: E402

PAIR_JS = """
async () => {
  const peers = window.__rtcHarness ? window.__rtcHarness.peers : [];
  const pc = peers[peers.length - 1];
  if (!pc) return null;
  const stats = await pc.getStats();
  let pair = null;
  stats.forEach((r) => {
    if (r.type === 'transport' && r.selectedCandidatePairId) {
      pair = stats.get(r.selectedCandidatePairId);
    }
  });
  if (!pair) return null;
  const local = stats.get(pair.localCandidateId);
  return { t: performance.now() / 1000, local: local && local.candidateType,
           bytesSent: pair.bytesSent, bytesReceived: pair.bytesReceived,
           packetsSent: pair.packetsSent, packetsReceived: pair.packetsReceived };
}
"""
OVERHEAD = 4 + 8 + 20  # TURN ChannelData + UDP + IPv4 header bytes per packet


def measure(page_url: str, browser: object, window: float, warmup: float) -> dict[str, object]:
    context = bh.new_context(browser)  # type: ignore[arg-type]
    try:
        page = context.new_page()
        frame = bh.open_app(page, page_url, timeout=60)
        bh.click_start(frame, timeout=20)
        deadline = time.monotonic() + 60
        first = None
        while time.monotonic() < deadline:
            first = frame.evaluate(PAIR_JS)
            if first and first["bytesReceived"] > 0:
                break
            page.wait_for_timeout(250)
        page.wait_for_timeout(warmup * 1000)
        a = frame.evaluate(PAIR_JS)
        page.wait_for_timeout(window * 1000)
        b = frame.evaluate(PAIR_JS)
        bh.click_stop(frame)
    finally:
        context.close()
    dt = b["t"] - a["t"]

    def rate(field: str, packets: str) -> dict[str, float]:
        payload = (b[field] - a[field]) * 8 / dt / 1000
        pps = (b[packets] - a[packets]) / dt
        return {
            "payload_kbps": round(payload, 1),
            "packets_per_s": round(pps, 1),
            "wire_kbps": round(payload + pps * OVERHEAD * 8 / 1000, 1),
        }

    return {
        "candidate": b["local"],
        "window_s": round(dt, 1),
        "browser_to_server": rate("bytesSent", "packetsSent"),
        "server_to_browser": rate("bytesReceived", "packetsReceived"),
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--window", type=float, default=20.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        config = topology_module.TopologyConfig(
            run_dir=Path(tmp) / "run",
            replicas=1,
            app=HERE / "relay_app.py",
            http_port=free_port(),
            replica_ports=[free_port()],
            redis_port=free_port(),
            turn_port=free_port(socket.SOCK_DGRAM),
            relay_ports=free_relay_range(),
            turn_secret="measure-secret",
        )
        topology = topology_module.Topology(config)
        try:
            topology.start()
            with sync_playwright() as p:
                browser = bh.launch_loopback_chromium(p, bh.DEFAULT_FAKE_MIC_WAV)
                try:
                    out = {
                        case: measure(
                            f"{topology.url}?case={case}", browser, args.window, args.warmup
                        )
                        for case in ("echo", "video")
                    }
                finally:
                    browser.close()
        finally:
            topology.stop()
    print(json.dumps(out, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
