"""PynamoDB models of the tenant's single DynamoDB table.

One table per tenant stack (``DunningTable`` in ``template.yaml``) holds every
entity under a ``pk``/``sk`` key pair. Keys are spelled in one place,
:mod:`shared.storage.keys`; the layout:

==================  ==========================  ===========================
entity              pk                          sk
==================  ==========================  ===========================
tenant settings     ``TENANT``                  ``SETTINGS``
template version    ``TEMPLATE``                ``<name>#V#<0001>``
customer            ``CUSTOMER#<id>``           ``PROFILE``
billing-queue line  ``CUSTOMER#<id>``           ``BILLING#<business key>``
agreement           ``AGREEMENT``               ``<id>``
invoice             ``INVOICE#<id>``            ``INVOICE``
BS reminder record  ``BS#<yyyy-mm-dd>``         ``<business key>``
BS record waiting   ``BS_PENDING``              ``<due date>#<business key>``
BS delivery's rec.  ``BS_FILED#<yyyy-mm-dd>``   ``<due date>#<business key>``
BS delivery sealed  ``BS_DELIVERY``             ``<yyyy-mm-dd>#SEALED``
BS delivery begun   ``BS_UNFINISHED``           ``<yyyy-mm-dd>``
run request queued  ``RUNQUEUE``                ``<run id>``
effect              ``EFFECTS#<yyyy-mm-dd>``    ``<kind>#<key>``
run                 ``RUN``                     ``<run id>``
outbox (unsent)     ``OUTBOX``                  ``<reminder / group key>``
run lock            ``RUNLOCK``                 ``ACTIVE``
fanned-out run      ``RUNFANOUT``               ``<run id>``
its recorded part   ``RUNPART#<run id>``        ``<part id>``
on-account credit   ``CREDIT``                  ``<customer>#<yyyy-mm-dd>#<id>``
fee not yet billed  ``FEE_PENDING``             ``<customer>#<business key>``
fee check mark      ``FEE_CHECK``               ``<customer>``
fee sweep done      ``FEE_SWEPT``               ``FEE_PENDING``
bank connection     ``BANK``                    ``<name>``
journal             ``JOURNAL#<name>``          ``JOURNAL`` / ``ENTRY#<id>``
pending proposal    ``PROPOSAL``                ``<reminder key>``
collection case     ``CASE``                    ``<reminder key>``
dispute             ``DISPUTE``                 ``<invoice id>``
usage of a month    ``USAGE``                   ``<yyyy-mm>``
send ledger entry   ``SEND#<send id>``          ``LEDGER``
payment reference   ``REFERENCE``               ``<15-digit payment id>``
reference counter   ``COUNTER``                 ``REFERENCE``
==================  ==========================  ===========================

``customer-index`` (``customer_id``/``invoice_id``) lists a customer's invoices of
every status; only invoice items carry both attributes. The operator API also
keeps a customer directory (``CUSTOMERS``/``<id>``), ledger entries
(``LEDGER#payment``/``LEDGER#credit_note`` + ``<id>``, and ``INVOICE#<id>``/``ENTRY#<id>``
for entries on one invoice) and sales in draft (``SALE``/``<id>``).

``open-index`` is a second sparse index: ``open_customer`` (the customer) and
``open_key`` (``<due date>#<invoice id>``) are set only while an invoice has an
open balance, so "this customer's open invoices, oldest due first" is one
query — settlement needs it.

O13 fee reversal reads no more than it must: each write that may make a customer's fee
reversible (a balance reaching 0, a reversible fee booked) ADDs to the customer's
``FEE_CHECK`` mark (a :class:`CounterModel`) in the same transaction; a run queries the marks,
then each marked customer's ``FEE_PENDING`` items (one range query, the sk starts with the
customer) and their invoices, and deletes each mark on the count it read. Pending fees filed
under their business key alone are re-filed once by the first run (``FEE_SWEPT``).

The first secondary index is ``due-index``: a *sparse* index over invoices
that wait for their next step. ``due_shard`` is one of 16 shards hashed by
customer (``keys.due_shard``), so a shard holds whole customers and a run fans
out over shards; ``due_key`` is ``<next step date>#<invoice id>`` so "everything due
on or before D" is one range query per shard. An invoice that is paid, waits for
approval of a proposal, or went to debt collection has neither attribute and
so is not in the index. An unpaid invoice that finished its template is
*parked* under ``9999-12-31`` (never in a run's range), so switching debt
collection on later finds it again (``waiting_invoices``).

``send-index`` is sparse as well: a send ledger entry carries ``send_state``
(``claimed``, ``unconfirmed`` or ``failed``) and ``send_at`` (``<iso time>#<send id>``:
the lease's end of a claim, else when it became unconfirmed or failed) only while
it is open, so "unconfirmed for more than a day" and "claims whose lease ran out"
are each one range query (``shared/storage/ledger.py``). The send id is a hash of
the business key, short and plain enough to travel as an SES message tag.

Nothing here reads ``os.environ``: :func:`bind_table` points the models at a
table when a handler starts.
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    ListAttribute,
    NumberAttribute,
    UnicodeAttribute,
    UnicodeSetAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model

DUE_INDEX_NAME = "due-index"
OPEN_INDEX_NAME = "open-index"
CUSTOMER_INDEX_NAME = "customer-index"
SEND_INDEX_NAME = "send-index"


class _TableModel(Model):
    """Base of every entity: the shared key attributes."""

    class Meta:
        table_name = "unbound"

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)


class SettingsModel(_TableModel):
    data = JSONAttribute()


class TemplateVersionModel(_TableModel):
    name = UnicodeAttribute()
    number = NumberAttribute()
    steps = JSONAttribute()
    used = BooleanAttribute(default=False)
    created_on = UnicodeAttribute()


class CustomerModel(_TableModel):
    customer_id = UnicodeAttribute()
    data = JSONAttribute()
    rev = UnicodeAttribute(null=True)  # a digest of ``data``, new with every change (records.customer_revision)


class AgreementModel(_TableModel):
    agreement_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    template_version = UnicodeAttribute()
    # The current unbroken arrears period (renteloven § 9 b, stk. 2; § 9 a): reset when nothing is overdue
    period_fees = NumberAttribute(default=0)
    period_last_fee_on = UnicodeAttribute(null=True)
    period_compensated = BooleanAttribute(default=False)


class DueIndex(GlobalSecondaryIndex["InvoiceModel"]):
    class Meta:
        index_name = DUE_INDEX_NAME
        projection = AllProjection()

    due_shard = UnicodeAttribute(hash_key=True)
    due_key = UnicodeAttribute(range_key=True)


class OpenIndex(GlobalSecondaryIndex["InvoiceModel"]):
    class Meta:
        index_name = OPEN_INDEX_NAME
        projection = AllProjection()

    open_customer = UnicodeAttribute(hash_key=True)
    open_key = UnicodeAttribute(range_key=True)


class CustomerIndex(GlobalSecondaryIndex["InvoiceModel"]):
    """Every invoice of a customer, whatever its status (the operator API lists them).

    Built on attributes every invoice item already has, so no writer needs to know
    about it; other items carry no ``invoice_id`` and stay out of it.
    """

    class Meta:
        index_name = CUSTOMER_INDEX_NAME
        projection = AllProjection()

    customer_id = UnicodeAttribute(hash_key=True)
    invoice_id = UnicodeAttribute(range_key=True)


class InvoiceModel(_TableModel):
    invoice_id = UnicodeAttribute()
    customer_id = UnicodeAttribute()
    agreement_id = UnicodeAttribute()
    template_version = UnicodeAttribute()
    amount = UnicodeAttribute()  # Decimal as text: never a float
    open_amount = UnicodeAttribute()
    issued = UnicodeAttribute()
    due = UnicodeAttribute()
    steps_done = NumberAttribute(default=0)
    last_step_on = UnicodeAttribute(null=True)
    warned_on = UnicodeAttribute(null=True)  # the collection warning step was sent (inkassoloven § 10)
    pending_proposal = UnicodeAttribute(null=True)  # key of the proposal that waits for approval (O9)
    # [{date, step, actions, fee}]: every reminder the invoice had, for its collection case
    history: ListAttribute[Any] = ListAttribute(null=True)
    fee_dates: ListAttribute[Any] = ListAttribute(null=True)  # ISO dates of the fees charged for it
    disputed_until = UnicodeAttribute(null=True)
    disputed_ever = BooleanAttribute(default=False)
    interest_to = UnicodeAttribute(null=True)
    compensated = BooleanAttribute(default=False)
    # Snapshots of the customer (with its rev) and of the agreement's arrears period, so a run need not
    # read them; written at creation and by every reminder commit, verified by the commit that relies on them
    seen_customer = JSONAttribute(null=True)
    seen_period = JSONAttribute(null=True)
    status = UnicodeAttribute(default="open")  # open | paid | finished | collection
    due_shard = UnicodeAttribute(null=True)
    due_key = UnicodeAttribute(null=True)
    due_index = DueIndex()
    open_customer = UnicodeAttribute(null=True)
    open_key = UnicodeAttribute(null=True)
    open_index = OpenIndex()
    customer_index = CustomerIndex()


class BillingLineModel(_TableModel):
    customer_id = UnicodeAttribute()
    kind = UnicodeAttribute()  # fee
    amount = UnicodeAttribute()
    currency = UnicodeAttribute()
    reason = UnicodeAttribute()
    invoice_ids = ListAttribute(of=UnicodeAttribute)
    due = UnicodeAttribute()
    created_on = UnicodeAttribute()


class BsRecordModel(_TableModel):
    customer_id = UnicodeAttribute()
    creditor_number = UnicodeAttribute()
    data = JSONAttribute()


class EffectModel(_TableModel):
    data = JSONAttribute()


class RunModel(_TableModel):
    data = JSONAttribute()


class RecordModel(_TableModel):
    """Small tenant records kept as JSON: run lock, credits, pending fees, bank connections, journals."""

    data = JSONAttribute()


class UsageModel(_TableModel):
    """Usage of one calendar month (O15), added to in the same transaction that records each effect.

    Amounts are in øre (integers), so an atomic ADD never rounds.
    """

    runs = NumberAttribute(null=True)
    email = NumberAttribute(null=True)
    sms = NumberAttribute(null=True)
    sms_segments = NumberAttribute(null=True)
    fees = NumberAttribute(null=True)
    fee_ore = NumberAttribute(null=True)
    bs = NumberAttribute(null=True)
    proposals = NumberAttribute(null=True)
    collection_cases = NumberAttribute(null=True)
    collection_ore = NumberAttribute(null=True)
    interest = NumberAttribute(null=True)
    interest_ore = NumberAttribute(null=True)
    compensation = NumberAttribute(null=True)
    compensation_ore = NumberAttribute(null=True)
    bs_deliveries = NumberAttribute(null=True)


class CounterModel(_TableModel):
    """A per-tenant counter, advanced by an atomic ADD (payment reference numbers; the fee-check mark
    of a customer, ``FEE_CHECK``/``<customer>``, deleted by a run on the count it read)."""

    value = NumberAttribute(null=True)


class RunLockModel(_TableModel):
    """The tenant's single run slot: a lease held by one run at a time."""

    run_id = UnicodeAttribute()
    expires = NumberAttribute()


class OperatorSessionsModel(_TableModel):
    """``OPERATOR`` / ``<user>#sessions``: every console session of the operator issued before
    ``ended`` (epoch seconds) is over; it only moves forward."""

    ended = NumberAttribute()


class RunCommitsModel(_TableModel):
    """What a run's commits added up (``RUNCOMMITS#<run id>`` / ``<due-index shard>``):
    each commit ADDs its counts in its own transaction (``shared.storage.records.COMMITTED``)."""

    reminders = NumberAttribute(default=0)
    invoices_advanced = NumberAttribute(default=0)
    messages = NumberAttribute(default=0)
    by_email = NumberAttribute(default=0)
    by_sms = NumberAttribute(default=0)
    by_fee = NumberAttribute(default=0)
    by_bs = NumberAttribute(default=0)
    by_collection = NumberAttribute(default=0)
    by_interest = NumberAttribute(default=0)
    by_compensation = NumberAttribute(default=0)
    by_statement = NumberAttribute(default=0)


class RunFanOutModel(RunCommitsModel):
    """A fanned-out run's tally (``RUNFANOUT`` / ``<run id>``): how many due-index shards it has, the
    shards its recorded parts finished (a set, so a part recorded twice or two parts that overlap
    count a shard once), what they did (atomic ADDs: the counts a commit has, and the parts' own),
    and the part that ends the run."""

    total = NumberAttribute()
    done = UnicodeSetAttribute(null=True)
    ended = UnicodeAttribute(null=True)
    parts = NumberAttribute(default=0)
    held_back = NumberAttribute(default=0)
    lost_races = NumberAttribute(default=0)
    resent = NumberAttribute(default=0)
    proposals = NumberAttribute(default=0)


class OutboxModel(_TableModel):
    """A planned reminder whose messages are not yet confirmed sent (see scheduling.py)."""

    messages = ListAttribute(of=UnicodeAttribute)
    run_id = UnicodeAttribute()


class SendIndex(GlobalSecondaryIndex["SendLedgerModel"]):
    """Open sends only (claimed, unconfirmed, failed): what may need the provider's record or an operator."""

    class Meta:
        index_name = SEND_INDEX_NAME
        projection = AllProjection()

    send_state = UnicodeAttribute(hash_key=True)
    send_at = UnicodeAttribute(range_key=True)


class SendLedgerModel(_TableModel):
    """One external send (e-mail, SMS, collection e-mail) by its business key: claimed → sent,
    or released (the provider refused), unconfirmed (no one knows) or failed (the provider said so)."""

    key = UnicodeAttribute()  # the message's idempotency key
    channel = UnicodeAttribute()  # email | sms | collection
    state = UnicodeAttribute()  # claimed | sent | released | unconfirmed | failed
    token = UnicodeAttribute(null=True)  # the attempt holding the claim
    lease_until = NumberAttribute(null=True)  # epoch seconds
    attempts = NumberAttribute(default=0)
    message = UnicodeAttribute(null=True)  # the SQS body, to queue again on an operator's "resend"
    effect = JSONAttribute(null=True)  # pending (claimed) or recorded (sent)
    provider_id = UnicodeAttribute(null=True)  # SES / SNS message id
    reason = UnicodeAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    resolutions: ListAttribute[Any] = ListAttribute(null=True)  # [{at, by, decision}]
    send_state = UnicodeAttribute(null=True)
    send_at = UnicodeAttribute(null=True)
    send_index = SendIndex()


ALL_MODELS: tuple[type[Model], ...] = (
    SettingsModel,
    TemplateVersionModel,
    CustomerModel,
    AgreementModel,
    InvoiceModel,
    BillingLineModel,
    BsRecordModel,
    EffectModel,
    RunModel,
    RunFanOutModel,
    RunCommitsModel,
    OutboxModel,
    RecordModel,
    RunLockModel,
    OperatorSessionsModel,
    UsageModel,
    SendLedgerModel,
    CounterModel,
)


def forget_connections() -> None:
    """Drop every model's cached connection, so the next call connects to the current endpoint
    (a new moto mock, another local server)."""
    for model in ALL_MODELS:
        model._connection = None


def bind_table(table_name: str) -> None:
    """Point every model at the tenant's table (PynamoDB reconnects on change)."""
    _TableModel.Meta.table_name = table_name
