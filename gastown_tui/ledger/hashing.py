"""beads' ``content_hash`` of a bead, as beads v1.0.5 computes it (``Issue.ComputeContentHash``,
``internal/types/types.go``): SHA-256 over the substantive fields in a fixed order, each as UTF-8
text followed by a NUL byte; numbers in decimal, a flag as its label or nothing, a list field
(``bonded_from``, ``waiters``) one entry after another. Hex, lower case.

bd works it out once, when it inserts a bead without one (a create, an import), and never on an
update; ``gt`` does the same. It hashes the bead as bd holds it then: ``metadata`` as given (none
given: empty, though the column then stores ``{}``), and ``bonded_from``, which has no column.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from typing import Any

from .schema import ISSUE_DEFAULTS

# Text fields, in beads' order, before the flags and lists; then after them.
_HEAD = ("title", "description", "design", "acceptance_criteria", "notes", "spec_id", "status")
_WHO = ("issue_type", "assignee", "owner", "created_by", "external_ref", "source_system")
_TAIL = ("mol_type", "work_type", "event_kind", "actor", "target", "payload")


def hash_fields(values: Mapping[str, Any], bonded_from: Any = None) -> list[str]:
    """The texts beads hashes for a bead with column ``values`` (missing ones at their defaults)."""

    bead = {**ISSUE_DEFAULTS, **values}

    def texts(columns: tuple[str, ...]) -> list[str]:
        return ["" if (v := bead[c]) is None else str(v) for c in columns]

    out = texts(_HEAD)
    out.append(str(int(bead["priority"] or 0)))
    out += texts(_WHO)
    out += ["pinned" if values.get("pinned") else "", str(values.get("metadata") or "")]
    out.append("template" if values.get("is_template") else "")
    for bond in bonded_from if isinstance(bonded_from, list) else ():
        bond = bond if isinstance(bond, Mapping) else {}
        source = bond.get("source_id") or bond.get("proto_id")  # before beads v0.63: proto_id
        out += [str(source or ""), str(bond.get("bond_type") or ""), str(bond.get("bond_point") or "")]
    out += texts(("await_type", "await_id"))
    out.append(str(int(values.get("timeout_ns") or 0)))
    out += _waiters(values.get("waiters"))
    out += texts(_TAIL)
    return out


def content_hash(values: Mapping[str, Any], bonded_from: Any = None) -> str:
    text = "\0".join(hash_fields(values, bonded_from)) + "\0"
    return hashlib.sha256(_utf8(text)).hexdigest()


def _waiters(text: Any) -> Iterable[str]:
    """beads' ``waiters`` column: a JSON list of strings (anything else reads as none, as in bd)."""
    try:
        waiters = json.loads(text) if text else []
    except (ValueError, TypeError):
        return []
    return waiters if isinstance(waiters, list) and all(isinstance(w, str) for w in waiters) else []


def _utf8(text: str) -> bytes:
    """Go's bytes of a string decoded from JSON: a lone surrogate became U+FFFD."""
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-16", "surrogatepass").decode("utf-16", "replace").encode("utf-8")
