"""Approval, debt collection and metering on the embedded AWS (O9, O14, O15): a case goes to the
partner once with an attachment that parses back, approving twice sends once, and a month's usage
agrees with the effects the simulator printed."""

from collections import Counter
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from dunning.local_stack import LocalStack
from dunning.scenario import load_scenario
from dunning.simulate import Simulation, SimulationOptions, _days
from shared.domain.metering import COUNTERS, usage_increments
from shared.rendering.collection import parse_case_attachment
from shared.services.metering import usage

APPROVAL = Path(__file__).resolve().parent.parent / "scenarios" / "approval"


def simulate_in(stack: LocalStack, scenario_path: Path) -> tuple[Simulation, list[dict]]:
    scenario = load_scenario(scenario_path)
    simulation = Simulation(scenario, stack, SimulationOptions())
    simulation.load()
    effects: list[dict] = []
    for day in _days(scenario.simulate.start, scenario.simulate.end):
        effects += simulation.run_day(day).effects
    return simulation, effects


def attachments(raw: bytes) -> list[Message]:
    return [part for part in message_from_bytes(raw).walk() if part.get_content_disposition() == "attachment"]


def test_an_approved_case_reaches_the_partner_once_with_its_whole_history_attached():
    with LocalStack("acme") as stack:
        # Given a tenant whose unpaid invoices became a case that was approved
        simulation, effects = simulate_in(stack, APPROVAL / "collection_case.yaml")
        collections = [e for e in effects if e["kind"] == "collection"]
        assert len(collections) == 1
        case_effect = collections[0]
        # When the partner's e-mail is opened
        raw = stack.sent_email(case_effect["_message_id"])
        assert raw is not None
        [attachment] = attachments(raw.encode() if isinstance(raw, str) else raw)
        case = parse_case_attachment(attachment.get_payload(decode=True))
        # Then the attachment holds the case: debtor, invoices, amount and every reminder sent
        assert case.debtor.id == case_effect["customer"]
        assert sorted(invoice.invoice_id for invoice in case.invoices) == case_effect["invoices"]
        assert case.amount == case_effect["amount"] or str(case.amount) == case_effect["amount"]
        sent_steps = Counter(
            (e["date"], e["step"]) for e in effects if e["kind"] == "email" and e["customer"] == case_effect["customer"]
        )
        history = Counter(
            (reminder.date.isoformat() if hasattr(reminder.date, "isoformat") else reminder.date, reminder.step)
            for invoice in case.invoices
            for reminder in invoice.reminders
        )
        assert set(sent_steps) == set(history)
        # And approving everything again hands nothing over twice
        stack.run_scheduler({"source": "approve", "time": "2026-06-30T10:00:00Z"})
        stack.drain()
        repo = simulation.repo
        assert len(repo.cases()) == 1
        assert repo.pending_proposals() == []


def test_approving_twice_sends_each_reminder_once():
    with LocalStack("acme") as stack:
        simulation, effects = simulate_in(stack, APPROVAL / "pending_not_twice.yaml")
        sends = Counter((e["kind"], e["customer"], e["step"], tuple(e["invoices"])) for e in effects)
        # Given every approval in the scenario, when approval is given again afterwards
        stack.run_scheduler({"source": "approve", "time": "2026-06-30T10:00:00Z"})
        stack.drain()
        again = simulation.repo.effects_on(_days_after(effects))
        # Then nothing more is sent, and no effect repeats
        assert [e for e in again if e["kind"] in {"email", "sms", "fee", "bs"}] == []
        assert all(count == 1 for (kind, *_), count in sends.items() if kind in {"email", "fee"})


def _days_after(effects: list[dict]):
    from datetime import date

    return date(2026, 6, 30)


def test_a_months_usage_matches_the_effects_the_simulator_printed():
    with LocalStack("acme") as stack:
        # Given a simulated scenario with runs, e-mails, fees, proposals and a collection case
        simulation, effects = simulate_in(stack, APPROVAL / "collection_case.yaml")
        months = sorted({e["date"][:7] for e in effects})
        assert months
        for month in months:
            # When the month's usage is read
            counted = usage(simulation.repo, month)
            # Then it agrees, counter by counter, with what the effects of that month add up to
            expected: Counter[str] = Counter()
            for effect in effects:
                if effect["date"].startswith(month):
                    expected.update(usage_increments(effect))
            for name in COUNTERS:
                key = name.removesuffix("_ore") + "_amount" if name.endswith("_ore") else name
                value = counted[key]
                want = expected[name]
                assert (int(value.replace(".", "")) if isinstance(value, str) else value) == want, name
        total_runs = sum(usage(simulation.repo, m)["runs"] for m in months)
        assert total_runs == sum(1 for e in effects if e["kind"] == "run") > 0
