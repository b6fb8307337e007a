"""User-facing errors: each says what is wrong and what to do about it.

The CLI prints these as one line and exits non-zero; anything else that escapes
is a bug in gastown-tui, not a user mistake.
"""


class GtError(Exception):
    """An error the user can act on. ``hint`` says what to do."""

    exit_code = 1

    def __init__(self, message: str, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class NotFound(GtError):
    """A named thing (bead, rig, polecat, formula…) does not exist."""


class InvalidInput(GtError):
    """A value given by the user or read from a file is not acceptable."""

    exit_code = 2


class LedgerUnavailable(GtError):
    """The ledger database cannot be reached, or stayed busy through every retry."""

    exit_code = 3


class LedgerRefused(LedgerUnavailable):
    """The ledger answered, but in a shape this version will not open (an earlier layout, a newer
    schema): waiting cannot help, the person has to act."""


class Conflict(GtError):
    """The request clashes with the current state (e.g. slinging a hooked bead)."""
