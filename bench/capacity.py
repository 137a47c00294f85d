"""Benchmark: how many live voice sessions one server process holds, and the CPU of each.

Prints one JSON object on stdout (logs go to stderr). Everything runs on
127.0.0.1.

* Servers: ``bench/capacity_server.py`` in its own process per side, with an
  HTTP signaller (``POST /offer`` → answer). ``ours`` is what the component
  runs per connection (``AudioStreamSession(ReplyOnPause(echo))`` behind
  ``ServerPeer``, ``tune_aiortc()``); ``bare`` is streamlit-webrtc's
  ``WebRtcWorker`` with ``audio_frame_callback=identity`` (an echo), aiortc
  as shipped. Server CPU is read from ``/proc/<pid>/stat`` (every thread of
  the server process, nothing else).
* Clients: aiortc peers in separate client processes (2 sessions each), so
  their CPU is not the server's. Each behaves like our component in a
  browser: the ``streamlit-rtc`` data channel, a 48 kHz stereo microphone
  paced by the wall clock playing ``three_turns.wav`` in a loop (three
  questions, 2.5 s of silence after each; every session starts at another
  point of the loop), and a receiver that decodes after one packet (as a
  browser on loopback does) and records when each frame arrived and how loud it was.
* Ramp (per side, one side after the other): +``--step`` sessions, settle,
  then a ``--window`` of measurement. A step is *good* when, over its window,
  - late output frames (inter-arrival gap > 60 ms at the client) are at most 1 %,
  - missing output frames (fewer than 50 per second per session arrived) at most 2 %,
  - turn latency p95 <= 1 s and no turn missed (``ours``: end of speech in the
    fixture → first reply audio at the client; ``bare``: speech onset sent →
    its echo heard),
  - dropped input (frames the server's handler never saw, of those sent) at most 1 %.
  A bad window is measured again at the same count (other jobs share the
  machine); the ramp stops when that one is bad too (or at ``--max-sessions``).
  Sessions per core = sessions at the last good step / server cores used then.
* Fixed: ``--fixed-sessions`` × ``--fixed-window`` s per side, back to back
  (less sensitive to other jobs on the machine than the breaking point).
  One ``ours`` session keeps the reply audio it received, compared with what
  it said (normalised cross-correlation per reply): "no audible change" is
  the same figure before and after a change.

The machine has 2 cores and may run other jobs: the load average is
recorded at each step.

Run: ``python bench/capacity.py`` (``--skip-ramp`` for the fixed runs only).

This file holds the ramp, the fixed runs and the report; the pieces are in
``bench/_capacity_fixture.py`` (looped microphone), ``_capacity_client.py`` (client
processes), ``_capacity_host.py`` (the server process) and ``_capacity_quality.py``
(judging a window).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import _logs  # noqa: E402
from bench._audio_levels import FRAME  # noqa: E402
from bench._capacity_client import ClientGroup  # noqa: E402
from bench._capacity_fixture import load_fixture  # noqa: E402
from bench._capacity_host import ServerProcess  # noqa: E402
from bench._capacity_quality import (  # noqa: E402
    LATE_GAP_S,
    MAX_DROPPED,
    MAX_LATE,
    MAX_MISSING,
    MAX_TURN_P95_S,
    reply_similarity,
    summarize,
)
from bench._stats import pct  # noqa: E402

logger = logging.getLogger("bench.capacity")


class Side:
    """One server process and the client groups connected to it."""

    def __init__(self, side: str) -> None:
        self.side = side
        self.server = ServerProcess(side)
        self.groups: list[ClientGroup] = []
        self.count = 0
        self.samples, self.utterances = load_fixture()
        self.connect_s: list[float] = []

    def add(self, n: int, keep_first: bool = False) -> None:
        sids = [f"{self.side}-{self.count + i}" for i in range(n)]
        # Spread the sessions over the loop: turns do not all end at once.
        offsets = [
            (((self.count + i) * 7919 * FRAME) % self.samples.size) // FRAME * FRAME
            for i in range(n)
        ]
        keep = [keep_first and self.count == 0 and i == 0 for i in range(n)]
        group = ClientGroup(self.server.port, self.side, sids, offsets, keep)
        self.groups.append(group)
        self.count += n
        self.connect_s += group.receive()

    def measure(self, settle_s: float, window_s: float) -> dict[str, Any]:
        time.sleep(settle_s)
        stats0, cpu0, t0 = self.server.stats(), self.server.cpu_s(), time.monotonic()
        time.sleep(window_s)
        stats1, cpu1, t1 = self.server.stats(), self.server.cpu_s(), time.monotonic()
        time.sleep(2.6)  # let the last turns of the window be answered
        snaps = [s for g in self.groups for s in g.call("report")]
        return summarize(
            self.side,
            self.count,
            snaps,
            stats0,
            stats1,
            cpu0,
            cpu1,
            t0,
            t1,
            self.utterances,
            self.samples.size,
        )

    def reply_audio(self) -> list[Any]:
        return [a for g in self.groups for a in g.call("audio")]

    def close(self) -> None:
        for group in self.groups:
            group.stop()
        self.server.shutdown()


def warm_up(side: Side) -> None:
    side.add(1)
    time.sleep(1.0)
    for group in side.groups:
        group.stop()
        for sid in group.sids:
            side.server.close(sid)
    side.groups, side.count = [], 0
    side.connect_s = []


def ramp(side_name: str, args: argparse.Namespace) -> dict[str, Any]:
    side = Side(side_name)
    steps: list[dict[str, Any]] = []
    try:
        warm_up(side)
        while side.count < args.max_sessions:
            side.add(args.step)
            step = side.measure(args.settle, args.window)
            logger.info("%s: %s", side_name, json.dumps(step))
            if not step["good"]:
                # Other jobs share the 2 cores: a bad window counts only if the next
                # window at the same count is bad too.
                step["retried"] = True
                steps.append(step)
                step = side.measure(0.0, args.window)
                logger.info("%s (again): %s", side_name, json.dumps(step))
            steps.append(step)
            if not step["good"]:
                break
    finally:
        side.close()
    good = [s for s in steps if s["good"]]
    last = good[-1] if good else None
    final = [s for s in steps if not s.get("retried")]
    return {
        "last_good_sessions": last["sessions"] if last else 0,
        "first_bad": next(
            (
                {"sessions": s["sessions"], "problems": s["problems"]}
                for s in final
                if not s["good"]
            ),
            None,
        ),
        "cpu_per_session_core_at_last_good": last["cpu_per_session_core"] if last else None,
        "sessions_per_core_at_last_good": (
            round(last["sessions"] / last["server_cores"], 1) if last else None
        ),
        "steps": steps,
    }


def fixed(side_name: str, args: argparse.Namespace) -> dict[str, Any]:
    side = Side(side_name)
    try:
        warm_up(side)
        for i in range(0, args.fixed_sessions, 2):
            side.add(min(2, args.fixed_sessions - i), keep_first=(i == 0))
        result = side.measure(args.settle, args.fixed_window)
        result["connect_s_p50"] = pct(side.connect_s, 50)
        if side_name == "ours":
            sims = []
            for _, _, audio in side.reply_audio():
                if audio is not None:
                    sims += reply_similarity(side.samples, side.utterances, audio)
            result["reply_vs_spoken_correlation"] = {
                "min": min(sims) if sims else None,
                "median": round(statistics.median(sims), 4) if sims else None,
                "n": len(sims),
            }
    finally:
        side.close()
    return result


def main() -> dict[str, Any]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=2, help="sessions added per step")
    parser.add_argument("--settle", type=float, default=3.0)
    parser.add_argument("--window", type=float, default=12.0, help="measured seconds per step")
    parser.add_argument("--max-sessions", type=int, default=40)
    parser.add_argument("--fixed-sessions", type=int, default=4)
    parser.add_argument("--fixed-window", type=float, default=20.0)
    parser.add_argument("--skip-ramp", action="store_true")
    parser.add_argument("--skip-fixed", action="store_true")
    parser.add_argument("--sides", default="ours,bare")
    parser.add_argument(
        "--server-root",
        help="serve the streamlit_rtc of this checkout (before/after comparisons)",
    )
    parser.add_argument("-v", "--verbose", action="store_true")
    args = parser.parse_args()
    _logs.configure(args.verbose)
    if args.server_root:
        os.environ["CAPACITY_SERVER_ROOT"] = str(Path(args.server_root).resolve())
    sides = [s for s in args.sides.split(",") if s]
    started = time.monotonic()
    load_start = os.getloadavg()
    out: dict[str, Any] = {
        "benchmark": "capacity",
        "transport": "aiortc clients (separate processes) <-> one server process, 127.0.0.1",
        "cpus": os.cpu_count(),
        "server_root": os.environ.get("CAPACITY_SERVER_ROOT") or str(ROOT),
        "loadavg_start": [round(x, 2) for x in load_start],
        "criteria": {
            "late_output_frames_le": MAX_LATE,
            "late_gap_s": LATE_GAP_S,
            "missing_output_frames_le": MAX_MISSING,
            "turn_latency_p95_le_s": MAX_TURN_P95_S,
            "dropped_input_le": MAX_DROPPED,
        },
    }
    if not args.skip_fixed:
        out["fixed"] = {s: fixed(s, args) for s in sides}
        if {"ours", "bare"} <= set(sides):
            ours = out["fixed"]["ours"]["cpu_per_session_core"]
            bare = out["fixed"]["bare"]["cpu_per_session_core"]
            out["fixed"]["bare_over_ours_cpu"] = round(bare / ours, 2)
    if not args.skip_ramp:
        out["ramp"] = {s: ramp(s, args) for s in sides}
    out["loadavg_end"] = [round(x, 2) for x in os.getloadavg()]
    out["runtime_s"] = round(time.monotonic() - started, 1)
    return out


if __name__ == "__main__":
    print(json.dumps(main(), indent=2))
