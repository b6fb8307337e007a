"""Queue order: Gas Town's score (internal/refinery/score.go) — priority dominates, age prevents
starvation, retries push thrashing MRs back; ties go to the older MR."""

from __future__ import annotations

import dataclasses
import datetime as _dt
from dataclasses import dataclass

from ...ledger.fields import instant, parse_stamp
from .records import MergeRequest

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


@dataclass(frozen=True)
class ScoreParts:
    """What an MR's score is made of (each part in points): shown by ``gt mq show`` and the TUI."""

    priority: float
    convoy_age: float
    mr_age: float
    retries: float  # a penalty: zero or negative

    @property
    def total(self) -> float:
        return BASE_SCORE + self.priority + self.convoy_age + self.mr_age + self.retries

    def text(self) -> str:
        """``1165.5 = 1000 + priority 200 + convoy age 12.5 + MR age 3.0 − retries 50``."""
        parts = [("priority", self.priority), ("convoy age", self.convoy_age), ("MR age", self.mr_age)]
        out = f"{self.total:.1f} = {BASE_SCORE}" + "".join(f" + {name} {value:.1f}" for name, value in parts)
        return out + f" − retries {-self.retries:.0f}"


def score_parts(priority: int, mr_age_h: float, convoy_age_h: float = 0.0, retries: int = 0) -> ScoreParts:
    priority = priority if 0 <= priority <= 4 else 4
    return ScoreParts(
        priority=PER_PRIORITY * (4 - priority),
        convoy_age=PER_CONVOY_HOUR * convoy_age_h,
        mr_age=PER_MR_HOUR * mr_age_h,
        retries=-min(PER_RETRY * max(retries, 0), MAX_RETRY_PENALTY),
    )


def score(priority: int, mr_age_h: float, convoy_age_h: float = 0.0, retries: int = 0) -> float:
    """Higher merges first: 1000 + 100·(4−priority) + 10·convoy hours + MR hours − 50·retries (≤ 300)."""
    return score_parts(priority, mr_age_h, convoy_age_h, retries).total


def in_score_order(session, mrs: list[MergeRequest], now: _dt.datetime | None = None) -> list[MergeRequest]:
    """``mrs`` scored (priority, then convoy age, MR age, fewer retries) at ``now`` and sorted, best
    first; ties by age."""
    from ..convoys import oldest_convoy_created

    now = now or _dt.datetime.now(_dt.UTC)
    convoy_created = oldest_convoy_created(session, [m.source for m in mrs if m.source])
    scored = []
    for mr in mrs:
        created = convoy_created.get(mr.source)
        convoy_age = hours_since(created, now) if created else 0.0
        parts = score_parts(mr.priority, hours_since(mr.created_at, now), convoy_age, mr.retries)
        scored.append(dataclasses.replace(mr, score=parts.total, score_parts=parts))
    return sorted(scored, key=lambda m: (-m.score, instant(m.created_at), m.id))


def creation_order(session, mr_ids: list[str]) -> dict[str, int]:
    """MR id → feed position of its ``created`` event: the ledger's own order (timestamps have one-second ties)."""
    if not mr_ids:
        return {}
    marks = ", ".join("?" * len(mr_ids))
    rows = session.rows(
        "SELECT f.issue_id, MIN(f.seq) AS seq FROM gt_feed f JOIN gt_events e ON e.id = f.log_id AND f.kind = 'events'"
        f" WHERE e.event_type = 'created' AND f.issue_id IN ({marks}) GROUP BY f.issue_id",
        mr_ids,
    )
    return {r["issue_id"]: int(r["seq"]) for r in rows}
