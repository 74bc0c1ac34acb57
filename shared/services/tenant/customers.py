"""Customers: one at a time, or many at once (nothing written if a row is refused)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Protocol

from shared.errors import BulkRefused, Conflict, Invalid, NotFound, RowError
from shared.storage.protocols import Store
from shared.storage.repository import Customer


class CustomerFields(Protocol):
    """A customer as a request or a scenario describes it (an API or scenario model)."""

    @property
    def name(self) -> str: ...
    @property
    def email(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def language(self) -> str: ...
    @property
    def address(self) -> Any: ...  # a pydantic model of the address lines, postcode, city, country
    @property
    def business(self) -> bool: ...


def customer_from(customer_id: str, fields: CustomerFields) -> Customer:
    """The customer a request or a scenario describes."""
    return Customer(
        customer_id=customer_id,
        name=fields.name,
        email=fields.email,
        phone=fields.phone,
        language=fields.language,
        address=fields.address.model_dump(mode="json") if fields.address is not None else None,
        business=fields.business,
    )


def get_customer(repo: Store, customer_id: str) -> Customer:
    """One customer (404 when unknown)."""
    customer = repo.get_customer(customer_id)
    if customer is None:
        raise NotFound(f"customer {customer_id!r} does not exist", "customer_id")
    return customer


def list_customers(repo: Store) -> list[Customer]:
    """Every customer, by id."""
    return sorted(repo.list_customers(), key=lambda c: c.customer_id)


def put_customer(repo: Store, customer: Customer) -> tuple[Customer, bool]:
    """Create or replace a customer; True when it is new."""
    created = repo.get_customer(customer.customer_id) is None
    repo.put_customer(customer)
    return customer, created


def create_customer(repo: Store, customer: Customer) -> Customer:
    """A new customer (409 when the id is taken)."""
    if repo.get_customer(customer.customer_id) is not None:
        raise Conflict(f"customer {customer.customer_id!r} exists already", "id")
    repo.put_customer(customer)
    return customer


def patch_customer(repo: Store, customer_id: str, changes: dict[str, Any]) -> Customer:
    """Change some of a customer's fields; a name and the business flag can be changed, never removed."""
    if changes.get("name", "") is None:
        raise Invalid("a customer always has a name", "name")
    if changes.get("business", False) is None:
        raise Invalid("a customer is a business (true) or not (false)", "business")
    current = get_customer(repo, customer_id)
    data = {"id": customer_id} | current.as_data() | changes
    updated = Customer(
        customer_id=customer_id,
        name=data["name"],
        email=data.get("email"),
        phone=data.get("phone"),
        language=data.get("language") or "da",
        address=data.get("address"),
        business=bool(data.get("business")),
    )
    repo.put_customer(updated)
    return updated


def duplicates(ids: Iterable[str]) -> dict[int, str]:
    """Index → id of every id seen before in ``ids`` (a bulk request's repeated rows)."""
    seen: set[str] = set()
    repeated = {}
    for index, identifier in enumerate(ids):
        if identifier in seen:
            repeated[index] = identifier
        seen.add(identifier)
    return repeated


def import_customers(repo: Store, customers: list[Customer], dry_run: bool) -> int:
    """Create or replace many customers; refused as a whole when an id repeats."""
    errors = [
        RowError(index, "id", f"customer {cid!r} appears twice in the request")
        for index, cid in duplicates(c.customer_id for c in customers).items()
    ]
    if errors:
        raise BulkRefused(errors)
    if not dry_run:
        repo.put_customers(customers)
    return len(customers)
