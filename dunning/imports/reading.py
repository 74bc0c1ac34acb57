"""Reading an export file into records: the encoding (UTF-8 with or without BOM, UTF-16,
Windows-1252/ISO-8859-1), the delimiter (``;``, ``,``, tab, ``|``), the header line, and every
record with the file line it starts on and each value under the header as written in the file."""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dunning.imports.headers import field_of, normalise

DELIMITERS = (";", ",", "\t", "|")


class Unreadable(ValueError):
    """The file cannot be read as an export at all (exit code 2)."""


@dataclass(frozen=True)
class Cell:
    header: str  # the column as written in the file
    value: Any  # a str from CSV; JSON keeps its numbers, booleans and objects


@dataclass(frozen=True)
class Record:
    source: str
    line: int
    cells: dict[str, Cell]  # by import field
    kind: str | None = None  # the JSON section ("customers", ...) when the file says


@dataclass
class ExportFile:
    """One file read: its records, how it was read, and what the reading noticed."""

    source: str
    digest: str  # sha256 of the bytes: payments derived from this file carry it
    encoding: str
    delimiter: str | None
    header_line: int
    fields: dict[str, str]  # import field -> the header as written
    records: list[Record]
    ignored: list[str] = field(default_factory=list)  # columns the import does not use
    skipped: list[int] = field(default_factory=list)  # lines of totals ("I alt"), not rows
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, column, expected)


def decode(data: bytes, source: str, encoding: str | None) -> tuple[str, str]:
    """The text and the encoding it was read with: ``encoding`` if given, else detected."""
    if data.startswith(b"PK\x03\x04") or data.startswith(b"\xd0\xcf\x11\xe0"):
        raise Unreadable(f"{source}: this is a spreadsheet workbook, not CSV; save it as CSV (semicolon separated)")
    if encoding:
        try:
            return data.decode(encoding), encoding
        except LookupError as error:
            raise Unreadable(f"{source}: unknown encoding {encoding!r} (try utf-8 or cp1252)") from error
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            raise Unreadable(
                f"{source}:{line}: not {encoding} (byte 0x{data[error.start]:02x}); "
                "leave out --encoding to detect it, or try --encoding cp1252"
            ) from error
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16"), "utf-16"
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data.decode("utf-8-sig"), "utf-8-sig"
        except UnicodeDecodeError as error:
            line = data.count(b"\n", 0, error.start) + 1
            raise Unreadable(f"{source}:{line}: starts as UTF-8 but is not; give --encoding") from error
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:  # what Danish Windows and Excel write; its few undefined bytes fall back to ISO-8859-1
        return data.decode("cp1252"), "windows-1252"
    except UnicodeDecodeError:
        return data.decode("latin-1"), "iso-8859-1"


def _count_outside_quotes(line: str, delimiter: str) -> int:
    count, quoted = 0, False
    for char in line:
        if char == '"':
            quoted = not quoted
        elif char == delimiter and not quoted:
            count += 1
    return count


def _known(cells: list[str]) -> int:
    return sum(1 for cell in cells if field_of(cell) is not None)


def _header(lines: list[str], forced: str | None) -> tuple[int, str]:
    """The header's index among the first lines and the delimiter: the line naming most known columns."""
    best: tuple[int, int, str] | None = None
    for index, line in enumerate(lines[:15]):
        if not line.strip():
            continue
        for delimiter in (forced,) if forced else DELIMITERS:
            cells = next(csv.reader([line], delimiter=delimiter))
            score = _known(cells)
            if score and (best is None or score > best[0]):
                best = (score, index, delimiter)
    if best is None:
        first = next((i for i, line in enumerate(lines) if line.strip()), 0)
        counts = {d: _count_outside_quotes(lines[first], d) for d in DELIMITERS} if lines else {}
        delimiter = forced or max(counts, key=lambda d: counts[d], default=",")
        return first, delimiter
    return best[1], best[2]


def read_csv(source: str, text: str) -> tuple[int, str, list[str], list[tuple[int, list[str]]]]:
    """(header line, delimiter, header cells, [(line, cells)]) of CSV text; blank lines skipped."""
    lines = text.splitlines()
    forced = None
    if lines and lines[0].lower().startswith("sep=") and len(lines[0].strip()) == 5:  # Excel's hint line
        forced = lines[0].strip()[4]
    start, delimiter = _header(lines[1:] if forced else lines, forced)
    start += 1 if forced else 0
    reader = csv.reader(io.StringIO("\n".join(lines[start:])), delimiter=delimiter)
    try:
        header = next(reader, [])
        rows: list[tuple[int, list[str]]] = []
        line = start + 2
        for cells in reader:
            if any(cell.strip() for cell in cells):
                rows.append((line, cells))
            line = start + reader.line_num + 1
    except csv.Error as error:
        raise Unreadable(f"{source}:{start + reader.line_num}: {error}") from error
    return start + 1, delimiter, header, rows


def read_file(path: Path, encoding: str | None = None) -> ExportFile:
    """An export file (CSV, or JSON as this importer has always read) as records under import fields."""
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as error:
        raise Unreadable(f"{source}: {error.strerror or error}") from error
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        raise Unreadable(f"{source}: the file is empty")
    text, used = decode(data, source, encoding)
    if path.suffix.lower() == ".json" or text.lstrip()[:1] in ("{", "["):
        return _read_json(source, digest, text, used)
    header_line, delimiter, header, rows = read_csv(source, text)
    export = ExportFile(source, digest, used, delimiter, header_line, {}, [])
    columns: list[str | None] = []
    for name in header:
        found = field_of(name)
        if found == "customer_no" and normalise(name) in NAME_OR_NUMBER and _names_a_number(header, name):
            found = "name"  # Billy's "Customer" beside "Customer no.": the name
        if found is not None and found in export.fields:  # "Beløb" and "Beløb inkl. moms": the first counts
            export.ignored.append(f"{name.strip()} (a second column for {export.fields[found]})")
            found = None
        elif found is not None:
            export.fields[found] = name.strip()
        elif name.strip():
            export.ignored.append(name.strip())
        columns.append(found)
    if not export.fields:
        raise Unreadable(
            f"{source}:{header_line}: no column the import knows (like Kundenr., Navn, Fakturanr., Beløb); "
            "see docs/import.md for the header map"
        )
    ids = [index for index, found in enumerate(columns) if found in ("customer_no", "invoice_no", "id")]
    for line, cells in rows:
        if _total_line(cells, ids):
            export.skipped.append(line)
            continue
        extra = [cell for cell in cells[len(header) :] if cell.strip()]
        if extra:
            export.problems.append(
                (line, "(after the last column)", f"{len(header)} columns as in the header, not {len(cells)}")
            )
            continue
        values = {
            found: Cell(header[index].strip(), cells[index] if index < len(cells) else "")
            for index, found in enumerate(columns)
            if found is not None
        }
        export.records.append(Record(source, line, values))
    return export


TOTALS = {"i alt", "total", "totalt", "sum", "saldo", "total dkk", "i alt dkk", "subtotal"}


def _total_line(cells: list[str], ids: list[int]) -> bool:
    """A sum line under the rows ("I alt"): no id of its own, and a cell that says it is a total."""
    if any(index < len(cells) and cells[index].strip() for index in ids):
        return False
    return any(cell.strip().lower().rstrip(":") in TOTALS for cell in cells)


# Headers that are the customer's number alone and the customer's name beside a number column.
NAME_OR_NUMBER = {"customer", "kunde", "debitor", "debtor"}


def _names_a_number(header: list[str], name: str) -> bool:
    others = [other for other in header if other != name and field_of(other) == "customer_no"]
    return bool(others) and not any(field_of(other) == "name" for other in header)


def _read_json(source: str, digest: str, text: str, encoding: str) -> ExportFile:
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise Unreadable(f"{source}:{error.lineno}: not valid JSON: {error.msg}") from error
    sections = document if isinstance(document, dict) else {"": document}
    exports = ExportFile(source, digest, encoding, None, 1, {}, [])
    for section, items in sections.items():
        if not isinstance(items, list):
            raise Unreadable(f"{source}: {section!r} is a list of objects, not {type(items).__name__}")
        for number, item in enumerate(items, start=1):
            line = _json_line(text, section, number)
            if not isinstance(item, dict):
                exports.problems.append((line, section or "item", "an object with named fields"))
                continue
            cells = {}
            for key, value in item.items():
                found = field_of(str(key))
                if found is None:
                    if str(key) not in exports.ignored:
                        exports.ignored.append(str(key))
                    continue
                exports.fields.setdefault(found, str(key))
                cells[found] = Cell(str(key), value)
            exports.records.append(Record(source, line, cells, section or None))
    return exports


def _json_line(text: str, section: str, number: int) -> int:
    """The line an item of a JSON list starts on (items counted by their opening brace)."""
    start = text.find(f'"{section}"') if section else 0
    depth, seen, line = 0, 0, text.count("\n", 0, max(start, 0)) + 1
    for char in text[max(start, 0) :]:
        if char == "\n":
            line += 1
        elif char == "{":
            depth += 1
            if depth == 1:
                seen += 1
                if seen == number:
                    return line
        elif char == "}":
            depth -= 1
    return number
