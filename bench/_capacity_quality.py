"""Judging a window of ``bench/capacity.py``: late and missing frames, turn latency, dropped input.

:func:`summarize` turns the clients' reports and the server's counters over one
window into the step's figures and says whether the step was good; the reply
audio kept by one session is compared with what it said (:func:`reply_similarity`).
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

from bench._audio_levels import FRAME, LOUD_RMS, ONSET_RMS
from bench._capacity_fixture import FRAME_S, LoopedMic
from bench._stats import pct

LATE_GAP_S = 0.06
MAX_LATE = 0.01
MAX_MISSING = 0.02
MAX_DROPPED = 0.01
MAX_TURN_P95_S = 1.0


def session_quality(
    snap: dict[str, Any],
    side: str,
    utterances: list[tuple[int, int, int]],
    size: int,
    t0: float,
    t1: float,
) -> dict[str, Any]:
    """Late/missing frames and turn latencies of one session over ``[t0, t1)``."""
    arrivals = np.array(snap["arrivals"])
    rms = np.array(snap["rms"])
    pulls = np.array(snap["pulls"])
    in_window = (arrivals >= t0) & (arrivals < t1)
    got = arrivals[in_window]
    gaps = np.diff(got) if got.size > 1 else np.zeros(0)
    expected = (t1 - t0) / FRAME_S
    sent = int(np.count_nonzero((pulls >= t0) & (pulls < t1)))
    mic = LoopedMic.replay(size, snap["offset"], list(pulls))
    loud = arrivals[rms > LOUD_RMS]
    onset_loud = arrivals[rms > ONSET_RMS]
    latencies, missed = [], 0
    for loop_index in range(int(len(pulls) * FRAME / size) + 2):
        for n, (_, onset, end) in enumerate(utterances):
            if side == "ours":
                at = mic.send_time(loop_index, end)
                nxt = (
                    mic.send_time(loop_index, utterances[n + 1][0])
                    if n + 1 < len(utterances)
                    else mic.send_time(loop_index + 1, utterances[0][0])
                )
                limit = nxt if nxt is not None else (at or 0) + 2.5
                heard = loud
            else:
                # The onset frame is delivered whole: its last sample is the one sent.
                at = mic.send_time(loop_index, onset + FRAME - 1)
                limit = (at or 0) + 2.0
                heard = onset_loud
            if at is None or not (t0 <= at < t1 - 2.5):
                continue
            later = heard[(heard >= at - (FRAME_S if side == "bare" else 0.0)) & (heard < limit)]
            if later.size:
                latencies.append(float(later[0] - at))
            else:
                missed += 1
    return {
        "received": int(got.size),
        "expected": expected,
        "sent": sent,
        "late": int(np.count_nonzero(gaps > LATE_GAP_S)),
        "max_gap_s": float(gaps.max()) if gaps.size else None,
        "latencies": latencies,
        "missed_turns": missed,
    }


def summarize(
    side: str,
    sessions: int,
    snaps: list[dict[str, Any]],
    stats0: dict[str, Any],
    stats1: dict[str, Any],
    cpu0: float,
    cpu1: float,
    t0: float,
    t1: float,
    utterances: list[tuple[int, int, int]],
    size: int,
) -> dict[str, Any]:
    wall = t1 - t0
    q = [session_quality(s, side, utterances, size, t0, t1) for s in snaps]
    received = sum(x["received"] for x in q)
    expected = sum(x["expected"] for x in q)
    late = sum(x["late"] for x in q)
    lat = [v for x in q for v in x["latencies"]]
    missed = sum(x["missed_turns"] for x in q)
    sent = sum(x["sent"] for x in q)
    s0, s1 = stats0["sessions"], stats1["sessions"]
    frames_in = sum(s1[k]["frames_in"] - s0[k]["frames_in"] for k in s1 if k in s0)
    dropped = sum(
        s1[k].get("dropped_input_frames", 0) - s0[k].get("dropped_input_frames", 0)
        for k in s1
        if k in s0
    )
    handled = frames_in - dropped
    underruns = sum(
        s1[k].get("out_underruns", 0) - s0[k].get("out_underruns", 0) for k in s1 if k in s0
    )
    resyncs = sum(s1[k].get("out_resyncs", 0) - s0[k].get("out_resyncs", 0) for k in s1 if k in s0)
    cpu = (cpu1 - cpu0) / wall
    threads = {
        k: round((v - stats0["threads"].get(k, 0.0)) / wall / sessions, 4)
        for k, v in stats1["threads"].items()
    }
    late_frac = late / max(1, received)
    missing_frac = max(0.0, 1 - received / max(1.0, expected))
    dropped_frac = max(0.0, 1 - handled / max(1, sent))
    p95 = pct(lat, 95)
    problems = []
    if late_frac > MAX_LATE:
        problems.append(f"late output frames {late_frac:.1%}")
    if missing_frac > MAX_MISSING:
        problems.append(f"missing output frames {missing_frac:.1%}")
    if p95 is None or p95 > MAX_TURN_P95_S or missed:
        problems.append(f"turn latency p95 {p95} s, {missed} missed")
    if dropped_frac > MAX_DROPPED:
        problems.append(f"dropped input {dropped_frac:.1%}")
    return {
        "sessions": sessions,
        "window_s": round(wall, 2),
        "server_cores": round(cpu, 3),
        "cpu_per_session_core": round(cpu / sessions, 4),
        "cpu_per_session_by_thread_core": {
            k: v for k, v in sorted(threads.items(), key=lambda kv: -kv[1]) if abs(v) >= 0.0005
        },
        "late_output_frames": round(late_frac, 4),
        "missing_output_frames": round(missing_frac, 4),
        "max_gap_s": round(max((x["max_gap_s"] or 0.0) for x in q), 3),
        "turn_latency_s": {"p50": pct(lat, 50), "p95": p95, "n": len(lat), "missed": missed},
        "dropped_input": round(dropped_frac, 4),
        "handler_dropped_frames": dropped,
        "out_underruns_per_s": round(underruns / wall / sessions, 2) if side == "ours" else None,
        "out_resyncs": resyncs if side == "ours" else None,
        "loadavg_1m": round(os.getloadavg()[0], 2),
        "good": not problems,
        "problems": problems,
    }


def reply_similarity(
    samples: np.ndarray, utterances: list[tuple[int, int, int]], received: np.ndarray
) -> list[float]:
    """Per utterance found in the received audio: peak normalised cross-correlation with it."""
    out = []
    rx = received.astype(np.float64)
    for start, _, end in utterances:
        u = samples[start : end + 1].astype(np.float64)
        if u.size < FRAME or rx.size < u.size:
            continue
        # Cross-correlation by FFT; normalise by the energies of u and of each rx window.
        n = 1 << int(np.ceil(np.log2(rx.size + u.size)))
        corr = np.fft.irfft(np.fft.rfft(rx, n) * np.conj(np.fft.rfft(u, n)), n)[: rx.size - u.size]
        c2 = np.concatenate([[0.0], np.cumsum(rx * rx)])
        win = c2[u.size : u.size + corr.size] - c2[: corr.size]
        norm = np.sqrt(np.maximum(win, 1e-9) * float(np.dot(u, u)))
        score = corr / norm
        score[win < 1e-3 * float(np.dot(u, u))] = 0.0
        out.append(round(float(score.max()), 4))
    return out
