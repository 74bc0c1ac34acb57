"""Customers, agreements (with their arrears periods) and sales in draft, in DynamoDB."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from pynamodb.exceptions import PutError, TransactWriteError, UpdateError
from pynamodb.transactions import TransactWrite

from shared.errors import AlreadyExists, NotFound
from shared.storage import keys
from shared.storage.convert import agreement, agreement_period, customer
from shared.storage.dynamo import (
    TRANSACTION_LIMIT,
    DynamoBase,
    agreement_item,
    conditional_failed,
    period_end_actions,
    record_item,
)
from shared.storage.models import AgreementModel, CustomerModel, RecordModel
from shared.storage.records import Agreement, Customer, customer_revision


def _customer_item(profile: Customer) -> CustomerModel:
    """The customer's item, with its revision (a snapshot of an older one is stale)."""
    pk, sk = keys.customer(profile.customer_id)
    return CustomerModel(
        pk=pk, sk=sk, customer_id=profile.customer_id, data=profile.as_data(), rev=customer_revision(profile)
    )


def _agreement_item(agreement: Agreement) -> AgreementModel:
    pk, sk = keys.agreement(agreement.agreement_id)
    return AgreementModel(
        pk=pk,
        sk=sk,
        agreement_id=agreement.agreement_id,
        customer_id=agreement.customer_id,
        template_version=agreement.template_version,
    )


class DynamoPartyStore(DynamoBase):
    # -- customers --------------------------------------------------------------
    def put_customer(self, customer: Customer) -> None:
        _customer_item(customer).save()
        self._file_in_customer_directory([customer])

    def put_customers(self, customers: list[Customer]) -> None:
        """Many customers at once (25 per request): profiles, then their directory entries."""
        with CustomerModel.batch_write() as batch:
            for customer in customers:
                batch.save(_customer_item(customer))
        self._file_in_customer_directory(customers)

    @staticmethod
    def _file_in_customer_directory(customers: list[Customer]) -> None:
        """The customer directory (pk ``CUSTOMERS``): lists customers without a Scan."""
        with RecordModel.batch_write() as batch:
            for customer in customers:
                data = {"id": customer.customer_id} | customer.as_data()
                batch.save(record_item((keys.CUSTOMERS, customer.customer_id), data))

    def get_customer(self, customer_id: str) -> Customer | None:
        try:
            item = CustomerModel.get(*keys.customer(customer_id))
        except CustomerModel.DoesNotExist:
            return None
        return customer(item)

    def get_customers(self, customer_ids: set[str]) -> dict[str, Customer]:
        """Several customers in batches (an unknown id is left out)."""
        items = CustomerModel.batch_get([keys.customer(customer_id) for customer_id in customer_ids])
        return {item.customer_id: customer(item) for item in items}

    def list_customers(self) -> list[Customer]:
        return [Customer.from_data(item.data["id"], item.data) for item in RecordModel.query(keys.CUSTOMERS)]

    def existing_customers(self, customer_ids: set[str]) -> set[str]:
        items = CustomerModel.batch_get([keys.customer(customer_id) for customer_id in customer_ids])
        return {item.customer_id for item in items}

    # -- agreements -------------------------------------------------------------
    def create_agreement(self, agreement: Agreement) -> None:
        try:
            _agreement_item(agreement).save(condition=AgreementModel.pk.does_not_exist())
        except PutError as error:
            if conditional_failed(error):
                raise AlreadyExists(f"agreement {agreement.agreement_id!r} exists already") from error
            raise

    def create_agreements(self, agreements: list[Agreement]) -> None:
        """Create agreements in transactions of up to 100, each only if it does not exist yet."""
        for start in range(0, len(agreements), TRANSACTION_LIMIT):
            try:
                with TransactWrite(connection=AgreementModel._get_connection().connection) as transaction:
                    for agreement in agreements[start : start + TRANSACTION_LIMIT]:
                        transaction.save(_agreement_item(agreement), condition=AgreementModel.pk.does_not_exist())
            except TransactWriteError as error:
                if conditional_failed(error):
                    raise AlreadyExists("an agreement of the batch was created meanwhile") from error
                raise

    def get_agreement(self, agreement_id: str) -> Agreement | None:
        try:
            return agreement(AgreementModel.get(*keys.agreement(agreement_id)))
        except AgreementModel.DoesNotExist:
            return None

    def list_agreements(self) -> Iterator[Agreement]:
        for item in AgreementModel.query(keys.AGREEMENT):
            yield agreement(item)

    def existing_agreements(self, agreement_ids: set[str]) -> dict[str, Agreement]:
        items = AgreementModel.batch_get([keys.agreement(agreement_id) for agreement_id in agreement_ids])
        return {item.agreement_id: agreement(item) for item in items}

    def set_agreement_template(self, agreement_id: str, version_id: str) -> None:
        try:
            agreement_item(agreement_id).update(
                actions=[AgreementModel.template_version.set(version_id)],
                condition=AgreementModel.pk.exists(),
            )
        except UpdateError as error:
            if conditional_failed(error):
                raise NotFound(f"agreement {agreement_id!r} does not exist") from error
            raise

    def agreement_periods(self, agreement_ids: set[str]) -> dict[str, tuple[int, date | None, bool]]:
        """Each agreement's current arrears period: (fees charged, last fee date, compensated)."""
        periods = {}
        for item in AgreementModel.batch_get([keys.agreement(agreement_id) for agreement_id in agreement_ids]):
            periods[item.agreement_id] = agreement_period(item)
        return periods

    def end_arrears_period(self, agreement_id: str) -> None:
        """The agreement has nothing overdue any more: its next overdue invoice starts a new period."""
        try:
            agreement_item(agreement_id).update(actions=period_end_actions(), condition=AgreementModel.pk.exists())
        except UpdateError as error:
            if not conditional_failed(error):
                raise

    # -- sales in draft ---------------------------------------------------------
    def put_sale(self, sale: dict[str, Any]) -> None:
        record_item((keys.SALE, sale["id"]), sale).save()

    def get_sale(self, sale_id: str) -> dict[str, Any] | None:
        try:
            return dict(RecordModel.get(keys.SALE, sale_id).data)
        except RecordModel.DoesNotExist:
            return None

    def list_sales(self) -> list[dict[str, Any]]:
        return [dict(item.data) for item in RecordModel.query(keys.SALE)]
