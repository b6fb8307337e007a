"""The refinery's planning, free of git and the ledger: queue order, and the
batch-then-bisect search that finds which merge requests of a red batch broke it.

The search (Bors style) stacks a batch on the target and gates it once. Red: test the
left half on the same base. A green left half is merged at once (it passed the gates,
so the target may move there) and, since the whole batch was red, the culprit is known
to be in the right half, whose full stack needs no new run. A red left half is searched
the same way, then the right half is tried afresh on the new target. A single MR known
to be red on the current target is a culprit. With one bad MR among n this costs about
1 + log2(n) gate runs instead of n for a one-at-a-time queue.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

# Gas Town's weights (internal/refinery/score.go): priority dominates, age prevents starvation,
# retries push thrashing MRs back.
BASE_SCORE = 1000
PER_PRIORITY = 100
PER_CONVOY_HOUR = 10
PER_MR_HOUR = 1
PER_RETRY = 50
MAX_RETRY_PENALTY = 300


def hours_since(stamp: str | None, now: _dt.datetime) -> float:
    """Hours from a ledger timestamp (``2026-01-02T03:04:05Z``) to ``now``; 0 when unknown or in the future."""
    if not stamp:
        return 0.0
    try:
        when = _dt.datetime.fromisoformat(str(stamp).replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    if when.tzinfo is None:
        when = when.replace(tzinfo=_dt.UTC)
    return max(0.0, (now - when).total_seconds() / 3600)


def score(priority: int, mr_age_h: float, convoy_age_h: float = 0.0, retries: int = 0) -> float:
    """Higher merges first: 1000 + 100·(4−priority) + 10·convoy hours + MR hours − 50·retries (≤ 300)."""
    priority = priority if 0 <= priority <= 4 else 4
    return (
        BASE_SCORE
        + PER_PRIORITY * (4 - priority)
        + PER_CONVOY_HOUR * convoy_age_h
        + PER_MR_HOUR * mr_age_h
        - min(PER_RETRY * max(retries, 0), MAX_RETRY_PENALTY)
    )


Test = Callable[[list[T]], tuple[bool, list[T]]]


def settle(items: Sequence[T], test: Test, accept: Callable[[list[T]], None], reject: Callable[[T], None]) -> None:
    """Merge as many of ``items`` as the gates allow, in order; convict the ones that break them.

    ``test(items)`` stacks ``items`` on the current target and gates the stack once, returning
    ``(green, kept)``: ``kept`` are the items that stacked (one that conflicts is dropped — the
    caller deals with it — and the gates judge the rest). ``accept(kept)`` is called right after a
    green test: the target moves to that stack. ``reject(item)`` convicts one item. Every item ends
    up accepted, rejected, or dropped by ``test``. Assumes gates are deterministic.
    """
    _settle(list(items), False, test, accept, reject)


def _settle(items: list[T], known_red: bool, test: Test, accept, reject) -> None:
    if not items:
        return
    if not known_red:
        green, items = test(items)
        if not items:
            return
        if green:
            accept(items)
            return
    if len(items) == 1:
        reject(items[0])
        return
    half = len(items) // 2
    left, right = items[:half], items[half:]
    green, kept = test(left)
    if green:
        if kept:
            accept(kept)
        # The whole stack was red and its left part is green: the right part is red on the new
        # target, unless a dropped conflict changed what the right part sits on.
        _settle(right, kept == left, test, accept, reject)
    else:
        _settle(kept, True, test, accept, reject)
        _settle(right, False, test, accept, reject)
