"""O13 fee reversal reads only the customers marked since the last check (in-memory store, its reads
logged): a run with many pending fees of unpaid invoices reads one paid customer's fees and invoices;
a fee booked after its invoice was paid, and a payment that lands while a run checks, are reversed
by the next run; fees filed before fees were filed by customer are checked once and re-filed."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from shared.services.housekeeping import reverse_paid_fees
from shared.storage import keys
from shared.storage.memory import MemoryStore
from shared.storage.memory.table import Item, MemoryTable
from shared.storage.records import BillingLine
from tests.support.storage import invoice

MARCH_8 = date(2026, 3, 8)
CUSTOMERS = [f"C{number:02d}" for number in range(1, 41)]


class LoggedTable(MemoryTable):
    """The table, with every item read and every partition queried written down."""

    def __init__(self) -> None:
        super().__init__()
        self.reads: list[tuple[str, ...]] = []

    def get(self, key: keys.Key) -> Item | None:
        self.reads.append(("get", *key))
        return super().get(key)

    def query(self, pk: str, **condition: Any) -> list[Item]:
        found = super().query(pk, **condition)
        self.reads += [("item", pk, str(item["sk"])) for item in found]
        return found


class LoggedStore(MemoryStore):
    def __init__(self) -> None:
        self._table = self.log = LoggedTable()
        self.when_invoices_read: Any = None

    def get_invoices(self, invoice_ids: set[str]) -> dict[str, Any]:
        found = super().get_invoices(invoice_ids)
        if self.when_invoices_read is not None:
            self.when_invoices_read()
        return found

    def invoices_read(self) -> set[str]:
        return {sk[0].removeprefix("INVOICE#") for kind, *sk in self.log.reads if kind == "get" and sk[1] == "INVOICE"}

    def pending_fees_read(self) -> set[str]:
        return {sk for kind, pk, sk in self.log.reads if kind == "item" and pk == keys.FEE_PENDING}


def charge(store: MemoryStore, customer: str, invoice_id: str) -> str:
    """A reversible fee of 100 for one invoice, booked as the fee consumer books it; its key."""
    key = f"acme/{customer}/{invoice_id}/fee"
    line = BillingLine(customer, key, "fee", Decimal("100.00"), "DKK", "Rykkergebyr", (invoice_id,), MARCH_8, MARCH_8)
    effect = {"date": "2026-03-08", "kind": "fee", "customer": customer, "amount": "100.00"}
    assert store.add_fee_line(line, effect, key)
    return key


def pay(store: MemoryStore, customer: str, invoice_id: str) -> None:
    store.set_open_amount(invoice(invoice_id, customer, amount="500.00"), Decimal("0"))


def tenant_with_fees(store: MemoryStore) -> None:
    """Forty customers, each with an unpaid invoice and a fee for it; a first run has checked them."""
    for customer in CUSTOMERS:
        store.create_invoice(invoice(f"I-{customer}", customer, amount="500.00"), MARCH_8)
        charge(store, customer, f"I-{customer}")
    assert reverse_paid_fees(store, MARCH_8, "run1") == []
    assert store.fee_checks() == {} and store.pending_fees_swept()


def reversed_keys(effects: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    return [(effect["customer"], effect["invoices"]) for effect in effects if effect["kind"] == "fee_reversal"]


def test_a_run_reads_only_the_fees_and_invoices_of_the_customer_who_paid():
    # Given forty customers with fees of unpaid invoices, and C07 pays
    store = LoggedStore()
    tenant_with_fees(store)
    pay(store, "C07", "I-C07")
    store.log.reads.clear()
    # When the next run reverses paid fees
    effects = reverse_paid_fees(store, date(2026, 3, 9), "run2")
    # Then C07's fee is reversed, and only C07's pending fee and invoice were read
    assert reversed_keys(effects) == [("C07", ["I-C07"])]
    assert store.invoices_read() == {"I-C07"}
    assert store.pending_fees_read() == {"C07#acme/C07/I-C07/fee"}
    # And the run after reads no fee and no invoice at all
    store.log.reads.clear()
    assert reverse_paid_fees(store, date(2026, 3, 10), "run3") == []
    assert store.invoices_read() == set() and store.pending_fees_read() == set()


def test_a_fee_booked_after_its_invoice_was_paid_is_reversed_by_the_next_run():
    # Given C01's invoice is paid and a run has checked C01 (nothing to reverse yet)
    store = LoggedStore()
    tenant_with_fees(store)
    store.create_invoice(invoice("I-late", "C01", amount="500.00"), MARCH_8)
    pay(store, "C01", "I-late")
    assert reverse_paid_fees(store, date(2026, 3, 9), "run2") == []
    assert store.fee_checks() == {}
    # When the fee consumer books a fee for it only now (a late message)
    key = charge(store, "C01", "I-late")
    # Then the next run reverses it, once
    effects = reverse_paid_fees(store, date(2026, 3, 10), "run3")
    assert reversed_keys(effects) == [("C01", ["I-late"])]
    assert [line.kind for line in store.billing_lines("C01") if line.key == key] == ["fee_reversed"]
    assert reverse_paid_fees(store, date(2026, 3, 11), "run4") == []


def test_a_payment_that_lands_while_the_run_checks_is_checked_by_the_next_run():
    # Given C02 is marked (another invoice of its was paid), and C02 pays its fee's invoice just
    # after the run has read C02's invoices
    store = LoggedStore()
    tenant_with_fees(store)
    store.create_invoice(invoice("I-other", "C02", amount="500.00"), MARCH_8)
    pay(store, "C02", "I-other")
    store.when_invoices_read = lambda: pay(store, "C02", "I-C02")
    # When the run checks: it saw I-C02 unpaid, so reverses nothing
    assert reverse_paid_fees(store, date(2026, 3, 9), "run2") == []
    store.when_invoices_read = None
    # Then the mark the payment made is still there, and the next run reverses the fee
    assert store.fee_checks() == {"C02": 2}
    effects = reverse_paid_fees(store, date(2026, 3, 10), "run3")
    assert reversed_keys(effects) == [("C02", ["I-C02"])]
    assert store.fee_checks() == {}


def test_fees_filed_before_by_business_key_are_checked_once_and_re_filed():
    # Given forty fees filed the old way (under their business key, no mark), C03's invoice paid
    store = LoggedStore()
    for customer in CUSTOMERS:
        store.create_invoice(invoice(f"I-{customer}", customer, amount="500.00"), MARCH_8)
        key = charge(store, customer, f"I-{customer}")
        store.log.delete(keys.fee_pending(customer, key))
        store.log.put(
            keys.legacy_fee_pending(key),
            {"data": {"customer": customer, "invoices": [f"I-{customer}"], "amount": "100.00"}},
        )
    pay(store, "C03", "I-C03")
    for customer in CUSTOMERS:
        store.log.delete(keys.fee_check(customer))
    assert store.fee_checks() == {}
    store.log.reads.clear()
    # When the first run checks
    effects = reverse_paid_fees(store, MARCH_8, "run1")
    # Then it checks every fee (C03's is reversed though nobody marked C03) and re-files the rest
    assert reversed_keys(effects) == [("C03", ["I-C03"])]
    assert store.invoices_read() == {f"I-{customer}" for customer in CUSTOMERS}
    assert store.pending_fees_swept()
    filed = [str(item["sk"]) for item in store.log.query(keys.FEE_PENDING)]
    assert filed == [f"{c}#acme/{c}/I-{c}/fee" for c in CUSTOMERS if c != "C03"]
    # And the next run reads only the customer who paid since
    pay(store, "C05", "I-C05")
    store.log.reads.clear()
    effects = reverse_paid_fees(store, date(2026, 3, 9), "run2")
    assert reversed_keys(effects) == [("C05", ["I-C05"])]
    assert store.invoices_read() == {"I-C05"}
    assert store.pending_fees_read() == {"C05#acme/C05/I-C05/fee"}
