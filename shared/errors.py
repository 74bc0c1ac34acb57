"""The one family of refusals every layer raises and every edge maps once.

The storage raises :class:`NotFound` and :class:`AlreadyExists`; services raise
the rest. The API turns them into HTTP answers in one place and the CLI into
messages and exit codes in one place; nothing else catches them by kind.
"""

from __future__ import annotations

from dataclasses import dataclass


class DunningError(Exception):
    """A refused operation: which field, and why."""

    code = "invalid"

    def __init__(self, reason: str, field: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.field = field


class Invalid(DunningError):
    """The request names something that does not exist or breaks a rule (HTTP 422)."""

    code = "invalid"


class NotFound(DunningError, LookupError):
    """The item the request is about does not exist (HTTP 404)."""

    code = "not_found"


class RefusedByLaw(DunningError):
    """Danish law does not allow it, e.g. a reminder fee above the cap (HTTP 422)."""

    code = "refused_by_law"


class Conflict(DunningError):
    """The request clashes with what is stored: an id taken, a used template version (HTTP 409)."""

    code = "conflict"


class AlreadyExists(Conflict):
    """A create found an item with the same key."""


@dataclass(frozen=True)
class RowError:
    """One bad row of a bulk request (``index`` is 0-based within the request)."""

    index: int
    field: str
    reason: str


class BulkRefused(DunningError):
    """A bulk request with bad rows: nothing of it was written."""

    code = "invalid_rows"

    def __init__(self, errors: list[RowError]) -> None:
        first = errors[0]
        super().__init__(f"{len(errors)} row(s) refused, nothing written; first: {first.reason}", first.field)
        self.errors = errors
