"""What the refinery notes on each MR of a batch while it works: every gate run it took part in
(``RunNote``: commit, outcome, flaky) and the live search over the batch (``Bisection``: which
stacks are running, green or red) — what ``gt mq show`` and the TUI show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

KEEP_RUNS = 30  # gate runs kept per MR (the newest)


@dataclass(frozen=True)
class RunNote:
    """One gate run on a stack holding this MR. ``flaky``: that commit was red, then green on a re-run."""

    commit: str
    ok: bool
    stack: tuple[str, ...]
    at: str
    flaky: bool = False
    retry: bool = False  # a re-run of a red commit
    failed_gate: str = ""
    seconds: float = 0.0

    @classmethod
    def from_json(cls, data: object) -> RunNote | None:
        if not isinstance(data, Mapping):
            return None
        return cls(
            commit=str(data.get("commit") or ""),
            ok=bool(data.get("ok")),
            stack=tuple(str(m) for m in data.get("stack") or ()),
            at=str(data.get("at") or ""),
            flaky=bool(data.get("flaky")),
            retry=bool(data.get("retry")),
            failed_gate=str(data.get("failed_gate") or ""),
            seconds=float(data.get("seconds") or 0.0),
        )

    def to_json(self) -> dict[str, object]:
        return {"at": self.at, "commit": self.commit, "failed_gate": self.failed_gate, "flaky": self.flaky,
                "ok": self.ok, "retry": self.retry, "seconds": self.seconds, "stack": list(self.stack)}  # fmt: skip

    @property
    def outcome(self) -> str:
        if self.flaky:
            return "flaky (red, then green on the same commit)"
        return "green" if self.ok else f"red ({self.failed_gate or 'gates'})"

    def text(self) -> str:
        again = " re-run" if self.retry else ""
        return f"{self.commit[:10]}  stack of {len(self.stack)}{again}: {self.outcome} in {self.seconds:g}s"


def runs_from_json(data: object) -> tuple[RunNote, ...]:
    notes = (RunNote.from_json(d) for d in data) if isinstance(data, list) else ()
    return tuple(n for n in notes if n)


@dataclass(frozen=True)
class StackState:
    mrs: tuple[str, ...]
    commit: str
    state: str  # running | green | red | flaky


@dataclass(frozen=True)
class Bisection:
    """The batch an MR is in and the stacks of its latest round, in batch order ``order``."""

    batch: str
    order: tuple[str, ...]
    round: int
    stacks: tuple[StackState, ...] = ()

    @classmethod
    def from_json(cls, data: object) -> Bisection | None:
        if not isinstance(data, Mapping):
            return None
        stacks = tuple(
            StackState(tuple(str(m) for m in s.get("mrs") or ()), str(s.get("commit") or ""), str(s.get("state") or ""))
            for s in data.get("stacks") or ()
            if isinstance(s, Mapping)
        )
        order = tuple(str(m) for m in data.get("order") or ())
        return cls(str(data.get("batch") or ""), order, int(data.get("round") or 0), stacks)

    def to_json(self) -> dict[str, object]:
        stacks = [{"commit": s.commit, "mrs": list(s.mrs), "state": s.state} for s in self.stacks]
        return {"batch": self.batch, "order": list(self.order), "round": self.round, "stacks": stacks}

    def position(self, mr_id: str) -> int:
        """1-based place of ``mr_id`` in the batch (0 when not in it)."""
        return self.order.index(mr_id) + 1 if mr_id in self.order else 0

    def state_of(self, mr_id: str) -> str:
        """The state of the smallest stack of the round that holds ``mr_id`` ('' when none does)."""
        holding = [s for s in self.stacks if mr_id in s.mrs]
        return min(holding, key=lambda s: len(s.mrs)).state if holding else ""

    def span(self, stack: StackState) -> str:
        """A stack as batch positions: ``1-7``, ``1-6 8-16``."""
        marks = sorted(self.position(m) for m in stack.mrs if m in self.order)
        runs: list[list[int]] = []
        for p in marks:
            if runs and p == runs[-1][-1] + 1:
                runs[-1].append(p)
            else:
                runs.append([p])
        return " ".join(f"{r[0]}-{r[-1]}" if len(r) > 1 else str(r[0]) for r in runs)

    def text(self) -> str:
        parts = ", ".join(f"[{self.span(s)}] {s.state}" for s in self.stacks)
        return f"round {self.round}: {parts}" if parts else "claimed, not gated yet"
