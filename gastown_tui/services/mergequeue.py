"""The refinery's planning, free of git and the ledger: queue order, and the
batch-then-bisect search that finds which merge requests of a red batch broke it.

The search (Bors style) stacks a batch on the target and gates it once. Red: binary
search for the longest green prefix of the stack. Each green prefix tested is merged at
once (it passed the gates, so the target may move there); the MR right after the longest
green prefix is the culprit; what followed it is stacked and gated again as one (it was
only ever tested on top of the culprit). With one bad MR among n this costs at most
2 + log2(n) gate runs instead of n for a one-at-a-time queue; each further culprit costs
about 1 + log2(n) more.
"""

from __future__ import annotations

import datetime as _dt
from collections.abc import Callable, Sequence
from typing import TypeVar

from ..ledger.fields import parse_stamp

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
    when = parse_stamp(stamp)
    return max(0.0, (now - when).total_seconds() / 3600) if when else 0.0


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
    pending = list(items)
    while pending:
        green, stack = test(pending)
        if not stack:
            return
        if green:
            accept(stack)
            return
        pending = _bisect(stack, test, accept, reject)


def _bisect(stack: list[T], test: Test, accept, reject) -> list[T]:
    """``stack`` is red on the current target: merge its longest green prefix, convict the item
    after it, and return what follows (untested: it sat on top of the culprit)."""
    lo, hi = 0, len(stack)  # invariant: stack[:lo] is merged; stack[lo:hi] on the target is red
    while hi - lo > 1:
        mid = (lo + hi) // 2
        part = stack[lo:mid]
        green, kept = test(part)
        if kept != part:  # a conflict dropped something, so the red verdict above no longer holds
            if green and kept:
                accept(kept)
            return ([] if green else kept) + stack[mid:]
        if green:
            accept(part)
            lo = mid
        else:
            hi = mid
    reject(stack[lo])
    return stack[hi:]
