"""The human in the loop: proposals approved or rejected (O9), debt-collection cases handed over (O14).

A run files a reminder that needs approval — and every debt-collection case —
as a *proposal* and takes its invoices out of the due-index, so no run
proposes them twice. :func:`approve` sends approved reminders at once (dated
the approval day; the next step counts from then) and hands approved cases
to the collection partner; :func:`reject` drops proposals and puts their
invoices back, so the next run proposes them again while they are still due.

Both are idempotent on the proposal: it is removed in the same transaction
that acts on it, so approving twice sends once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from shared.domain.effects import CASE_STEP_NUMBER
from shared.domain.money import ZERO, money_text
from shared.domain.planning import GroupKey, InvoiceState, PlannedReminder
from shared.domain.reference import payment_id
from shared.domain.settings import TenantSettings
from shared.messages import ActionMessage, ChargeLine, InvoiceLine, QueueMessage, StatementMessage, reminder_key
from shared.services.charges import ChargeContext, StepCharges
from shared.services.outbox import Backoff, deliver, with_retries
from shared.services.scheduling import (
    MessageSink,
    Reporter,
    RunSummary,
    advances_for,
    messages_for,
    note_statement_charges,
    record_skipped_charges,
    reference_record,
    reminder_key_of,
    with_run_charges,
)
from shared.storage.repository import DunningRepository

ProposalKind = Literal["reminder", "collection"]
APPROVAL_SEND_ATTEMPTS = 5


@dataclass(frozen=True)
class Proposal:
    """A reminder or collection case that waits for a person (what ``dunning proposals`` lists)."""

    key: str
    kind: ProposalKind
    customer: str
    invoices: list[str]
    step: str
    template: str
    proposed_on: str
    amount: str

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Proposal:
        return cls(
            key=record["key"],
            kind=record["kind"],
            customer=record["customer"],
            invoices=sorted(line["invoice_id"] for line in record["invoices"]),
            step=record["step"],
            template=record["template"],
            proposed_on=record["proposed_on"],
            amount=record["amount"],
        )


@dataclass
class _Sent:
    """What an approval sent, for its status report and the customers' statements of account."""

    reminders: list[PlannedReminder] = field(default_factory=list)
    charged: dict[str, StepCharges] = field(default_factory=dict)
    statements: set[str] = field(default_factory=set)  # customers whose statement is filed
    run_charges: dict[str, list[ChargeLine]] = field(default_factory=dict)
    held: list[tuple[str, StatementMessage]] = field(default_factory=list)  # (outbox key, statement)
    cases: list[dict[str, Any]] = field(default_factory=list)  # handed to debt collection


@dataclass
class Decision:
    """What one approve or reject did."""

    approved: list[str] = field(default_factory=list)  # proposal keys sent or handed over
    rejected: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # nothing left to send: every invoice was paid meanwhile
    refused: dict[str, str] = field(default_factory=dict)  # still pending, and why
    messages: int = 0


def list_proposals(repo: DunningRepository) -> list[Proposal]:
    """Every pending proposal, oldest first, then by customer."""
    proposals = [Proposal.from_record(record) for record in repo.pending_proposals()]
    return sorted(proposals, key=lambda p: (p.proposed_on, p.customer, p.step, p.key))


def proposals_by_invoice(proposals: Iterable[Proposal]) -> list[dict[str, str]]:
    """The itemised view: one row per invoice of every pending proposal."""
    return [
        {"invoice": invoice, "customer": p.customer, "step": p.step, "proposed_on": p.proposed_on, "key": p.key}
        for p in proposals
        for invoice in p.invoices
    ]


def _chosen(repo: DunningRepository, customers: list[str] | None, keys: list[str] | None) -> list[dict[str, Any]]:
    records = repo.pending_proposals()
    if customers is not None:
        records = [r for r in records if r["customer"] in customers]
    if keys is not None:
        records = [r for r in records if r["key"] in keys]
    return sorted(records, key=lambda r: (r["proposed_on"], r["customer"], r["key"]))


def approve(
    repo: DunningRepository,
    sink: MessageSink,
    settings: TenantSettings,
    now: datetime,
    customers: list[str] | None = None,
    keys: list[str] | None = None,
    reporter: Reporter | None = None,
) -> Decision:
    """Send (or hand over) the pending proposals named — all when neither ``customers`` nor ``keys``.

    Like a run, an approval that sent reminders reports them (O8) when ``reporter`` is given and
    the tenant has a ``status_report_to``; a customer's statement of account goes out once, after
    all of the customer's approved reminders, with what they charged."""
    today = now.astimezone(settings.zone).date()
    tag = f"approval@{now.astimezone(UTC).strftime('%Y-%m-%dT%H:%M:%SZ')}"
    decision = Decision()
    sent = _Sent()
    for record in _chosen(repo, customers, keys):
        invoices = _still_open(repo, record)
        if not invoices:
            repo.drop_proposal(record["key"], [], None)
            decision.dropped.append(record["key"])
            continue
        if record["kind"] == "collection" and settings.collection is None:
            decision.refused[record["key"]] = "debt collection is switched off (settings.collection): no partner"
            continue
        if record["kind"] == "collection":
            done = _hand_over(repo, sink, settings, record, invoices, today, tag)
            if done:
                sent.cases.append(
                    {
                        "customer": record["customer"],
                        "invoices": sorted(invoice.invoice_id for invoice in invoices),
                        "amount": money_text(sum((invoice.open_amount for invoice in invoices), ZERO)),
                    }
                )
        else:
            done = _send(repo, sink, settings, record, invoices, today, tag, decision, sent)
        (decision.approved if done else decision.dropped).append(record["key"])
    for key, statement in sent.held:  # its outbox entry is cleared once the statement went
        decision.messages += _hand_to_queues(repo, sink, key, [with_run_charges(statement, sent.run_charges)])
    if reporter is not None and settings.status_report_to and (sent.reminders or sent.cases):
        summary = RunSummary(run_id=tag, run_date=today.isoformat(), status="completed", kind="approval", tag=tag)
        summary.reminders = len(sent.reminders)
        report = reporter.run_report(
            settings, summary, sent.reminders, [], [], [], [], charged=sent.charged, cases=sent.cases
        )
        if report is not None:
            repo.record_effect(report, f"{tag}#report")
    return decision


def reject(
    repo: DunningRepository,
    settings: TenantSettings,
    now: datetime,
    customers: list[str] | None = None,
    keys: list[str] | None = None,
) -> Decision:
    """Drop the pending proposals named; their invoices are due again at once (the next run proposes them)."""
    today = now.astimezone(settings.zone).date()
    decision = Decision()
    for record in _chosen(repo, customers, keys):
        invoices = _still_open(repo, record)
        effect = {
            "date": today.isoformat(),
            "kind": "rejected",
            "customer": record["customer"],
            "invoices": sorted(line["invoice_id"] for line in record["invoices"]),
            "step": record["step"],
            "template": record["template"],
            "_run": f"rejection@{now.astimezone(UTC).isoformat()}",
            "_step_number": CASE_STEP_NUMBER if record["kind"] == "collection" else record["step_number"],
        }
        back: list[tuple[InvoiceState, date | None]] = [
            (invoice, date.fromisoformat(record["proposed_on"])) for invoice in invoices
        ]
        if repo.drop_proposal(record["key"], back, effect):
            decision.rejected.append(record["key"])
    return decision


def _still_open(repo: DunningRepository, record: dict[str, Any]) -> list[InvoiceState]:
    """The proposal's invoices that still owe money and have not moved since they were proposed."""
    invoices = []
    for line in record["invoices"]:
        invoice = repo.get_invoice(line["invoice_id"])
        if invoice is not None and invoice.open_amount > ZERO and invoice.steps_done == line["steps_done"]:
            invoices.append(invoice)
    return invoices


def _send(
    repo: DunningRepository,
    sink: MessageSink,
    settings: TenantSettings,
    record: dict[str, Any],
    invoices: list[InvoiceState],
    today: date,
    tag: str,
    decision: Decision,
    sent: _Sent,
) -> bool:
    template = repo.get_template(record["template"])
    reminder = PlannedReminder(
        key=GroupKey(record["customer"], record["template"], int(record["step_number"])),
        template=template,
        invoices=sorted(invoices, key=lambda invoice: invoice.invoice_id),
    )
    after_days = settings.collection.after_days if settings.collection else None
    charges = ChargeContext(repo, settings).decide(reminder, today)
    reference = payment_id(repo.next_reference_number())
    messages = messages_for(reminder, settings, tag, today, {}, charges, reference, statement_filed=sent.statements)
    advances = advances_for(reminder, today, settings.min_days_between_reminders, after_days, charges)
    key = reminder_key_of(reminder, settings.tenant)
    bodies = [message.model_dump_json() for message in messages]
    filed = reference_record(reminder, reference, today, key)
    if not repo.commit_reminder(
        key, tag, bodies, advances, proposal_key=record["key"], periods=charges.periods, reference=filed
    ):
        return False
    record_skipped_charges(repo, reminder, settings.tenant, tag, today, charges)
    note_statement_charges(sent.statements, sent.run_charges, messages)
    sent.reminders.append(reminder)
    sent.charged[key] = charges
    # A statement waits for the customer's other approved reminders; its outbox entry stays till then.
    statements = [message for message in messages if isinstance(message, StatementMessage)]
    if statements:
        now_going: list[QueueMessage] = [message for message in messages if not isinstance(message, StatementMessage)]
        backoff = Backoff(attempts=APPROVAL_SEND_ATTEMPTS)
        with_retries(lambda: sink.send(now_going), backoff, lambda: 1 << 30, 0)
        sent.held += [(key, statement) for statement in statements]
        decision.messages += len(now_going)
    else:
        decision.messages += _hand_to_queues(repo, sink, key, messages)
    return True


def _hand_to_queues(repo: DunningRepository, sink: MessageSink, key: str, messages: list[QueueMessage]) -> int:
    """Send the committed messages like a run does (retrying transient failures a few times);
    what still fails waits in the outbox, and the next run sends it first."""
    backoff = Backoff(attempts=APPROVAL_SEND_ATTEMPTS)
    return deliver(repo, sink, {key: messages}, lambda: 1 << 30, backoff, 0).sent


def _hand_over(
    repo: DunningRepository,
    sink: MessageSink,
    settings: TenantSettings,
    record: dict[str, Any],
    invoices: list[InvoiceState],
    today: date,
    tag: str,
) -> bool:
    """O14: file the case with everything the partner needs, and queue its e-mail."""
    assert settings.collection is not None  # checked by approve()
    customer = repo.get_customer(record["customer"])
    total = sum((invoice.open_amount for invoice in invoices), ZERO)
    case = {
        "case_id": record["key"],
        "tenant": settings.tenant,
        "creditor": settings.display_name,
        "handed_over_on": today.isoformat(),
        "proposed_on": record["proposed_on"],
        "run_id": tag,
        "partner_email": settings.collection.partner_email,
        "template": record["template"],
        "debtor": {"id": record["customer"]} | (customer.as_data() if customer else {}),
        "currency": "DKK",
        "amount": money_text(total),
        "invoices": [
            {
                "invoice_id": invoice.invoice_id,
                "amount": money_text(invoice.amount),
                "open_amount": money_text(invoice.open_amount),
                "issued": invoice.issued.isoformat(),
                "due": invoice.due.isoformat(),
                "reminders": repo.invoice_history(invoice.invoice_id),
            }
            for invoice in sorted(invoices, key=lambda invoice: invoice.invoice_id)
        ],
    }
    template = repo.get_template(record["template"])
    message = ActionMessage(
        idempotency_key=reminder_key(
            settings.tenant,
            record["customer"],
            record["template"],
            template.step_count + 1,
            [invoice.invoice_id for invoice in invoices],
            "collection",
        ),
        tenant=settings.tenant,
        run_id=tag,
        run_date=today,
        action="collection",
        customer_id=record["customer"],
        template_version=record["template"],
        step_name=record["step"],
        step_number=template.step_count + 1,
        step_count=template.step_count,
        invoices=[
            InvoiceLine(invoice_id=i.invoice_id, amount=i.amount, open_amount=i.open_amount, issued=i.issued, due=i.due)
            for i in invoices
        ],
        case_key=record["key"],
    )
    if not repo.hand_over_case(record["key"], case, message.model_dump_json(), invoices):
        return False
    _hand_to_queues(repo, sink, record["key"], [message])
    return True
