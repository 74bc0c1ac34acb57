"""The statement of account (O16) on the embedded AWS: sent once whatever happens to the run."""

import json
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from dunning.local_stack import FakeLambdaContext, LocalStack
from dunning.scenario import load_scenario
from dunning.simulate import Simulation, SimulationOptions, simulate
from shared.services.scheduling import CONTINUE_BELOW_MS, schedule_due_reminders
from tests.conftest import REPO, SHARED
from tests.integration.test_handlers import CrashingSink

OPEN_ITEMS = REPO / "tests" / "scenarios" / "letters" / "statement_open_items.yaml"
ONE_PER_RUN = REPO / "tests" / "scenarios" / "letters" / "statement_one_per_run.yaml"


def test_runs_twice_and_redeliveries_still_send_one_statement_per_customer_per_run():
    # Given every scheduled run invoked twice and every message delivered twice
    effects = simulate(load_scenario(ONE_PER_RUN), SimulationOptions(deliveries_per_message=2, runs_per_day=2))
    # Then each run's statement went once
    assert sorted((e["date"], e["customer"]) for e in effects if e["kind"] == "statement") == [
        ("2026-01-01", "C1"),
        ("2026-01-06", "C1"),
    ]


def test_a_statement_stranded_in_the_outbox_goes_out_with_the_next_run():
    scenario = load_scenario(OPEN_ITEMS)
    with LocalStack(scenario.tenant) as stack:
        simulation = Simulation(scenario, stack, SimulationOptions())
        simulation.load()
        day = scenario.simulate.start
        while day < date(2026, 1, 29):
            simulation.run_day(day)
            day += timedelta(days=1)
        # Given the 01-29 run committed Rykker 2 (with its statement) and then lost SQS until its time ran out
        stranded = schedule_due_reminders(
            simulation.repo,
            CrashingSink(),
            datetime(2026, 1, 29, 5, tzinfo=UTC),
            time_left_ms=lambda: CONTINUE_BELOW_MS + 1_000,
        )
        assert stranded.status == "continuing"
        assert len(simulation.repo.pending_outbox()) == 1
        # When the next run comes
        summary = stack.run_scheduler({"source": "schedule", "time": "2026-01-30T05:00:00Z"})
        stack.drain()
        # Then the stranded reminder and statement went out, dated the day they were planned
        assert summary["resent"] == 2
        sent = [e for e in simulation.repo.effects_on(date(2026, 1, 29)) if e["kind"] in ("email", "statement")]
        assert sorted(e["kind"] for e in sent) == ["email", "statement"]
        statement = next(e for e in sent if e["kind"] == "statement")
        assert statement["items"] == 5 and statement["balance"] == "1000.00"


def test_the_email_handler_sends_the_statement_of_its_sample_event():
    # Given the basic scenario's tenant and the statement sample event (`sam local invoke` uses it too)
    scenario = load_scenario(SHARED / "scenarios" / "basic.yaml")
    with LocalStack(scenario.tenant) as stack:
        simulation = Simulation(scenario, stack, SimulationOptions())
        simulation.load()
        sample = json.loads((REPO / "events" / "statement.json").read_text())
        # When the e-mail handler gets it, twice
        for _ in range(2):
            assert stack.handler("email")(sample, FakeLambdaContext("email")) == {"batchItemFailures": []}
        # Then one statement went to C1, listing its open invoices and the run's fee
        (statement,) = [e for e in simulation.repo.effects_on(date(2026, 1, 29)) if e["kind"] == "statement"]
        open_invoices = simulation.repo.open_invoices("C1")
        assert statement["customer"] == "C1" and statement["items"] == len(open_invoices) + 1
        expected = sum((i.open_amount for i in open_invoices), Decimal("100.00"))
        assert statement["balance"] == f"{expected:.2f}"


def test_money_on_account_is_named_like_a_document_on_the_statement(tmp_path):
    from email import message_from_bytes, policy

    # Given the scenario's credit note and payment on account (the scenario gives them no id)
    simulate(load_scenario(OPEN_ITEMS), SimulationOptions(out_dir=tmp_path))
    # When the customer's statement of account is read
    (path,) = sorted(tmp_path.rglob("C1-kontoudtog.eml"))[:1]
    text = message_from_bytes(path.read_bytes(), policy=policy.default).get_body(("plain",)).get_content()
    # Then each line names its document as a bookkeeper would, not the simulator's timeline position
    credit = next(line for line in text.splitlines() if line.startswith("Kreditnota"))
    payment = next(line for line in text.splitlines() if line.startswith("Indbetaling på konto"))
    assert "KN-" in credit and "IB-" in payment, (credit, payment)
