"""A customer as the API answers it."""

from __future__ import annotations

from shared.api.models.customers import CustomerOut
from shared.storage.repository import Customer


def customer_out(customer: Customer) -> CustomerOut:
    return CustomerOut(id=customer.customer_id, **customer.as_data())
