"""Customers, agreements and sales in draft, in memory."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from shared.errors import AlreadyExists, NotFound
from shared.storage import keys
from shared.storage.convert import agreement, agreement_period, customer
from shared.storage.memory.table import ConditionFailed, MemoryBase, absent, present
from shared.storage.records import Agreement, Customer, customer_revision

# An arrears period that ends: no fees counted, no compensation.
PERIOD_END: dict[str, Any] = {"period_fees": 0, "period_compensated": False}


class MemoryPartyStore(MemoryBase):
    def put_customer(self, customer: Customer) -> None:
        self.put_customers([customer])

    def put_customers(self, customers: list[Customer]) -> None:
        for one in customers:
            profile = {"customer_id": one.customer_id, "data": one.as_data(), "rev": customer_revision(one)}
            self._table.put(keys.customer(one.customer_id), profile)
            directory = {"data": {"id": one.customer_id} | one.as_data()}
            self._table.put((keys.CUSTOMERS, one.customer_id), directory)

    def get_customer(self, customer_id: str) -> Customer | None:
        item = self._table.get(keys.customer(customer_id))
        return customer(item) if item is not None else None

    def get_customers(self, customer_ids: set[str]) -> dict[str, Customer]:
        found = {customer_id: self.get_customer(customer_id) for customer_id in customer_ids}
        return {customer_id: customer for customer_id, customer in found.items() if customer is not None}

    def list_customers(self) -> list[Customer]:
        return [Customer.from_data(item.data["id"], item.data) for item in self._table.query(keys.CUSTOMERS)]

    def existing_customers(self, customer_ids: set[str]) -> set[str]:
        return set(self.get_customers(customer_ids))

    def create_agreement(self, agreement: Agreement) -> None:
        try:
            self._put_agreement(agreement)
        except ConditionFailed as error:
            raise AlreadyExists(f"agreement {agreement.agreement_id!r} exists already") from error

    def create_agreements(self, agreements: list[Agreement]) -> None:
        """All of them or (when one exists already) none."""
        try:
            with self._table.atomic():
                for agreement in agreements:
                    self._put_agreement(agreement)
        except ConditionFailed as error:
            raise AlreadyExists("an agreement of the batch was created meanwhile") from error

    def _put_agreement(self, agreement: Agreement) -> None:
        attributes = {
            "agreement_id": agreement.agreement_id,
            "customer_id": agreement.customer_id,
            "template_version": agreement.template_version,
            "period_fees": 0,
            "period_compensated": False,
        }
        self._table.put(keys.agreement(agreement.agreement_id), attributes, when=absent)

    def get_agreement(self, agreement_id: str) -> Agreement | None:
        item = self._table.get(keys.agreement(agreement_id))
        return agreement(item) if item is not None else None

    def list_agreements(self) -> Iterator[Agreement]:
        yield from (agreement(item) for item in self._table.query(keys.AGREEMENT))

    def existing_agreements(self, agreement_ids: set[str]) -> dict[str, Agreement]:
        found = {agreement_id: self.get_agreement(agreement_id) for agreement_id in agreement_ids}
        return {agreement_id: found_ for agreement_id, found_ in found.items() if found_ is not None}

    def set_agreement_template(self, agreement_id: str, version_id: str) -> None:
        try:
            self._table.update(keys.agreement(agreement_id), when=present, set_={"template_version": version_id})
        except ConditionFailed as error:
            raise NotFound(f"agreement {agreement_id!r} does not exist") from error

    def agreement_periods(self, agreement_ids: set[str]) -> dict[str, tuple[int, date | None, bool]]:
        items = [self._table.get(keys.agreement(agreement_id)) for agreement_id in agreement_ids]
        return {item.agreement_id: agreement_period(item) for item in items if item is not None}

    def end_arrears_period(self, agreement_id: str) -> None:
        self._table.attempt(
            lambda: self._table.update(
                keys.agreement(agreement_id), when=present, set_=PERIOD_END, remove=["period_last_fee_on"]
            )
        )

    def put_sale(self, sale: dict[str, Any]) -> None:
        self._table.put((keys.SALE, sale["id"]), {"data": sale})

    def get_sale(self, sale_id: str) -> dict[str, Any] | None:
        item = self._table.get((keys.SALE, sale_id))
        return dict(item.data) if item is not None else None

    def list_sales(self) -> list[dict[str, Any]]:
        return [dict(item.data) for item in self._table.query(keys.SALE)]
