"""Approval, debt collection and metering on the embedded AWS (O9, O14, O15): a case goes to the
partner once with an attachment that parses back, approving twice sends once, and a month's usage
agrees with the effects the simulator printed."""

from collections import Counter
from datetime import date
from email import message_from_bytes
from email.message import Message
from pathlib import Path

from dunning.local_stack import LocalStack
from dunning.scenario import load_scenario
from dunning.simulate import Simulation, SimulationOptions, _days, simulate_in
from shared.domain.metering import COUNTERS, ore, usage_increments
from shared.rendering.collection import parse_case_attachment
from shared.services.metering import usage
from shared.services.tenant.settings import store_settings

APPROVAL = Path(__file__).resolve().parent.parent / "scenarios" / "approval"


def attachments(raw: bytes) -> list[Message]:
    return [part for part in message_from_bytes(raw).walk() if part.get_content_disposition() == "attachment"]


SENDS = {"email", "sms", "fee", "bs"}
LATER = "2026-06-30T10:00:00Z"  # after every scenario below has ended


def test_an_approved_case_reaches_the_partner_once_with_its_whole_history_attached():
    with LocalStack("acme") as stack:
        # Given a tenant whose unpaid invoices became a case that was approved
        simulation, effects = simulate_in(stack, load_scenario(APPROVAL / "collection_case.yaml"))
        [case_effect] = [e for e in effects if e["kind"] == "collection"]
        # When the partner's e-mail is opened
        raw = stack.sent_email(case_effect["_message_id"])
        assert raw is not None
        [attachment] = attachments(raw.encode())
        case = parse_case_attachment(attachment.get_payload(decode=True))
        # Then the attachment holds the case: debtor, invoices, amount and every reminder sent
        assert case.debtor.id == case_effect["customer"]
        assert [invoice.invoice_id for invoice in case.invoices] == case_effect["invoices"]
        assert str(case.amount) == case_effect["amount"]
        sent = {(e["date"], e["step"]) for e in effects if e["kind"] == "email" and e["customer"] == case.debtor.id}
        history = {(r.date.isoformat(), r.step) for invoice in case.invoices for r in invoice.reminders}
        assert sent == history and sent
        # And approving everything again hands nothing over twice
        stack.run_scheduler({"source": "approve", "time": LATER})
        stack.drain()
        assert len(simulation.repo.cases()) == 1
        assert [e for e in simulation.repo.effects_on(date(2026, 6, 30)) if e["kind"] == "collection"] == []


def test_approving_again_sends_nothing_more():
    with LocalStack("acme") as stack:
        # Given a scenario whose proposals were all approved or dropped
        simulation, effects = simulate_in(stack, load_scenario(APPROVAL / "approve_all.yaml"))
        assert simulation.repo.pending_proposals() == []
        # When approval is given again afterwards
        stack.run_scheduler({"source": "approve", "time": LATER})
        stack.drain()
        # Then nothing is sent, and no reminder was ever sent twice
        assert [e for e in simulation.repo.effects_on(date(2026, 6, 30)) if e["kind"] in SENDS] == []
        sends = Counter((e["kind"], e["customer"], e["step"]) for e in effects if e["kind"] in SENDS)
        assert sends and max(sends.values()) == 1


def test_a_months_usage_matches_the_effects_the_simulator_printed():
    with LocalStack("acme") as stack:
        # Given a simulated scenario with runs, e-mails, fees, proposals and a collection case
        simulation, effects = simulate_in(stack, load_scenario(APPROVAL / "collection_case.yaml"))
        months = sorted({e["date"][:7] for e in effects})
        for month in months:
            # When the month's usage is read
            counted = usage(simulation.repo, month)
            # Then it agrees, counter by counter, with what that month's effects add up to
            expected: Counter[str] = Counter()
            for effect in effects:
                if effect["date"].startswith(month):
                    expected.update(usage_increments(effect))
            for name in COUNTERS:
                if name.endswith("_ore"):
                    assert ore(counted[name.removesuffix("_ore") + "_amount"]) == expected[name], (month, name)
                else:
                    assert counted[name] == expected[name], (month, name)
        assert sum(usage(simulation.repo, m)["runs"] for m in months) == sum(1 for e in effects if e["kind"] == "run")
        assert sum(usage(simulation.repo, m)["collection_cases"] for m in months) == 1


def test_a_case_is_not_approved_once_collection_is_switched_off_and_stays_pending():
    with LocalStack("acme") as stack:
        # Given a collection case waiting for approval
        scenario = load_scenario(APPROVAL / "collection_case.yaml")
        simulation = Simulation(scenario, stack, SimulationOptions())
        simulation.load()
        repo = simulation.repo
        for day in _days(scenario.simulate.start, scenario.simulate.end):
            simulation.run_day(day)
            if any(p["kind"] == "collection" for p in repo.pending_proposals()):
                break
        [case] = [p for p in repo.pending_proposals() if p["kind"] == "collection"]
        # When debt collection is switched off and everything is approved
        store_settings(repo, simulation.settings.updated({"collection": None}), actor="test")
        decision = stack.run_scheduler({"source": "approve", "time": LATER})
        stack.drain()
        # Then the case is refused with the reason, nothing is handed over, and it still waits
        assert "settings.collection" in decision["refused"][case["key"]]
        assert repo.cases() == []
        assert [p["key"] for p in repo.pending_proposals()] == [case["key"]]
