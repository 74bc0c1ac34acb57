"""The daily Betalingsservice 0601 delivery on the embedded AWS: one file per tenant per day with BS
reminders, written to the delivery bucket, that parses back and agrees with its `bs_delivery` effect,
meets BS' format rules, and does not change when the delivery runs again."""

import json
import subprocess
import sys
from collections import defaultdict
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from dunning.local_stack import LocalStack
from dunning.scenario import load_scenario
from dunning.simulate import simulate_in
from shared.aws import SqsSink
from shared.betalingsservice import earliest_due_date, is_bank_day, parse_delivery
from shared.domain.effects import public
from shared.messages import ActionMessage, InvoiceLine
from shared.services.booking import record_bs_reminder
from shared.services.bs_delivery import delivery_key, slip_reference
from tests.conftest import REPO

SCENARIO = REPO / "tests" / "scenarios" / "danish" / "bs_delivery.yaml"


def deliveries(effects: list[dict]) -> list[dict]:
    return [e for e in effects if e["kind"] == "bs_delivery"]


def test_each_day_with_bs_reminders_has_one_delivery_that_parses_back_and_agrees_with_its_effect():
    with LocalStack("acme") as stack:
        # Given the hand-worked BS scenario, simulated through the real functions
        _, effects = simulate_in(stack, load_scenario(SCENARIO))
        bs_days = {e["date"] for e in effects if e["kind"] == "bs"}
        # Then there is exactly one delivery on each day with BS reminders, and none on other days
        assert sorted(e["date"] for e in deliveries(effects)) == sorted(bs_days)
        assert bs_days

        for effect in deliveries(effects):
            day = date.fromisoformat(effect["date"])
            # When its file is read back from the delivery bucket
            assert effect["file"] == f"{effect['date']}/bs0601-acme-{effect['date']}.txt"
            body = stack.delivery_object(f"bs/{effect['file']}")
            assert body is not None
            parsed = parse_delivery(body)

            # Then the effect's counts are the file's own totals
            assert parsed.payments == effect["payments"]
            assert f"{parsed.amount:.2f}" == effect["amount"]
            assert len(parsed.sections) == effect["sections"]
            assert parsed.created == day
            # And there is one slip per BS reminder of that day (one customer each here)
            customers = sorted(e["customer"] for e in effects if e["kind"] == "bs" and e["date"] == effect["date"])
            assert sorted(slip.customer_number for slip in parsed.slips) == customers

            # And the file is what BS reads: ISO-8859-1, CR LF after every record, at most 128 characters each
            records = body.split(b"\r\n")
            assert records[-1] == b"" and all(b"\n" not in record and b"\r" not in record for record in records)
            assert all(len(record) <= 128 for record in records)
            assert "Skyldigt beløb".encode("iso-8859-1") in body
            with pytest.raises(UnicodeDecodeError):
                body.decode("utf-8")  # "ø" is one byte, 0xF8, not UTF-8

            # And every slip is due on a bank day at least 2 bank days after the delivery
            for slip in parsed.slips:
                assert slip.due_date >= earliest_due_date(day)
                assert is_bank_day(slip.due_date)
                assert all(len(line) <= 60 for line in slip.text_lines)


def test_the_slip_amount_is_the_open_total_and_never_the_fee():
    with LocalStack("acme") as stack:
        # Given the scenario (C1 paid 300.00 of I1; Rykker 2 charges 100.00, Rykker 3's fee is not charged)
        _, effects = simulate_in(stack, load_scenario(SCENARIO))
        amounts: dict[str, dict[str, Decimal]] = defaultdict(dict)
        texts: dict[str, dict[str, list[str]]] = defaultdict(dict)
        for effect in deliveries(effects):
            body = stack.delivery_object(f"bs/{effect['file']}")
            assert body is not None
            for slip in parse_delivery(body).slips:
                amounts[effect["date"]][slip.customer_number] = slip.amount
                texts[effect["date"]][slip.customer_number] = list(slip.text_lines)
        # Then each slip collects the open invoices only: the fee goes on the next invoice (C7)
        assert amounts["2026-03-06"] == {"C1": Decimal("1200.00"), "C2": Decimal("1250.00")}
        assert amounts["2026-03-16"] == {"C1": Decimal("900.00"), "C2": Decimal("1250.00")}
        # And the slip's text names the sender and the reminder's reference, and says so, in Danish
        reference = next(
            e["reference"]
            for e in effects
            if e["kind"] == "email" and e["customer"] == "C2" and e["date"] == "2026-03-16"
        )
        assert texts["2026-03-16"]["C2"] == [
            "RYKKER 2 - fakturaer I2, I3",
            "Fra acme",
            f"Reference {reference}",
            "Skyldigt beløb 1.250,00 kr.",
            "Rykkergebyr (renteloven § 9 b) 100,00 kr.",
            "Gebyret opkræves på næste faktura, ikke her.",
        ]
        assert not any("Rykkergebyr" in line for line in texts["2026-03-21"]["C1"])


def test_running_the_delivery_again_for_a_day_changes_nothing():
    with LocalStack("acme") as stack:
        # Given a simulated scenario whose deliveries were written
        simulation, effects = simulate_in(stack, load_scenario(SCENARIO))
        written = {e["date"]: stack.delivery_object(f"bs/{e['file']}") for e in deliveries(effects)}
        before = {day: simulation.repo.effects_on(date.fromisoformat(day)) for day in written}
        usage_before = simulation.repo.usage("2026-03")
        assert usage_before["bs_deliveries"] == len(written) == 3

        for day in written:
            # When the delivery function runs again for that day (a retry, a replayed schedule)
            result = stack.run_bs_delivery({"time": f"{day}T16:00:00Z"})
            # Then it records nothing new and the file is byte for byte the same
            assert result == {"delivered": False}
            assert simulation.repo.effects_on(date.fromisoformat(day)) == before[day]
            assert stack.delivery_object(f"bs/{day}/bs0601-acme-{day}.txt") == written[day]
        assert simulation.repo.usage("2026-03") == usage_before

        # And a day without BS reminders still has no delivery
        assert stack.run_bs_delivery({"time": "2026-03-07T16:00:00Z"}) == {"delivered": False}
        assert stack.delivery_object(delivery_key("acme", date(2026, 3, 7))) is None


def late_bs_message(day: date, customer: str = "C1") -> ActionMessage:
    """A BS reminder of ``day`` that reaches the BS consumer only now (redriven from the DLQ)."""
    return ActionMessage(
        idempotency_key=f"acme#{customer}#standard_v1#1#I9#bs#redriven",
        tenant="acme",
        run_id="2026-03-06T05:00:00Z",
        run_date=day,
        action="bs",
        customer_id=customer,
        template_version="standard_v1",
        step_name="Rykker 1",
        step_number=1,
        step_count=3,
        invoices=[
            InvoiceLine(
                invoice_id="I9",
                amount=Decimal("80.00"),
                open_amount=Decimal("80.00"),
                issued=date(2026, 2, 1),
                due=date(2026, 2, 15),
            )
        ],
    )


def slips_with(stack: LocalStack, reference: str, days: list[str]) -> list[str]:
    """The days whose delivery file holds a slip with ``reference``."""
    found = []
    for day in days:
        body = stack.delivery_object(f"bs/{day}/bs0601-acme-{day}.txt")
        if body is not None and any(slip.reference == reference for slip in parse_delivery(body).slips):
            found.append(day)
    return found


def test_a_bs_reminder_redriven_after_its_days_delivery_lands_in_the_next_file_once():
    with LocalStack("acme") as stack:
        # Given the scenario's deliveries were written (the last one on 03-21)
        simulation, effects = simulate_in(stack, load_scenario(SCENARIO))
        day = date(2026, 3, 21)
        original = stack.delivery_object(delivery_key("acme", day))
        # When a BS message of 03-21 is redriven onto the BS queue after that day's delivery, and consumed
        message = late_bs_message(day)
        SqsSink({"bs": stack.queue_url("bs")}).send([message])
        assert stack.drain().delivered == 1
        reference = slip_reference(message.idempotency_key)
        # Then delivering 03-21 again writes nothing: its file is never overwritten
        assert stack.run_bs_delivery({"time": "2026-03-21T16:00:00Z"}) == {"delivered": False}
        assert stack.delivery_object(delivery_key("acme", day)) == original
        # And the next delivery (03-22) holds it, and says which day it was due
        next_day = date(2026, 3, 22)
        assert stack.run_bs_delivery({"time": "2026-03-22T16:00:00Z"})["delivered"] is True
        [effect] = [e for e in simulation.repo.effects_on(next_day) if e["kind"] == "bs_delivery"]
        assert effect["late"] == [{"due": "2026-03-21", "reminders": 1}] and effect["payments"] == 1
        filed = simulation.repo.filed_bs_records(next_day)
        assert [(item.due, item.key) for item in filed] == [(date(2026, 3, 21), message.idempotency_key)]
        # When the deliveries run again
        for again in ("2026-03-21", "2026-03-22", "2026-03-23"):
            assert stack.run_bs_delivery({"time": f"{again}T16:00:00Z"}) == {"delivered": False}
        # Then the reminder is in exactly one file, and no day has a second delivery
        days = sorted({e["date"] for e in effects if e["kind"] == "bs_delivery"} | {"2026-03-22", "2026-03-23"})
        assert slips_with(stack, reference, days) == ["2026-03-22"]
        assert stack.delivery_object(delivery_key("acme", date(2026, 3, 23))) is None
        assert simulation.repo.undelivered_bs_records(date(2026, 3, 31)) == []


def crash_once(real):  # type: ignore[no-untyped-def]
    """``real``, except that its first call raises (a crash at that point)."""
    calls = []

    def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("crashed")
        return real(*args, **kwargs)

    return wrapper


@pytest.mark.parametrize("where", ["after the file was written", "before the file was written"])
def test_a_delivery_that_crashed_part_way_is_finished_by_its_retry_with_each_record_in_one_file(
    where: str, monkeypatch: pytest.MonkeyPatch
):
    from shared.aws import S3DeliveryStore
    from shared.storage.repository import DunningRepository

    with LocalStack("acme") as stack:
        # Given the scenario up to its end, and one more BS reminder waiting for a file
        simulation, _ = simulate_in(stack, load_scenario(SCENARIO))
        message = late_bs_message(date(2026, 3, 22))
        record_bs_reminder(message, simulation.repo, simulation.settings)
        # When the delivery crashes once part-way (records filed; the file written or not)
        if where == "after the file was written":
            monkeypatch.setattr(
                DunningRepository, "finish_bs_delivery", crash_once(DunningRepository.finish_bs_delivery)
            )
        else:
            monkeypatch.setattr(S3DeliveryStore, "put_new", crash_once(S3DeliveryStore.put_new))
        with pytest.raises(ConnectionError):
            stack.run_bs_delivery({"time": "2026-03-22T16:00:00Z"})
        # And its retry runs
        assert stack.run_bs_delivery({"time": "2026-03-22T16:00:00Z"})["delivered"] is True
        # Then there is one file with the reminder once, and one effect
        body = stack.delivery_object(delivery_key("acme", date(2026, 3, 22)))
        assert body is not None
        references = [slip.reference for slip in parse_delivery(body).slips]
        assert references == [slip_reference(message.idempotency_key)]
        kinds = [e["kind"] for e in simulation.repo.effects_on(date(2026, 3, 22))]
        assert kinds.count("bs_delivery") == 1
        assert simulation.repo.unfinished_bs_deliveries(date(2026, 12, 31)) == []


def test_a_delivery_begun_but_never_recorded_is_finished_by_the_next_days_delivery(monkeypatch: pytest.MonkeyPatch):
    from shared.storage.repository import DunningRepository

    with LocalStack("acme") as stack:
        simulation, _ = simulate_in(stack, load_scenario(SCENARIO))
        message = late_bs_message(date(2026, 3, 22))
        record_bs_reminder(message, simulation.repo, simulation.settings)
        # Given the delivery of 03-22 crashed after filing its records and was never retried
        monkeypatch.setattr(DunningRepository, "finish_bs_delivery", crash_once(DunningRepository.finish_bs_delivery))
        with pytest.raises(ConnectionError):
            stack.run_bs_delivery({"time": "2026-03-22T16:00:00Z"})
        # When the next day's delivery runs
        stack.run_bs_delivery({"time": "2026-03-23T16:00:00Z"})
        # Then it finished 03-22's delivery first (the reminder is in that file, once)
        assert [e["kind"] for e in simulation.repo.effects_on(date(2026, 3, 22))].count("bs_delivery") == 1
        reference = slip_reference(message.idempotency_key)
        assert slips_with(stack, reference, ["2026-03-22", "2026-03-23"]) == ["2026-03-22"]
        assert simulation.repo.unfinished_bs_deliveries(date(2026, 12, 31)) == []


def test_the_local_stack_creates_the_delivery_bucket_from_the_template():
    import boto3

    with LocalStack("acme") as stack:
        buckets = [b["Name"] for b in boto3.client("s3").list_buckets()["Buckets"]]
        assert stack.delivery_bucket in buckets
        assert stack.env["DELIVERY_BUCKET_NAME"] == stack.delivery_bucket


def test_simulate_out_writes_each_delivery_at_the_path_its_effect_names(tmp_path: Path):
    # Given the BS scenario run through the command line with --out
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, "-m", "dunning.cli", "simulate", str(SCENARIO), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    delivered = [line for line in lines if line["kind"] == "bs_delivery"]
    assert [line["date"] for line in delivered] == ["2026-03-06", "2026-03-16", "2026-03-21"]
    # Then every effect's file is under DIR, and it is that delivery
    for line in delivered:
        assert set(line) == {"date", "kind", "file", "sections", "payments", "amount"}  # no bookkeeping printed
        parsed = parse_delivery((out / line["file"]).read_bytes())
        assert (parsed.payments, f"{parsed.amount:.2f}", len(parsed.sections)) == (
            line["payments"],
            line["amount"],
            line["sections"],
        )
    # And the delivery files are the only BS output (the old per-record dump is gone)
    assert sorted(p.relative_to(out).as_posix() for p in out.rglob("bs*")) == sorted(line["file"] for line in delivered)
    assert public(delivered[0]) == delivered[0]
