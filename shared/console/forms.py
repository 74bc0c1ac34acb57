"""What an operator types into the console's forms, read as a Danish bookkeeper means it."""

from __future__ import annotations

import re

_GROUPED = re.compile(r"-?(?:[0-9]{1,3}(?:\.[0-9]{3})+|[0-9]+)(?:,[0-9]{1,2})?")
_POINT = re.compile(r"-?[0-9]+\.[0-9]{1,2}")


def form_amount(text: str) -> str | None:
    """A kroner amount as a Danish bookkeeper types it (``1.000,50``, ``100``, ``99,5``, ``100 kr.``;
    ``100.50`` too; ``1.000`` is a thousand) as the contract writes money (``1000.50``); None when
    empty. Anything else is passed on as typed, for the service to refuse naming the field."""
    cleaned = re.sub(r"(?i)\s|\bdkk\b|kr\.?$", "", text)
    if not cleaned:
        return None
    if _GROUPED.fullmatch(cleaned):
        whole, _, cents = cleaned.partition(",")
        return f"{whole.replace('.', '')}.{cents.ljust(2, '0')}"
    if _POINT.fullmatch(cleaned):
        whole, _, cents = cleaned.partition(".")
        return f"{whole}.{cents.ljust(2, '0')}"
    return text.strip()
