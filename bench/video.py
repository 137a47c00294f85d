"""Video benchmark: identity transform vs bare streamlit-webrtc, and receive-mode fps.

Run: ``flock /tmp/rtc-heavy.lock python -m bench.video`` (from the repo root).
Prints ONE JSON object on stdout; progress goes to stderr.

For each kind (see ``bench/_video_bench.py``) a fresh server child hosts one
640x480 30 fps SENDRECV connection from an aiortc client in this process.
After a warm-up, the child's CPU (all threads, ``time.process_time``) is
measured over a window, and the client measures camera-to-screen latency of
every frame (frame numbers are drawn into the picture). Kinds alternate over
``--rounds`` rounds; medians are reported. Goals (issue 6): CPU ratio
streamlit_rtc / bare <= 1.15, added latency <= one frame interval.
Receive mode: a generator at ``--fps`` streamed to the client; the rate is
the slope of first arrival time against frame number.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import statistics
import sys
import time
from typing import Any

import numpy as np

from bench import _video_bench as vb

logger = logging.getLogger("bench.video")

SEND_KINDS = ("streamlit_rtc", "bare", "passthrough")


def pct(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None


async def measure_send_receive(kind: str, args: argparse.Namespace) -> dict[str, Any]:
    server = vb.start_server(kind)
    client = vb.Client(args.fps)
    try:
        await server.acall("cpu_start")
        await asyncio.sleep(1.0)
        idle = await server.acall("cpu_stop")
        await client.connect(server, "s1")
        await asyncio.sleep(args.warmup)
        start = time.monotonic()
        await server.acall("cpu_start")
        await asyncio.sleep(args.window)
        cpu = await server.acall("cpu_stop")
        end = time.monotonic()
        stats = await server.acall("stats", sid="s1")
        latencies = client.latencies(start)
        shown = sum(1 for t in client.first_arrival.values() if start <= t < end)
        await client.close()
        await server.acall("close", sid="s1")
    finally:
        await asyncio.to_thread(server.shutdown)
    idle_rate = idle["cpu_s"] / idle["wall_s"]
    result = {
        "cpu_core_fraction": cpu["cpu_s"] / cpu["wall_s"] - idle_rate,
        "idle_core_fraction": idle_rate,
        "latency_ms_median": 1000 * statistics.median(latencies) if latencies else None,
        "latency_ms_p90": None if not latencies else 1000 * (pct(latencies, 90) or 0.0),
        "distinct_frames_shown_per_s": shown / (end - start),
        **({"server": stats} if stats else {}),
    }
    logger.info("%s: %s", kind, result)
    return result


async def measure_receive(args: argparse.Namespace) -> dict[str, Any]:
    server = vb.start_server("receive")
    client = vb.Client(args.fps, send_camera=False)
    try:
        await client.connect(server, "r1", fps=args.fps)
        await asyncio.sleep(7.0)  # the generator yields 6 s of frames
        await client.close()
        await server.acall("close", sid="r1")
    finally:
        await asyncio.to_thread(server.shutdown)
    numbers = sorted(n for n in client.first_arrival if n < args.fps * 6)
    times = [client.first_arrival[n] for n in numbers]
    slope = float(np.polyfit(numbers, times, 1)[0]) if len(numbers) > 10 else float("nan")
    measured = 1.0 / slope
    return {
        "requested_fps": args.fps,
        "measured_fps": measured,
        "error_pct": 100 * abs(measured - args.fps) / args.fps,
        "frames_shown": len(numbers),
        "frames_yielded": int(args.fps * 6),
    }


def summarise(runs: dict[str, list[dict[str, Any]]], fps: float) -> dict[str, Any]:
    def median(kind: str, key: str) -> float | None:
        values = [r[key] for r in runs[kind] if r.get(key) is not None]
        return statistics.median(values) if values else None

    table = {
        kind: {
            "cpu_core_fraction": median(kind, "cpu_core_fraction"),
            "latency_ms_median": median(kind, "latency_ms_median"),
            "latency_ms_p90": median(kind, "latency_ms_p90"),
            "distinct_frames_shown_per_s": median(kind, "distinct_frames_shown_per_s"),
        }
        for kind in runs
    }
    ours, bare = table["streamlit_rtc"], table["bare"]
    passthrough = table["passthrough"]
    frame_ms = 1000 / fps
    ratio = ours["cpu_core_fraction"] / bare["cpu_core_fraction"]
    ratio_pass = ours["cpu_core_fraction"] / passthrough["cpu_core_fraction"]
    added = ours["latency_ms_median"] - bare["latency_ms_median"]
    added_pass = ours["latency_ms_median"] - passthrough["latency_ms_median"]
    return {
        "per_kind_median": table,
        "cpu_ratio_vs_bare": ratio,
        "cpu_ratio_vs_passthrough": ratio_pass,
        "added_latency_ms_vs_bare": added,
        "added_latency_ms_vs_passthrough": added_pass,
        "frame_interval_ms": frame_ms,
        "goals": {
            "cpu_ratio_vs_bare_le_1.15": ratio <= 1.15,
            "added_latency_vs_bare_le_frame_interval": added <= frame_ms,
        },
    }


async def run(args: argparse.Namespace) -> dict[str, Any]:
    runs: dict[str, list[dict[str, Any]]] = {kind: [] for kind in SEND_KINDS}
    for round_index in range(args.rounds):
        for kind in SEND_KINDS:
            logger.info("round %d: %s", round_index + 1, kind)
            runs[kind].append(await measure_send_receive(kind, args))
    logger.info("receive mode")
    receive = await measure_receive(args)
    return {
        "benchmark": "video",
        "config": {
            "width": vb.W,
            "height": vb.H,
            "fps": args.fps,
            "warmup_s": args.warmup,
            "window_s": args.window,
            "rounds": args.rounds,
            "transform": "identity on an RGB ndarray",
            "bare": "video_frame_callback: to_ndarray('rgb24') -> VideoFrame.from_ndarray",
            "passthrough": "video_frame_callback: return frame (no pixel access)",
        },
        "send_receive": summarise(runs, args.fps),
        "runs": runs,
        "receive": receive,
    }


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fps", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--window", type=float, default=10.0)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    logging.basicConfig(
        stream=sys.stderr,
        level=logging.INFO if args.verbose else logging.WARNING,
        format="%(asctime)s %(name)s: %(message)s",
    )
    for noisy in ("aioice", "aiortc"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    from streamlit_rtc.testing.ice import restrict_ice_to_loopback

    restrict_ice_to_loopback()
    result = asyncio.run(run(args))
    print(json.dumps(result, indent=2))
    return result


if __name__ == "__main__":
    main()
