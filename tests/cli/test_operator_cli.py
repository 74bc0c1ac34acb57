"""The operator commands of ``dunning`` against the persistent local stack (``dunning local up``)."""

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from dunning.cli import main

TEMPLATE = """name: standard
steps:
  - {name: Rykker 1, days: 4, actions: [email]}
  - {name: Rykker 2, days: 10, actions: [email, {fee: "100.00"}]}
"""
CUSTOMERS = "id,name,email,phone\nC1,Jens Hansen,jens@example.dk,+4520123456\nC2,Mette Jensen,mette@example.dk,\n"
AGREEMENTS = "id,customer\nA1,C1\nA2,C2\n"
INVOICES = "id,agreement,amount,issued,due\nI1,A1,1250.00,2026-01-01,2026-01-15\nI2,A2,500.00,2026-01-05,2026-01-20\n"


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One local stack (a background moto server) for the module; its state file."""
    state = tmp_path_factory.mktemp("local") / "local.json"
    os.environ.pop("AWS_ENDPOINT_URL", None)
    assert main(["local", "up", "--tenant", "acme", "--local-state", str(state)]) == 0
    yield state
    assert main(["local", "down", "--local-state", str(state)]) == 0
    assert not state.exists()


def run(capsys: pytest.CaptureFixture[str], state: Path, *argv: str) -> tuple[int, str, str]:
    capsys.readouterr()
    code = main([*argv, "--local-state", str(state)])
    out, err = capsys.readouterr()
    assert "AWS_ENDPOINT_URL" not in os.environ  # the CLI leaves the process as it found it
    return code, out, err


def test_the_operator_session_import_default_template_run_approve_status(
    stack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    # Given a template file and an accounting export as CSV
    (tmp_path / "standard.yaml").write_text(TEMPLATE)
    for name, text in (("customers", CUSTOMERS), ("agreements", AGREEMENTS), ("invoices", INVOICES)):
        (tmp_path / f"{name}.csv").write_text(text)
    files = [str(tmp_path / f"{n}.csv") for n in ("customers", "agreements", "invoices")]
    # When the operator defines the template, makes it the default and requires approval
    defined = run(capsys, stack, "templates", "define", "--file", str(tmp_path / "standard.yaml"))[1]
    assert defined.splitlines()[0] == "created: standard_v1"
    code, out, _ = run(capsys, stack, "settings", "set", "default_template=standard", "approval_required=true")
    assert code == 0 and "standard" in out
    # And imports the export
    code, out, err = run(capsys, stack, "import", *files)
    assert code == 0, err
    assert "imported 2 customers, 2 agreements, 2 invoices" in out
    code, out, _ = run(capsys, stack, "invoices", "list", "--customer", "C1", "--json")
    assert [(i["id"], i["template"]) for i in json.loads(out)] == [("I1", "standard_v1")]
    # And starts a run: with approval required it proposes instead of sending
    code, out, _ = run(capsys, stack, "start", "--wait", "--json")
    run_id = json.loads(out)["run_id"]
    code, out, _ = run(capsys, stack, "run", run_id, "--json")
    status = json.loads(out)
    assert status["status"] == "completed" and status["proposals"] == 2 and status["messages"] == 0
    code, out, _ = run(capsys, stack, "proposals", "--json")
    proposals = json.loads(out)
    assert sorted(p["customer"] for p in proposals) == ["C1", "C2"]
    code, out, _ = run(capsys, stack, "proposals", "--by", "invoice")
    assert out.splitlines()[0].split() == ["invoice", "customer", "step", "proposed_on", "key"]
    # Then approving all sends them, and the timeline shows the e-mail
    code, out, _ = run(capsys, stack, "approve", "--all")
    assert code == 0 and out.splitlines()[0].split() == ["key", "outcome", "reason"]
    assert [line.split()[1] for line in out.splitlines()[1:3]] == ["approved", "approved"]
    code, out, _ = run(capsys, stack, "invoices", "timeline", "I1", "--json")
    email = next(event for event in json.loads(out)["events"] if event["kind"] == "email")
    # And the e-mail's payment reference leads back to C1's reminder and invoice
    code, out, _ = run(capsys, stack, "reference", email["reference"], "--json")
    found = json.loads(out)
    assert code == 0 and found["customer"] == "C1" and found["invoices"][0]["invoice_id"] == "I1"
    code, out, _ = run(capsys, stack, "reference", email["reference"])
    assert f"reference {email['reference']}: customer C1" in out
    code, out, _ = run(capsys, stack, "runs")
    assert run_id in out and "completed" in out
    # (the run's month is its business date's in the tenant's zone: near midnight UTC it differs)
    code, out, _ = run(capsys, stack, "usage", "--month", status["run_date"][:7], "--json")
    assert json.loads(out)["runs"] == 1, out


def test_import_reports_every_bad_row_by_line_and_imports_nothing_unless_told(
    stack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    # Given a tenant whose default template gives imported customers their agreement
    (tmp_path / "kunder.yaml").write_text(TEMPLATE.replace("name: standard", "name: kunder", 1))
    assert run(capsys, stack, "templates", "define", "--file", str(tmp_path / "kunder.yaml"))[0] == 0
    assert run(capsys, stack, "settings", "set", "default_template=kunder")[0] == 0
    # And a customers file with two bad rows among good ones
    bad = tmp_path / "kunder.csv"
    bad.write_text(
        "kundenummer;navn;email\nK1;Anna;anna@example.dk\nK2;;b@example.dk\nK3;Carl;not-an-address\nK1;Dup;d@example.dk\n"
    )
    # When it is imported
    code, _, err = run(capsys, stack, "import", str(bad))
    # Then every bad row is named with its line and field, and nothing was imported
    assert code == 1
    assert "kunder.csv:3: navn: the customer's name" in err
    assert "kunder.csv:4: email: an e-mail address" in err
    assert "kunder.csv:5: kundenummer: 'K1' appears twice" in err
    assert run(capsys, stack, "customers", "show", "K1")[0] == 1
    # And with --skip-invalid the good rows go in
    code, out, err = run(capsys, stack, "import", str(bad), "--skip-invalid")
    assert code == 0 and "imported 1 customers" in out and "skipped 3 bad row(s)" in out
    assert run(capsys, stack, "customers", "show", "K1")[0] == 0


def test_a_json_export_with_a_bad_reference_is_refused_by_line(
    stack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    export = {
        "customers": [{"id": "J1", "name": "Json Kunde"}],
        "agreements": [{"id": "JA1", "customer": "J1"}, {"id": "JA2", "customer": "NOBODY"}],
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(export, indent=2))
    code, _, err = run(capsys, stack, "import", str(path), "--dry-run")
    assert code == 1
    (line,) = [line for line in err.splitlines() if "NOBODY" in line]
    assert line.startswith(f"{path}:13: customer: ")  # the line JA2's object opens on
    assert run(capsys, stack, "customers", "show", "J1")[0] == 1


def test_statement_previews_and_sends_a_customers_statement_of_account(stack: Path, capsys: pytest.CaptureFixture[str]):
    # Given a tenant with settings and a customer with nothing open
    assert run(capsys, stack, "settings", "set", "tenant_name=Hansen ApS")[0] == 0
    assert run(capsys, stack, "customers", "put", "S1", "--name", "Sara Holm", "--email", "sara@example.dk")[0] == 0
    # When the operator previews the statement
    code, out, err = run(capsys, stack, "statement", "S1", "--preview")
    # Then it shows the e-mail the customer would get
    assert code == 0, err
    assert "To: sara@example.dk" in out and "Subject: Kontoudtog" in out and "ingen åbne poster" in out
    # And sending it queues it under its key
    code, out, err = run(capsys, stack, "statement", "S1")
    assert code == 0, err
    assert out.startswith("statement for S1 sent (") and "/S1/statement/" in out
    # An unknown customer is refused with the API's reason
    code, _, err = run(capsys, stack, "statement", "NOPE")
    assert code == 1 and "NOPE" in err and "404" not in err


def test_commands_refuse_clearly(stack: Path, capsys: pytest.CaptureFixture[str]):
    code, _, err = run(capsys, stack, "settings", "set", "min_days_between_reminders=-3")
    assert code == 1 and "min_days_between_reminders" in err
    code, _, err = run(capsys, stack, "templates", "show", "nope")
    assert code == 1 and "nope" in err and "404" not in err
    code, _, err = run(capsys, stack, "reference", "000000000000027")
    assert code == 1 and "check digit" in err and "reference: " in err


def test_a_list_setting_takes_comma_separated_names(stack: Path, capsys: pytest.CaptureFixture[str]):
    # When the operator names the journals a run checks as the console's form takes them
    code, _, err = run(
        capsys, stack, "settings", "set", "check_journals=Bank, Kasse", "excluded_customers=C9", "--json"
    )
    # Then they are the lists meant (was refused: "check_journals: expected a list")
    assert code == 0, err
    code, out, _ = run(capsys, stack, "settings", "show", "--json")
    settings = json.loads(out)
    assert settings["check_journals"] == ["Bank", "Kasse"] and settings["excluded_customers"] == ["C9"]
    # And JSON still works, and an empty value clears the list
    assert run(capsys, stack, "settings", "set", 'check_journals=["Bank"]', "excluded_customers=")[0] == 0
    settings = json.loads(run(capsys, stack, "settings", "show", "--json")[1])
    assert settings["check_journals"] == ["Bank"] and settings["excluded_customers"] == []
    assert run(capsys, stack, "settings", "set", "check_journals=[]")[0] == 0


TEXTS_TEMPLATE = """name: brev
steps:
  - name: Rykker 1
    days: 4
    actions: [email, sms]
    texts:
      da:
        subject: "Påmindelse: {{ invoices|length }} ubetalt faktura"
        body: |
          Kære {{ customer.name }}

          Vi mangler betaling af {{ total }}.
        sms: "Hej {{ customer.name }}, vi mangler {{ total }}. Mvh {{ sender.name }}"
  - {name: Rykker 2, days: 10, actions: [email]}
"""


def test_templates_define_counts_sms_segments_and_preview_shows_a_step_without_sending(
    stack: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
):
    # Given a template whose first step has its own Danish texts
    (tmp_path / "brev.yaml").write_text(TEXTS_TEMPLATE, encoding="utf-8")
    # When it is defined
    code, out, err = run(capsys, stack, "templates", "define", "--file", str(tmp_path / "brev.yaml"))
    # Then the table shows the SMS segment count of step 1's Danish SMS, and nothing for step 2
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "created: brev_v1" and lines[1].split() == ["step", "name", "days", "actions", "sms"]
    assert lines[2].endswith("da 1 segment (GSM-7)") and lines[3].rstrip().endswith("email")
    # And given a customer with an open invoice on it
    run(capsys, stack, "customers", "put", "P1", "--name", "Jens <b>Hansen</b>", "--language", "da")
    run(capsys, stack, "agreements", "add", "PA1", "--customer", "P1", "--template", "brev_v1")
    invoice = ("--agreement", "PA1", "--amount", "500.00", "--issued", "2026-01-01", "--due", "2026-01-15")
    assert run(capsys, stack, "invoices", "add", "PI1", *invoice)[0] == 0
    # When step 1 is previewed for P1, the HTML written to a file
    html = tmp_path / "preview.html"
    code, out, err = run(capsys, stack, "preview", "brev_v1", "1", "--customer", "P1", "--html", str(html))
    # Then the e-mail, the SMS with its segments and the slip lines are shown, and the HTML is escaped
    assert code == 0, err
    assert "brev_v1 step 1 (Rykker 1) for customer P1, open invoices PI1, in da" in out
    assert "Subject: Påmindelse: 1 ubetalt faktura" in out and "Kære Jens <b>Hansen</b>" in out
    assert "== SMS: 1 segment, GSM-7," in out and "Hej Jens <b>Hansen</b>, vi mangler 500,00 kr." in out
    assert "Betalingsservice" in out and "PI1" in out.split("Betalingsservice")[1]
    assert "Kære Jens &lt;b&gt;Hansen&lt;/b&gt;" in html.read_text(encoding="utf-8")
    # And nothing was sent: the invoice's timeline has no e-mail or SMS
    code, out, _ = run(capsys, stack, "invoices", "timeline", "PI1", "--json")
    assert {"email", "sms"}.isdisjoint(event["kind"] for event in json.loads(out)["events"])
    # And a sample customer stands in when none is named; a step that does not exist is named
    code, out, _ = run(capsys, stack, "preview", "brev", "2", "--language", "en")
    assert code == 0 and "for a sample customer, sample invoices, in en" in out
    code, _, err = run(capsys, stack, "preview", "brev_v1", "3")
    assert code == 1 and "404" not in err and "step: " in err
    # And a text with an unknown variable is refused naming its field, and defines nothing
    (tmp_path / "bad.yaml").write_text(TEXTS_TEMPLATE.replace("customer.name", "kunde.navn"), encoding="utf-8")
    code, _, err = run(capsys, stack, "templates", "define", "--file", str(tmp_path / "bad.yaml"))
    assert code == 1 and "unknown variable 'kunde'" in err and "steps[0].texts.da.body: " in err
    assert run(capsys, stack, "templates", "show", "brev", "--json")[1].count('"version_id"') == 1


def test_without_a_local_stack_the_cli_says_how_to_start_one(tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    code = main(["customers", "list", "--local-state", str(tmp_path / "none.json")])
    assert code == 2 and "dunning local up" in capsys.readouterr().err


def test_a_step_with_interest_or_compensation_is_listed_by_name():
    from dunning.commands.templates import steps_text

    # Given a step that charges interest and the B2B compensation besides a fee
    steps = [
        {
            "name": "Rykker 2",
            "days": 10,
            "actions": ["email", {"fee": "100.00"}, {"interest": True}, {"compensation": True}],
        }
    ]
    # Then the template listing names each action instead of failing on them
    assert steps_text(steps) == "Rykker 2 +10d email+fee 100.00+interest+compensation"


def test_operators_sign_out_ends_an_operators_console_sessions(stack: Path, capsys: pytest.CaptureFixture[str]):
    # When an administrator signs an operator out of the console
    code, out, err = run(capsys, stack, "operators", "sign-out", "bo@jensen.dk")
    # Then it says whose sessions ended and when
    assert code == 0, err
    assert out.startswith("bo@jensen.dk: every console session ended at 20")
    code, out, _ = run(capsys, stack, "operators", "sign-out", "bo@jensen.dk", "--json")
    assert code == 0 and json.loads(out)["user"] == "bo@jensen.dk"
