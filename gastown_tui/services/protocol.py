"""Gas Town's protocol mail between roles, built and parsed in one place.

Each message is a frozen dataclass. Its subject is ``KIND KEY`` (``POLECAT_DONE
nux``; escalations ``ESCALATION [HIGH] topic``) and its body is ``Key: value``
lines (``Merge-Commit: 1a2b3c``), a blank line, then free text (``note``).
``parse(subject, body)`` gives the typed message back, or None for ordinary mail.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass
from typing import Any, ClassVar

from ..errors import InvalidInput
from ..fieldlines import body_after_fields, parse_fields

EXIT_TYPES = ("MERGED", "COMPLETED", "ESCALATED", "DEFERRED", "PHASE_COMPLETE")
FAILURE_TYPES = ("tests", "build", "push", "other")
SEVERITIES = ("CRITICAL", "HIGH", "MEDIUM", "LOW")
_NOT_IN_BODY = ("note", "topic")


def _key(field: dataclasses.Field) -> str:
    """Header spelling of a field: ``merge_commit`` → ``Merge-Commit`` (or the field's metadata)."""
    return field.metadata.get("key") or "-".join(w.capitalize() for w in field.name.split("_"))


def _one_line(value: Any) -> str:
    if isinstance(value, tuple):
        value = ", ".join(value)
    return " ".join(str(value).split())


@dataclass(frozen=True)
class ProtocolMessage:
    """Common rendering and parsing; subclasses declare KIND, their fields and their mail type."""

    KIND: ClassVar[str] = ""
    MSG_TYPE: ClassVar[str] = "notification"
    PRIORITY: ClassVar[int] = 2  # mail priority, 0 (urgent) to 4
    # The field the subject names after the kind.
    KEY_FIELD: ClassVar[str] = "polecat"
    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __post_init__(self) -> None:
        for name, allowed in self.CHOICES.items():
            if getattr(self, name) not in allowed:
                raise InvalidInput(
                    f"{self.KIND}: bad {name.replace('_', '-')} {getattr(self, name)!r}",
                    "use one of: " + ", ".join(allowed),
                )

    @property
    def key(self) -> str:
        """What the subject names after the kind (the polecat, for most kinds)."""
        return getattr(self, self.KEY_FIELD)

    @property
    def subject(self) -> str:
        return f"{self.KIND} {self.key}"

    @property
    def priority(self) -> int:
        return self.PRIORITY

    @property
    def body(self) -> str:
        lines = [
            f"{_key(f)}: {_one_line(getattr(self, f.name))}"
            for f in dataclasses.fields(self)
            if f.name not in _NOT_IN_BODY and getattr(self, f.name) not in ("", ())
        ]
        note = getattr(self, "note", "").strip()
        return "\n".join(lines) + (f"\n\n{note}" if note else "")

    @classmethod
    def from_mail(cls, key: str, body: str) -> ProtocolMessage:
        found = parse_fields(body)
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            if f.name == "note":
                values["note"] = body_after_fields(body)
            elif f.name in found:
                raw = found[f.name]
                values[f.name] = tuple(p.strip() for p in raw.split(",") if p.strip()) if f.default == () else raw
        values.update(cls._from_key(key))
        missing = [
            _key(f) for f in dataclasses.fields(cls) if f.name not in values and f.default is dataclasses.MISSING
        ]
        if missing:
            raise InvalidInput(f"{cls.KIND} mail lacks {', '.join(missing)}", "protocol bodies are `Key: value` lines")
        return cls(**values)

    @classmethod
    def _from_key(cls, key: str) -> dict[str, str]:
        return {cls.KEY_FIELD: key}


@dataclass(frozen=True)
class PolecatDone(ProtocolMessage):
    """Polecat → witness: the polecat finished (``gt done``)."""

    KIND: ClassVar[str] = "POLECAT_DONE"
    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"exit": EXIT_TYPES}
    polecat: str
    exit: str
    issue: str
    mr: str = dataclasses.field(default="", metadata={"key": "MR"})
    branch: str = ""
    note: str = ""


@dataclass(frozen=True)
class MergeReady(ProtocolMessage):
    """Witness (or polecat) → refinery: a branch is ready for the merge queue."""

    KIND: ClassVar[str] = "MERGE_READY"
    polecat: str
    branch: str
    issue: str
    mr: str = dataclasses.field(default="", metadata={"key": "MR"})
    verified: str = ""
    note: str = ""


@dataclass(frozen=True)
class RefineryOutcome(ProtocolMessage):
    """What every refinery verdict on a branch names: whose, which, for what, where, onto what."""

    polecat: str
    branch: str
    issue: str
    rig: str
    target: str


@dataclass(frozen=True)
class Merged(RefineryOutcome):
    """Refinery → witness: the branch is on the target; the polecat can be cleaned up."""

    KIND: ClassVar[str] = "MERGED"
    merged_at: str
    merge_commit: str
    note: str = ""


@dataclass(frozen=True)
class MergeFailed(RefineryOutcome):
    """Refinery → witness: gates or push failed (not a conflict)."""

    KIND: ClassVar[str] = "MERGE_FAILED"
    PRIORITY: ClassVar[int] = 1
    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"failure_type": FAILURE_TYPES}
    failed_at: str
    failure_type: str
    error: str
    note: str = ""


@dataclass(frozen=True)
class ReworkRequest(RefineryOutcome):
    """Refinery → witness: the branch conflicts with the target; rebase and resubmit."""

    KIND: ClassVar[str] = "REWORK_REQUEST"
    PRIORITY: ClassVar[int] = 1
    requested_at: str
    conflict_files: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True)
class Escalation(ProtocolMessage):
    """Any role → deacon / mayor / overseer: something needs a higher level to decide."""

    KIND: ClassVar[str] = "ESCALATION"
    MSG_TYPE: ClassVar[str] = "escalation"
    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"severity": SEVERITIES}
    severity: str
    topic: str
    source: str = ""
    issue: str = ""
    escalation_id: str = dataclasses.field(default="", metadata={"key": "Escalation-ID"})
    note: str = ""

    @property
    def key(self) -> str:
        return f"[{self.severity}] {_one_line(self.topic)}"

    @property
    def priority(self) -> int:
        return SEVERITIES.index(self.severity)

    @classmethod
    def _from_key(cls, key: str) -> dict[str, str]:
        match = re.fullmatch(r"\[([A-Za-z]+)\]\s*(.*)", key)
        if not match:
            raise InvalidInput(
                f"ESCALATION subject {key!r} lacks a [SEVERITY]", "subjects look like ESCALATION [HIGH] topic"
            )
        return {"severity": match.group(1).upper(), "topic": match.group(2)}


KINDS: dict[str, type[ProtocolMessage]] = {
    cls.KIND: cls for cls in (PolecatDone, MergeReady, Merged, MergeFailed, ReworkRequest, Escalation)
}


def kind_of(subject: str) -> str | None:
    """The protocol kind a subject announces (``MERGED nux`` → ``MERGED``), else None."""
    head = (subject or "").strip().split(" ", 1)[0]
    return head if head in KINDS else None


def parse(subject: str, body: str) -> ProtocolMessage | None:
    """The typed message of a protocol mail, None for other mail; InvalidInput if it is malformed."""
    kind = kind_of(subject)
    if kind is None:
        return None
    key = subject.strip()[len(kind) :].strip()
    if not key:
        raise InvalidInput(f"{kind} mail without a name in its subject", f"subjects look like {kind} NAME")
    return KINDS[kind].from_mail(key, body)


def post(tx, message: ProtocolMessage, *, sender: str, to: str, thread: str | None = None) -> list[str]:
    """Send ``message`` inside the caller's write transaction (see ``mail.send_in``)."""
    from . import mail

    return mail.send_in(
        tx,
        sender=sender,
        to=to,
        subject=message.subject,
        body=message.body,
        priority=message.priority,
        msg_type=message.MSG_TYPE,
        thread=thread,
    )
