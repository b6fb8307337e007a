"""Timing helpers shared by the benchmarks (run by hand; they print figures, never assert)."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable


def timed(fn: Callable[[], object], repeat: int) -> list[float]:
    """Milliseconds taken by each of ``repeat`` calls of ``fn``."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def p95(samples: list[float]) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]


def summary(samples: list[float]) -> str:
    return f"median {statistics.median(samples):7.2f} ms   p95 {p95(samples):7.2f} ms   (n={len(samples)})"
