"""Payments and credit notes, credits, settlement, write-off, banks and journals: the same
behaviour in both stores."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from shared.errors import AlreadyExists
from tests.support.storage import agreement, invoice

MARCH_8 = date(2026, 3, 8)


def test_a_ledger_entry_is_filed_once_and_on_its_invoice(store):
    payment = {"id": "P1", "invoice": "I1", "amount": "100.00"}
    assert store.add_ledger_entry("payment", payment)
    assert not store.add_ledger_entry("payment", payment | {"amount": "1.00"})
    assert store.add_ledger_entry("credit_note", {"id": "P1", "amount": "5.00"})  # another kind, same id
    assert store.get_ledger_entry("payment", "P1") == payment
    assert store.get_ledger_entry("payment", "P9") is None
    store.add_ledger_result("payment", payment | {"applied": "100.00"})
    assert store.ledger_entries("payment") == [payment | {"applied": "100.00"}]
    assert store.invoice_entries("I1") == [payment | {"applied": "100.00", "kind": "payment"}]
    assert store.invoice_entries("I9") == []


def test_credits_are_listed_by_customer_then_date(store):
    store.add_credit("C2", "payment", Decimal("5"), MARCH_8, "P3")
    store.add_credit("C1", "payment", Decimal("10"), date(2026, 3, 9), "P2")
    store.add_credit("C1", "credit_note", Decimal("20.5"), MARCH_8, "N1")
    with pytest.raises(AlreadyExists):
        store.add_credit("C1", "credit_note", Decimal("1"), MARCH_8, "N1")
    assert [(c["customer"], c["id"]) for c in store.open_credits()] == [("C1", "N1"), ("C1", "P2"), ("C2", "P3")]
    assert [c["remaining"] for c in store.customer_credits("C1")] == ["20.50", "10.00"]


def test_a_settlement_uses_a_credit_once_all_or_nothing(store):
    # Given a credit of 300 and two open invoices of C1 on agreement A1
    store.create_agreement(agreement("A1"))
    store.create_invoice(invoice("I1", amount="200.00"), MARCH_8)
    store.create_invoice(invoice("I2", amount="500.00"), MARCH_8)
    store.add_credit("C1", "payment", Decimal("300"), MARCH_8, "P1")
    (credit,) = store.customer_credits("C1")
    one, two = store.get_invoice("I1"), store.get_invoice("I2")
    settled = {"date": "2026-03-09", "kind": "settlement", "customer": "C1"}
    # When a settlement reads I2 stale: nothing is written
    stale = [(one, Decimal("0")), (invoice("I2", amount="500.00", open_amount="499.00"), Decimal("399.00"))]
    assert not store.apply_settlement(credit, Decimal("0"), stale, ["A1"], settled, "s1")
    assert store.get_invoice("I1").open_amount == Decimal("200.00")
    assert store.customer_credits("C1")[0]["remaining"] == "300.00"
    assert store.effects_on(date(2026, 3, 9)) == []
    # When it reads them right: the credit is used, I1 paid, I2 reduced, the effect recorded
    assert store.apply_settlement(
        credit, Decimal("0"), [(one, Decimal("0")), (two, Decimal("400.00"))], [], settled, "s1"
    )
    assert store.customer_credits("C1") == []
    assert (store.invoice_status("I1"), store.get_invoice("I2").open_amount) == ("paid", Decimal("400.00"))
    assert store.effects_on(date(2026, 3, 9)) == [settled]
    # And applying the same credit again writes nothing
    assert not store.apply_settlement(credit, Decimal("0"), [], [], settled | {"kind": "again"}, "s2")


def test_a_partly_used_credit_keeps_the_rest(store):
    store.create_invoice(invoice("I1", amount="100.00"), MARCH_8)
    store.add_credit("C1", "payment", Decimal("300"), MARCH_8, "P1")
    (credit,) = store.customer_credits("C1")
    settled = {"date": "2026-03-09", "kind": "settlement", "customer": "C1"}
    bill = store.get_invoice("I1")
    assert store.apply_settlement(credit, Decimal("200"), [(bill, Decimal("0"))], [], settled, "s1")
    (rest,) = store.customer_credits("C1")
    assert rest["remaining"] == "200.00" and rest["key"] == credit["key"]
    assert not store.apply_settlement(credit, Decimal("100"), [], [], settled, "s2")  # read before: stale


def test_a_write_off_clears_every_balance_or_none(store):
    store.create_agreement(agreement("A1"))
    store.create_invoice(invoice("I1", amount="2.00"), MARCH_8)
    store.create_invoice(invoice("I2", amount="3.00"), MARCH_8)
    written_off = {"date": "2026-03-09", "kind": "write_off", "customer": "C1"}
    one, two = store.get_invoice("I1"), store.get_invoice("I2")
    assert not store.write_off([one, invoice("I2", amount="3.00", open_amount="1.00")], ["A1"], written_off, "w1")
    assert store.invoice_status("I1") == "open"
    assert store.write_off([one, two], ["A1"], written_off, "w1")
    assert store.open_invoices("C1") == [] and store.effects_on(date(2026, 3, 9)) == [written_off]
    assert store.agreement_periods({"A1"}) == {"A1": (0, None, False)}
    assert not store.write_off([], [], written_off, "w1")


def test_banks_and_journals(store):
    store.put_bank_connection("danske", True)
    store.put_bank_connection("danske", False)
    assert store.bank_connections() == [{"name": "danske", "active": False}]
    assert not store.journal_exists("bank")
    store.put_journal("bank")
    assert store.journal_exists("bank")
    store.add_journal_entry("bank", "E2", {"amount": "1.00"})
    assert store.add_journal_entry_once("bank", "E1", {"amount": "2.00"})
    assert not store.add_journal_entry_once("bank", "E1", {"amount": "3.00"})
    with pytest.raises(AlreadyExists):
        store.add_journal_entry("bank", "E2", {"amount": "4.00"})
    assert store.journal_entries("bank") == [{"amount": "2.00", "id": "E1"}, {"amount": "1.00", "id": "E2"}]
    store.remove_journal_entry("bank", "E1")
    assert [e["id"] for e in store.journal_entries("bank")] == ["E2"]
