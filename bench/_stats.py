"""Percentile summaries of the benchmarks' measurements (linear interpolation, as numpy)."""

from __future__ import annotations

from typing import Any

import numpy as np


def pct(values: list[float], q: float) -> float | None:
    """The ``q``-th percentile of ``values`` (NaN dropped), to the millisecond; None if empty."""
    clean = [v for v in values if v == v]
    return round(float(np.percentile(clean, q)), 3) if clean else None


def summary(values: list[float], digits: int = 1) -> dict[str, Any]:
    """n, p50, p95, min, max of ``values``, rounded to ``digits``."""
    if not values:
        return {"n": 0, "p50": None, "p95": None, "min": None, "max": None}
    arr = np.asarray(values, dtype=float)
    return {
        "n": len(values),
        "p50": round(float(np.percentile(arr, 50)), digits),
        "p95": round(float(np.percentile(arr, 95)), digits),
        "min": round(float(arr.min()), digits),
        "max": round(float(arr.max()), digits),
    }
