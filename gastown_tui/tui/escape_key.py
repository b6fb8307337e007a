"""A lone escape key answers in 25 ms.

A terminal sends a key sequence (an arrow, alt+x) as bytes starting with ESC, so after an ESC Textual
waits ``ESCDELAY`` for more before taking it as the escape key. Two things made that wait 100–200 ms:
Textual's default of 100 ms, and its input thread, which checks that timeout only when its wait for
the terminal ends, every 0.1 s. Here the default is 25 ms (a person's own ``ESCDELAY`` wins: Textual
read it already) and the input thread waits no longer than the pending timeout. With nothing pending it waits for the
terminal alone (Textual's woke ten times a second to see whether it should stop: a tenth of an idle
app's CPU); stopping it wakes it through a pipe.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import threading
from codecs import getincrementaldecoder
from collections.abc import Callable

from textual import constants
from textual._loop import loop_last
from textual._parser import ParseError
from textual._time import get_time
from textual._xterm_parser import XTermParser
from textual.drivers.linux_driver import LinuxDriver

QUICK_ESCAPE_MS = 25
IDLE_WAIT = 0.1  # Textual's wait for the last input once the thread is told to stop


def quick_escape() -> None:
    """Take a lone escape after 25 ms unless the person set ``ESCDELAY``."""
    if "ESCDELAY" not in os.environ:
        constants.ESCAPE_DELAY = QUICK_ESCAPE_MS / 1000


def input_wait(deadline: float | None, now: float) -> float | None:
    """How long the input thread may wait for the terminal: until the parser's pending timeout, if
    any, else until the terminal says something (or the thread is told to stop)."""
    return None if deadline is None else max(0.0, deadline - now)


class _WakingEvent(threading.Event):
    """The driver's ``exit_event``: setting it also wakes the input thread's wait."""

    def __init__(self, wake: Callable[[], None]):
        super().__init__()
        self._wake = wake

    def set(self) -> None:
        super().set()
        self._wake()


class QuickEscapeDriver(LinuxDriver):
    """Textual's Linux driver with an input thread that wakes when a pending escape times out, and
    otherwise only for input or to stop."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._wake_r, self._wake_w = os.pipe()
        os.set_blocking(self._wake_w, False)
        self.exit_event = _WakingEvent(self._wake_input_thread)

    def _wake_input_thread(self) -> None:
        with contextlib.suppress(BlockingIOError):  # a wake already pending wakes it as well
            os.write(self._wake_w, b"!")

    def close(self) -> None:
        super().close()
        for fd in (self._wake_r, self._wake_w):
            with contextlib.suppress(OSError):
                os.close(fd)

    def run_input_thread(self) -> None:
        selector = selectors.SelectSelector()
        selector.register(self.fileno, selectors.EVENT_READ)
        selector.register(self._wake_r, selectors.EVENT_READ)
        parser = XTermParser(self._debug)
        decode = getincrementaldecoder("utf-8")().decode

        def handle(ready: list, final: bool = False) -> None:
            terminal = [(key, mask) for key, mask in ready if key.fd == self.fileno]
            if len(terminal) < len(ready):
                with contextlib.suppress(BlockingIOError):
                    os.read(self._wake_r, 4096)  # told to stop: the loop's test sees it
            for last, (_key, mask) in loop_last(terminal):
                if mask & selectors.EVENT_READ:
                    data = decode(os.read(self.fileno, 4096), final=final and last)
                    if not data:
                        break
                    for event in parser.feed(data):
                        self.process_message(event)
            for event in parser.tick():
                self.process_message(event)

        try:
            while not self.exit_event.is_set():
                handle(selector.select(input_wait(parser._timeout_time, get_time())))
            selector.unregister(self.fileno)
            handle(selector.select(IDLE_WAIT), final=True)
        finally:
            selector.close()
            with contextlib.suppress(EOFError, ParseError):
                for _ in parser.feed(""):
                    pass
