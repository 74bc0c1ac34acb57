"""Which reminders a run sends: step timing (O11), consolidation, de-minimis (O12), order (O16).

Plain Python: invoices, template versions and settings in, a plan out. The
scheduler feeds it what the due-index returned; ``dunning simulate`` and the
unit tests use the very same function.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from shared.domain.money import ZERO
from shared.domain.reasons import Reason
from shared.domain.templates import TemplateVersion


@dataclass(frozen=True)
class CustomerSeen:
    """An invoice's customer as its item last saw it: what a reminder needs of them (to reach them,
    and whether they are a business), and the customer's revision ``rev`` then (a digest of these
    fields, None for a customer stored before revisions). A commit that relies on it verifies
    ``rev`` in its transaction."""

    rev: str | None
    name: str
    email: str | None = None
    phone: str | None = None
    language: str = "da"
    address: dict[str, Any] | None = None
    business: bool = False


@dataclass(frozen=True)
class PeriodSeen:
    """An agreement's current arrears period as last seen (renteloven §§ 9 a, 9 b): fees charged in
    it, the last fee's date, whether the compensation was charged."""

    fees: int = 0
    last_fee_on: date | None = None
    compensated: bool = False


@dataclass(frozen=True)
class InvoiceState:
    """An invoice in its reminder process, as stored."""

    invoice_id: str
    customer_id: str
    agreement_id: str
    template_version: str
    amount: Decimal
    open_amount: Decimal
    issued: date
    due: date
    steps_done: int = 0
    last_step_on: date | None = None
    warned_on: date | None = None  # when the collection warning step was sent (inkassoloven § 10)
    # Danish rules: fees charged, disputes, interest and compensation so far (renteloven §§ 5, 9 a, 9 b)
    fee_dates: tuple[date, ...] = ()
    disputed_until: date | None = None  # no reminders before this date (9999-12-31: until resolved)
    disputed_ever: bool = False
    interest_to: date | None = None  # interest charged up to and including this date
    compensated: bool = False
    # Snapshots the item carries so a run need not read the customer and the agreement (None: an
    # item filed before snapshots; then they are read). Caches, not the invoice's identity.
    customer_seen: CustomerSeen | None = field(default=None, compare=False)
    period_seen: PeriodSeen | None = field(default=None, compare=False)

    @property
    def is_paid(self) -> bool:
        return self.open_amount <= ZERO


# The name a debt-collection case carries where a reminder carries its step's name (O14).
COLLECTION_STEP = "Inkasso"
# inkassoloven § 10: the warning's deadline is at least 10 days from sending.
WARNING_DAYS = 10


def next_step_on(
    invoice: InvoiceState, template: TemplateVersion, respite_days: int, collection_after_days: int | None = None
) -> date | None:
    """The date the invoice's next step becomes due, or None when nothing more will happen.

    Step 1 is due ``days`` after the invoice's due date; step k>1 ``max(days,
    respite)`` after the date step k-1 actually happened (O11), so a late run
    pushes the following steps along instead of bunching them up. After the
    last step, with debt collection on (O14), the case is due
    ``collection_after_days`` after the last step, but never sooner than
    :data:`WARNING_DAYS` after the collection warning was sent — and never
    when none was. A disputed invoice waits until its dispute ends.
    """
    due_on = _next_on(invoice, template, respite_days, collection_after_days)
    if due_on is not None and invoice.disputed_until is not None:
        return max(due_on, invoice.disputed_until)  # no reminders while disputed
    return due_on


def _next_on(
    invoice: InvoiceState, template: TemplateVersion, respite_days: int, collection_after_days: int | None
) -> date | None:
    if invoice.is_paid:
        return None
    if invoice.steps_done >= template.step_count:
        if collection_after_days is None or invoice.last_step_on is None or invoice.warned_on is None:
            return None  # no collection without a warning sent (inkassoloven § 10)
        return max(
            invoice.last_step_on + timedelta(days=collection_after_days),
            invoice.warned_on + timedelta(days=WARNING_DAYS),
        )
    step = template.step(invoice.steps_done + 1)
    if invoice.steps_done == 0:
        return invoice.due + timedelta(days=step.days)
    if invoice.last_step_on is None:
        raise ValueError(f"invoice {invoice.invoice_id} has done steps but no last step date")
    return invoice.last_step_on + timedelta(days=max(step.days, respite_days))


@dataclass(frozen=True)
class GroupKey:
    customer_id: str
    template_version: str
    step_number: int


@dataclass
class PlannedReminder:
    """One consolidated reminder: a customer's invoices at the same step of the same version."""

    key: GroupKey
    template: TemplateVersion
    invoices: list[InvoiceState] = field(default_factory=list)

    @property
    def is_case(self) -> bool:
        """A debt-collection case: the 'step' after the template's last (O14)."""
        return self.key.step_number > self.template.step_count

    @property
    def step_name(self) -> str:
        return COLLECTION_STEP if self.is_case else self.template.step(self.key.step_number).name

    @property
    def open_total(self) -> Decimal:
        return sum((invoice.open_amount for invoice in self.invoices), ZERO)

    @property
    def invoice_ids(self) -> list[str]:
        return sorted(invoice.invoice_id for invoice in self.invoices)


@dataclass(frozen=True)
class HeldBack:
    """A reminder not sent this run, and why (the invoices wait for the next run)."""

    reminder: PlannedReminder
    reason: str


@dataclass(frozen=True)
class RunPlan:
    send: list[PlannedReminder]
    held_back: list[HeldBack]
    not_yet_due: list[InvoiceState]


def plan_reminders(
    candidates: Iterable[InvoiceState],
    templates: Mapping[str, TemplateVersion],
    run_date: date,
    respite_days: int,
    min_overdue_amount: Decimal,
    collection_after_days: int | None = None,
) -> RunPlan:
    """Group the due invoices into consolidated reminders, apply de-minimis and sort by O16.

    ``candidates`` may hold invoices that are not due (yet); they come back in
    ``not_yet_due`` so the caller can re-file them under their real date.
    Each invoice takes at most one step per run: the one after its last.
    """
    groups: dict[GroupKey, PlannedReminder] = {}
    not_yet_due: list[InvoiceState] = []
    for invoice in candidates:
        template = templates[invoice.template_version]
        due_on = next_step_on(invoice, template, respite_days, collection_after_days)
        if due_on is None or due_on > run_date:
            not_yet_due.append(invoice)
            continue
        key = GroupKey(invoice.customer_id, invoice.template_version, invoice.steps_done + 1)
        groups.setdefault(key, PlannedReminder(key=key, template=template)).invoices.append(invoice)

    send: list[PlannedReminder] = []
    held_back: list[HeldBack] = []
    for reminder in groups.values():
        reminder.invoices.sort(key=lambda invoice: invoice.invoice_id)
        if reminder.open_total < min_overdue_amount:
            held_back.append(
                HeldBack(
                    reminder,
                    Reason(
                        "held_back.de_minimis",
                        f"open total {reminder.open_total} is below the de-minimis threshold {min_overdue_amount}",
                        total=reminder.open_total,
                        threshold=min_overdue_amount,
                    ),
                )
            )
        else:
            send.append(reminder)
    send.sort(key=o16_order)
    return RunPlan(send=send, held_back=held_back, not_yet_due=not_yet_due)


def o16_order(reminder: PlannedReminder) -> tuple[bool, int, str, str]:
    """O16: debt collection first, then the last step … the first step; then by customer and template."""
    return (not reminder.is_case, -reminder.key.step_number, reminder.key.customer_id, reminder.key.template_version)
