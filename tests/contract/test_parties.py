"""Customers, agreements and sales: the same behaviour in both stores."""

from __future__ import annotations

from datetime import date

import pytest

from shared.errors import AlreadyExists, NotFound
from shared.storage.records import Advance, PeriodCharge
from tests.support.storage import agreement, commit_one, customer, invoice


def test_customers_are_stored_found_and_listed_by_id(store):
    # Given two customers, one put alone and one in a batch
    store.put_customer(customer("C2", address={"lines": ["Vej 1"], "postcode": "2100"}, business=True))
    store.put_customers([customer("C1", language="en")])
    # Then each reads back whole, the directory lists them by id, and unknown ids are left out
    assert store.get_customer("C2") == customer("C2", address={"lines": ["Vej 1"], "postcode": "2100"}, business=True)
    assert store.get_customer("C9") is None
    assert store.get_customers({"C1", "C9"}) == {"C1": customer("C1", language="en")}
    assert [c.customer_id for c in store.list_customers()] == ["C1", "C2"]
    assert store.existing_customers({"C1", "C2", "C3"}) == {"C1", "C2"}


def test_a_customer_put_again_is_replaced(store):
    store.put_customer(customer("C1"))
    store.put_customer(customer("C1", name="Jens Hansen ApS"))
    assert store.get_customer("C1").name == "Jens Hansen ApS"
    assert [c.name for c in store.list_customers()] == ["Jens Hansen ApS"]


def test_an_agreement_is_created_once(store):
    store.create_agreement(agreement("A1"))
    with pytest.raises(AlreadyExists):
        store.create_agreement(agreement("A1", template_version="other_v1"))
    assert store.get_agreement("A1") == agreement("A1")
    assert store.get_agreement("A9") is None


def test_a_batch_of_agreements_is_created_whole_or_not_at_all(store):
    # Given A2 exists
    store.create_agreement(agreement("A2"))
    # When a batch with A1, A2 and A3 is created
    with pytest.raises(AlreadyExists):
        store.create_agreements([agreement("A1"), agreement("A2"), agreement("A3")])
    # Then none of the batch was written
    assert [a.agreement_id for a in store.list_agreements()] == ["A2"]
    # And a batch of new ones is written whole
    store.create_agreements([agreement("A3"), agreement("A1")])
    assert [a.agreement_id for a in store.list_agreements()] == ["A1", "A2", "A3"]
    assert set(store.existing_agreements({"A1", "A9"})) == {"A1"}


def test_an_agreement_moves_to_another_template_only_if_it_exists(store):
    store.create_agreement(agreement("A1"))
    store.set_agreement_template("A1", "standard_v2")
    assert store.get_agreement("A1").template_version == "standard_v2"
    with pytest.raises(NotFound):
        store.set_agreement_template("A9", "standard_v2")
    assert store.get_agreement("A9") is None


def test_an_arrears_period_counts_fees_until_it_ends(store):
    # Given an agreement with an invoice that takes a step with a fee and compensation
    store.create_agreement(agreement("A1"))
    bill = invoice("I1")
    store.create_invoice(bill, date(2026, 3, 8))
    assert store.agreement_periods({"A1", "A9"}) == {"A1": (0, None, False)}
    advance = Advance(bill, date(2026, 3, 8), date(2026, 3, 18), {"step": 1}, fee_charged=True)
    assert commit_one(store, "k1", "run1", ["m"], [advance], periods=[PeriodCharge("A1", 0, True, True)])
    assert store.agreement_periods({"A1"}) == {"A1": (1, date(2026, 3, 8), True)}
    # When the period ends
    store.end_arrears_period("A1")
    store.end_arrears_period("A9")  # an unknown agreement: nothing to end, nothing created
    # Then it counts afresh
    assert store.agreement_periods({"A1", "A9"}) == {"A1": (0, None, False)}


def test_sales_are_stored_by_id(store):
    store.put_sale({"id": "S2", "lines": [{"amount": "10.00"}]})
    store.put_sale({"id": "S1"})
    store.put_sale({"id": "S1", "note": "changed"})
    assert store.get_sale("S1") == {"id": "S1", "note": "changed"}
    assert store.get_sale("S9") is None
    assert [sale["id"] for sale in store.list_sales()] == ["S1", "S2"]
