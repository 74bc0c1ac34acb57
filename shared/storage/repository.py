"""All data access of the engine, through PynamoDB, in one place.

The services see :class:`DunningRepository`; it turns items into the domain's
types and back. State changes are conditional writes: an invoice advances
only from the step it was read at, a created item must not exist yet, and an
effect is recorded once per business key.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal
from functools import cache
from typing import Any

from pynamodb.exceptions import DeleteError, PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from shared.domain.metering import COUNTERS, month_of, usage_increments
from shared.domain.money import money_text
from shared.domain.planning import InvoiceState
from shared.domain.settings import TenantSettings
from shared.domain.templates import Step, TemplateVersion
from shared.errors import AlreadyExists, NotFound
from shared.storage.models import (
    DUE_SHARDS,
    AgreementModel,
    BillingLineModel,
    BsRecordModel,
    CounterModel,
    CustomerModel,
    EffectModel,
    InvoiceModel,
    OutboxModel,
    RecordModel,
    RunLockModel,
    RunModel,
    SettingsModel,
    TemplateVersionModel,
    UsageModel,
    bind_table,
)

# Where an unpaid invoice that finished its template waits: in the due-index, beyond every run's range.
PARKED = date(9999, 12, 31)


def _conditional_failed(error: Exception) -> bool:
    cause = getattr(error, "cause_response_code", None)
    if cause == "ConditionalCheckFailedException":
        return True
    reasons = getattr(error, "cancellation_reasons", None) or []
    return any(reason is not None and reason.code == "ConditionalCheckFailed" for reason in reasons)


@dataclass(frozen=True)
class Customer:
    customer_id: str
    name: str
    email: str | None = None
    phone: str | None = None
    language: str = "da"
    address: dict[str, Any] | None = None
    business: bool = False  # a business customer (B2B): compensation and agreed higher fees may apply

    def as_data(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "email": self.email,
            "phone": self.phone,
            "language": self.language,
            "address": self.address,
            "business": self.business,
        }


@dataclass(frozen=True)
class Agreement:
    agreement_id: str
    customer_id: str
    template_version: str


@dataclass(frozen=True)
class Advance:
    """One invoice taking its next step on ``on``; ``next_step`` is when the one after is due."""

    invoice: InvoiceState
    on: date
    next_step: date | None
    history: dict[str, Any]
    warning: bool = False  # this step is the collection warning (inkassoloven § 10)
    fee_charged: bool = False
    interest_to: date | None = None  # interest was charged up to this date
    compensated: bool = False


@dataclass(frozen=True)
class PeriodCharge:
    """What a reminder adds to an agreement's current arrears period (fees counted, compensation)."""

    agreement_id: str
    fees_before: int  # the count it was read at: the update is conditional on it
    fee: bool
    compensated: bool


def due_shard(invoice_id: str) -> str:
    return f"DUE#{zlib.crc32(invoice_id.encode()) % DUE_SHARDS}"


def _due_key(on: date, invoice_id: str) -> str:
    return f"{on.isoformat()}#{invoice_id}"


def new_invoice_item(invoice: InvoiceState, first_step_on: date | None) -> InvoiceModel:
    """A new invoice's item: in the due-index while a step waits, in the open-index while money is owed.

    Bulk loaders (``batch_write``) build their items here too, so every invoice is filed alike.
    """
    item = InvoiceModel(
        pk=f"INVOICE#{invoice.invoice_id}",
        sk="INVOICE",
        invoice_id=invoice.invoice_id,
        customer_id=invoice.customer_id,
        agreement_id=invoice.agreement_id,
        template_version=invoice.template_version,
        amount=money_text(invoice.amount),
        open_amount=money_text(invoice.open_amount),
        issued=invoice.issued.isoformat(),
        due=invoice.due.isoformat(),
        steps_done=invoice.steps_done,
        status="open" if first_step_on else "paid",
    )
    if first_step_on is not None:
        item.due_shard = due_shard(invoice.invoice_id)
        item.due_key = _due_key(first_step_on, invoice.invoice_id)
    if invoice.open_amount > 0:
        item.open_customer = invoice.customer_id
        item.open_key = _due_key(invoice.due, invoice.invoice_id)
    return item


TRANSACTION_LIMIT = 100


def _bs_copy(record: BsRecordModel, pk: str, sk: str) -> BsRecordModel:
    return BsRecordModel(
        pk=pk, sk=sk, customer_id=record.customer_id, creditor_number=record.creditor_number, data=record.data
    )


def _customer(data: dict[str, Any]) -> Customer:
    return Customer(
        customer_id=data["id"],
        name=data["name"],
        email=data.get("email"),
        phone=data.get("phone"),
        language=data.get("language") or "da",
        address=data.get("address"),
        business=bool(data.get("business", False)),
    )


def _invoice_state(item: InvoiceModel) -> InvoiceState:
    return InvoiceState(
        invoice_id=item.invoice_id,
        customer_id=item.customer_id,
        agreement_id=item.agreement_id,
        template_version=item.template_version,
        amount=Decimal(item.amount),
        open_amount=Decimal(item.open_amount),
        issued=date.fromisoformat(item.issued),
        due=date.fromisoformat(item.due),
        steps_done=int(item.steps_done),
        last_step_on=date.fromisoformat(item.last_step_on) if item.last_step_on else None,
        warned_on=date.fromisoformat(item.warned_on) if item.warned_on else None,
        fee_dates=tuple(date.fromisoformat(str(day)) for day in item.fee_dates or ()),
        disputed_until=date.fromisoformat(item.disputed_until) if item.disputed_until else None,
        disputed_ever=bool(item.disputed_ever),
        interest_to=date.fromisoformat(item.interest_to) if item.interest_to else None,
        compensated=bool(item.compensated),
    )


def _template_version(item: TemplateVersionModel) -> TemplateVersion:
    return TemplateVersion(
        name=item.name,
        number=int(item.number),
        steps=tuple(Step.model_validate(step) for step in item.steps),
        used=bool(item.used),
    )


class DunningRepository:
    """The tenant's table, seen as the domain's objects."""

    @staticmethod
    def _transact(write: Callable[[TransactWrite], None]) -> bool:
        """Run ``write``'s items as one DynamoDB transaction: all or nothing.

        False when a condition failed (done before, or changed meanwhile): nothing was written.
        """
        try:
            with TransactWrite(connection=RecordModel._get_connection().connection) as transaction:
                write(transaction)
        except TransactWriteError as error:
            if _conditional_failed(error):
                return False
            raise
        return True

    def __init__(self, table_name: str) -> None:
        bind_table(table_name)
        self._templates: dict[str, TemplateVersion] = {}

    # -- settings -------------------------------------------------------------
    def get_settings(self) -> TenantSettings | None:
        try:
            item = SettingsModel.get("TENANT", "SETTINGS")
        except SettingsModel.DoesNotExist:
            return None
        return TenantSettings.model_validate(item.data)

    def put_settings(self, settings: TenantSettings) -> None:
        SettingsModel(pk="TENANT", sk="SETTINGS", data=settings.model_dump(mode="json")).save()

    # -- templates ------------------------------------------------------------
    def latest_template(self, name: str) -> TemplateVersion | None:
        items = TemplateVersionModel.query(
            "TEMPLATE", TemplateVersionModel.sk.startswith(f"{name}#V#"), scan_index_forward=False, limit=1
        )
        for item in items:
            return _template_version(item)
        return None

    def get_template(self, version_id: str) -> TemplateVersion:
        """A version by id; used versions are immutable, so they are cached for the container."""
        cached = self._templates.get(version_id)
        if cached is not None:
            return cached
        name, _, number = version_id.rpartition("_v")
        try:
            item = TemplateVersionModel.get("TEMPLATE", f"{name}#V#{int(number):04d}")
        except (TemplateVersionModel.DoesNotExist, ValueError) as error:
            raise NotFound(f"template version {version_id!r} does not exist") from error
        version = _template_version(item)
        if version.used:
            self._templates[version_id] = version
        return version

    def list_templates(self) -> list[TemplateVersion]:
        return [_template_version(item) for item in TemplateVersionModel.query("TEMPLATE")]

    def save_template_version(self, version: TemplateVersion, created_on: date, replace: bool) -> None:
        """Write a version; a new number must not exist, a replaced one must still be unused."""
        item = TemplateVersionModel(
            pk="TEMPLATE",
            sk=f"{version.name}#V#{version.number:04d}",
            name=version.name,
            number=version.number,
            steps=[step.model_dump(mode="json") for step in version.steps],
            used=False,
            created_on=created_on.isoformat(),
        )
        condition = (
            TemplateVersionModel.used == False  # noqa: E712 - a PynamoDB condition, not a comparison
            if replace
            else TemplateVersionModel.pk.does_not_exist()
        )
        try:
            item.save(condition=condition)
        except PutError as error:
            if _conditional_failed(error):
                raise AlreadyExists(f"template version {version.version_id} changed meanwhile") from error
            raise
        self._templates.pop(version.version_id, None)

    def mark_template_used(self, version_id: str) -> None:
        name, _, number = version_id.rpartition("_v")
        item = TemplateVersionModel(pk="TEMPLATE", sk=f"{name}#V#{int(number):04d}")
        item.update(actions=[TemplateVersionModel.used.set(True)])

    # -- customers and agreements ----------------------------------------------
    def put_customer(self, customer: Customer) -> None:
        CustomerModel(
            pk=f"CUSTOMER#{customer.customer_id}",
            sk="PROFILE",
            customer_id=customer.customer_id,
            data=customer.as_data(),
        ).save()
        self._file_in_customer_directory([customer])

    def get_customer(self, customer_id: str) -> Customer | None:
        try:
            item = CustomerModel.get(f"CUSTOMER#{customer_id}", "PROFILE")
        except CustomerModel.DoesNotExist:
            return None
        return _customer({"id": customer_id} | dict(item.data))

    def get_customers(self, customer_ids: set[str]) -> dict[str, Customer]:
        """Several customers in batches (an unknown id is left out)."""
        keys = [(f"CUSTOMER#{customer_id}", "PROFILE") for customer_id in customer_ids]
        return {
            item.customer_id: _customer({"id": item.customer_id} | dict(item.data))
            for item in CustomerModel.batch_get(keys)
        }

    def create_agreement(self, agreement: Agreement) -> None:
        try:
            AgreementModel(
                pk="AGREEMENT",
                sk=agreement.agreement_id,
                agreement_id=agreement.agreement_id,
                customer_id=agreement.customer_id,
                template_version=agreement.template_version,
            ).save(condition=AgreementModel.pk.does_not_exist())
        except PutError as error:
            if _conditional_failed(error):
                raise AlreadyExists(f"agreement {agreement.agreement_id!r} exists already") from error
            raise

    def get_agreement(self, agreement_id: str) -> Agreement | None:
        try:
            item = AgreementModel.get("AGREEMENT", agreement_id)
        except AgreementModel.DoesNotExist:
            return None
        return Agreement(item.agreement_id, item.customer_id, item.template_version)

    def list_agreements(self) -> Iterator[Agreement]:
        for item in AgreementModel.query("AGREEMENT"):
            yield Agreement(item.agreement_id, item.customer_id, item.template_version)

    def set_agreement_template(self, agreement_id: str, version_id: str) -> None:
        item = AgreementModel(pk="AGREEMENT", sk=agreement_id)
        try:
            item.update(
                actions=[AgreementModel.template_version.set(version_id)],
                condition=AgreementModel.pk.exists(),
            )
        except UpdateError as error:
            if _conditional_failed(error):
                raise NotFound(f"agreement {agreement_id!r} does not exist") from error
            raise

    # -- invoices -------------------------------------------------------------
    def create_invoice(self, invoice: InvoiceState, first_step_on: date | None) -> None:
        item = new_invoice_item(invoice, first_step_on)
        try:
            item.save(condition=InvoiceModel.pk.does_not_exist())
        except PutError as error:
            if _conditional_failed(error):
                raise AlreadyExists(f"invoice {invoice.invoice_id!r} exists already") from error
            raise

    def get_invoice(self, invoice_id: str) -> InvoiceState | None:
        try:
            return _invoice_state(InvoiceModel.get(f"INVOICE#{invoice_id}", "INVOICE"))
        except InvoiceModel.DoesNotExist:
            return None

    def due_invoices(self, on_or_before: date) -> Iterator[InvoiceState]:
        """Query the sparse due-index: only invoices whose next step is due by then."""
        upper = (on_or_before + timedelta(days=1)).isoformat()
        for shard in range(DUE_SHARDS):
            for item in InvoiceModel.due_index.query(f"DUE#{shard}", InvoiceModel.due_key < upper):
                yield _invoice_state(item)

    def overdue_in_process(self, before: date) -> Iterator[InvoiceState]:
        """Invoices in the reminder process (waiting for a step, not parked after their last one)
        whose due date is before ``before``: a range query per due-index shard below the parked
        date, the due date filtered on the server."""
        for shard in range(DUE_SHARDS):
            for item in InvoiceModel.due_index.query(
                f"DUE#{shard}",
                InvoiceModel.due_key < PARKED.isoformat(),
                filter_condition=InvoiceModel.due < before.isoformat(),
            ):
                yield _invoice_state(item)

    def waiting_invoices(self) -> Iterator[InvoiceState]:
        """Every invoice waiting for a step, whatever the date (for re-filing after a settings change)."""
        for shard in range(DUE_SHARDS):
            for item in InvoiceModel.due_index.query(f"DUE#{shard}"):
                yield _invoice_state(item)

    def set_open_amount(self, invoice: InvoiceState, new_open: Decimal) -> None:
        """Apply a payment or credit note, conditional on the balance it was computed from.

        A balance that reaches zero takes the invoice out of the due-index:
        nothing more is sent for it.
        """
        item = InvoiceModel(pk=f"INVOICE#{invoice.invoice_id}", sk="INVOICE")
        item.update(
            actions=self._balance_actions(new_open),
            condition=InvoiceModel.open_amount == money_text(invoice.open_amount),
        )

    @staticmethod
    def _balance_actions(new_open: Decimal) -> list[Any]:
        actions: list[Any] = [InvoiceModel.open_amount.set(money_text(new_open))]
        if new_open <= 0:
            actions += [
                InvoiceModel.status.set("paid"),
                InvoiceModel.due_shard.remove(),
                InvoiceModel.due_key.remove(),
                InvoiceModel.open_customer.remove(),
                InvoiceModel.open_key.remove(),
            ]
        return actions

    def commit_reminder(
        self,
        key: str,
        run_id: str,
        messages: list[str],
        advances: list[Advance],
        proposal_key: str | None = None,
        periods: Sequence[PeriodCharge] = (),
        reference: dict[str, Any] | None = None,
    ) -> bool:
        """Advance the reminder's invoices and file its messages in the outbox — all or nothing.

        ``reference`` (see :func:`shared.services.scheduling.reference_record`) is the reminder's
        payment reference, filed in the same transaction so a payment carrying it can always be
        matched back to the reminder's customer and invoices.

        Each invoice moves only from the step it was read at (and, for an
        approved proposal, only while that proposal still holds it, which is
        then removed); if anything moved meanwhile, nothing is written and
        False comes back.
        """
        outbox = OutboxModel(pk="OUTBOX", sk=key, messages=messages, run_id=run_id)

        def write(transaction: TransactWrite) -> None:
            transaction.save(outbox, condition=OutboxModel.pk.does_not_exist())
            if reference is not None:
                transaction.save(
                    RecordModel(pk="REFERENCE", sk=str(reference["reference"]), data=reference),
                    condition=RecordModel.pk.does_not_exist(),
                )
            if proposal_key is not None:
                transaction.delete(RecordModel(pk="PROPOSAL", sk=proposal_key), condition=RecordModel.pk.exists())
            for period in periods:
                transaction.update(
                    AgreementModel(pk="AGREEMENT", sk=period.agreement_id),
                    actions=self._period_actions(period, advances[0].on),
                    condition=AgreementModel.period_fees == period.fees_before
                    if period.fees_before
                    else AgreementModel.period_fees.does_not_exist() | (AgreementModel.period_fees == 0),
                )
            for advance in advances:
                condition = InvoiceModel.steps_done == advance.invoice.steps_done
                if proposal_key is not None:
                    condition &= InvoiceModel.pending_proposal == proposal_key
                transaction.update(
                    InvoiceModel(pk=f"INVOICE#{advance.invoice.invoice_id}", sk="INVOICE"),
                    actions=self._advance_actions(advance),
                    condition=condition,
                )

        return self._transact(write)

    def next_reference_number(self) -> int:
        """A new number from the tenant's reference counter (an atomic add: never handed out twice).

        A number taken by a reminder that then lost its commit is simply not used: payment ids
        need not be contiguous, only unique.
        """
        item = CounterModel(pk="COUNTER", sk="REFERENCE")
        item.update(actions=[CounterModel.value.add(1)])
        return int(item.value)

    def get_reference(self, reference: str) -> dict[str, Any] | None:
        """The reminder a payment reference was given to: customer, invoices, template, step, date."""
        try:
            return dict(RecordModel.get("REFERENCE", reference).data)
        except RecordModel.DoesNotExist:
            return None

    def pending_outbox(self) -> list[tuple[str, list[str]]]:
        """Reminders committed by a run that stopped before confirming their messages were sent."""
        return [(item.sk, [str(body) for body in item.messages]) for item in OutboxModel.query("OUTBOX")]

    def outbox_run(self, key: str) -> str | None:
        """The run that filed the outbox item ``key`` (None when there is none): tells a commit whose
        answer was lost apart from one another run made."""
        try:
            return str(OutboxModel.get("OUTBOX", key, consistent_read=True).run_id)
        except OutboxModel.DoesNotExist:
            return None

    def keep_in_outbox(self, key: str, messages: list[str]) -> None:
        """Part of a reminder's messages went: only the rest stays to be sent."""
        try:
            OutboxModel(pk="OUTBOX", sk=key).update(
                actions=[OutboxModel.messages.set(messages)],  # type: ignore[arg-type]
                condition=OutboxModel.pk.exists(),
            )
        except UpdateError as error:
            if not _conditional_failed(error):
                raise

    def clear_outbox(self, keys: list[str]) -> None:
        with OutboxModel.batch_write() as batch:
            for key in keys:
                batch.delete(OutboxModel(pk="OUTBOX", sk=key))

    @staticmethod
    def _period_actions(period: PeriodCharge, on: date) -> list[Any]:
        actions: list[Any] = []
        if period.fee:
            actions += [
                AgreementModel.period_fees.set(period.fees_before + 1),
                AgreementModel.period_last_fee_on.set(on.isoformat()),
            ]
        if period.compensated:
            actions.append(AgreementModel.period_compensated.set(True))
        return actions

    def agreement_periods(self, agreement_ids: set[str]) -> dict[str, tuple[int, date | None, bool]]:
        """Each agreement's current arrears period: (fees charged, last fee date, compensated)."""
        periods = {}
        for item in AgreementModel.batch_get([("AGREEMENT", agreement_id) for agreement_id in agreement_ids]):
            last = date.fromisoformat(item.period_last_fee_on) if item.period_last_fee_on else None
            periods[item.agreement_id] = (int(item.period_fees or 0), last, bool(item.period_compensated))
        return periods

    def end_arrears_period(self, agreement_id: str) -> None:
        """The agreement has nothing overdue any more: its next overdue invoice starts a new period."""
        try:
            AgreementModel(pk="AGREEMENT", sk=agreement_id).update(
                actions=self._period_end_actions(), condition=AgreementModel.pk.exists()
            )
        except UpdateError as error:
            if not _conditional_failed(error):
                raise

    @staticmethod
    def _period_end_actions() -> list[Any]:
        return [
            AgreementModel.period_fees.set(0),
            AgreementModel.period_last_fee_on.remove(),
            AgreementModel.period_compensated.set(False),
        ]

    def set_dispute(self, invoice: InvoiceState, until: date | None, next_step: date | None) -> None:
        """Start (``until`` given: the dispute's end, 9999-12-31 for open-ended) or end a dispute
        (``until`` None) and re-file the invoice if it waits for a step."""
        actions: list[Any] = [
            InvoiceModel.disputed_until.set(until.isoformat()) if until else InvoiceModel.disputed_until.remove()
        ]
        if until is not None:
            actions.append(InvoiceModel.disputed_ever.set(True))
        item = InvoiceModel(pk=f"INVOICE#{invoice.invoice_id}", sk="INVOICE")
        item.update(actions=actions, condition=InvoiceModel.pk.exists())
        if next_step is not None:
            self.refile_invoice(replace(invoice, disputed_until=until), next_step)
        if until is not None:
            RecordModel(
                pk="DISPUTE",
                sk=invoice.invoice_id,
                data={"invoice": invoice.invoice_id, "customer": invoice.customer_id, "until": until.isoformat()},
            ).save()
        else:
            RecordModel(pk="DISPUTE", sk=invoice.invoice_id).delete()

    def disputes(self) -> list[dict[str, Any]]:
        return [dict(item.data) for item in RecordModel.query("DISPUTE")]

    @staticmethod
    def _advance_actions(advance: Advance) -> list[Any]:
        invoice = advance.invoice
        actions: list[Any] = [
            InvoiceModel.steps_done.set(invoice.steps_done + 1),
            InvoiceModel.last_step_on.set(advance.on.isoformat()),
            InvoiceModel.pending_proposal.remove(),
            InvoiceModel.history.set((InvoiceModel.history | []).append([advance.history])),
            InvoiceModel.due_shard.set(due_shard(invoice.invoice_id)),
            InvoiceModel.due_key.set(_due_key(advance.next_step or PARKED, invoice.invoice_id)),
        ]
        if advance.warning:
            actions.append(InvoiceModel.warned_on.set(advance.on.isoformat()))
        if advance.fee_charged:
            actions.append(InvoiceModel.fee_dates.set((InvoiceModel.fee_dates | []).append([advance.on.isoformat()])))
        if advance.interest_to is not None:
            actions.append(InvoiceModel.interest_to.set(advance.interest_to.isoformat()))
        if advance.compensated:
            actions.append(InvoiceModel.compensated.set(True))
        if advance.next_step is None:
            actions.append(InvoiceModel.status.set("finished"))
        return actions

    def refile_invoice(self, invoice: InvoiceState, next_step: date | None) -> None:
        """Move a waiting invoice to the date its next step is really due (parked when nothing is)."""
        item = InvoiceModel(pk=f"INVOICE#{invoice.invoice_id}", sk="INVOICE")
        if next_step is None and invoice.open_amount <= 0:
            actions: list[Any] = [InvoiceModel.due_shard.remove(), InvoiceModel.due_key.remove()]
        else:
            actions = [
                InvoiceModel.due_shard.set(due_shard(invoice.invoice_id)),
                InvoiceModel.due_key.set(_due_key(next_step or PARKED, invoice.invoice_id)),
            ]
        try:
            item.update(
                actions=actions,
                condition=(InvoiceModel.steps_done == invoice.steps_done) & InvoiceModel.due_key.exists(),
            )
        except UpdateError as error:
            if not _conditional_failed(error):
                raise

    # -- proposals waiting for approval (O9) and debt-collection cases (O14) -----------
    def commit_proposal(
        self, key: str, proposal: dict[str, Any], effect: dict[str, Any], invoices: list[InvoiceState]
    ) -> bool:
        """File a proposal, record its effect and take its invoices out of the due-index — all or nothing.

        While the proposal waits, no run sees its invoices, so it is never proposed twice.
        """

        def write(transaction: TransactWrite) -> None:
            transaction.save(
                RecordModel(pk="PROPOSAL", sk=key, data=proposal), condition=RecordModel.pk.does_not_exist()
            )
            self._write_effect(transaction, effect, key)
            for invoice in invoices:
                transaction.update(
                    InvoiceModel(pk=f"INVOICE#{invoice.invoice_id}", sk="INVOICE"),
                    actions=[
                        InvoiceModel.pending_proposal.set(key),
                        InvoiceModel.due_shard.remove(),
                        InvoiceModel.due_key.remove(),
                    ],
                    condition=(InvoiceModel.steps_done == invoice.steps_done) & InvoiceModel.due_key.exists(),
                )

        return self._transact(write)

    def pending_proposals(self) -> list[dict[str, Any]]:
        return [item.data | {"key": item.sk} for item in RecordModel.query("PROPOSAL")]

    def drop_proposal(
        self, key: str, invoices: Sequence[tuple[InvoiceState, date | None]], effect: dict[str, Any] | None
    ) -> bool:
        """Remove a proposal (rejected, or nothing left to send) and put its invoices back in the due-index."""

        def write(transaction: TransactWrite) -> None:
            transaction.delete(RecordModel(pk="PROPOSAL", sk=key), condition=RecordModel.pk.exists())
            if effect is not None:
                self._write_effect(transaction, effect, key)
            for invoice, refile_on in invoices:
                actions: list[Any] = [InvoiceModel.pending_proposal.remove()]
                if refile_on is not None:
                    actions += [
                        InvoiceModel.due_shard.set(due_shard(invoice.invoice_id)),
                        InvoiceModel.due_key.set(_due_key(refile_on, invoice.invoice_id)),
                    ]
                transaction.update(
                    InvoiceModel(pk=f"INVOICE#{invoice.invoice_id}", sk="INVOICE"),
                    actions=actions,
                    condition=InvoiceModel.pending_proposal == key,
                )

        return self._transact(write)

    def hand_over_case(self, key: str, case: dict[str, Any], message: str, invoices: list[InvoiceState]) -> bool:
        """An approved collection case: file it, queue its e-mail to the partner (outbox) and take
        its invoices out of the reminder process (both indexes) — all or nothing."""

        def write(transaction: TransactWrite) -> None:
            transaction.delete(RecordModel(pk="PROPOSAL", sk=key), condition=RecordModel.pk.exists())
            transaction.save(RecordModel(pk="CASE", sk=key, data=case), condition=RecordModel.pk.does_not_exist())
            transaction.save(
                OutboxModel(pk="OUTBOX", sk=key, messages=[message], run_id=case["run_id"]),
                condition=OutboxModel.pk.does_not_exist(),
            )
            for invoice in invoices:
                transaction.update(
                    InvoiceModel(pk=f"INVOICE#{invoice.invoice_id}", sk="INVOICE"),
                    actions=[
                        InvoiceModel.status.set("collection"),
                        InvoiceModel.pending_proposal.remove(),
                        InvoiceModel.open_customer.remove(),
                        InvoiceModel.open_key.remove(),
                    ],
                    condition=(InvoiceModel.pending_proposal == key)
                    & (InvoiceModel.open_amount == money_text(invoice.open_amount)),
                )

        return self._transact(write)

    def cases(self) -> list[dict[str, Any]]:
        return [item.data | {"key": item.sk} for item in RecordModel.query("CASE")]

    def get_case(self, key: str) -> dict[str, Any] | None:
        try:
            return dict(RecordModel.get("CASE", key).data) | {"key": key}
        except RecordModel.DoesNotExist:
            return None

    def invoice_history(self, invoice_id: str) -> list[dict[str, Any]]:
        """Every reminder step the invoice has had: date, step, actions, fee."""
        try:
            item = InvoiceModel.get(f"INVOICE#{invoice_id}", "INVOICE")
        except InvoiceModel.DoesNotExist:
            return []
        return [dict(entry) for entry in (item.history or [])]

    # -- effects of the consumers ----------------------------------------------
    def record_effect(self, effect: dict[str, Any], key: str) -> bool:
        """Store one effect under its business key (and meter it); False when it was recorded before."""
        if not usage_increments(effect):
            try:
                self._effect_item(effect, key).save(condition=EffectModel.pk.does_not_exist())
            except PutError as error:
                if _conditional_failed(error):
                    return False
                raise
            return True

        def write(transaction: TransactWrite) -> None:
            self._write_effect(transaction, effect, key)

        return self._transact(write)

    def has_effect(self, effect: dict[str, Any], key: str) -> bool:
        """Whether the effect of this kind, date and business key is recorded."""
        item = self._effect_item(effect, key)
        try:
            EffectModel.get(item.pk, item.sk, consistent_read=True)
        except EffectModel.DoesNotExist:
            return False
        return True

    @staticmethod
    def _effect_item(effect: dict[str, Any], key: str) -> EffectModel:
        return EffectModel(pk=f"EFFECTS#{effect['date']}", sk=f"{effect['kind']}#{key}", data=effect)

    def _write_effect(self, transaction: TransactWrite, effect: dict[str, Any], key: str) -> None:
        """Inside a transaction: the effect, once, and its month's usage counters (O15)."""
        transaction.save(self._effect_item(effect, key), condition=EffectModel.pk.does_not_exist())
        increments = usage_increments(effect)
        if increments:
            transaction.update(
                UsageModel(pk="USAGE", sk=month_of(effect)),
                actions=[getattr(UsageModel, name).add(value) for name, value in sorted(increments.items())],
            )

    def usage(self, month: str) -> dict[str, int]:
        """The counters of one calendar month (``yyyy-mm``); zeros when nothing happened."""
        try:
            item = UsageModel.get("USAGE", month)
        except UsageModel.DoesNotExist:
            return dict.fromkeys(COUNTERS, 0)
        return {name: int(getattr(item, name) or 0) for name in COUNTERS}

    def effects_on(self, on: date) -> list[dict[str, Any]]:
        return [item.data for item in EffectModel.query(f"EFFECTS#{on.isoformat()}")]

    def add_fee_line(self, line: BillingLineModel, effect: dict[str, Any], key: str, reversible: bool = True) -> bool:
        """Put a fee on the billing queue and record it, both or neither; False if done before."""

        def write(transaction: TransactWrite) -> None:
            transaction.save(line, condition=BillingLineModel.pk.does_not_exist())
            self._write_effect(transaction, effect, key)
            # Mirrored under one key so a run can find fees not yet billed (O13 fee reversal).
            if reversible:
                transaction.save(
                    RecordModel(
                        pk="FEE_PENDING",
                        sk=key,
                        data={
                            "customer": line.customer_id,
                            "invoices": list(line.invoice_ids),
                            "amount": line.amount,
                        },
                    )
                )

        return self._transact(write)

    def billing_lines(self, customer_id: str) -> list[BillingLineModel]:
        return list(BillingLineModel.query(f"CUSTOMER#{customer_id}", BillingLineModel.sk.startswith("BILLING#")))

    def add_bs_record(self, record: BsRecordModel, effect: dict[str, Any], key: str) -> bool:
        """Store a BS reminder record for the day's delivery and record it; False if done before."""

        due = str(record.pk).removeprefix("BS#")
        # Filed for delivery too: it stays under BS_PENDING until a delivery takes it (that day's or a later one).
        pending = _bs_copy(record, "BS_PENDING", f"{due}#{record.sk}")

        def write(transaction: TransactWrite) -> None:
            transaction.save(record, condition=BsRecordModel.pk.does_not_exist())
            transaction.save(pending, condition=BsRecordModel.pk.does_not_exist())
            self._write_effect(transaction, effect, key)

        return self._transact(write)

    def bs_records(self, on: date) -> list[BsRecordModel]:
        return list(BsRecordModel.query(f"BS#{on.isoformat()}"))

    # -- the daily BS delivery: records waiting for a file, a day's filed records, its seal ---------
    def undelivered_bs_records(self, through: date) -> list[BsRecordModel]:
        """BS records due on or before ``through`` that no delivery has taken yet (sk ``<due>#<key>``)."""
        upper = (through + timedelta(days=1)).isoformat()
        return list(BsRecordModel.query("BS_PENDING", BsRecordModel.sk < upper, consistent_read=True))

    def filed_bs_records(self, on: date) -> list[BsRecordModel]:
        """The records the delivery of ``on`` holds (sk ``<due>#<key>``): the delivery's manifest."""
        return list(BsRecordModel.query(f"BS_FILED#{on.isoformat()}", consistent_read=True))

    def start_bs_delivery(self, on: date) -> None:
        """Mark the delivery of ``on`` as begun: until its effect is recorded, a later delivery finishes it."""
        RecordModel(pk="BS_UNFINISHED", sk=on.isoformat(), data={"date": on.isoformat()}).save()

    def unfinished_bs_deliveries(self, before: date) -> list[date]:
        items = RecordModel.query("BS_UNFINISHED", RecordModel.sk < before.isoformat(), consistent_read=True)
        return [date.fromisoformat(str(item.sk)) for item in items]

    def file_bs_records(self, on: date, records: Sequence[BsRecordModel]) -> bool:
        """Move pending records into the delivery of ``on`` — only while it is not sealed, each only
        once; False (nothing moved) when the delivery was sealed or a record was taken meanwhile."""

        def write(transaction: TransactWrite) -> None:
            transaction.condition_check(
                RecordModel, "BS_DELIVERY", f"{on.isoformat()}#SEALED", condition=RecordModel.pk.does_not_exist()
            )
            for record in records:
                transaction.delete(record, condition=BsRecordModel.pk.exists())
                filed = _bs_copy(record, f"BS_FILED#{on.isoformat()}", str(record.sk))
                transaction.save(filed, condition=BsRecordModel.pk.does_not_exist())

        return self._transact(write)

    def seal_bs_delivery(self, on: date) -> None:
        """No record joins the delivery of ``on`` any more: its file is built from what it holds now."""
        RecordModel(pk="BS_DELIVERY", sk=f"{on.isoformat()}#SEALED", data={"date": on.isoformat()}).save()

    def bs_delivery_sealed(self, on: date) -> bool:
        return RecordModel.count("BS_DELIVERY", RecordModel.sk == f"{on.isoformat()}#SEALED", consistent_read=True) > 0

    def forget_bs_delivery(self, on: date) -> None:
        RecordModel(pk="BS_UNFINISHED", sk=on.isoformat()).delete()

    def finish_bs_delivery(self, on: date, effect: dict[str, Any], key: str) -> bool:
        """Record the delivery's effect and clear its "unfinished" mark together; False if recorded before."""

        def write(transaction: TransactWrite) -> None:
            self._write_effect(transaction, effect, key)
            transaction.delete(RecordModel(pk="BS_UNFINISHED", sk=on.isoformat()))

        done = self._transact(write)
        if not done:
            RecordModel(pk="BS_UNFINISHED", sk=on.isoformat()).delete()
        return done

    def open_invoices(self, customer_id: str) -> list[InvoiceState]:
        """The customer's invoices with an open balance, oldest due date first (the sparse open-index)."""
        return [_invoice_state(item) for item in InvoiceModel.open_index.query(customer_id)]

    # -- on-account credits (payments without an invoice, open credit notes) ----------
    def add_credit(self, customer_id: str, kind: str, amount: Decimal, on: date, credit_id: str) -> None:
        RecordModel(
            pk="CREDIT",
            sk=f"{customer_id}#{on.isoformat()}#{credit_id}",
            data={
                "customer": customer_id,
                "kind": kind,
                "remaining": money_text(amount),
                "on": on.isoformat(),
                "id": credit_id,
            },
        ).save(condition=RecordModel.pk.does_not_exist())

    def open_credits(self) -> list[dict[str, Any]]:
        """Every on-account credit with money left, by customer and then oldest first."""
        return [item.data | {"key": item.sk} for item in RecordModel.query("CREDIT")]

    def write_off(
        self,
        invoices: Sequence[InvoiceState],
        periods_ended: Sequence[str],
        effect: dict[str, Any],
        effect_key: str,
    ) -> bool:
        """Write off the invoices' open balances — every balance (each conditional on what it was
        read at), the agreements whose arrears period ends and the ``write_off`` effect in one
        transaction; False (nothing written) when one changed meanwhile or it was done before."""

        def write(transaction: TransactWrite) -> None:
            for invoice in invoices:
                transaction.update(
                    InvoiceModel(pk=f"INVOICE#{invoice.invoice_id}", sk="INVOICE"),
                    actions=self._balance_actions(Decimal("0")),
                    condition=InvoiceModel.open_amount == money_text(invoice.open_amount),
                )
            for agreement_id in periods_ended:
                transaction.update(AgreementModel(pk="AGREEMENT", sk=agreement_id), actions=self._period_end_actions())
            self._write_effect(transaction, effect, effect_key)

        return self._transact(write)

    def apply_settlement(
        self,
        credit: dict[str, Any],
        remaining: Decimal,
        balances: Sequence[tuple[InvoiceState, Decimal]],
        periods_ended: Sequence[str],
        effect: dict[str, Any],
        effect_key: str,
    ) -> bool:
        """Use an on-account credit on invoices — the credit, every balance, the agreements whose
        arrears period ends and the ``settlement`` effect in one transaction.

        The credit must still hold what it was read with, and each invoice the balance it was
        computed from, so a retry (or a payment meanwhile) cannot apply the credit twice: it
        writes nothing and returns False.
        """
        stored = {name: value for name, value in credit.items() if name != "key"}
        item = RecordModel(pk="CREDIT", sk=credit["key"])
        # ``data`` is one JSON string: the condition compares it whole (written and read in one key order).
        unchanged = RecordModel.data == stored

        def write(transaction: TransactWrite) -> None:
            if remaining <= 0:
                transaction.delete(item, condition=unchanged)
            else:
                transaction.update(
                    item,
                    actions=[RecordModel.data.set(stored | {"remaining": money_text(remaining)})],
                    condition=unchanged,
                )
            for invoice, new_open in balances:
                transaction.update(
                    InvoiceModel(pk=f"INVOICE#{invoice.invoice_id}", sk="INVOICE"),
                    actions=self._balance_actions(new_open),
                    condition=InvoiceModel.open_amount == money_text(invoice.open_amount),
                )
            for agreement_id in periods_ended:
                transaction.update(AgreementModel(pk="AGREEMENT", sk=agreement_id), actions=self._period_end_actions())
            self._write_effect(transaction, effect, effect_key)

        return self._transact(write)

    def customer_credits(self, customer_id: str) -> list[dict[str, Any]]:
        """One customer's on-account credits with money left, oldest first (one query)."""
        return [
            item.data | {"key": item.sk}
            for item in RecordModel.query("CREDIT", RecordModel.sk.startswith(f"{customer_id}#"))
        ]

    # -- fees still on the billing queue -------------------------------------------------
    def pending_fees(self) -> list[dict[str, Any]]:
        return [item.data | {"key": item.sk} for item in RecordModel.query("FEE_PENDING")]

    def reverse_fee(self, key: str, customer_id: str, effect: dict[str, Any]) -> bool:
        """Take a fee off the billing queue and record it, once; False when it was reversed before."""

        def write(transaction: TransactWrite) -> None:
            transaction.delete(RecordModel(pk="FEE_PENDING", sk=key), condition=RecordModel.pk.exists())
            transaction.update(
                BillingLineModel(pk=f"CUSTOMER#{customer_id}", sk=f"BILLING#{key}"),
                actions=[BillingLineModel.kind.set("fee_reversed")],
                condition=BillingLineModel.pk.exists(),
            )
            self._write_effect(transaction, effect, f"reversal#{key}")

        return self._transact(write)

    # -- bank connections and journals (kept current by the accounting side) ------------
    def put_bank_connection(self, name: str, active: bool) -> None:
        RecordModel(pk="BANK", sk=name, data={"name": name, "active": active}).save()

    def bank_connections(self) -> list[dict[str, Any]]:
        return [item.data for item in RecordModel.query("BANK")]

    def put_journal(self, name: str) -> None:
        RecordModel(pk=f"JOURNAL#{name}", sk="JOURNAL", data={"name": name}).save()

    def journal_exists(self, name: str) -> bool:
        return RecordModel.count(f"JOURNAL#{name}", RecordModel.sk == "JOURNAL") > 0

    def add_journal_entry(self, journal: str, entry_id: str, entry: dict[str, Any]) -> None:
        RecordModel(pk=f"JOURNAL#{journal}", sk=f"ENTRY#{entry_id}", data=entry).save(
            condition=RecordModel.pk.does_not_exist()
        )

    def journal_entries(self, journal: str) -> list[dict[str, Any]]:
        """The journal's unposted entries."""
        return [
            item.data | {"id": item.sk.removeprefix("ENTRY#")}
            for item in RecordModel.query(f"JOURNAL#{journal}", RecordModel.sk.startswith("ENTRY#"))
        ]

    def remove_journal_entry(self, journal: str, entry_id: str) -> None:
        RecordModel(pk=f"JOURNAL#{journal}", sk=f"ENTRY#{entry_id}").delete()

    # -- who did it --------------------------------------------------------------
    def note_actor(self, subject: str, item_id: str, role: str, actor: str) -> None:
        """Record who did ``role`` (``started_by``, ``decided_by``, …) to ``subject`` ``item_id``."""
        RecordModel(pk=f"ACTOR#{subject}", sk=item_id, data=self.actors(subject, item_id) | {role: actor}).save()

    def actors(self, subject: str, item_id: str) -> dict[str, str]:
        """Who did what to one item, by role (empty when nobody is recorded)."""
        try:
            return dict(RecordModel.get(f"ACTOR#{subject}", item_id).data)
        except RecordModel.DoesNotExist:
            return {}

    def actors_of(self, subject: str, item_ids: set[str]) -> dict[str, dict[str, str]]:
        """:meth:`actors` of many items in one batch read, by item id (items with nobody left out)."""
        keys = [(f"ACTOR#{subject}", item_id) for item_id in item_ids]
        return {item.sk: dict(item.data) for item in RecordModel.batch_get(keys)} if keys else {}

    # -- runs -------------------------------------------------------------------
    def put_run(self, run_id: str, data: dict[str, Any]) -> None:
        RunModel(pk="RUN", sk=run_id, data=data).save()

    def get_run(self, run_id: str) -> dict[str, Any] | None:
        try:
            return dict(RunModel.get("RUN", run_id).data)
        except RunModel.DoesNotExist:
            return None

    def list_runs(self, newest_first: bool = True, limit: int = 50) -> list[dict[str, Any]]:
        return [dict(item.data) for item in RunModel.query("RUN", scan_index_forward=not newest_first, limit=limit)]

    def queue_run(self, run_id: str, data: dict[str, Any]) -> None:
        """A run request that arrived while another run held the slot (O2: "waiting for robot")."""
        RecordModel(pk="RUNQUEUE", sk=run_id, data=data).save()

    def queued_runs(self) -> list[dict[str, Any]]:
        """The waiting run requests, by run id (their time), each with its ``run_id``; they stay
        queued until :meth:`dequeue_run` says they ran."""
        return [dict(item.data) | {"run_id": item.sk} for item in RecordModel.query("RUNQUEUE", consistent_read=True)]

    def dequeue_run(self, run_id: str) -> None:
        """A queued request has run: take it off the queue."""
        RecordModel(pk="RUNQUEUE", sk=run_id).delete()

    def acquire_run_lock(self, run_id: str, now_epoch: int, lease_seconds: int) -> str | None:
        """Take the tenant's single run slot; returns the holder's run id when another run has it.

        The lock is a lease: a run that died without releasing it is taken over once it expires.
        """
        lock = RunLockModel(pk="RUNLOCK", sk="ACTIVE", run_id=run_id, expires=now_epoch + lease_seconds)
        free_or_mine_or_expired = (
            RunLockModel.pk.does_not_exist() | (RunLockModel.run_id == run_id) | (RunLockModel.expires < now_epoch)
        )
        try:
            lock.save(condition=free_or_mine_or_expired)
            return None
        except PutError as error:
            if not _conditional_failed(error):
                raise
        try:
            return str(RunLockModel.get("RUNLOCK", "ACTIVE").run_id)
        except RunLockModel.DoesNotExist:  # released in between: try once more
            return self.acquire_run_lock(run_id, now_epoch, lease_seconds)

    def release_run_lock(self, run_id: str) -> None:
        try:
            RunLockModel(pk="RUNLOCK", sk="ACTIVE").delete(condition=RunLockModel.run_id == run_id)
        except DeleteError as error:
            if not _conditional_failed(error):
                raise

    # -- operator API: listings, ledger, sales, bulk writes --------------------------------
    def _file_in_customer_directory(self, customers: list[Customer]) -> None:
        """The customer directory (pk ``CUSTOMERS``): lists customers without a Scan."""
        with RecordModel.batch_write() as batch:
            for customer in customers:
                batch.save(
                    RecordModel(
                        pk="CUSTOMERS", sk=customer.customer_id, data={"id": customer.customer_id} | customer.as_data()
                    )
                )

    def put_customers(self, customers: list[Customer]) -> None:
        """Many customers at once (25 per request): profiles, then their directory entries."""
        with CustomerModel.batch_write() as batch:
            for customer in customers:
                batch.save(
                    CustomerModel(
                        pk=f"CUSTOMER#{customer.customer_id}",
                        sk="PROFILE",
                        customer_id=customer.customer_id,
                        data=customer.as_data(),
                    )
                )
        self._file_in_customer_directory(customers)

    def list_customers(self) -> list[Customer]:
        return [_customer(item.data) for item in RecordModel.query("CUSTOMERS")]

    def existing_customers(self, customer_ids: set[str]) -> set[str]:
        keys = [(f"CUSTOMER#{customer_id}", "PROFILE") for customer_id in customer_ids]
        return {item.customer_id for item in CustomerModel.batch_get(keys)}

    def existing_agreements(self, agreement_ids: set[str]) -> dict[str, Agreement]:
        keys = [("AGREEMENT", agreement_id) for agreement_id in agreement_ids]
        return {
            item.agreement_id: Agreement(item.agreement_id, item.customer_id, item.template_version)
            for item in AgreementModel.batch_get(keys)
        }

    def existing_invoices(self, invoice_ids: set[str]) -> set[str]:
        keys = [(f"INVOICE#{invoice_id}", "INVOICE") for invoice_id in invoice_ids]
        return {item.invoice_id for item in InvoiceModel.batch_get(keys)}

    def create_agreements(self, agreements: list[Agreement]) -> None:
        """Create agreements in transactions of up to 100, each only if it does not exist yet."""
        for start in range(0, len(agreements), TRANSACTION_LIMIT):
            try:
                with TransactWrite(connection=AgreementModel._get_connection().connection) as transaction:
                    for agreement in agreements[start : start + TRANSACTION_LIMIT]:
                        transaction.save(
                            AgreementModel(
                                pk="AGREEMENT",
                                sk=agreement.agreement_id,
                                agreement_id=agreement.agreement_id,
                                customer_id=agreement.customer_id,
                                template_version=agreement.template_version,
                            ),
                            condition=AgreementModel.pk.does_not_exist(),
                        )
            except TransactWriteError as error:
                if _conditional_failed(error):
                    raise AlreadyExists("an agreement of the batch was created meanwhile") from error
                raise

    def create_invoices(self, invoices: list[tuple[InvoiceState, date | None]]) -> None:
        """Create invoices in transactions of up to 100, each only if it does not exist yet."""
        for start in range(0, len(invoices), TRANSACTION_LIMIT):
            try:
                with TransactWrite(connection=InvoiceModel._get_connection().connection) as transaction:
                    for invoice, first_step_on in invoices[start : start + TRANSACTION_LIMIT]:
                        transaction.save(
                            new_invoice_item(invoice, first_step_on), condition=InvoiceModel.pk.does_not_exist()
                        )
            except TransactWriteError as error:
                if _conditional_failed(error):
                    raise AlreadyExists("an invoice of the batch was created meanwhile") from error
                raise

    def customer_invoices(self, customer_id: str) -> list[InvoiceState]:
        """Every invoice of the customer, paid and finished ones too (customer-index)."""
        return [_invoice_state(item) for item in InvoiceModel.customer_index.query(customer_id)]

    def invoice_status(self, invoice_id: str) -> str | None:
        try:
            return str(InvoiceModel.get(f"INVOICE#{invoice_id}", "INVOICE").status)
        except InvoiceModel.DoesNotExist:
            return None

    def template_versions(self, name: str) -> list[tuple[TemplateVersion, str]]:
        """Every version of one template, oldest first, with the date it was defined."""
        items = TemplateVersionModel.query("TEMPLATE", TemplateVersionModel.sk.startswith(f"{name}#V#"))
        return [(_template_version(item), str(item.created_on)) for item in items]

    def all_template_versions(self) -> list[tuple[TemplateVersion, str]]:
        return [(_template_version(item), str(item.created_on)) for item in TemplateVersionModel.query("TEMPLATE")]

    def add_ledger_entry(self, kind: str, entry: dict[str, Any]) -> bool:
        """File a payment or credit note under its id (and on its invoice); False if the id is taken."""

        def write(transaction: TransactWrite) -> None:
            transaction.save(
                RecordModel(pk=f"LEDGER#{kind}", sk=entry["id"], data=entry),
                condition=RecordModel.pk.does_not_exist(),
            )
            if entry.get("invoice"):
                transaction.save(
                    RecordModel(pk=f"INVOICE#{entry['invoice']}", sk=f"ENTRY#{kind}#{entry['id']}", data=entry)
                )

        return self._transact(write)

    def add_ledger_result(self, kind: str, entry: dict[str, Any]) -> None:
        """Store what applying an entry did (applied / left on account) beside it."""
        RecordModel(pk=f"LEDGER#{kind}", sk=entry["id"], data=entry).save()
        if entry.get("invoice"):
            RecordModel(pk=f"INVOICE#{entry['invoice']}", sk=f"ENTRY#{kind}#{entry['id']}", data=entry).save()

    def add_journal_entry_once(self, journal: str, entry_id: str, entry: dict[str, Any]) -> bool:
        """An unposted journal entry; False when the journal has one with that id already."""
        try:
            self.add_journal_entry(journal, entry_id, entry)
        except PutError as error:
            if _conditional_failed(error):
                return False
            raise
        return True

    def get_ledger_entry(self, kind: str, entry_id: str) -> dict[str, Any] | None:
        try:
            return dict(RecordModel.get(f"LEDGER#{kind}", entry_id).data)
        except RecordModel.DoesNotExist:
            return None

    def ledger_entries(self, kind: str) -> list[dict[str, Any]]:
        return [dict(item.data) for item in RecordModel.query(f"LEDGER#{kind}")]

    def invoice_entries(self, invoice_id: str) -> list[dict[str, Any]]:
        """Payments and credit notes recorded against one invoice."""
        items = RecordModel.query(f"INVOICE#{invoice_id}", RecordModel.sk.startswith("ENTRY#"))
        return [dict(item.data) | {"kind": item.sk.split("#")[1]} for item in items]

    def put_sale(self, sale: dict[str, Any]) -> None:
        RecordModel(pk="SALE", sk=sale["id"], data=sale).save()

    def get_sale(self, sale_id: str) -> dict[str, Any] | None:
        try:
            return dict(RecordModel.get("SALE", sale_id).data)
        except RecordModel.DoesNotExist:
            return None

    def list_sales(self) -> list[dict[str, Any]]:
        return [dict(item.data) for item in RecordModel.query("SALE")]

    def runs_between(self, first: str, last: str) -> list[dict[str, Any]]:
        """Runs whose id (their ISO start time) lies in [first, last], oldest first."""
        return [dict(item.data) for item in RunModel.query("RUN", RunModel.sk.between(first, last + "~~"))]


@cache
def repository_for(table_name: str) -> DunningRepository:
    """One repository per table per container (it caches immutable template versions)."""
    return DunningRepository(table_name)


def reset_repositories() -> None:
    """Forget cached repositories — for a fresh local stack in the same process."""
    repository_for.cache_clear()
