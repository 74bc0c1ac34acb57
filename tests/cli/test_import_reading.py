"""Reading export files: encodings, delimiters, header lines, short rows, and every bad row named
``file:line: column: what was expected`` (no API: the rows as the import reads them)."""

from decimal import Decimal
from pathlib import Path

import pytest

from dunning.imports.reading import Unreadable, read_file
from dunning.imports.rows import read_items

DEBTORS = [
    ["Kundenr.", "Navn", "Adresse", "Postnr.", "By", "E-mail", "CVR"],
    ["1001", "Søren Ærø", "Åboulevarden 12", "8000", "Aarhus C", "soren@example.dk", ""],
    ["1002", "Hansen & Søn ApS", "Industrivej 4, 2. sal", "7100", "Vejle", "", "DK12345678"],
]


def write(path: Path, rows: list[list[str]], delimiter: str, encoding: str, bom: bytes = b"") -> Path:
    def cell(value: str) -> str:
        return f'"{value}"' if delimiter in value else value

    text = "\r\n".join(delimiter.join(cell(value) for value in row) for row in rows) + "\r\n"
    path.write_bytes(bom + text.encode(encoding))
    return path


@pytest.mark.parametrize("delimiter", [";", ",", "\t"])
@pytest.mark.parametrize(
    ("encoding", "bom", "detected"),
    [
        ("utf-8", b"", "utf-8"),
        ("utf-8", b"\xef\xbb\xbf", "utf-8-sig"),
        ("cp1252", b"", "windows-1252"),
        ("latin-1", b"", "windows-1252"),  # ISO-8859-1's letters are Windows-1252's
        ("utf-16", b"", "utf-16"),  # Excel's "Unicode text"
    ],
)
def test_a_debtor_list_reads_in_every_encoding_and_delimiter(
    tmp_path: Path, delimiter: str, encoding: str, bom: bytes, detected: str
):
    # Given a Danish debtor list with æøå, written in the encoding and with the delimiter
    path = write(tmp_path / "debitorer.csv", DEBTORS, delimiter, encoding, bom)
    # When it is read
    export = read_file(path)
    items = read_items([export], None)
    # Then the encoding and delimiter are detected and the names, addresses and CVR come through
    assert (export.encoding, export.delimiter) == (detected, delimiter)
    assert items.problems == []
    first, second = items.customers
    assert first.id == "1001" and first.fields["name"] == "Søren Ærø"
    assert first.fields["address"] == {
        "lines": ["Åboulevarden 12"],
        "postcode": "8000",
        "city": "Aarhus C",
        "country": "DK",
    }
    assert "business" not in first.fields and second.fields["business"] is True  # the CVR makes it B2B
    assert second.fields["address"]["lines"] == ["Industrivej 4, 2. sal"]


def test_an_encoding_given_is_used_and_a_wrong_one_is_named_with_the_line(tmp_path: Path):
    path = write(tmp_path / "d.csv", DEBTORS, ";", "cp1252")
    assert read_items([read_file(path, "iso-8859-1")], None).customers[0].fields["name"] == "Søren Ærø"
    with pytest.raises(Unreadable, match=r"d\.csv:2: not utf-8 \(byte 0xf8\)"):
        read_file(path, "utf-8")
    with pytest.raises(Unreadable, match="unknown encoding 'klingon'"):
        read_file(path, "klingon")


def test_a_title_line_excels_sep_line_short_rows_and_blank_lines_are_read(tmp_path: Path):
    # Given an export with a title, Excel's sep= hint, a blank line, a short row and a trailing empty cell
    path = tmp_path / "kunder.csv"
    path.write_text(
        "sep=;\nDebitorliste januar 2026\n\nKundenr.;Navn;E-mail;Telefon\n"
        "1001;Anna Berg\n\n1002;Bo Holm;bo@example.dk;20 12 34 56;\n",
        encoding="utf-8",
    )
    # When it is read
    export = read_file(path)
    items = read_items([export], None)
    # Then the header is found below the title, the short row is padded, and lines are the file's
    assert export.header_line == 4 and export.delimiter == ";"
    assert items.problems == []
    assert [(c.record.line, c.id, c.fields) for c in items.customers] == [
        (5, "1001", {"name": "Anna Berg"}),
        (7, "1002", {"name": "Bo Holm", "email": "bo@example.dk", "phone": "20123456"}),
    ]


def test_a_quoted_cell_over_two_lines_keeps_the_next_rows_line_numbers(tmp_path: Path):
    path = tmp_path / "k.csv"
    path.write_text('Kundenr.,Navn,Adresse\n1,"Anna\nBerg",x\n2,,y\n', encoding="utf-8")
    problems = [str(p) for p in read_items([read_file(path)], None).problems]
    assert any(p.startswith(f"{path}:4: Navn: the customer's name") for p in problems), problems


def test_a_workbook_or_a_file_without_known_columns_is_unreadable(tmp_path: Path):
    (tmp_path / "x.csv").write_bytes(b"PK\x03\x04rest-of-a-zip")
    with pytest.raises(Unreadable, match="save it as CSV"):
        read_file(tmp_path / "x.csv")
    (tmp_path / "y.csv").write_text("foo;bar\n1;2\n")
    with pytest.raises(Unreadable, match=r"y\.csv:1: no column the import knows"):
        read_file(tmp_path / "y.csv")
    (tmp_path / "empty.csv").write_bytes(b"\r\n")
    with pytest.raises(Unreadable, match=r"empty\.csv: the file is empty"):
        read_file(tmp_path / "empty.csv")
    with pytest.raises(Unreadable, match="No such file"):
        read_file(tmp_path / "missing.csv")


INVOICES = "Fakturanr.;Kundenr.;Dato;Forfaldsdato;Beløb;Restbeløb\n"


def test_every_bad_row_is_named_by_file_line_and_the_column_as_written(tmp_path: Path):
    # Given an invoice list with one mistake per row
    path = tmp_path / "fakturaer.csv"
    path.write_text(
        INVOICES + "F1;1001;15-01-2026;29-01-2026;1.250,00;1.250,00\n"  # fine
        "F2;1001;15-01-2026;29-01-2026;12,5x;\n"  # amount
        "F3;1001;32-01-2026;29-01-2026;100,00;\n"  # date
        "F4;1001;15-01-2026;01-01-2026;100,00;\n"  # due before date
        "F5;;15-01-2026;29-01-2026;100,00;\n"  # no customer
        "F6;1001;15-01-2026;29-01-2026;100,00;150,00\n"  # remaining above the amount
        "F 7;1001;15-01-2026;29-01-2026;100,00;\n"  # an id with a space
        "F1;1001;15-01-2026;29-01-2026;100,00;\n"  # twice
        "F8;1001;15-01-2026;29-01-2026;100,00;;extra\n"  # a cell beyond the header
        "F9;1001;15-01-2026;;100,00\n",  # no due date (a short row)
        encoding="utf-8",
    )
    # When it is read
    items = read_items([read_file(path)], None)
    # Then each bad row is one line: file:line: column: what was expected
    found = sorted(str(p).removeprefix(f"{path}:") for p in items.problems)
    assert found == [
        "10: (after the last column): 6 columns as in the header, not 7",
        "11: Forfaldsdato: the invoice's due date: a date like 15-01-2026, 15.01.2026 or 2026-01-15",
        "3: Beløb: an amount like 1.250,00 or 1250.00, not '12,5x'",
        "4: Dato: a date like 15-01-2026, 15.01.2026 or 2026-01-15 (day-month-year), not '32-01-2026': "
        "day is out of range for month",
        "5: Forfaldsdato: a due date on or after the invoice's date (15-01-2026)",
        "6: Kundenr.: the customer's number (or an agreement column)",
        "7: Restbeløb: a remaining amount from 0,00 to the invoice's 100.00",
        "8: Fakturanr.: an id of at most 64 letters, digits and _.:/- (no spaces), not 'F 7'",
        "9: Fakturanr.: 'F1' appears twice (first at line 2)",
    ]
    assert [i.id for i in items.invoices] == ["F1"]


def test_a_negative_amount_is_a_credit_note_and_another_currency_is_refused(tmp_path: Path):
    path = tmp_path / "poster.csv"
    path.write_text(
        "Bilagsnr.;Kundenr.;Type;Dato;Forfaldsdato;Beløb;Valuta\n"
        "K1;1001;;15-01-2026;15-01-2026;-75,50;DKK\n"
        "K2;1001;Kreditnota;15-01-2026;;100,00;DKK\n"
        "B1;1001;Betaling;16-01-2026;;-300,00;\n"
        "F1;1001;Faktura;15-01-2026;29-01-2026;100,00;EUR\n"
        "F2;1001;Rykker;15-01-2026;29-01-2026;100,00;\n",
        encoding="utf-8",
    )
    items = read_items([read_file(path)], None)
    assert [(e.kind, e.id, str(e.amount)) for e in items.entries] == [
        ("credit_note", "K1", "75.50"),
        ("credit_note", "K2", "100.00"),
        ("payment", "B1", "300.00"),
    ]
    assert sorted(str(p).removeprefix(f"{path}:") for p in items.problems) == [
        "5: Valuta: DKK (reminders are in kroner), not 'EUR'",
        "6: Type: Faktura, Kreditnota or Betaling, not 'Rykker'",
    ]


def test_an_invoice_list_with_customer_columns_brings_its_customers_once(tmp_path: Path):
    # Given an invoice list that repeats each customer's name and address on every invoice
    path = tmp_path / "dinero.csv"
    path.write_text(
        "Nummer,Kundenummer,Kontakt,Adresse,Postnummer,By,Dato,Forfaldsdato,Beløb\n"
        '1,D-1,Jørgensen ApS,"Havnegade 21, 1. sal",5000,Odense C,2026-01-03,2026-01-17,"4.375,00"\n'
        '2,D-1,Jørgensen ApS,"Havnegade 21, 1. sal",5000,Odense C,2026-01-04,2026-01-18,"100,00"\n'
        '3,D-1,Jørgensen A/S,"Havnegade 21, 1. sal",5000,Odense C,2026-01-04,2026-01-18,"100,00"\n',
        encoding="utf-8",
    )
    items = read_items([read_file(path)], None)
    # Then the customer comes once, and a row that names them differently is refused
    assert [(c.id, c.fields["name"]) for c in items.customers] == [("D-1", "Jørgensen ApS")]
    assert [str(p).removeprefix(f"{path}:") for p in items.problems] == [
        "4: Kontakt: the same as for customer D-1 at line 2 ('Jørgensen ApS'), not 'Jørgensen A/S'"
    ]


def test_an_address_is_complete_or_absent_and_long_lines_are_wrapped_for_the_slip(tmp_path: Path):
    path = tmp_path / "k.csv"
    path.write_text(
        "Kundenr.;Navn;Adresse;Postnr.;By;Land\n"
        "1;Anna;Vestergade 1;;Aarhus;\n"
        "2;Bo;Vestergade 1;80000;Aarhus;\n"
        "3;Carl;Industrivej 123, bygning B, 2. sal, lokale 4;8000;Aarhus C;\n"
        "4;Dora;Storgatan 3;211 34;Malmö;Sverige\n",
        encoding="utf-8",
    )
    items = read_items([read_file(path)], None)
    assert sorted(str(p).removeprefix(f"{path}:") for p in items.problems) == [
        "2: Postnr.: a complete address (street, postcode and city) or none; postcode is empty",
        "3: Postnr.: a Danish postcode has 4 digits, not '80000'",
    ]
    carl, dora = items.customers
    assert carl.fields["address"]["lines"] == ["Industrivej 123, bygning B, 2. sal", "lokale 4"]
    assert dora.fields["address"]["country"] == "SE" and dora.fields["language"] == "en"


def test_a_total_line_and_a_second_amount_column_are_left_out_and_said(tmp_path: Path):
    # Given an invoice list with "Beløb" and "Beløb inkl. moms", and a sum line under the rows
    path = tmp_path / "fakturaer.csv"
    path.write_text(
        "Fakt.nr.;Kunde nr.;Fakturadato;Forf. dato;Beløb;Beløb inkl. moms;Moms\n"
        "F1;1001;15. jan. 2026;29-01-2026;1.000,00;1.250,00;250,00\n"
        ";;;I alt;1.000,00;1.250,00;250,00\n",
        encoding="utf-8",
    )
    export = read_file(path)
    items = read_items([export], None)
    # Then the first amount column counts, the second and the sum line are named as left out
    assert items.problems == []
    assert [(i.id, i.customer, str(i.amount), str(i.issued)) for i in items.invoices] == [
        ("F1", "1001", "1000.00", "2026-01-15")
    ]
    assert export.ignored == ["Beløb inkl. moms (a second column for Beløb)", "Moms"]
    assert export.skipped == [3]


def test_a_paid_column_or_status_gives_the_remaining_amount_and_drafts_stay_out(tmp_path: Path):
    # Given a Dinero-style list with "Betalt" and "Status" and no remaining column
    path = tmp_path / "dinero.csv"
    path.write_text(
        "Fakturanummer,Kundenummer,Dato,Forfaldsdato,Beløb inkl. moms,Betalt,Status\n"
        '1,D-1,2026-01-03,2026-01-17,"1.000,00","400,00",Delvist betalt\n'
        "2,D-1,2026-01-03,2026-01-17,500,Ja,Betalt\n"
        "3,D-1,2026-01-03,2026-01-17,500,,Forfalden\n"
        "4,D-1,2026-01-03,2026-01-17,500,,Kladde\n"
        "5,D-1,2026-01-03,2026-01-17,500,,Betalt\n"
        "6,D-1,2026-01-03,2026-01-17,500,12-01-2026,\n"
        "7,D-1,2026-01-03,2026-01-17,0,,\n"
        "8,D-1,2026-01-03,2026-01-17,500,måske,\n",
        encoding="utf-8",
    )
    items = read_items([read_file(path)], None)
    # Then what remains is read from what was paid, drafts and zero invoices are left out and named
    assert [(i.id, i.open_amount) for i in items.invoices] == [
        ("1", Decimal("600.00")),
        ("2", Decimal(0)),
        ("3", None),
        ("5", Decimal(0)),
        ("6", Decimal(0)),
    ]
    assert items.left_out == {"drafts": ["4"], "amount 0,00": ["7"]}
    assert [str(p).removeprefix(f"{path}:") for p in items.problems] == [
        "9: Betalt: the amount paid, ja/nej or the date paid, not 'måske'"
    ]
