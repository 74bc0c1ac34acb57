"""The human in the loop: proposals approved or rejected (O9), debt-collection cases handed over (O14).

A run files a reminder that needs approval — and every debt-collection case —
as a *proposal* and takes its invoices out of the due-index, so no run
proposes them twice. :func:`approve` sends approved reminders at once (dated
the approval day; the next step counts from then) and hands approved cases
to the collection partner; :func:`reject` drops proposals and puts their
invoices back, so the next run proposes them again while they are still due.

Both are idempotent on the proposal: it is removed in the same transaction
that acts on it, so approving twice sends once. An approved reminder is
committed and sent by the same :class:`~shared.services.commit.ReminderCommits`
a run uses.

A decision on any number of proposals goes in chunks, like a run: when the invocation's time
(``time_left_ms``) runs short it stops between proposals and says so (``Decision.continuing``);
deciding again with the same arguments goes on with what is still pending (what was decided is
no longer pending). Each chunk reports what it sent (``part`` numbers the reports).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal

from shared.domain.effects import CASE_STEP_NUMBER
from shared.domain.money import ZERO, money_text
from shared.domain.planning import GroupKey, InvoiceState, PlannedReminder
from shared.domain.settings import TenantSettings
from shared.messages import ActionMessage, reminder_key
from shared.services.commit import Budget, ReminderCommits
from shared.services.outbox import Backoff, MessageSink
from shared.services.reminders import invoice_lines
from shared.services.runs.summary import Reporter, RunSummary, run_id_for
from shared.storage.protocols import Store

ProposalKind = Literal["reminder", "collection"]
APPROVAL_SEND_ATTEMPTS = 5
# Stop deciding when less than this is left of the invocation; the rest goes on in a fresh one.
DECIDE_BELOW_MS = 30_000


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
class Decision:
    """What one approve or reject did."""

    approved: list[str] = field(default_factory=list)  # proposal keys sent or handed over
    rejected: list[str] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)  # nothing left to send: every invoice was paid meanwhile
    refused: dict[str, str] = field(default_factory=dict)  # still pending, and why
    messages: int = 0
    continuing: bool = False  # the time ran short: deciding again goes on with the rest


def list_proposals(repo: Store) -> list[Proposal]:
    """Every pending proposal, oldest first, then by customer."""
    proposals = [Proposal.from_record(record) for record in repo.pending_proposals()]
    return sorted(proposals, key=lambda p: (p.proposed_on, p.customer, p.step, p.key))


def _chosen(repo: Store, customers: list[str] | None, keys: list[str] | None) -> list[dict[str, Any]]:
    records = repo.pending_proposals()
    if customers is not None:
        records = [r for r in records if r["customer"] in customers]
    if keys is not None:
        records = [r for r in records if r["key"] in keys]
    return sorted(records, key=lambda r: (r["proposed_on"], r["customer"], r["key"]))


def approve(
    repo: Store,
    sink: MessageSink,
    settings: TenantSettings,
    now: datetime,
    customers: list[str] | None = None,
    keys: list[str] | None = None,
    reporter: Reporter | None = None,
    time_left_ms: Callable[[], int] | None = None,
    part: int = 0,
) -> Decision:
    """Send (or hand over) the pending proposals named — all when neither ``customers`` nor ``keys``.

    Like a run, an approval that sent reminders reports them (O8) when ``reporter`` is given and
    the tenant has a ``status_report_to``; a customer's statement of account goes out once, after
    all of the customer's approved reminders, with what they charged. Under ``time_left_ms`` it
    stops between proposals when the time runs short (``continuing``; see the module docstring)."""
    tag = f"approval@{run_id_for(now)}"
    time_left = time_left_ms or (lambda: 1 << 30)
    budget = Budget(time_left, Backoff(attempts=APPROVAL_SEND_ATTEMPTS))
    commits = ReminderCommits(repo, sink, settings, tag, now.astimezone(settings.zone).date(), budget)
    decision = Decision()
    cases: list[dict[str, Any]] = []  # handed to debt collection
    for record in _chosen(repo, customers, keys):
        if time_left() < DECIDE_BELOW_MS:
            decision.continuing = True
            break
        _approve_one(repo, settings, record, commits, decision, cases)
    decision.messages += commits.send(final=True).sent  # the statements, after all their customer's reminders
    _report(repo, reporter, settings, commits, cases, part)
    return decision


def _approve_one(
    repo: Store,
    settings: TenantSettings,
    record: dict[str, Any],
    commits: ReminderCommits,
    decision: Decision,
    cases: list[dict[str, Any]],
) -> None:
    """Act on one proposal: drop it when nothing is left to send, else send its reminder or hand
    its case over, and note in ``decision`` what became of it."""
    invoices = _still_open(repo, record)
    if not invoices:
        repo.drop_proposal(record["key"], [], None)
        decision.dropped.append(record["key"])
        return
    if record["kind"] == "collection":
        if settings.collection is None:
            decision.refused[record["key"]] = "debt collection is switched off (settings.collection): no partner"
            return
        done = _hand_over(repo, commits, settings, record, invoices)
        if done:
            cases.append(_case_line(record, invoices))
    else:
        done = _send(repo, commits, record, invoices, decision)
    (decision.approved if done else decision.dropped).append(record["key"])


def _report(
    repo: Store,
    reporter: Reporter | None,
    settings: TenantSettings,
    commits: ReminderCommits,
    cases: list[dict[str, Any]],
    part: int = 0,
) -> None:
    """The approval's status report (O8): what it sent and handed over (a chunk after the first
    reports under its own key)."""
    if reporter is None or not settings.status_report_to or not (commits.sent or cases):
        return
    tag = commits.tag
    summary = RunSummary(run_id=tag, run_date=commits.on.isoformat(), status="completed", kind="approval", tag=tag)
    summary.reminders = len(commits.sent)
    report = reporter.run_report(settings, summary, commits.sent, [], [], [], [], charged=commits.charged, cases=cases)
    if report is not None:
        repo.record_effect(report, f"{tag}#report" + (f"#{part + 1}" if part else ""))


def reject(
    repo: Store,
    settings: TenantSettings,
    now: datetime,
    customers: list[str] | None = None,
    keys: list[str] | None = None,
    time_left_ms: Callable[[], int] | None = None,
) -> Decision:
    """Drop the pending proposals named; their invoices are due again at once (the next run proposes them).
    Under ``time_left_ms`` it stops between proposals when the time runs short (``continuing``)."""
    today = now.astimezone(settings.zone).date()
    time_left = time_left_ms or (lambda: 1 << 30)
    decision = Decision()
    for record in _chosen(repo, customers, keys):
        if time_left() < DECIDE_BELOW_MS:
            decision.continuing = True
            break
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


def _still_open(repo: Store, record: dict[str, Any]) -> list[InvoiceState]:
    """The proposal's invoices that still owe money and have not moved since they were proposed."""
    invoices = []
    for line in record["invoices"]:
        invoice = repo.get_invoice(line["invoice_id"])
        if invoice is not None and invoice.open_amount > ZERO and invoice.steps_done == line["steps_done"]:
            invoices.append(invoice)
    return invoices


def _send(
    repo: Store,
    commits: ReminderCommits,
    record: dict[str, Any],
    invoices: list[InvoiceState],
    decision: Decision,
) -> bool:
    """Commit the approved reminder, dated the approval day, and send its messages at once (a
    statement of account waits for the customer's other approved reminders)."""
    reminder = PlannedReminder(
        key=GroupKey(record["customer"], record["template"], int(record["step_number"])),
        template=repo.get_template(record["template"]),
        invoices=sorted(invoices, key=lambda invoice: invoice.invoice_id),
    )
    if not commits.commit(reminder, proposal_key=record["key"]):
        return False
    decision.messages += commits.send(final=False).sent
    return True


def _hand_over(
    repo: Store,
    commits: ReminderCommits,
    settings: TenantSettings,
    record: dict[str, Any],
    invoices: list[InvoiceState],
) -> bool:
    """O14: file the case with everything the partner needs, and queue its e-mail."""
    assert settings.collection is not None  # checked by _approve_one()
    case = _case_file(repo, settings, record, invoices, commits.on, commits.tag)
    message = _case_message(repo, settings, record, invoices, commits.on, commits.tag)
    if not repo.hand_over_case(record["key"], case, message.model_dump_json(), invoices):
        return False
    commits.hand_to_queues({record["key"]: [message]})
    return True


def _case_line(record: dict[str, Any], invoices: list[InvoiceState]) -> dict[str, Any]:
    """A handed-over case as the status report lists it."""
    return {
        "customer": record["customer"],
        "invoices": sorted(invoice.invoice_id for invoice in invoices),
        "amount": money_text(sum((invoice.open_amount for invoice in invoices), ZERO)),
    }


def _case_file(
    repo: Store,
    settings: TenantSettings,
    record: dict[str, Any],
    invoices: list[InvoiceState],
    today: date,
    tag: str,
) -> dict[str, Any]:
    """The case as filed for the collection partner: creditor, debtor, and each invoice with its reminders."""
    assert settings.collection is not None
    customer = repo.get_customer(record["customer"])
    total = sum((invoice.open_amount for invoice in invoices), ZERO)
    return {
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


def _case_message(
    repo: Store,
    settings: TenantSettings,
    record: dict[str, Any],
    invoices: list[InvoiceState],
    today: date,
    tag: str,
) -> ActionMessage:
    """The collection message of a case: the step after the template's last."""
    template = repo.get_template(record["template"])
    step_number = template.step_count + 1
    return ActionMessage(
        idempotency_key=reminder_key(
            settings.tenant,
            record["customer"],
            record["template"],
            step_number,
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
        step_number=step_number,
        step_count=template.step_count,
        invoices=invoice_lines(invoices),
        case_key=record["key"],
    )
