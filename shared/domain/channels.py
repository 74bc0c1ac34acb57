"""Whether a customer can receive an action at all — one rule for the consumers (which skip)
and the status report (which says so)."""

from __future__ import annotations

from typing import Any, Protocol

from shared.domain.reasons import Reason
from shared.domain.settings import TenantSettings


class Contact(Protocol):
    @property
    def email(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def address(self) -> dict[str, Any] | None: ...


def unreachable(
    action: str, customer: Contact, settings: TenantSettings, stack_creditor_number: str | None = None
) -> str | None:
    """Why ``action`` cannot reach ``customer`` (a `skipped` reason with its code), or None when it can.

    A statement of account travels by e-mail, so it needs the e-mail address too; an SMS needs a
    phone number that can be dialled."""
    if action in ("email", "statement") and not customer.email:
        return Reason("channel.no_email", "the customer has no e-mail address")
    if action == "sms":
        if not customer.phone:
            return Reason("channel.no_phone", "the customer has no phone number")
        from shared.rendering.sms import normalize_phone  # phonenumbers; kept out of import time

        try:
            normalize_phone(customer.phone)
        except ValueError as error:
            problem = {"problem": str(error), "problem_code": getattr(error, "code", None)}
            problem["country"] = getattr(error, "country", None)
            return Reason("channel.bad_phone", f"the customer's phone number is not usable: {error}", **problem)
    if action == "bs":
        if not settings.bs.enabled:
            return Reason("bs.disabled", "Betalingsservice is not enabled for this tenant (settings.bs.enabled)")
        if not (settings.bs.creditor_number or stack_creditor_number):
            return Reason("bs.no_creditor", "Betalingsservice has no creditor number (settings.bs.creditor_number)")
        if not customer.address:
            return Reason("bs.no_address", "the customer has no postal address, which a BS payment slip needs")
    return None
