"""What the tenant services share: template references, pydantic errors as refusals,
the scheduler gateway and the time format of scheduler events."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from shared.domain.settings import TenantSettings
from shared.domain.templates import split_version_id
from shared.errors import AlreadyExists, Conflict, Invalid, NotFound
from shared.storage.protocols import Store


@contextmanager
def creating(field: str) -> Iterator[None]:
    """A create that finds its item already there is refused as a :class:`Conflict` on ``field``."""
    try:
        yield
    except AlreadyExists as error:
        raise Conflict(str(error), field) from error


def event_time(now: datetime) -> str:
    """A scheduler event's ``time``: UTC, to the second."""
    from shared.services.runs.summary import utc_second  # the run code: only a run or a decision loads it

    return utc_second(now)


class SchedulerGateway(Protocol):
    """The scheduler function: started asynchronously for a run, called for a decision on proposals.

    In AWS a Lambda invoke; locally (and in the simulator) the handler in-process.
    """

    def start(self, event: dict[str, Any]) -> None: ...

    def call(self, event: dict[str, Any]) -> dict[str, Any]: ...


def validation_errors(error: ValidationError, prefix: str = "") -> list[tuple[str, str]]:
    """(field path, reason) of every pydantic error, e.g. ``("steps[0].days", "...")``."""
    found = []
    for item in error.errors():
        path = prefix
        for part in item["loc"]:
            path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
        found.append((path or "body", str(item["msg"])))
    return found


def invalid_from(error: ValidationError, prefix: str = "") -> Invalid:
    """The first pydantic error as one :class:`Invalid` naming its field."""
    field_path, reason = validation_errors(error, prefix)[0]
    return Invalid(reason, field_path)


def resolve_template(repo: Store, reference: str, field: str = "template") -> str:
    """A bare name means its latest version now; a versioned id must exist (else :class:`Invalid`)."""
    if split_version_id(reference) is not None:
        try:
            repo.get_template(reference)
        except NotFound as error:
            raise Invalid(str(error), field) from error
        return reference
    latest = repo.latest_template(reference)
    if latest is None:
        raise Invalid(f"template {reference!r} does not exist", field)
    return latest.version_id


def template_or_default(repo: Store, reference: str | None, settings: TenantSettings, field: str = "template") -> str:
    """The named template's version, else the tenant default's, resolved now (C2, C4)."""
    reference = reference or settings.default_template
    if reference is None:
        raise Invalid("no template given and the tenant has no default_template", field)
    return resolve_template(repo, reference, field)
