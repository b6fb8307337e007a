"""The refinery's pure planning: batch-then-bisect (refinery.batch.settle) and queue order (score)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from gastown_tui.services.refinery.batch import settle
from gastown_tui.services.refinery.score import hours_since, score


def _run(n: int, bad: set[int], conflicts: frozenset[int] = frozenset()):
    """settle() over items 0..n-1 against an oracle: a stack is red iff it holds a bad item."""
    merged: list[int] = []
    rejected: list[int] = []
    dropped: list[int] = []
    stacks: list[list[int]] = []

    def test(items):
        kept = [i for i in items if i not in conflicts]
        dropped.extend(i for i in items if i in conflicts and i not in dropped)
        if kept:
            stacks.append(merged + kept)
        return not (set(kept) & bad), kept

    settle(list(range(n)), test, merged.extend, rejected.append)
    return merged, rejected, dropped, stacks


@pytest.mark.parametrize(
    "n,bad",
    [(16, set()), (16, {0}), (16, {7}), (16, {15}), (16, {1, 8, 14}), (8, {3, 4}), (5, {0, 1, 2, 3, 4}), (1, {0})],
)
def test_settle_merges_exactly_the_good_ones_in_queue_order(n, bad):
    merged, rejected, _, stacks = _run(n, bad)
    assert merged == [i for i in range(n) if i not in bad]
    assert sorted(rejected) == sorted(bad)
    # every stack tested sits on what was merged before it: the target only ever holds green stacks
    for stack in stacks:
        assert stack == sorted(stack)


@pytest.mark.parametrize("culprit", range(16))
def test_one_bad_in_sixteen_costs_at_most_two_plus_log2_gate_runs(culprit):
    _, rejected, _, stacks = _run(16, {culprit})
    assert rejected == [culprit]
    assert len(stacks) <= 2 + math.log2(16)  # 6, vs 16 for a one-at-a-time queue


def test_three_bad_in_sixteen_are_all_found_with_fewer_runs_than_one_at_a_time():
    _, rejected, _, stacks = _run(16, {2, 9, 13})
    assert rejected == [2, 9, 13]
    assert len(stacks) < 16


def test_a_green_batch_is_gated_once():
    merged, _, _, stacks = _run(8, set())
    assert merged == list(range(8)) and len(stacks) == 1


def test_conflicting_items_are_dropped_and_the_rest_still_settle():
    merged, rejected, dropped, _ = _run(8, {5}, conflicts=frozenset({2, 6}))
    assert dropped == [2, 6]
    assert merged == [0, 1, 3, 4, 7]
    assert rejected == [5]


def test_score_puts_priority_first_then_age_and_penalises_retries():
    assert score(0, 0) > score(1, 50)  # one priority level outweighs two days of age
    assert score(2, 5) > score(2, 1)
    assert score(2, 0, convoy_age_h=3) > score(2, 20)
    assert score(2, 0, retries=2) == score(2, 0) - 100
    assert score(2, 0, retries=100) == score(2, 0) - 300  # capped
    assert score(9, 0) == score(4, 0)  # out of range counts as P4


def test_hours_since_reads_ledger_stamps():
    now = dt.datetime(2026, 1, 2, 6, 0, tzinfo=dt.UTC)
    assert hours_since("2026-01-02T03:00:00Z", now) == 3
    assert hours_since("", now) == 0 and hours_since("garbage", now) == 0
    assert hours_since("2026-01-03T00:00:00Z", now) == 0
