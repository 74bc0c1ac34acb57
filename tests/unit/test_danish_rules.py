"""Renteloven § 9 a/§ 9 b and inkassoloven § 10 as pure rules: fee caps, compensation, the collection warning."""

from datetime import date
from decimal import Decimal

import pytest

from shared.domain.danish_rules import (
    B2B_COMPENSATION,
    AgreementArrears,
    InvoiceFeeHistory,
    compensation_due,
    fee_decision,
    template_fee_problem,
)

D = Decimal


def history(
    invoice_id: str = "I1",
    agreement_id: str = "A1",
    fee_dates: tuple[date, ...] = (),
    disputed_ever: bool = False,
    compensated: bool = False,
) -> InvoiceFeeHistory:
    return InvoiceFeeHistory(invoice_id, agreement_id, fee_dates, disputed_ever, compensated)


def consumer_decision(on: date, *invoices: InvoiceFeeHistory, agreements: dict[str, AgreementArrears] | None = None):
    return fee_decision(on, invoices, agreements or {}, business_customer=False, b2b_contractual_fees=False)


# --- template validation -------------------------------------------------------------


def test_a_fee_of_100_kr_is_allowed_in_a_template() -> None:
    assert template_fee_problem([("Rykker 1", None), ("Rykker 2", D("100.00"))], b2b_contractual_fees=False) is None


def test_a_fee_of_100_01_is_refused_naming_the_step() -> None:
    problem = template_fee_problem([("Rykker 1", None), ("Rykker 2", D("100.01"))], b2b_contractual_fees=False)

    assert problem is not None
    assert "'Rykker 2'" in problem and "100.01" in problem and "100.00" in problem and "§ 9 b" in problem


def test_agreed_b2b_fees_lift_the_100_kr_cap_in_a_template() -> None:
    assert template_fee_problem([("Rykker 1", D("250.00"))], b2b_contractual_fees=True) is None


def test_three_fee_steps_are_allowed_and_a_fourth_is_refused() -> None:
    three = [("R1", D("100.00")), ("R2", D("100.00")), ("R3", None), ("R4", D("100.00"))]
    four = [*three, ("R5", D("50.00"))]

    assert template_fee_problem(three, b2b_contractual_fees=False) is None
    problem = template_fee_problem(four, b2b_contractual_fees=True)  # the count cap holds for B2B too
    assert problem is not None and "4 steps carry a fee" in problem and "R5" in problem


# --- the 10-day rule -------------------------------------------------------------------


def test_a_fee_9_days_after_the_last_is_refused_and_10_days_after_is_allowed() -> None:
    # Given a fee charged for I1 on 5 Feb: 14 Feb is 9 days later, 15 Feb is 10 days later.
    invoice = history(fee_dates=(date(2026, 2, 5),))
    agreements = {"A1": AgreementArrears("A1", since=date(2026, 1, 16), fees_in_period=1)}

    nine = consumer_decision(date(2026, 2, 14), invoice, agreements=agreements)
    ten = consumer_decision(date(2026, 2, 15), invoice, agreements=agreements)

    assert not nine.allowed
    assert nine.reason == (
        "last fee for I1 was charged on 2026-02-05, less than 10 days ago (renteloven § 9 b, stk. 2)"
    )
    assert ten.allowed and ten.reason is None


def test_the_10_day_rule_looks_at_every_invoice_the_reminder_covers() -> None:
    # I2 never had a fee, but I1 (same consolidated reminder) had one 3 days ago.
    decision = consumer_decision(
        date(2026, 3, 4), history("I2"), history("I1", fee_dates=(date(2026, 2, 10), date(2026, 3, 1)))
    )

    assert not decision.allowed and decision.reason is not None and "I1" in decision.reason
    assert "2026-03-01" in decision.reason


# --- 3 fees per invoice and per arrears period -------------------------------------------


def test_a_fourth_fee_for_one_invoice_is_refused() -> None:
    invoice = history(fee_dates=(date(2026, 1, 1), date(2026, 1, 15), date(2026, 2, 1)))

    decision = consumer_decision(date(2026, 3, 1), invoice)

    assert not decision.allowed
    assert decision.reason == "3 fees have already been charged for I1, at most 3 per claim (renteloven § 9 b, stk. 2)"


def test_a_third_fee_for_one_invoice_is_allowed() -> None:
    invoice = history(fee_dates=(date(2026, 1, 15), date(2026, 2, 1)))

    assert consumer_decision(date(2026, 3, 1), invoice).allowed


def test_three_fees_per_agreement_arrears_period_even_across_different_invoices() -> None:
    # Given a subscription whose I1, I2, I3 got three fees while A1 stayed overdue without a break
    arrears = AgreementArrears("A1", since=date(2026, 1, 16), fees_in_period=3, last_fee_on=date(2026, 3, 20))

    decision = consumer_decision(date(2026, 4, 20), history("I4"), agreements={"A1": arrears})

    assert not decision.allowed
    assert decision.reason == (
        "3 fees have already been charged for agreement A1 in its arrears period since 2026-01-16, "
        "at most 3 per unbroken period (renteloven § 9 b, stk. 2)"
    )


# --- disputes and amounts -----------------------------------------------------------------


def test_after_a_dispute_the_reminders_carry_no_fee() -> None:
    decision = consumer_decision(date(2026, 3, 1), history("I1"), history("I2", disputed_ever=True))

    assert not decision.allowed
    assert decision.reason == "I2 has been disputed; reminders after a dispute carry no fee (renteloven § 9 b, stk. 1)"


def test_agreed_b2b_fees_keep_the_count_and_interval_caps() -> None:
    invoice = history(fee_dates=(date(2026, 2, 5),))

    decision = fee_decision(
        date(2026, 2, 10), [invoice], {}, business_customer=True, b2b_contractual_fees=True, fee=D("250.00")
    )

    assert not decision.allowed and decision.reason is not None and "10 days" in decision.reason


def test_a_fee_above_100_kr_is_charged_only_to_a_business_with_agreed_fees() -> None:
    on, invoices = date(2026, 3, 1), [history()]

    b2b = fee_decision(on, invoices, {}, business_customer=True, b2b_contractual_fees=True, fee=D("250.00"))
    consumer = fee_decision(on, invoices, {}, business_customer=False, b2b_contractual_fees=True, fee=D("250.00"))
    capped = fee_decision(on, invoices, {}, business_customer=False, b2b_contractual_fees=False, fee=D("100.00"))

    assert b2b.allowed and capped.allowed
    assert not consumer.allowed
    assert consumer.reason == "fee 250.00 exceeds the 100.00 maximum for a consumer (renteloven § 9 b, stk. 2)"


def test_a_fee_decision_needs_invoices() -> None:
    with pytest.raises(ValueError, match="at least one invoice"):
        consumer_decision(date(2026, 3, 1))


# --- B2B compensation -------------------------------------------------------------------------


def test_compensation_is_for_business_customers_only() -> None:
    invoices = [history("I1")]

    assert compensation_due(False, invoices, {}).amount == Decimal("0.00")
    due = compensation_due(True, invoices, {})
    assert due.amount == B2B_COMPENSATION == Decimal("310.00")
    assert due.invoice_ids == ["I1"]


def test_compensation_is_310_per_agreement_not_per_invoice() -> None:
    # I1 and I2 of A1 and I3 of A2 in one reminder: 2 × 310.00 = 620.00.
    invoices = [history("I2"), history("I1"), history("I3", agreement_id="A2")]

    due = compensation_due(True, invoices, {})

    assert due.amount == Decimal("620.00")
    assert [(item.agreement_id, item.invoice_ids) for item in due.items] == [("A1", ("I1", "I2")), ("A2", ("I3",))]


def test_compensation_once_per_agreement_arrears_period() -> None:
    # A1's period was compensated on 20 Jan for I1; I2 joins the same period later.
    arrears = AgreementArrears("A1", since=date(2026, 1, 16), compensated=True)

    due = compensation_due(True, [history("I1", compensated=True), history("I2")], {"A1": arrears})

    assert arrears.compensated
    assert due.amount == Decimal("0.00") and due.items == ()


def test_a_compensated_invoice_is_never_compensated_again() -> None:
    # A new period for A1 (nothing compensated in it), but the only invoice was compensated before.
    arrears = AgreementArrears("A1", since=date(2026, 3, 1))

    assert compensation_due(True, [history("I1", compensated=True)], {"A1": arrears}).amount == Decimal("0.00")
    assert compensation_due(True, [history("I5")], {"A1": arrears}).amount == Decimal("310.00")
