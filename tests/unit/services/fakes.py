"""Fakes for fast service tests: a tenant on the in-memory store, a queue that keeps what it got
(and can fail), a delivery bucket."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from shared.domain.planning import InvoiceState, next_step_on
from shared.domain.settings import TenantSettings
from shared.domain.templates import Step, TemplateVersion
from shared.faults import Refused, SendFailed
from shared.messages import QueueMessage
from shared.services.outbox import Backoff
from shared.storage.memory import MemoryStore
from shared.storage.records import Agreement, Customer

STEPS = [
    {"name": "Rykker 1", "days": 4, "actions": ["email"]},
    {"name": "Rykker 2", "days": 7, "actions": ["email", {"fee": "100.00"}]},
]
ADDRESS = {"lines": ["Eksempelvej 1"], "postcode": "2100", "city": "København Ø"}
NO_WAIT = Backoff(attempts=3, sleep=lambda _: None)


def at(day: date, hour: int = 5) -> datetime:
    """A run's time: ``hour`` UTC of ``day`` (06:00 or 07:00 in Copenhagen)."""
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class Tenant:
    """One tenant on a :class:`MemoryStore`: settings, a template, customers with invoices."""

    def __init__(self, steps: list[dict[str, Any]] | None = None, **settings: Any) -> None:
        self.store = MemoryStore()
        self.settings = TenantSettings.model_validate(
            {"tenant": "acme", "default_template": "standard", "sender": {"name": "Acme A/S"}} | settings
        )
        self.store.put_settings(self.settings)
        steps_ = tuple(Step.model_validate(step) for step in steps or STEPS)
        self.template = TemplateVersion(name="standard", number=1, steps=steps_)
        self.store.save_template_version(self.template, date(2026, 1, 1), replace=False)

    def invoice(
        self,
        invoice_id: str,
        customer_id: str = "C1",
        amount: str = "700.00",
        due: date = date(2026, 3, 2),
        **customer: Any,
    ) -> InvoiceState:
        """A customer (made on first use, with ``customer``'s fields) with an agreement and this
        invoice, filed as the API files it."""
        if self.store.get_customer(customer_id) is None:
            fields = {"email": f"{customer_id.lower()}@example.dk", "address": ADDRESS} | customer
            self.store.put_customer(Customer(customer_id, f"Kunde {customer_id}", **fields))
            self.store.create_agreement(Agreement(f"A-{customer_id}", customer_id, self.template.version_id))
        invoice = InvoiceState(
            invoice_id=invoice_id,
            customer_id=customer_id,
            agreement_id=f"A-{customer_id}",
            template_version=self.template.version_id,
            amount=Decimal(amount),
            open_amount=Decimal(amount),
            issued=date(2026, 2, 16),
            due=due,
        )
        self.store.create_invoice(
            invoice, next_step_on(invoice, self.template, self.settings.min_days_between_reminders)
        )
        return invoice


class ListSink:
    """A queue that keeps every message it accepts; it refuses everything (transiently) ``failures`` times."""

    def __init__(self, failures: int = 0) -> None:
        self.sent: list[QueueMessage] = []
        self.failures = failures

    def send(self, messages: Iterable[QueueMessage]) -> int:
        batch = list(messages)
        if self.failures > 0:
            self.failures -= 1
            raise SendFailed([Refused(message.idempotency_key, True, "throttled") for message in batch])
        self.sent += batch
        return len(batch)

    def actions(self) -> list[tuple[str, str, int]]:
        """(action, customer, step) of each message accepted, in order."""
        return [(m.action, m.customer_id, m.step_number) for m in self.sent]  # type: ignore[union-attr]


class Bucket:
    """A delivery store: objects written once."""

    def __init__(self) -> None:
        self.objects: dict[str, bytes] = {}

    def put_new(self, key: str, body: bytes) -> bool:
        if key in self.objects:
            return False
        self.objects[key] = body
        return True

    def get(self, key: str) -> bytes | None:
        return self.objects.get(key)


class Mailbox:
    """A mailer that keeps what it sends; ``fail_with`` is raised (once) instead of sending."""

    def __init__(self, fail_with: Exception | None = None) -> None:
        self.sent: list[tuple[str, bytes]] = []
        self.fail_with = fail_with

    def send(self, sender: str, recipient: str, raw_mime: bytes, tags: dict[str, str] | None = None) -> str:
        if self.fail_with is not None:
            error, self.fail_with = self.fail_with, None
            raise error
        self.sent.append((recipient, raw_mime))
        return f"ses-{len(self.sent)}"


class Clock:
    """The send ledger's clock, moved by the test."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now
