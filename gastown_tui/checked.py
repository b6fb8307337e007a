"""Records read from TOML files (town.toml, rig.toml, formulas), checked field by field.

A record is a plain dataclass; each field's annotation says what it takes (str, bool, int, float,
a Literal, ``X | None``, lists and tables of those, or another record) and ``field(metadata=
rule(...))`` adds bounds, a check and other accepted keys. ``build`` turns parsed TOML into the
record or raises ``Invalid`` naming every problem with its place (``gates.0.timeout: …``).
Constructing a record directly checks nothing (for values the code itself makes).

This is all the validation these files need; pydantic did it before and cost every process that
reads a rig.toml — the daemon's child most — some 15 MB.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from typing import Any, Literal

from .errors import GtError, InvalidInput

_MISSING = dataclasses.MISSING


class Invalid(Exception):
    """What ``build`` found wrong: ``(place, message)`` pairs, a place like ``steps.0.title``."""

    def __init__(self, problems: list[tuple[str, str]]):
        self.problems = problems
        super().__init__(self.describe())

    def describe(self) -> str:
        return "; ".join(f"{place or '(top level)'}: {message}" for place, message in self.problems)


def rule(*, ge=None, gt=None, le=None, min_length=None, check=None, keys=()) -> dict[str, Any]:
    """Field metadata: bounds on a number, a least length of a list, ``check(value) -> value``
    (raising ValueError or GtError) and the keys the field is read from (first found wins)."""
    return {"ge": ge, "gt": gt, "le": le, "min_length": min_length, "check": check, "keys": keys}


def build(cls: type, data: Any) -> Any:
    """``data`` (parsed TOML) as a ``cls`` record; raises ``Invalid`` listing every problem, or the
    GtError of a field's check with the field's place put before its message."""
    problems: list[tuple[str, str]] = []
    record = _record(cls, data, "", problems)
    if problems:
        raise Invalid(problems)
    return record


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _record(cls: type, data: Any, place: str, problems: list[tuple[str, str]]) -> Any:
    if not isinstance(data, dict):
        problems.append((place, f"should be a table, not {data!r}"))
        return None
    hints, values, known, found = _hints(cls), {}, set(), len(problems)
    for f in dataclasses.fields(cls):
        if not f.init:
            continue
        keys = f.metadata.get("keys") or (f.name,)
        known.update(keys)
        key = next((k for k in keys if k in data), None)
        where = f"{place}.{keys[0]}" if place else keys[0]
        if key is None:
            if f.default is _MISSING and f.default_factory is _MISSING:
                problems.append((where, "required, but missing"))
            continue
        before = len(problems)
        value = _value(hints[f.name], data[key], where, problems)
        if len(problems) == before:
            values[f.name] = _rules(f.metadata, value, where, problems)
    if not getattr(cls, "OTHER_KEYS", False):
        for key in data:
            if key not in known:
                problems.append((f"{place}.{key}" if place else str(key), "not a known setting"))
    return cls(**values) if len(problems) == found else None


def _value(kind: Any, value: Any, place: str, problems: list[tuple[str, str]]) -> Any:
    """``value`` checked against the annotation ``kind`` (problems appended, the value returned)."""
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (types.UnionType, typing.Union):  # X | None: TOML has no None, so X it is
        return _value(next(a for a in args if a is not type(None)), value, place, problems)
    if origin is Literal:
        if value not in args:
            problems.append((place, f"should be one of {', '.join(map(repr, args))}, not {value!r}"))
        return value
    if origin is list:
        if not isinstance(value, list):
            problems.append((place, f"should be a list, not {value!r}"))
            return value
        return [_value(args[0], item, f"{place}.{n}", problems) for n, item in enumerate(value)]
    if origin is dict:
        if not isinstance(value, dict):
            problems.append((place, f"should be a table, not {value!r}"))
            return value
        return {k: _value(args[1], v, f"{place}.{k}", problems) for k, v in value.items()}
    if dataclasses.is_dataclass(kind):
        return _record(kind, value, place, problems)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, kind) and not (kind is int and isinstance(value, bool)):
        return value
    problems.append((place, f"should be {_NAMES.get(kind, kind.__name__)}, not {value!r}"))
    return value


_NAMES = {str: "a string", bool: "true or false", int: "a whole number", float: "a number"}


def _rules(meta: Any, value: Any, place: str, problems: list[tuple[str, str]]) -> Any:
    for bound, holds, says in _BOUNDS:
        limit = meta.get(bound)
        if limit is not None and not holds(value, limit):
            problems.append((place, f"should be {says} {limit}, not {value!r}"))
            return value
    least = meta.get("min_length")
    if least is not None and len(value) < least:
        problems.append((place, f"should have at least {least} item{'s' if least > 1 else ''}"))
        return value
    if check := meta.get("check"):
        try:
            return check(value)
        except ValueError as exc:
            problems.append((place, str(exc)))
        except GtError as exc:
            raise InvalidInput(f"{place}: {exc.message}", exc.hint) from None
    return value


_BOUNDS = (
    ("ge", lambda v, limit: v >= limit, "greater than or equal to"),
    ("gt", lambda v, limit: v > limit, "greater than"),
    ("le", lambda v, limit: v <= limit, "less than or equal to"),
)
