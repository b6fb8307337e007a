"""The search over one batch, free of git and the ledger: which stacks to gate at once, what to land,
whom to convict.

Every stack is ``landed + some pending items`` in queue order, named by its tuple of items (the
same tuple is always the same commit: ``BatchRun`` caches each merge commit by what it sits on).
Each round gates up to ``width`` stacks at the same time:

- nothing known yet: the whole stack, and its cumulative prefixes at 1/width, 2/width… of it;
- a red prefix of ``s`` items: prefixes splitting it in ``width + 1`` parts (an N-ary bisection);
  once ``s <= width``, each of its prefixes and, in the slots left, the stack without its last
  items — what lands if that item is the culprit (Zuul's speculation on the likeliest path);
- after each round the longest green prefix lands (the target moves there: it passed), and the
  item right after it, if that prefix plus it is red, is the culprit.

With width 1 this is plain bisection (Bors): one bad item among n costs 2 + log2(n) runs.

Flaky gates: an item is convicted only on ``1 + retries`` red runs that blame it alone — red stacks
``S`` whose other items are green without it (``S - {item}`` passed, or is the target). Short of
that, the red commit is gated again (the other slots speculate on what follows); green then means
the red was a flake: that stack is green (``flaky`` is told) and nobody is convicted.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Hashable, Sequence
from typing import TypeVar

T = TypeVar("T", bound=Hashable)

# test(stacks) gates every stack at once: (verdict per stack, items it had to drop). When it drops
# items (they no longer stack) it may return no verdicts; the search forgets them and plans again.
Test = Callable[[list[tuple[T, ...]]], tuple[list[bool], set[T]]]


def settle(
    items: Sequence[T],
    test: Test,
    accept: Callable[[list[T]], None],
    reject: Callable[[T], None],
    *,
    width: int = 1,
    retries: int = 0,
    flaky: Callable[[tuple[T, ...]], None] = lambda stack: None,
) -> None:
    """Land as many of ``items`` as the gates allow, in order; convict the ones that break them.

    ``accept(extension)`` is called right after a green test of ``landed + extension``: the target
    moves there. ``reject(item)`` convicts one item. Every item ends accepted, rejected or dropped."""
    width = max(1, width)
    landed: list[T] = []
    pending = list(items)
    green: set[tuple[T, ...]] = {()}
    reds: Counter[tuple[T, ...]] = Counter()
    while pending:
        prefixes = [tuple(landed + pending[:k]) for k in range(len(pending) + 1)]
        passed = [k for k in range(1, len(pending) + 1) if prefixes[k] in green]
        if passed:
            k = max(passed)
            accept(pending[:k])
            landed += pending[:k]
            pending = pending[k:]
            continue
        red = next((k for k in range(1, len(pending) + 1) if reds[prefixes[k]]), None)
        known = green.union(reds)
        retry: list[tuple[T, ...]] = []
        if red == 1:
            if _blame(pending[0], green, reds) > retries:
                reject(pending[0])
                pending = pending[1:]
                continue
            retry = [prefixes[1]]  # gate the red commit again; meanwhile speculate that it is convicted
            plan = _plan(landed, pending[1:], None, width - 1, known)
        else:
            plan = _plan(landed, pending, red, width, known)
        stacks = retry + plan
        verdicts, dropped = test(stacks)
        if dropped:
            pending = [p for p in pending if p not in dropped]
            continue
        for stack, ok in zip(stacks, verdicts, strict=True):
            if ok:
                if reds[stack]:
                    flaky(stack)
                green.add(stack)
            else:
                reds[stack] += 1


def _blame(item: T, green: set[tuple[T, ...]], reds: Counter[tuple[T, ...]]) -> int:
    """Red runs that only ``item`` can explain: the stack was red, and green without it."""
    return sum(
        n
        for stack, n in reds.items()
        if item in stack and stack not in green and tuple(x for x in stack if x != item) in green
    )


def _plan(landed: list[T], pending: list[T], red: int | None, width: int, known: set) -> list[tuple[T, ...]]:
    """Up to ``width`` stacks not gated yet, the most useful first (see the module's docstring)."""
    m = len(pending)
    if not m or width < 1:
        return []
    if red is None:
        parts = [pending[: math.ceil(m * j / width)] for j in range(width, 0, -1)]
    elif red <= width:
        parts = [pending[:k] for k in range(1, red)]
        parts += [pending[:c] + pending[c + 1 :] for c in range(red - 1, -1, -1)]
    else:
        parts = [pending[: math.ceil(red * j / (width + 1))] for j in range(1, width + 1)]
    plan: list[tuple[T, ...]] = []
    for part in parts:
        stack = tuple(landed + part)
        if part and stack not in known and stack not in plan:
            plan.append(stack)
    return plan[:width]
