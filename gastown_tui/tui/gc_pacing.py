"""Python's full garbage collections run while the person is idle, not in the middle of a key.

A full (oldest generation) collection holds the interpreter while it walks the whole heap: 50–110
ms at 100 polecats, several times a minute while keys are pressed (Textual leaves cyclic garbage
behind on every restyle and redraw), and each one that landed on a key made it one of the slow
tenth. Here the heap the app has built once it is up (modules, widgets, styles) is frozen out of
the collector's walks, and full collections wait until no input came for half a second (in small
steps, soon after each burst of keys), or run anyway once long overdue, so memory stays bounded.
The young generations still collect on their own (a few ms each).
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable

CHECK_EVERY = 0.5  # seconds between looks
QUIET = 0.5  # seconds without input that count as idle
DUE = 3  # young collections since the last full one (CPython's own threshold is 10): small, frequent, idle
OVERDUE = 60  # past this many, a full collection runs even while keys arrive
NEVER = 1 << 30  # the oldest generation's threshold while paced: CPython never collects it by itself


class GcPacer:
    def __init__(
        self,
        *,
        clock: Callable[[], float] = time.monotonic,
        pending: Callable[[], int] = lambda: gc.get_count()[2],
        collect: Callable[[], object] = gc.collect,
    ):
        self.clock = clock
        self.pending = pending  # young collections since the last full one
        self.collect = collect
        self.last_input = clock()
        self.frozen = False
        self._thresholds: tuple[int, int, int] | None = None

    def start(self) -> None:
        """Take the full collections over (``stop`` gives them back)."""
        if self._thresholds is None:
            self._thresholds = gc.get_threshold()
            gc.set_threshold(self._thresholds[0], self._thresholds[1], NEVER)

    def stop(self) -> None:
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)
            self._thresholds = None
        if self.frozen:
            gc.unfreeze()
            self.frozen = False

    def note_input(self) -> None:
        self.last_input = self.clock()

    @property
    def idle(self) -> bool:
        """No input for ``QUIET`` seconds."""
        return self.clock() - self.last_input >= QUIET

    def tick(self) -> bool:
        """Collect if it is time; True if it did. The first idle moment freezes the heap built so far."""
        pending = self.pending()
        if not (self.idle and (pending >= DUE or not self.frozen)) and pending < OVERDUE:
            return False
        self.collect()
        if not self.frozen:
            gc.freeze()  # what survives the first collection is the app itself: never walked again
            self.frozen = True
        return True
