"""Step timing, consolidation, de-minimis and order — the pure planning rules."""

from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from shared.domain.planning import InvoiceState, next_step_on, plan_reminders
from shared.domain.templates import Step, TemplateVersion

THREE_STEPS = TemplateVersion(
    name="standard",
    number=1,
    steps=(
        Step(name="Rykker 1", days=4, actions=["email"]),
        Step(name="Rykker 2", days=10, actions=["email", "sms", {"fee": "100.00"}]),
        Step(name="Rykker 3", days=5, actions=["email"]),
    ),
)
TEMPLATES = {"standard_v1": THREE_STEPS}


def invoice(
    invoice_id: str = "I1",
    customer: str = "C1",
    open_amount: str = "500.00",
    steps_done: int = 0,
    last_step_on: date | None = None,
    due: date = date(2026, 1, 15),
) -> InvoiceState:
    return InvoiceState(
        invoice_id=invoice_id,
        customer_id=customer,
        agreement_id="A1",
        template_version="standard_v1",
        amount=Decimal("500.00"),
        open_amount=Decimal(open_amount),
        issued=date(2026, 1, 1),
        due=due,
        steps_done=steps_done,
        last_step_on=last_step_on,
    )


def test_first_step_counts_from_the_due_date():
    assert next_step_on(invoice(), THREE_STEPS, respite_days=0) == date(2026, 1, 19)


@pytest.mark.parametrize(
    ("respite", "expected"), [(0, date(2026, 1, 29)), (10, date(2026, 1, 29)), (14, date(2026, 2, 2))]
)
def test_later_steps_count_from_the_previous_step_with_respite_as_a_floor(respite, expected):
    # Given step 1 happened on 19 January; step 2 has days=10
    state = invoice(steps_done=1, last_step_on=date(2026, 1, 19))
    # Then step 2 is due max(10, respite) days later
    assert next_step_on(state, THREE_STEPS, respite_days=respite) == expected


def test_step_days_win_over_a_smaller_respite():
    state = invoice(steps_done=2, last_step_on=date(2026, 1, 29))
    assert next_step_on(state, THREE_STEPS, respite_days=3) == date(2026, 2, 3)


def test_a_finished_or_paid_invoice_has_no_next_step():
    assert next_step_on(invoice(steps_done=3, last_step_on=date(2026, 2, 1)), THREE_STEPS, 0) is None
    assert next_step_on(invoice(open_amount="0.00"), THREE_STEPS, 0) is None


def test_invoices_of_one_customer_at_one_step_become_one_reminder():
    plan = plan_reminders([invoice("I2"), invoice("I1")], TEMPLATES, date(2026, 1, 19), 0, Decimal("0"))
    assert len(plan.send) == 1
    assert plan.send[0].invoice_ids == ["I1", "I2"]
    assert plan.send[0].step_name == "Rykker 1"


def test_different_steps_and_customers_stay_apart_and_come_last_step_first():
    candidates = [
        invoice("I1"),
        invoice("I2", steps_done=1, last_step_on=date(2026, 1, 9)),
        invoice("I3", customer="C2"),
    ]
    plan = plan_reminders(candidates, TEMPLATES, date(2026, 1, 19), 0, Decimal("0"))
    assert [(r.key.customer_id, r.key.step_number) for r in plan.send] == [("C1", 2), ("C1", 1), ("C2", 1)]


def test_de_minimis_holds_back_a_group_below_the_threshold_only():
    candidates = [
        invoice("I1", open_amount="50.00"),
        invoice("I2", customer="C2", open_amount="60.00"),
        invoice("I3", customer="C2", open_amount="60.00"),
    ]
    plan = plan_reminders(candidates, TEMPLATES, date(2026, 1, 19), 0, Decimal("101.00"))
    assert [r.key.customer_id for r in plan.send] == ["C2"]
    assert [h.reminder.key.customer_id for h in plan.held_back] == ["C1"]
    assert "below the de-minimis threshold" in plan.held_back[0].reason


def test_the_threshold_itself_is_enough():
    plan = plan_reminders([invoice(open_amount="101.00")], TEMPLATES, date(2026, 1, 19), 0, Decimal("101.00"))
    assert len(plan.send) == 1


def test_an_invoice_not_yet_due_comes_back_for_refiling():
    plan = plan_reminders([invoice()], TEMPLATES, date(2026, 1, 18), 0, Decimal("0"))
    assert plan.send == [] and [i.invoice_id for i in plan.not_yet_due] == ["I1"]


def test_a_late_run_takes_one_step_only():
    # Given an invoice whose step 1 was due weeks ago and has not happened
    plan = plan_reminders([invoice(due=date(2025, 12, 1))], TEMPLATES, date(2026, 3, 1), 0, Decimal("0"))
    # Then this run sends step 1, not step 3
    assert [r.key.step_number for r in plan.send] == [1]


@pytest.mark.parametrize(
    ("after_days", "warned_on", "expected"),
    [
        (10, date(2026, 2, 1), date(2026, 2, 11)),  # after_days decides
        (3, date(2026, 2, 1), date(2026, 2, 11)),  # never sooner than 10 days after the warning
        (10, date(2026, 1, 25), date(2026, 2, 11)),  # an earlier warning: after_days decides
        (10, None, None),  # no warning ever sent: no case (inkassoloven § 10)
        (None, date(2026, 2, 1), None),  # debt collection off
    ],
)
def test_a_case_follows_the_last_step_only_after_a_collection_warning(after_days, warned_on, expected):
    finished = replace(invoice(steps_done=3, last_step_on=date(2026, 2, 1)), warned_on=warned_on)
    assert next_step_on(finished, THREE_STEPS, 0, after_days) == expected


def test_a_disputed_invoice_waits_for_its_dispute_to_end():
    disputed = replace(invoice(), disputed_until=date(2026, 3, 1))
    assert next_step_on(disputed, THREE_STEPS, 0) == date(2026, 3, 1)
    assert next_step_on(replace(disputed, disputed_until=date(2026, 1, 2)), THREE_STEPS, 0) == date(2026, 1, 19)
