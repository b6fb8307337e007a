"""Short relative ages ("5m", "2h", "3d") from the ledger's ISO timestamps and an injectable clock."""

from __future__ import annotations

import datetime as dt

from ...ledger.fields import parse_stamp


def age(stamp: str, now: dt.datetime) -> str:
    then = parse_stamp(stamp)
    if then is None:
        return ""
    seconds = max(0, int((now - then).total_seconds()))
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size:
            return f"{seconds // size}{unit}"
    return f"{seconds}s"
