"""O13 fee reversal on DynamoDB (moto) reads only the customers marked since the last check: with
many pending fees of unpaid invoices, a run after one customer paid reads that customer's mark, fee
and invoice — three items — where it read every fee and every invoice before."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from shared.services.housekeeping import reverse_paid_fees
from shared.storage.records import BillingLine
from tests.support.storage import dynamodb_reads, dynamodb_store, invoice, moto_dynamodb

MARCH_8 = date(2026, 3, 8)
CUSTOMERS = [f"C{number:02d}" for number in range(1, 31)]


@pytest.fixture
def repo() -> Iterator[Any]:
    with moto_dynamodb():
        yield dynamodb_store()


def test_a_run_reads_the_mark_fee_and_invoice_of_the_one_customer_who_paid(repo):
    # Given thirty customers, each with an unpaid invoice and a reversible fee for it
    for customer in CUSTOMERS:
        repo.create_invoice(invoice(f"I-{customer}", customer, amount="500.00"), MARCH_8)
        key = f"acme/{customer}/fee"
        line = BillingLine(
            customer, key, "fee", Decimal("100.00"), "DKK", "Rykker", (f"I-{customer}",), MARCH_8, MARCH_8
        )
        effect = {"date": "2026-03-08", "kind": "fee", "customer": customer, "amount": "100.00"}
        assert repo.add_fee_line(line, effect, key)
    # and the first run has checked every fee (the sweep)
    with dynamodb_reads() as first:
        assert reverse_paid_fees(repo, MARCH_8, "run1") == []
    assert first["items"] >= 2 * len(CUSTOMERS)
    # When C07 pays and the next run reverses paid fees
    repo.set_open_amount(invoice("I-C07", "C07", amount="500.00"), Decimal("0"))
    with dynamodb_reads() as second:
        effects = reverse_paid_fees(repo, date(2026, 3, 9), "run2")
    # Then C07's fee is reversed, and the run read three items: C07's mark, its fee, its invoice
    assert [(e["kind"], e["customer"]) for e in effects] == [("fee_reversal", "C07")]
    assert second["items"] == 3
    assert second["Scan"] == 0 and second["GetItem"] == 0 and second["BatchGetItem"] == 1
    # And the run after reads nothing but the (empty) marks
    with dynamodb_reads() as third:
        assert reverse_paid_fees(repo, date(2026, 3, 10), "run3") == []
    assert third["items"] == 0 and third["BatchGetItem"] == 0
