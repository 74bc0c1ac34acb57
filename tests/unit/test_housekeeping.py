"""Which small remainders a run writes off, and which agreements' arrears periods a settlement ends —
plain Python with a fake repository."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from decimal import Decimal

from shared.domain.planning import InvoiceState
from shared.services.housekeeping import _periods_ended, overdue_small_remainders

RUN = date(2026, 3, 10)


def invoice(invoice_id: str, open_amount: str, due: date, **extra: object) -> InvoiceState:
    return InvoiceState(
        invoice_id=invoice_id,
        customer_id=str(extra.pop("customer", "C1")),
        agreement_id=str(extra.pop("agreement", "A1")),
        template_version="standard_v1",
        amount=Decimal("100.00"),
        open_amount=Decimal(open_amount),
        issued=date(2026, 2, 1),
        due=due,
        **extra,  # type: ignore[arg-type]
    )


class FakeRepo:
    def __init__(self, invoices: list[InvoiceState]) -> None:
        self.invoices = invoices
        self.asked: list[date] = []

    def overdue_in_process(self, before: date) -> Iterator[InvoiceState]:
        self.asked.append(before)
        return iter([i for i in self.invoices if i.due < before])


def test_every_overdue_small_remainder_is_written_off_whether_or_not_a_step_is_due():
    # Given overdue invoices before and after their first step, one not yet due, and edge amounts
    repo = FakeRepo(
        [
            invoice("I1", "3.00", date(2026, 3, 9)),  # overdue one day, first step still ahead
            invoice("I2", "4.99", date(2026, 2, 1), steps_done=1),
            invoice("I3", "5.00", date(2026, 2, 1)),  # not below the limit
            invoice("I4", "0.00", date(2026, 2, 1)),
            invoice("I5", "2.00", RUN),  # due today: not overdue yet
            invoice("I6", "1.00", date(2026, 2, 1), customer="C9"),  # excluded customer
            invoice("I7", "1.00", date(2026, 2, 1), disputed_until=date(2026, 3, 20)),  # in dispute
            invoice("I8", "1.00", date(2026, 2, 1), disputed_until=date(2026, 3, 9)),  # dispute over
        ]
    )
    # When the run looks for small remainders below 5.00
    small = overdue_small_remainders(repo, Decimal("5.00"), RUN, {"C9"})  # type: ignore[arg-type]
    # Then exactly the overdue ones below the limit, outside disputes and exclusions, are written off
    assert [i.invoice_id for i in small] == ["I1", "I2", "I8"]
    assert repo.asked == [RUN]


def test_without_a_limit_nothing_is_read_or_written_off():
    repo = FakeRepo([invoice("I1", "1.00", date(2026, 2, 1))])
    assert overdue_small_remainders(repo, None, RUN, set()) == []  # type: ignore[arg-type]
    assert repo.asked == []


def test_a_settlement_ends_an_agreements_arrears_period_only_when_nothing_else_of_it_is_overdue():
    cleared_a1 = invoice("I1", "0.00", date(2026, 2, 1))
    cleared_a2 = invoice("I2", "0.00", date(2026, 2, 1), agreement="A2")
    after = {
        "I1": cleared_a1,
        "I2": cleared_a2,
        "I3": invoice("I3", "50.00", date(2026, 2, 15), agreement="A2"),  # A2 still has one overdue
        "I4": invoice("I4", "50.00", date(2026, 3, 20)),  # A1's other invoice is not due yet
    }
    assert _periods_ended([cleared_a1, cleared_a2], after, RUN) == ["A1"]
