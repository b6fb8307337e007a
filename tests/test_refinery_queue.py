"""The refinery's pure planning: batch-then-bisect (refinery.batch.settle) and queue order (score)."""

from __future__ import annotations

import datetime as dt
import math

import pytest

from gastown_tui.services.refinery.score import hours_since, score
from gastown_tui.services.refinery.search import settle


def _run(n: int, bad: set[int], conflicts: frozenset[int] = frozenset(), width: int = 1, retries: int = 0,
         flakes: int = 0):  # fmt: skip
    """settle() over items 0..n-1 against an oracle: a stack is red iff it holds a bad item (or is
    one of the first ``flakes`` stacks gated). Returns merged, rejected, dropped, rounds (stacks per round)."""
    merged: list[int] = []
    rejected: list[int] = []
    dropped: list[int] = []
    rounds: list[list[tuple[int, ...]]] = []
    flaky: list[tuple[int, ...]] = []

    def test(stacks):
        assert 1 <= len(stacks) <= width
        gone = {i for stack in stacks for i in stack if i in conflicts}
        if gone:
            dropped.extend(sorted(gone - set(dropped)))
            return [], gone
        rounds.append(list(stacks))
        runs = sum(len(r) for r in rounds)
        return [not (set(s) & bad) and runs - len(stacks) + k >= flakes for k, s in enumerate(stacks)], set()

    def accept(items):
        merged.extend(items)
        assert tuple(merged) in {s for r in rounds for s in r}  # the target moves only to a gated stack

    settle(list(range(n)), test, accept, rejected.append, width=width, retries=retries, flaky=flaky.append)
    return merged, rejected, dropped, rounds, flaky


@pytest.mark.parametrize(
    "n,bad",
    [(16, set()), (16, {0}), (16, {7}), (16, {15}), (16, {1, 8, 14}), (8, {3, 4}), (5, {0, 1, 2, 3, 4}), (1, {0})],
)
@pytest.mark.parametrize("width", [1, 2, 4])
def test_settle_merges_exactly_the_good_ones_in_queue_order(n, bad, width):
    merged, rejected, _, rounds, _ = _run(n, bad, width=width, retries=1)
    assert merged == [i for i in range(n) if i not in bad]
    assert sorted(rejected) == sorted(bad)
    for stack in (s for r in rounds for s in r):
        assert list(stack) == sorted(stack)


@pytest.mark.parametrize("culprit", range(16))
def test_one_bad_in_sixteen_costs_at_most_two_plus_log2_gate_runs(culprit):
    _, rejected, _, rounds, _ = _run(16, {culprit})
    assert rejected == [culprit]
    assert len(rounds) <= 2 + math.log2(16)  # 6, vs 16 for a one-at-a-time queue


@pytest.mark.parametrize("culprit", range(16))
def test_two_stacks_at_once_find_one_bad_in_sixteen_in_at_most_four_rounds(culprit):
    _, rejected, _, rounds, _ = _run(16, {culprit}, width=2, retries=1)
    assert rejected == [culprit]
    assert len(rounds) <= 4  # vs 6 one stack at a time
    assert sum(len(r) for r in rounds) <= 8


def test_three_bad_in_sixteen_are_all_found_with_fewer_runs_than_one_at_a_time():
    _, rejected, _, rounds, _ = _run(16, {2, 9, 13})
    assert rejected == [2, 9, 13]
    assert len(rounds) < 16


def test_a_green_batch_is_gated_once():
    merged, _, _, rounds, _ = _run(8, set())
    assert merged == list(range(8)) and rounds == [[tuple(range(8))]]


def test_conflicting_items_are_dropped_and_the_rest_still_settle():
    merged, rejected, dropped, _, _ = _run(8, {5}, conflicts=frozenset({2, 6}), width=2)
    assert dropped == [2, 6]
    assert merged == [0, 1, 3, 4, 7]
    assert rejected == [5]


@pytest.mark.parametrize("flakes", [1, 2, 3])
def test_a_flake_convicts_nobody_when_a_failure_must_reproduce(flakes):
    """The first runs fail whatever they hold: with a retry nobody good is convicted; without, someone is."""
    merged, rejected, _, rounds, flaky = _run(8, set(), width=2, retries=1, flakes=flakes)
    assert merged == list(range(8)) and rejected == []
    assert flaky  # the red that did not reproduce was reported
    _, rejected, _, _, _ = _run(8, set(), width=1, retries=0, flakes=1)
    assert rejected  # today's bisection trusts one red run


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
