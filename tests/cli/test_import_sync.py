"""Re-import is a sync: an export imported into the engine (the operator API in-process on the
embedded AWS), then imported again unchanged, changed, grown and shrunk."""

import io
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from dunning.api_client import Api
from dunning.importer import run_import
from dunning.local_api import LocalApi
from dunning.local_stack import LocalStack

REPO = Path(__file__).resolve().parents[2]
TODAY = date(2026, 2, 2)
TEMPLATE = {"name": "standard", "steps": [{"name": "Rykker 1", "days": 4, "actions": ["email"]}]}


@pytest.fixture(scope="module")
def api() -> Iterator[LocalApi]:
    """One tenant with a default template for the module (the embedded AWS sets its own environment);
    each test uses its own customer and invoice numbers."""
    with LocalStack("acme") as stack:
        local = LocalApi(stack)
        assert local.request("POST", "/templates", TEMPLATE)[0] == 201
        assert local.request("PATCH", "/settings", {"default_template": "standard"})[0] == 200
        yield local


def run(api: Api, *paths: Path, **options: object) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = run_import(api, list(paths), out=out, err=err, today=TODAY, **options)  # type: ignore[arg-type]
    return code, out.getvalue(), err.getvalue()


def get(api: LocalApi, path: str, **query: str) -> object:
    status, body = api.request("GET", path, None, query or None)
    assert status == 200, body
    return body


def export(path: Path, header: str, *rows: str, encoding: str = "cp1252") -> Path:
    path.write_bytes(("\r\n".join([header, *rows]) + "\r\n").encode(encoding))
    return path


HEADER = "Fakturanr.;Kundenr.;Navn;Dato;Forfaldsdato;Beløb;Restbeløb"


def test_the_examples_import_and_importing_them_again_changes_nothing(api: LocalApi):
    # Given the shipped e-conomic export (Windows-1252, ;) and the Dinero-style one (UTF-8, ,)
    economic = [REPO / "examples/e-conomic-debitorer.csv", REPO / "examples/e-conomic-fakturaer.csv"]
    dinero = REPO / "examples/dinero-fakturaer.csv"
    # When they are imported
    code, out, err = run(api, *economic)
    # Then everything comes in, each customer on an agreement of the default template, and it says so
    assert code == 0, err
    assert "imported 4 customers, 4 agreements, 4 invoices, 1 payments, 1 credit notes" in out
    assert "4 customer(s) had no agreement and got one on the default template standard: 1001, 1002, 1003, 1004" in out
    customer = get(api, "/customers/1001")
    assert customer["name"] == "Søren Ærøskøbing" and customer["address"]["lines"] == ["Åboulevarden 12, 3. tv."]
    assert get(api, "/customers/1002")["business"] is True
    assert get(api, "/invoices/20251")["open_amount"] == "7500.00"  # 12.500,00 less what was paid
    assert get(api, "/credit-notes", customer="1002")[0]["amount"] == "750.00"
    code, out, err = run(api, dinero)
    assert code == 0 and "imported 2 customers, 2 agreements, 3 invoices, 1 payments" in out, err
    assert "to look at" not in out  # the other export's invoices are not this one's business
    # When both are imported again
    code, out, _ = run(api, *economic)
    code2, out2, _ = run(api, dinero)
    # Then nothing changes, and the output says so
    assert (code, code2) == (0, 0)
    assert "no changes: the engine has this export already (unchanged: 4 customers, 4 invoices, 1 credit notes" in out
    assert "no changes" in out2 and "\nimported" not in out + out2
    assert len(get(api, "/payments", customer="1002")) == 1


def test_a_lower_remaining_amount_becomes_a_payment_recorded_with_its_source_once(api: LocalApi, tmp_path: Path):
    # Given an imported invoice of 1.000,00 with nothing paid
    first = export(tmp_path / "januar.csv", HEADER, "P1;2001;Anna Berg;05-01-2026;19-01-2026;1.000,00;1.000,00")
    assert run(api, first)[0] == 0
    # When the next export says 600,00 remains
    later = export(tmp_path / "februar.csv", HEADER, "P1;2001;Anna Berg;05-01-2026;19-01-2026;1.000,00;600,00")
    code, out, err = run(api, later)
    # Then a payment of 400,00 is recorded on the invoice, naming the import as its source
    assert code == 0, err
    assert "- payment 400,00 on invoice P1: remaining 1.000,00 → 600,00" in out
    assert "imported 0 customers, 0 agreements, 0 invoices, 1 payments" in out
    (payment,) = get(api, "/payments", customer="2001")
    assert payment["amount"] == "400.00" and payment["invoice"] == "P1" and payment["on"] == "2026-02-02"
    assert payment["source"].startswith("import februar.csv line 2 (sha256 ")
    assert get(api, "/invoices/P1")["open_amount"] == "600.00"
    timeline = get(api, "/invoices/P1/timeline")["events"]
    assert any(e["kind"] == "payment" and e.get("source", "").startswith("import februar.csv") for e in timeline)
    # And importing the same export again records nothing more
    code, out, _ = run(api, later)
    assert code == 0 and "no changes" in out
    assert len(get(api, "/payments", customer="2001")) == 1


def test_a_higher_remaining_amount_a_changed_amount_and_a_gone_invoice_are_reported_not_changed(
    api: LocalApi, tmp_path: Path
):
    # Given two imported invoices of one customer, one half paid
    rows = (
        "R1;3001;Bo Holm;05-01-2026;19-01-2026;1.000,00;500,00",
        "R2;3001;Bo Holm;06-01-2026;20-01-2026;200,00;200,00",
    )
    assert run(api, export(tmp_path / "a.csv", HEADER, *rows))[0] == 0
    # When an export shows R1 with more remaining and another amount, and R2 is gone
    code, out, err = run(
        api, export(tmp_path / "b.csv", HEADER, "R1;3001;Bo Holm;05-01-2026;19-01-2026;1.100,00;800,00")
    )
    # Then each is reported by file and line, and nothing is changed
    assert code == 0, err
    assert "no changes" in out
    assert (
        f"! {tmp_path}/b.csv:2: invoice R1: amount 1.100,00 in the export, 1.000,00 in the engine (not changed)" in out
    )
    assert "b.csv:2: invoice R1: remaining 800,00 in the export is more than the 500,00 open in the engine" in out
    assert "! invoice R2 (3001, 200,00 open) is not in the export: paid or credited in the accounting system?" in out
    assert get(api, "/invoices/R1")["open_amount"] == "500.00" and get(api, "/invoices/R2")["open_amount"] == "200.00"


def test_a_new_invoice_and_a_changed_customer_come_in_and_dry_run_shows_the_diff_first(api: LocalApi, tmp_path: Path):
    # Given an imported debtor with one invoice
    debtors = "Kundenr.;Navn;E-mail;Telefon"
    assert run(api, export(tmp_path / "k1.csv", debtors, "4001;Carl Dam;carl@example.dk;"))[0] == 0
    assert run(api, export(tmp_path / "f1.csv", HEADER, "N1;4001;Carl Dam;05-01-2026;19-01-2026;300,00;300,00"))[0] == 0
    # And the next exports: a new e-mail and phone, and a second invoice
    customers = export(tmp_path / "k2.csv", debtors, "4001;Carl Dam;carl@dam.example.dk;20 30 40 50")
    invoices = export(
        tmp_path / "f2.csv",
        HEADER,
        "N1;4001;Carl Dam;05-01-2026;19-01-2026;300,00;300,00",
        "N2;4001;Carl Dam;01-02-2026;15-02-2026;1.250,00;1.250,00",
    )
    # When they are imported with --dry-run
    code, out, err = run(api, customers, invoices, dry_run=True)
    # Then the diff is printed and nothing is written
    assert code == 0, err
    assert "dry run: nothing written; the import would make 2 change(s):" in out
    assert "~ customer 4001: email carl@example.dk → carl@dam.example.dk, phone (none) → 20304050" in out
    assert "+ invoice N2 for 4001: 1.250,00 due 15-02-2026" in out
    assert "would import 0 customers, 0 agreements, 1 invoices, 1 changed customers; unchanged: 1 invoices" in out
    assert api.request("GET", "/invoices/N2")[0] == 404
    assert get(api, "/customers/4001")["email"] == "carl@example.dk"
    # When they are imported
    code, out, err = run(api, customers, invoices)
    # Then the invoice is added on the customer's agreement and the details are updated, the rest kept
    assert code == 0, err
    assert "imported 0 customers, 0 agreements, 1 invoices, 1 changed customers; unchanged: 1 invoices" in out
    assert get(api, "/invoices/N2")["agreement"] == "4001"
    customer = get(api, "/customers/4001")
    assert (customer["email"], customer["phone"], customer["name"]) == ("carl@dam.example.dk", "20304050", "Carl Dam")


def test_a_file_with_a_bad_row_imports_nothing_unless_skip_invalid(api: LocalApi, tmp_path: Path):
    # Given an export with an unknown customer and a bad amount among good rows
    path = export(
        tmp_path / "fejl.csv",
        "Fakturanr.;Kundenr.;Dato;Forfaldsdato;Beløb",
        "S1;NOBODY;05-01-2026;19-01-2026;100,00",
        "S2;5001;05-01-2026;19-01-2026;1OO,00",
    )
    customers = export(tmp_path / "kunder.csv", "Kundenr.;Navn", "5001;Dorte Lund")
    extra = export(
        tmp_path / "flere.csv", "Fakturanr.;Kundenr.;Dato;Forfaldsdato;Beløb", "S3;5001;05-01-2026;19-01-2026;50"
    )
    # When it is imported
    code, out, err = run(api, customers, path, extra)
    # Then each problem is named, the summary says nothing was imported, and nothing was
    assert code == 1
    assert f"{path}:2: Kundenr.: a customer in this import or in the engine; 'NOBODY' is neither" in err
    assert f"{path}:3: Beløb: an amount like 1.250,00 or 1250.00, not '1OO,00'" in err
    assert "2 problem(s) in 2 row(s); nothing imported (--skip-invalid imports the rest)" in err
    assert api.request("GET", "/customers/5001")[0] == 404
    # And with --skip-invalid the good rows come in and the bad ones are listed as skipped
    code, out, err = run(api, customers, path, extra, skip_invalid=True)
    assert code == 0, err
    assert f"skipped {path}:2: Kundenr.:" in out and "imported 1 customers, 1 agreements, 1 invoices" in out
    assert "skipped 2 bad row(s)" in out
    assert get(api, "/invoices/S3")["amount"] == "50.00"


def test_without_a_default_template_the_import_names_default_template_and_imports_nothing(tmp_path: Path):
    path = export(tmp_path / "kunder.csv", "Kundenr.;Navn", "1;Anna")
    with LocalStack("nodefault") as stack:
        api = LocalApi(stack)
        code, out, err = run(api, path)
        assert code == 1 and "imported" not in out
        assert "the tenant has no default_template" in err and "dunning settings set default_template=" in err
        assert api.request("GET", "/customers/1")[0] == 404


def test_json_keeps_working_with_agreements_and_templates_of_its_own(api: LocalApi, tmp_path: Path):
    document = {
        "customers": [
            {"id": "J1", "name": "Json Kunde", "address": {"lines": ["Vej 1"], "postcode": "8000", "city": "Aarhus"}}
        ],
        "agreements": [{"id": "JA1", "customer": "J1", "template": "standard"}],
        "invoices": [
            {"id": "JI1", "agreement": "JA1", "amount": "100.00", "issued": "2026-01-01", "due": "2026-01-15"}
        ],
    }
    path = tmp_path / "export.json"
    path.write_text(json.dumps(document, indent=2))
    code, out, err = run(api, path)
    assert code == 0 and "imported 1 customers, 1 agreements, 1 invoices" in out, err
    assert "default template" not in out
    assert get(api, "/invoices/JI1")["agreement"] == "JA1"
    assert "no changes" in run(api, path)[1]


def test_an_unreadable_file_is_exit_code_2_naming_the_file(api: LocalApi, tmp_path: Path):
    path = tmp_path / "kunder.csv"
    path.write_bytes("Kundenr.;Navn\n1;Søren\n".encode("cp1252"))
    code, _, err = run(api, path, encoding="utf-8")
    assert code == 2 and f"dunning import: {path}:2: not utf-8 (byte 0xf8)" in err


def test_an_invoice_list_without_customer_numbers_finds_the_customer_by_name(api: LocalApi, tmp_path: Path):
    # Given a debtor list, and an invoice list naming the customer only (Dinero's "Kontakt")
    debtors = export(
        tmp_path / "kontakter.csv", "Kundenr.;Navn", "6001;Ebbe Skov", "6002;Frida Lund", "6003;Frida Lund"
    )
    invoices = export(
        tmp_path / "fakturaer.csv",
        "Nummer;Kontakt;Dato;Forfaldsdato;Beløb",
        "T1;ebbe  skov;05-01-2026;19-01-2026;100,00",
        "T2;Frida Lund;05-01-2026;19-01-2026;100,00",
        "T3;Gert Hansen;05-01-2026;19-01-2026;100,00",
        "T4;Ebbe Skov;05-01-2026;19-01-2026;100,00",
    )
    # When they are imported
    code, _, err = run(api, debtors, invoices, skip_invalid=False)
    # Then a name that is not one customer's is named as the problem
    assert code == 1
    assert f"{invoices}:3: Kontakt: the name of one customer (add a customer number column); 2 customers named" in err
    assert f"{invoices}:4: Kontakt: the name of one customer (add a customer number column); no customer named" in err
    # And the rest comes in with --skip-invalid, on the customer of that name
    code, out, err = run(api, debtors, invoices, skip_invalid=True)
    assert code == 0, err
    assert "2 invoices" in out and get(api, "/invoices/T4")["customer"] == "6001"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


class Meter:
    """A progress bar that records what it was told."""

    def __init__(self, log: list[tuple[str, int]], desc: str, total: int) -> None:
        self.log, self.desc = log, desc
        log.append((f"{desc} total", total))

    def __enter__(self) -> "Meter":
        return self

    def __exit__(self, *_: object) -> None:
        pass

    def update(self, count: int) -> None:
        self.log.append((self.desc, count))


def test_progress_is_drawn_only_on_a_terminal_and_paid_invoices_stay_out(api: LocalApi, tmp_path: Path):
    # Given an export with one open and one paid invoice, and a progress bar that records
    path = export(
        tmp_path / "fakturaer.csv",
        HEADER,
        "Q1;7001;Ida Holm;05-01-2026;19-01-2026;100,00;100,00",
        "Q2;7001;Ida Holm;06-01-2026;20-01-2026;200,00;0,00",
    )
    log: list[tuple[str, int]] = []

    def progress(*, total: int, desc: str, unit: str, file: object) -> Meter:
        return Meter(log, desc, total)

    # When it is imported with standard error not a terminal
    out = io.StringIO()
    code = run_import(api, [path], dry_run=True, out=out, err=io.StringIO(), progress=progress, today=TODAY)
    assert code == 0 and log == []
    code = run_import(api, [path], out=out, err=io.StringIO(), progress=progress, today=TODAY)
    # Then no bar is drawn; and the paid invoice is counted, not imported
    assert code == 0 and log == []
    assert "1 invoice(s) paid in full (remaining 0,00) not imported: Q2" in out.getvalue()
    assert api.request("GET", "/invoices/Q2")[0] == 404
    # When the next export (a second invoice) is imported on a terminal, the bar counts the rows
    later = export(
        tmp_path / "senere.csv", HEADER, "Q1;7001;Ida Holm;05-01-2026;19-01-2026;100,00;40,00",
        "Q3;7001;Ida Holm;07-01-2026;21-01-2026;300,00;300,00",
    )  # fmt: skip
    code = run_import(api, [later], out=io.StringIO(), err=Terminal(), progress=progress, today=TODAY)
    assert code == 0
    assert log == [("invoices total", 1), ("invoices", 1), ("payments total", 1), ("payments", 1)]


ECONOMIC_DEBTORS = (
    "Nr.;Navn;Gruppe;Adresse;Postnr.;By;Land;Telefon;E-mail;CVR-nr.;EAN-nr.;Valuta;Betalingsbetingelse;Saldo",
    "8101;Bøgh & Sønner A/S;Erhverv;Østergade 5;1100;København K;Danmark;33 12 34 56;faktura@bogh.example.dk;"
    "29876543;5790001234567;DKK;Løbende måned + 30 dage;12.345,67",
    "8102;Jens Ærtebjerg;Private;Ågade 2, st. th.;2200;København N;Danmark;;jens@example.dk;;;DKK;"
    "Netto 8 dage;1.000,00",
)
ECONOMIC_ENTRIES = (
    "Dato;Bilag;Tekst;Debitor;Forfaldsdato;Beløb;Restbeløb;Valuta",
    "02.01.2026;81201;Faktura 81201;8101;01.02.2026;12.345,67;12.345,67;DKK",
    "05.01.2026;81202;Faktura 81202;8102;13.01.2026;1.500,00;1.000,00;DKK",
    "10.01.2026;85001;Indbetaling;8102;10.01.2026;-500,00;0,00;DKK",
)
BILLY = (
    "Invoice no.,Date,Due date,Customer,Customer no.,Amount,Balance,Currency,State",
    'INV-0001,2026-01-04,2026-01-18,Nordic Widgets ApS,C-9,"2,500.00","2,500.00",DKK,approved',
    'INV-0002,2026-01-05,2026-01-19,Nordic Widgets ApS,C-9,"300.00","0.00",DKK,paid',
)


@pytest.mark.parametrize(
    ("files", "imported"),
    [
        ({"debitorer.csv": ECONOMIC_DEBTORS, "poster.csv": ECONOMIC_ENTRIES}, "2 customers, 2 agreements, 2 invoices"),
        ({"billy.csv": BILLY}, "1 customers, 1 agreements, 1 invoices"),
    ],
)
def test_other_real_looking_exports_import_and_then_change_nothing(
    api: LocalApi, tmp_path: Path, files: dict[str, tuple[str, ...]], imported: str
):
    # Given an e-conomic debtor list with open entries (Windows-1252, ;), or a Billy invoice list (UTF-8, ,)
    paths = [export(tmp_path / name, rows[0], *rows[1:]) for name, rows in files.items()]
    # When it is imported, and imported again
    code, out, err = run(api, *paths)
    again = run(api, *paths)
    # Then it comes in, and the second time nothing changes
    assert code == 0 and f"imported {imported}" in out, err
    assert again[0] == 0 and "no changes" in again[1], again


def test_a_header_without_rows_imports_nothing_and_says_so(api: LocalApi, tmp_path: Path):
    path = export(tmp_path / "tom.csv", HEADER)
    code, out, _ = run(api, path)
    assert code == 0 and "nothing to import: the files have a header and no rows" in out


class WithoutSource:
    """An API from before payments had a source: it refuses the field, as a strict model does."""

    def __init__(self, api: LocalApi) -> None:
        self.api = api
        self.refused = 0

    def request(self, method: str, path: str, body: object = None, query: dict[str, str] | None = None):
        if method == "POST" and path == "/payments" and isinstance(body, dict) and "source" in body:
            self.refused += 1
            return 422, {"error": "invalid", "field": "source", "reason": "Extra inputs are not permitted"}
        return self.api.request(method, path, body, query)


def test_an_api_without_a_payment_source_still_gets_the_payment(api: LocalApi, tmp_path: Path):
    assert run(api, export(tmp_path / "a.csv", HEADER, "W1;9001;Vera Ek;05-01-2026;19-01-2026;100,00;100,00"))[0] == 0
    older = WithoutSource(api)
    code, out, err = run(
        older, export(tmp_path / "b.csv", HEADER, "W1;9001;Vera Ek;05-01-2026;19-01-2026;100,00;30,00")
    )
    assert code == 0 and older.refused == 1, err
    assert "- payment 70,00 on invoice W1" in out and get(api, "/invoices/W1")["open_amount"] == "30.00"
