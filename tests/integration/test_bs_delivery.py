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
from shared.betalingsservice import earliest_due_date, is_bank_day, parse_delivery
from shared.domain.effects import public
from shared.services.bs_delivery import LateBsRecordsError, deliver_bs, delivery_key
from shared.storage.models import BsRecordModel
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


def test_a_bs_reminder_recorded_after_the_days_delivery_is_refused_loudly():
    with LocalStack("acme") as stack:
        # Given a day whose delivery was written
        simulation, _ = simulate_in(stack, load_scenario(SCENARIO))
        day = date(2026, 3, 6)
        original = stack.delivery_object(delivery_key("acme", day))
        [existing, *_] = simulation.repo.bs_records(day)
        # When another BS reminder is recorded for that day afterwards (e.g. a run after the delivery time)
        late = BsRecordModel(
            pk=f"BS#{day.isoformat()}",
            sk=existing.sk + "-late",
            customer_id=existing.customer_id,
            creditor_number=existing.creditor_number,
            data=dict(existing.data),
        )
        late.save()
        # Then the delivery does not silently overwrite the file it already delivered
        with pytest.raises(LateBsRecordsError, match="in no delivery"):
            deliver_bs(simulation.repo, _BucketOf(stack), simulation.settings, day)
        assert stack.delivery_object(delivery_key("acme", day)) == original


class _BucketOf:
    def __init__(self, stack: LocalStack) -> None:
        self._stack = stack

    def put(self, key: str, body: bytes) -> None:
        raise AssertionError("nothing may be written")

    def get(self, key: str) -> bytes | None:
        return self._stack.delivery_object(key)


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
