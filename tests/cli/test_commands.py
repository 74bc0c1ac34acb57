"""The operations the CLI adds over the API — disputes, journals and posting, bank connections,
sales in draft, business customers, payments without an id, usage of this month — against the
persistent local stack, as an operator types them."""

import json
import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from dunning.cli import main

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One local stack for the module, with the example template and settings and one customer's invoice."""
    state = tmp_path_factory.mktemp("local") / "local.json"
    os.environ.pop("AWS_ENDPOINT_URL", None)
    assert main(["local", "up", "--local-state", str(state)]) == 0
    given = [
        ["templates", "define", "--file", str(ROOT / "examples" / "template.yaml")],
        ["settings", "set", "--file", str(ROOT / "examples" / "settings.yaml"), "approval_required=false"],
        ["customers", "put", "K1", "--name", "Jens Hansen", "--email", "jens@example.dk"],
        ["agreements", "add", "KA1", "--customer", "K1"],
        [
            "invoices",
            "add",
            "KI1",
            "--agreement",
            "KA1",
            "--amount",
            "800.00",
            "--issued",
            "2026-01-01",
            "--due",
            "2026-01-15",
        ],
    ]
    for argv in given:
        assert main([*argv, "--local-state", str(state)]) == 0, argv
    yield state
    assert main(["local", "down", "--local-state", str(state)]) == 0


def run(capsys: pytest.CaptureFixture[str], state: Path, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*argv, "--local-state", str(state)])
    out, err = capsys.readouterr()
    return code, out, err


def as_json(capsys: pytest.CaptureFixture[str], state: Path, *argv: str) -> object:
    code, out, err = run(capsys, state, *argv, "--json")
    assert code == 0, err
    return json.loads(out)


def test_an_invoice_is_disputed_and_resolved(stack: Path, capsys: pytest.CaptureFixture[str]):
    # When the customer disputes KI1 until a date
    code, out, err = run(capsys, stack, "invoices", "dispute", "KI1", "--until", "2026-03-01")
    # Then the table shows it held until then
    assert code == 0, err
    assert out.splitlines()[0].split()[-1] == "disputed_until" and "2026-03-01" in out
    # When the dispute is resolved
    resolved = as_json(capsys, stack, "invoices", "resolve", "KI1")
    # Then it is no longer held, and it stays marked as once disputed (no fee on its reminders)
    assert isinstance(resolved, dict)
    assert resolved["disputed_until"] is None and resolved["disputed_ever"] is True


def test_a_journal_gets_an_entry_once_and_posting_makes_it_a_payment(stack: Path, capsys: pytest.CaptureFixture[str]):
    # Given a cash journal with an entry typed twice
    assert run(capsys, stack, "journals", "create", "Bank")[1].strip() == "journal Bank is ready"
    entry = ("journals", "add", "Bank", "--id", "B17", "--customer", "K1", "--amount", "100.00", "--text", "MobilePay")
    assert run(capsys, stack, *entry)[0] == 0
    code, _, err = run(capsys, stack, *entry)
    assert code == 1 and "id: " in err and "B17" in err  # the same voucher twice is refused, not doubled
    # Then it holds one unposted entry
    entries = as_json(capsys, stack, "journals", "entries", "Bank")
    assert isinstance(entries, list) and [(e["customer"], e["amount"]) for e in entries] == [("K1", "100.00")]
    # When it is posted
    code, out, err = run(capsys, stack, "journals", "post", "Bank", "--on", "2026-02-01")
    # Then the entry was posted (a payment on K1's account) and the journal has nothing unposted
    assert code == 0, err
    assert out.strip() == "posted 1 entry of Bank"
    assert as_json(capsys, stack, "journals", "entries", "Bank") == []


def test_a_payment_without_an_id_is_recorded_once_however_often_it_is_typed(
    stack: Path, capsys: pytest.CaptureFixture[str]
):
    # When the same payment is added twice without an id
    payment = ("payments", "add", "--invoice", "KI1", "--amount", "50.00", "--on", "2026-02-02")
    first, second = as_json(capsys, stack, *payment), as_json(capsys, stack, *payment)
    # Then both name the same derived id, and the customer has it once
    assert isinstance(first, dict) and isinstance(second, dict) and first["id"] == second["id"]
    listed = as_json(capsys, stack, "payments", "list", "--customer", "K1")
    assert isinstance(listed, list) and [p["id"] for p in listed].count(first["id"]) == 1


def test_bank_connections_are_recorded_and_listed(stack: Path, capsys: pytest.CaptureFixture[str]):
    # When a bank connection is recorded inactive
    code, out, _ = run(capsys, stack, "bank-connections", "set", "Danske Bank", "inactive")
    # Then it says so, and the list shows it
    assert code == 0 and out.strip() == "bank connection Danske Bank is now inactive"
    assert as_json(capsys, stack, "bank-connections", "list") == [{"name": "Danske Bank", "active": False}]
    assert run(capsys, stack, "bank-connections", "set", "Danske Bank", "active")[0] == 0


def test_a_sale_in_draft_becomes_ready_and_is_won(stack: Path, capsys: pytest.CaptureFixture[str]):
    # Given a sale in draft on the default template
    code, out, err = run(capsys, stack, "sales", "add", "S1", "--name", "Serviceaftale")
    assert code == 0, err and "draft" in out
    # When it is made ready and then won by K1
    assert run(capsys, stack, "sales", "set", "S1", "--state", "ready")[0] == 0
    code, out, err = run(capsys, stack, "sales", "win", "S1", "--customer", "K1", "--agreement", "KA-S1")
    # Then K1 has the agreement, on the sale's template
    assert code == 0, err
    agreements = as_json(capsys, stack, "agreements", "list", "--customer", "K1")
    assert isinstance(agreements, list) and "KA-S1" in [a["id"] for a in agreements]
    # And a change with nothing named is a usage error
    code, _, err = run(capsys, stack, "sales", "set", "S1")
    assert code == 2 and "--name, --state or --template" in err


def test_a_business_customer_with_an_address(stack: Path, capsys: pytest.CaptureFixture[str]):
    # When a business customer is put with a postal address
    address = ("--address-line", "Industrivej 4", "--postcode", "7100", "--city", "Vejle")
    code, out, err = run(capsys, stack, "customers", "put", "B1", "--name", "Rør ApS", "--business", *address)
    # Then it is a business, with the address on it
    assert code == 0, err
    shown = as_json(capsys, stack, "customers", "show", "B1")
    assert isinstance(shown, dict) and shown["business"] is True
    assert shown["address"]["lines"] == ["Industrivej 4"] and shown["address"]["postcode"] == "7100"
    assert "yes" in out.splitlines()[1].split()


def test_usage_defaults_to_this_month(stack: Path, capsys: pytest.CaptureFixture[str]):
    # When usage is asked without a month
    counters = as_json(capsys, stack, "usage")
    # Then it is this month's, by the machine's date
    assert isinstance(counters, dict) and counters["month"] == date.today().strftime("%Y-%m")
    # And a malformed month is a usage error
    assert run(capsys, stack, "usage", "--month", "2026-1")[0] == 2


def test_refusals_say_the_field_and_what_was_expected_without_http_or_python(
    stack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    # Given a template with an action that does not exist
    bad = tmp_path / "bad.yaml"
    bad.write_text("name: bad\nsteps:\n  - {name: R1, days: 4, actions: [mail]}\n", encoding="utf-8")
    # When it is defined, and a payment names neither an invoice nor a customer
    code, _, err = run(capsys, stack, "templates", "define", "--file", str(bad))
    code2, _, err2 = run(capsys, stack, "payments", "add", "--amount", "abc", "--on", "2026-02-30")
    # Then each says which field and what was expected, with no status code, dict or pydantic name
    assert code == code2 == 1
    assert (
        err.startswith("dunning templates define: steps[0].actions[0]: expected 'email'") and "object with fee" in err
    )
    assert "amount: " in err2 and "on: expected a date" in err2
    for text in (err, err2):
        assert not any(noise in text for noise in ("422", "{", "FeeIn", "literal[", "Traceback", "Input should"))


def test_start_wait_shows_the_ended_run_and_resume_names_a_run_that_does_not_exist(
    stack: Path, capsys: pytest.CaptureFixture[str]
):
    # When a run is started and waited for
    code, out, err = run(capsys, stack, "start", "--wait")
    # Then the run's row shows it completed
    assert code == 0, err
    header, row = out.splitlines()[:2]
    assert header.split()[:3] == ["run_id", "kind", "status"] and row.split()[1:3] == ["manual", "completed"]
    # And resuming a run that does not exist is refused, naming it
    code, _, err = run(capsys, stack, "resume", "2026-01-05T05:00:00Z", "--wait")
    assert code == 1 and err.startswith("dunning resume: run_id: ") and "2026-01-05T05:00:00Z" in err


def test_a_send_to_resolve_is_named_as_the_operator_typed_it(stack: Path, capsys: pytest.CaptureFixture[str]):
    # When the operator resolves a send by an id too short to be one, or by a key nothing waits under
    short = run(capsys, stack, "sends", "resolve", "abc", "--sent")
    unknown = run(capsys, stack, "sends", "resolve", "acme/K1/nothing/1/email", "--sent")
    # Then both are refused naming the argument they typed, not the API's path parameter
    for code, _, err in (short, unknown):
        assert code == 1
        assert "key:" in err and "send_ref" not in err, err
