"""Metered robot work per month (O15)."""

from __future__ import annotations

from typing import Any

from shared.errors import Invalid
from shared.services import metering
from shared.storage.protocols import Store


def month_usage(repo: Store, month: str) -> dict[str, Any]:
    """The month's (``YYYY-MM``) metered usage."""
    try:
        return metering.usage(repo, month)
    except ValueError as error:
        raise Invalid(str(error), "month") from error
