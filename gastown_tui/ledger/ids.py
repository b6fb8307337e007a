"""Bead ids: prefix + '-' + a short base36 hash that grows with the ledger.

Follows beads' scheme: SHA-256 over title, description, actor, time and a nonce;
the length is the smallest that keeps the birthday-collision chance under 25 %
for the number of ids already under that prefix; a taken id is retried with the
next nonce, then with a longer id.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

_ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz"
MIN_LENGTH, MAX_LENGTH = 3, 8
_MAX_COLLISION = 0.25
# Ephemeral beads (wisps) get ids like ``gt-wisp-k3x``; exports leave them behind.
WISP_INFIX = "-wisp"


def base36(value: int, length: int | None = None) -> str:
    """``value`` in base 36, left-padded or cut to its last ``length`` digits; all its digits without."""
    digits = []
    while value:
        value, rem = divmod(value, 36)
        digits.append(_ALPHABET[rem])
    text = "".join(reversed(digits)) or "0"
    return text if length is None else text.rjust(length, "0")[-length:]


def hash_length(existing: int) -> int:
    """Smallest length whose collision probability stays under the threshold."""
    for length in range(MIN_LENGTH, MAX_LENGTH + 1):
        space = 36.0**length
        if 1 - math.exp(-(existing**2) / (2 * space)) <= _MAX_COLLISION:
            return length
    return MAX_LENGTH


def candidate(prefix: str, seed: str, length: int, nonce: int) -> str:
    digest = hashlib.sha256(f"{seed}|{time.time_ns()}|{nonce}".encode()).digest()
    nbytes = min(8, math.ceil(length * math.log2(36) / 8))
    return f"{prefix}-{base36(int.from_bytes(digest[:nbytes], 'big'), length)}"


def new_id(prefix: str, seed: str, existing: int, taken: Callable[[str], bool]) -> str:
    """A fresh id under ``prefix``; ``taken(id)`` says whether an id is in use."""
    for length in range(hash_length(existing), MAX_LENGTH + 1):
        for nonce in range(10):
            bead_id = candidate(prefix, seed, length, nonce)
            if not taken(bead_id):
                return bead_id
    raise RuntimeError(f"could not find a free id under prefix {prefix!r}")
